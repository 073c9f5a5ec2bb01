package sweep

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Stat summarizes one metric over the runs of one grid cell. Diverged runs and runs
// where the metric does not apply are left out of N and of the statistics.
type Stat struct {
	Cell     int
	Values   []string // the axes' values
	Metric   string
	Runs     int // runs in the cell
	Diverged int
	N        int     // finite values
	Mean, SD float64 // sample standard deviation (0 for one value)
	Median   float64
	// GMean and GSD are the geometric mean and geometric standard deviation
	// exp(sd(log x)), for losses only (else NaN).
	GMean, GSD float64
	Min, Max   float64
}

// Summarize returns the statistics of every cell and metric column (final and
// intermediate) of the given runs-file rows, cells in order, metrics in column order;
// a metric with no finite value in a cell is left out.
func (s *Spec) Summarize(rows map[int]string) []Stat {
	header := s.Header()
	start := s.metricStart()
	perCell := s.dataSeeds() * len(s.Seeds)
	var out []Stat
	for c := range s.Cells() {
		var fields [][]string
		diverged := 0
		for i := c * perCell; i < (c+1)*perCell; i++ {
			r, ok := rows[i]
			if !ok {
				continue
			}
			f := splitCSV(strings.TrimSuffix(r, "\n"))
			fields = append(fields, f)
			if f[start-5] == "1" {
				diverged++
			}
		}
		for col := start; col < len(header); col++ {
			var v []float64
			for _, f := range fields {
				if x := parseFloatField(f[col]); !math.IsNaN(x) && !math.IsInf(x, 0) {
					v = append(v, x)
				}
			}
			if len(v) == 0 {
				continue
			}
			metric := header[col]
			st := Stat{Cell: c, Values: s.CellValues(c), Metric: metric, Runs: len(fields), Diverged: diverged, N: len(v),
				GMean: math.NaN(), GSD: math.NaN()}
			st.Mean, st.SD = meanSD(v)
			st.Median = median(v)
			st.Min, st.Max = slices.Min(v), slices.Max(v)
			base, _, _ := strings.Cut(metric, "@")
			if IsLoss(base) && st.Min > 0 {
				logs := make([]float64, len(v))
				for i, x := range v {
					logs[i] = math.Log(x)
				}
				m, sd := meanSD(logs)
				st.GMean, st.GSD = math.Exp(m), math.Exp(sd)
			}
			out = append(out, st)
		}
	}
	return out
}

func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

func median(v []float64) float64 {
	w := slices.Clone(v)
	slices.Sort(w)
	n := len(w)
	if n%2 == 1 {
		return w[n/2]
	}
	return (w[n/2-1] + w[n/2]) / 2
}

// Pair compares one value of the first axis with its first value: over the runs that
// match in every other coordinate (other axes, data seed, seed) and where the metric
// is finite in both, how often it is lower.
type Pair struct {
	Metric          string
	Value, Baseline string
	Pairs, Lower    int
}

// Paired returns the pairs of every value of the first axis after its first with the
// first, for every final metric, or nil when the first axis has one value.
func (s *Spec) Paired(rows map[int]string) []Pair {
	if len(s.Axes) == 0 || len(s.Axes[0].Values) < 2 {
		return nil
	}
	stride := s.Runs() / len(s.Axes[0].Values)
	start := s.metricStart()
	parsed := map[int][]string{}
	field := func(i int) []string {
		if f, ok := parsed[i]; ok {
			return f
		}
		r, ok := rows[i]
		if !ok {
			return nil
		}
		f := splitCSV(strings.TrimSuffix(r, "\n"))
		parsed[i] = f
		return f
	}
	var out []Pair
	for k, metric := range Metrics {
		for v := 1; v < len(s.Axes[0].Values); v++ {
			p := Pair{Metric: metric, Value: s.Axes[0].Values[v], Baseline: s.Axes[0].Values[0]}
			for i := range stride {
				a, b := field(i+v*stride), field(i)
				if a == nil || b == nil {
					continue
				}
				x, y := parseFloatField(a[start+k]), parseFloatField(b[start+k])
				if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
					continue
				}
				p.Pairs++
				if x < y {
					p.Lower++
				}
			}
			if p.Pairs > 0 {
				out = append(out, p)
			}
		}
	}
	return out
}

// SummaryHeader returns the summary file's columns.
func (s *Spec) SummaryHeader() []string {
	h := []string{"cell"}
	for _, a := range s.Axes {
		h = append(h, a.Key)
	}
	return append(h, "metric", "runs", "diverged", "n", "mean", "sd", "median", "gmean", "gsd", "min", "max")
}

// PairedHeader is the paired file's header line.
const PairedHeader = "metric,value,baseline,pairs,lower,fraction"

func g6(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// writeSummary writes the summary and paired files of the given rows.
func (s *Spec) writeSummary(dir string, rows map[int]string) error {
	var b bytes.Buffer
	b.WriteString(strings.Join(s.SummaryHeader(), ",") + "\n")
	for _, st := range s.Summarize(rows) {
		f := []string{strconv.Itoa(st.Cell)}
		for _, v := range st.Values {
			f = append(f, csvField(v))
		}
		f = append(f, st.Metric, strconv.Itoa(st.Runs), strconv.Itoa(st.Diverged), strconv.Itoa(st.N),
			g6(st.Mean), g6(st.SD), g6(st.Median), g6(st.GMean), g6(st.GSD), g6(st.Min), g6(st.Max))
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	if err := writeAtomic(filepath.Join(dir, SummaryFile), b.Bytes()); err != nil {
		return err
	}
	b.Reset()
	b.WriteString(PairedHeader + "\n")
	for _, p := range s.Paired(rows) {
		fmt.Fprintf(&b, "%s,%s,%s,%d,%d,%s\n", p.Metric, csvField(p.Value), csvField(p.Baseline), p.Pairs, p.Lower, g6(float64(p.Lower)/float64(p.Pairs)))
	}
	return writeAtomic(filepath.Join(dir, PairedFile), b.Bytes())
}

// ReadRuns reads the runs file of a finished sweep in dir, for Summarize and Paired.
func ReadRuns(dir string) (*Spec, map[int]string, error) {
	s, err := ReadSpec(dir)
	if err != nil {
		return nil, nil, err
	}
	rows, err := s.readRows(filepath.Join(dir, RunsFile))
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		if _, err := os.Stat(filepath.Join(dir, RunsFile)); err != nil {
			return nil, nil, err
		}
	}
	return s, rows, nil
}
