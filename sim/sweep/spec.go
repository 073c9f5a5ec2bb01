package sweep

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Axis is one varied setting and its values, in order.
type Axis struct {
	Key    string
	Values []string
}

// maxValues bounds an axis and a seed list.
const maxValues = 100000

// ParseAxis reads an axis written as key=v1;v2;… (values may contain commas, as
// decays=0.5:3,0.9:2 does), key=range(lo,hi,n) for n values evenly spaced from lo to
// hi, or key=logrange(lo,hi,n) for n values evenly spaced in log scale.
func ParseAxis(s string) (Axis, error) {
	key, vals, ok := strings.Cut(s, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return Axis{}, fmt.Errorf("sweep: axis %q: want key=v1;v2;…, key=range(lo,hi,n) or key=logrange(lo,hi,n)", s)
	}
	switch key {
	case "seed", "data_seed":
		return Axis{}, fmt.Errorf("sweep: axis %q: vary seeds with -seeds and -data-seeds", s)
	}
	vals = strings.TrimSpace(vals)
	for _, fn := range []string{"range(", "logrange("} {
		if !strings.HasPrefix(vals, fn) || !strings.HasSuffix(vals, ")") {
			continue
		}
		args := strings.Split(vals[len(fn):len(vals)-1], ",")
		if len(args) != 3 {
			return Axis{}, fmt.Errorf("sweep: axis %s: %s takes lo,hi,n", key, strings.TrimSuffix(fn, "("))
		}
		lo, err1 := strconv.ParseFloat(strings.TrimSpace(args[0]), 64)
		hi, err2 := strconv.ParseFloat(strings.TrimSpace(args[1]), 64)
		n, err3 := strconv.Atoi(strings.TrimSpace(args[2]))
		if err1 != nil || err2 != nil || err3 != nil || math.IsInf(lo, 0) || math.IsInf(hi, 0) || n < 1 || n > maxValues {
			return Axis{}, fmt.Errorf("sweep: axis %s: %s: lo and hi finite numbers, n in [1, %d]", key, vals, maxValues)
		}
		logScale := fn == "logrange("
		if logScale && !(lo > 0 && hi > 0) {
			return Axis{}, fmt.Errorf("sweep: axis %s: %s: logrange needs lo, hi > 0", key, vals)
		}
		a := Axis{Key: key}
		for i := range n {
			t := 0.0
			if n > 1 {
				t = float64(i) / float64(n-1)
			}
			v := lo + t*(hi-lo)
			if logScale {
				v = lo * math.Pow(hi/lo, t)
			}
			if i == n-1 {
				v = hi
			}
			a.Values = append(a.Values, strconv.FormatFloat(v, 'g', 12, 64)) // 12 digits: no 0.30000000000000004
		}
		return a, nil
	}
	a := Axis{Key: key}
	for _, v := range strings.Split(vals, ";") {
		a.Values = append(a.Values, strings.TrimSpace(v))
	}
	if len(a.Values) > maxValues {
		return Axis{}, fmt.Errorf("sweep: axis %s: %d values, at most %d", key, len(a.Values), maxValues)
	}
	return a, nil
}

// ParseSeeds reads seeds written as a list and ranges: 1-10, 1,2,5 or 1-3,7.
func ParseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.ParseUint(strings.TrimSpace(a), 10, 64)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.ParseUint(strings.TrimSpace(b), 10, 64)
		}
		if err1 != nil || err2 != nil || hi < lo || hi > 1<<53-1 {
			return nil, fmt.Errorf("sweep: seeds %q: want N, A-B with A ≤ B, or a comma-separated list of them, in [0, 9007199254740991]", s)
		}
		if hi-lo >= maxValues || len(out)+int(hi-lo+1) > maxValues {
			return nil, fmt.Errorf("sweep: seeds %q: more than %d seeds", s, maxValues)
		}
		for v := lo; v <= hi; v++ {
			out = append(out, v)
		}
	}
	return out, nil
}

// Spec describes a sweep: every combination of the axes' values (a grid cell), on
// every data seed, with every seed. A run's settings are, in order: the scenario
// (the "scenario" axis when there is one, else Scenario), the fixed settings, the
// other axes' values, then data_seed and seed.
type Spec struct {
	Scenario  string
	Fixed     [][2]string
	Axes      []Axis
	DataSeeds []uint64 // empty: the scenario's own draw
	Seeds     []uint64
	At        []float64 // fractions of the run whose snapshot the runs file keeps too
}

