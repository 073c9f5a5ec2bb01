package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Dataset is a regression data set: n inputs of dimension D stored row by row in X,
// and their labels Y.
type Dataset struct {
	D int       // input dimension
	X []float64 // n×D, row-major
	Y []float64 // n labels
}

// Len returns the number of samples.
func (ds *Dataset) Len() int { return len(ds.Y) }

// Input returns sample i's input (aliased, length D).
func (ds *Dataset) Input(i int) []float64 { return ds.X[i*ds.D : (i+1)*ds.D] }

// Range returns the smallest and largest value of the first input coordinate.
func (ds *Dataset) Range() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := 0; i < ds.Len(); i++ {
		x := ds.X[i*ds.D]
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// PaperPoints returns the 12 points of the paper's 1D regression experiment:
// x_k = (k − 5.5)/4 + 0.07, y_k = 0.345 + c_k. Their sparsest interpolant has 5 kinks.
func PaperPoints() *Dataset {
	c := []float64{-2, 1.5, 0, 0, 2, 1, 0, -1, 0, 1, 2, -1}
	ds := &Dataset{D: 1, X: make([]float64, len(c)), Y: make([]float64, len(c))}
	for k := range c {
		ds.X[k] = (float64(k)-5.5)/4 + 0.07
		ds.Y[k] = 0.345 + c[k]
	}
	return ds
}

// Point limits for user-given 1D data.
const (
	MaxPoints   = 200
	MaxAbsPoint = 1e3
)

// ParsePoints parses 1D data written as "x:y,x:y,…" (the form FormatPoints writes). An
// error names the bad entry by its position.
func ParsePoints(s string) (*Dataset, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("sim: points: empty list, want x:y,x:y,…")
	}
	entries := strings.Split(s, ",")
	if len(entries) > MaxPoints {
		return nil, fmt.Errorf("sim: points: %d points, at most %d", len(entries), MaxPoints)
	}
	ds := &Dataset{D: 1}
	for i, e := range entries {
		xs, ys, ok := strings.Cut(strings.TrimSpace(e), ":")
		if !ok {
			return nil, fmt.Errorf("sim: points: entry %d %q is not x:y", i+1, e)
		}
		x, errx := strconv.ParseFloat(strings.TrimSpace(xs), 64)
		y, erry := strconv.ParseFloat(strings.TrimSpace(ys), 64)
		if errx != nil || erry != nil || !finiteIn(x, MaxAbsPoint) || !finiteIn(y, MaxAbsPoint) {
			return nil, fmt.Errorf("sim: points: entry %d %q needs two finite numbers in [-%g, %g]", i+1, e, MaxAbsPoint, MaxAbsPoint)
		}
		ds.X = append(ds.X, x)
		ds.Y = append(ds.Y, y)
	}
	return ds, nil
}

// FormatPoints writes 1D data in the form ParsePoints reads, with the shortest
// decimal that round-trips each value.
func FormatPoints(ds *Dataset) string {
	var sb strings.Builder
	for i := 0; i < ds.Len(); i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatFloat(ds.X[i*ds.D], 'g', -1, 64))
		sb.WriteByte(':')
		sb.WriteString(strconv.FormatFloat(ds.Y[i], 'g', -1, 64))
	}
	return sb.String()
}

func finiteIn(v, bound float64) bool {
	return !math.IsNaN(v) && v >= -bound && v <= bound
}
