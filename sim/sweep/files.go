package sweep

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The files of a sweep's folder.
const (
	SpecFile    = "sweep.txt"   // the spec, one item per line (Spec.String)
	RunsFile    = "runs.csv"    // one row per run, in run order
	SummaryFile = "summary.csv" // one row per grid cell and metric
	PairedFile  = "paired.csv"  // per value of the first axis, how often it beats the first value
	partialExt  = ".partial.csv"
)

// shardName returns the runs file of shard i of n ("runs.csv" when n is 0).
func shardName(i, n int) string {
	if n == 0 {
		return RunsFile
	}
	return fmt.Sprintf("runs-shard-%d-of-%d.csv", i, n)
}

// Header returns the runs file's column names: the run and cell index, the axes'
// keys, data_seed, seed, diverged (0 or 1), diverged_at (iteration, −1 when it did
// not), iters, eta_max (NaN unless lr_edge is set), peak_lr, the final metrics, then
// each metric at each fraction f of the run as metric@f.
func (s *Spec) Header() []string {
	h := []string{"run", "cell"}
	for _, a := range s.Axes {
		h = append(h, a.Key)
	}
	h = append(h, "data_seed", "seed", "diverged", "diverged_at", "iters", "eta_max", "peak_lr")
	h = append(h, Metrics...)
	for _, f := range s.At {
		for _, m := range Metrics {
			h = append(h, m+"@"+strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return h
}

// metricStart returns the index of the first metric column.
func (s *Spec) metricStart() int { return 2 + len(s.Axes) + 7 }

// Row returns the runs file's line of run p with result r, with its newline: what a
// sweep run elsewhere (a browser's worker) reports, so that its numbers can be
// compared with the command line's byte for byte.
func (s *Spec) Row(p Point, r Result) string { return s.row(p, r) }

// row returns the runs file's line of a finished run, with its newline.
func (s *Spec) row(p Point, r Result) string {
	f := []string{strconv.Itoa(p.Run), strconv.Itoa(p.Cell)}
	for _, v := range p.Values {
		f = append(f, csvField(v))
	}
	div := "0"
	if r.DivergedAt >= 0 {
		div = "1"
	}
	f = append(f, p.DataSeed, strconv.FormatUint(p.Seed, 10), div, strconv.Itoa(r.DivergedAt), strconv.Itoa(r.Iters),
		formatFloat(r.EtaMax), formatFloat(r.PeakLR))
	for _, v := range r.Final {
		f = append(f, formatFloat(v))
	}
	for _, ms := range r.At {
		for _, v := range ms {
			f = append(f, formatFloat(v))
		}
	}
	return strings.Join(f, ",") + "\n"
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// csvField quotes a value that holds a comma or a quote (decays, layers, points).
func csvField(v string) string {
	if strings.ContainsAny(v, ",\"\n") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

// splitCSV splits one line written by row; quoted fields are unquoted.
func splitCSV(line string) []string {
	var out []string
	for {
		if strings.HasPrefix(line, `"`) {
			var sb strings.Builder
			i := 1
			for i < len(line) {
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						sb.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				sb.WriteByte(line[i])
				i++
			}
			out = append(out, sb.String())
			line = line[i:]
		} else {
			j := strings.IndexByte(line, ',')
			if j < 0 {
				return append(out, line)
			}
			out = append(out, line[:j])
			line = line[j:]
		}
		if line == "" {
			return out
		}
		line = line[1:] // the comma
	}
}

// readRows reads the complete rows of a runs file written by this spec, keyed by run
// index: an unfinished last line (the process stopped while writing it) is dropped.
// A missing file has no rows.
func (s *Spec) readRows(path string) (map[int]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	header := strings.Join(s.Header(), ",")
	rows := map[int]string{}
	for n := 0; len(data) > 0; n++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break // unfinished
		}
		line := string(data[:i])
		data = data[i+1:]
		if n == 0 {
			if line != header {
				return nil, fmt.Errorf("sweep: %s: header %q, want %q (a different sweep: use another folder)", path, line, header)
			}
			continue
		}
		f := splitCSV(line)
		run, err := strconv.Atoi(f[0])
		if len(f) != len(s.Header()) || err != nil || run < 0 || run >= s.Runs() {
			return nil, fmt.Errorf("sweep: %s line %d: not a row of this sweep", path, n+1)
		}
		if _, dup := rows[run]; !dup {
			rows[run] = line + "\n"
		}
	}
	return rows, nil
}

// writeAtomic writes data to path through a temporary file and a rename, so that a
// reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeRuns writes the rows of the given runs, in run order, to path.
func (s *Spec) writeRuns(path string, rows map[int]string) error {
	idx := make([]int, 0, len(rows))
	for i := range rows {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	var b bytes.Buffer
	b.WriteString(strings.Join(s.Header(), ",") + "\n")
	for _, i := range idx {
		b.WriteString(rows[i])
	}
	return writeAtomic(path, b.Bytes())
}

// checkSpecFile writes the spec into dir, or checks that the one there is the same.
func checkSpecFile(dir string, s *Spec) error {
	path := filepath.Join(dir, SpecFile)
	old, err := os.ReadFile(path)
	if err == nil {
		if string(old) != s.String() {
			return fmt.Errorf("sweep: %s describes another sweep:\n%s\nthis one is:\n%s(use another -out folder, or delete it)", path, old, s.String())
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return writeAtomic(path, []byte(s.String()))
}

// ReadSpec reads the spec of a sweep folder's sweep.txt.
func ReadSpec(dir string) (*Spec, error) {
	path := filepath.Join(dir, SpecFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &Spec{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	bad := func(line string) error { return fmt.Errorf("sweep: %s: unreadable line %q", path, line) }
	for sc.Scan() {
		line := sc.Text()
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "scenario":
			s.Scenario = rest
		case "set":
			k, v, ok := strings.Cut(rest, "=")
			if !ok {
				return nil, bad(line)
			}
			s.Fixed = append(s.Fixed, [2]string{k, v})
		case "vary":
			k, v, ok := strings.Cut(rest, "=")
			if !ok {
				return nil, bad(line)
			}
			s.Axes = append(s.Axes, Axis{Key: k, Values: strings.Split(v, ";")})
		case "data-seeds", "seeds":
			var seeds []uint64
			if rest != "default" {
				if seeds, err = ParseSeeds(rest); err != nil {
					return nil, bad(line)
				}
			}
			if word == "seeds" {
				s.Seeds = seeds
			} else {
				s.DataSeeds = seeds
			}
		case "at":
			if rest == "" {
				continue
			}
			for _, a := range strings.Split(rest, ",") {
				v, err := strconv.ParseFloat(a, 64)
				if err != nil {
					return nil, bad(line)
				}
				s.At = append(s.At, v)
			}
		case "runs":
		default:
			return nil, bad(line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseFloatField reads a number of the runs file (NaN included).
func parseFloatField(v string) float64 {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return math.NaN()
	}
	return f
}