// Validate checks the spec's shape; the settings themselves are checked by the
// first run that uses them.
func (s *Spec) Validate() error {
	if s.Scenario == "" && !s.hasAxis("scenario") {
		return fmt.Errorf("sweep: no scenario: give -scenario NAME or an axis scenario=A;B")
	}
	if len(s.Seeds) == 0 {
		return fmt.Errorf("sweep: no seeds")
	}
	seen := map[string]bool{}
	for _, a := range s.Axes {
		if seen[a.Key] {
			return fmt.Errorf("sweep: axis %s given twice", a.Key)
		}
		seen[a.Key] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("sweep: axis %s has no values", a.Key)
		}
	}
	for _, f := range s.At {
		if !(f >= 0 && f <= 1) {
			return fmt.Errorf("sweep: at %g out of range [0, 1]", f)
		}
	}
	if s.Runs() > 1<<30 {
		return fmt.Errorf("sweep: %d runs, at most %d", s.Runs(), 1<<30)
	}
	return nil
}

func (s *Spec) hasAxis(key string) bool {
	for _, a := range s.Axes {
		if a.Key == key {
			return true
		}
	}
	return false
}

// Cells returns the number of grid cells.
func (s *Spec) Cells() int {
	n := 1
	for _, a := range s.Axes {
		n *= len(a.Values)
		if n > 1<<31 {
			return n
		}
	}
	return n
}

func (s *Spec) dataSeeds() int { return max(1, len(s.DataSeeds)) }

// Runs returns the number of runs.
func (s *Spec) Runs() int { return s.Cells() * s.dataSeeds() * len(s.Seeds) }

// CellValues returns the axes' values of cell c, the first axis varying slowest.
func (s *Spec) CellValues(c int) []string {
	out := make([]string, len(s.Axes))
	for i := len(s.Axes) - 1; i >= 0; i-- {
		n := len(s.Axes[i].Values)
		out[i] = s.Axes[i].Values[c%n]
		c /= n
	}
	return out
}

// Point is one run of a sweep.
type Point struct {
	Run, Cell int
	Values    []string // the axes' values
	DataSeed  string   // the data seed, or "default" for the scenario's own
	Seed      uint64
}

// Point returns run i: cell i / (data seeds × seeds), then the data seed, then the seed.
func (s *Spec) Point(i int) Point {
	ns, nd := len(s.Seeds), s.dataSeeds()
	p := Point{Run: i, Cell: i / (ns * nd), Seed: s.Seeds[i%ns], DataSeed: "default"}
	if len(s.DataSeeds) > 0 {
		p.DataSeed = strconv.FormatUint(s.DataSeeds[(i/ns)%nd], 10)
	}
	p.Values = s.CellValues(p.Cell)
	return p
}

// Settings returns the settings of run p in the order they apply.
func (s *Spec) Settings(p Point) [][2]string {
	scenario := s.Scenario
	for i, a := range s.Axes {
		if a.Key == "scenario" {
			scenario = p.Values[i]
		}
	}
	out := [][2]string{{"scenario", scenario}}
	out = append(out, s.Fixed...)
	for i, a := range s.Axes {
		if a.Key != "scenario" {
			out = append(out, [2]string{a.Key, p.Values[i]})
		}
	}
	if p.DataSeed != "default" {
		out = append(out, [2]string{"data_seed", p.DataSeed})
	}
	return append(out, [2]string{"seed", strconv.FormatUint(p.Seed, 10)})
}

// String writes the spec as the text of the sweep file: one item per line, so that
// two processes of the same sweep agree on it byte for byte.
func (s *Spec) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "scenario %s\n", s.Scenario)
	for _, kv := range s.Fixed {
		fmt.Fprintf(&sb, "set %s=%s\n", kv[0], kv[1])
	}
	for _, a := range s.Axes {
		fmt.Fprintf(&sb, "vary %s=%s\n", a.Key, strings.Join(a.Values, ";"))
	}
	fmt.Fprintf(&sb, "data-seeds %s\n", formatSeeds(s.DataSeeds))
	fmt.Fprintf(&sb, "seeds %s\n", formatSeeds(s.Seeds))
	at := make([]string, len(s.At))
	for i, f := range s.At {
		at[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	fmt.Fprintf(&sb, "at %s\n", strings.Join(at, ","))
	fmt.Fprintf(&sb, "runs %d\n", s.Runs())
	return sb.String()
}

// formatSeeds writes seeds compactly, runs of consecutive seeds as A-B.
func formatSeeds(seeds []uint64) string {
	if len(seeds) == 0 {
		return "default"
	}
	var parts []string
	for i := 0; i < len(seeds); {
		j := i
		for j+1 < len(seeds) && seeds[j+1] == seeds[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", seeds[i], seeds[j]))
		} else {
			parts = append(parts, strconv.FormatUint(seeds[i], 10))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
