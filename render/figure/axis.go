package figure

import (
	"math"
	"strconv"
	"strings"

	"kinkscope/sim"
)

// Tick is one labelled mark on an axis.
type Tick struct {
	Value float64
	Label string
}

// LinearTicks returns about want "nice" ticks (1, 2 or 5 times a power of ten) covering
// [lo, hi].
func LinearTicks(lo, hi float64, want int) []Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []Tick{{lo, FormatNumber(lo)}}
	}
	step := niceStep((hi - lo) / float64(max(want, 1)))
	var out []Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, Tick{v, FormatNumber(v)})
	}
	return out
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / p; {
	case f <= 1:
		return p
	case f <= 2:
		return 2 * p
	case f <= 5:
		return 5 * p
	}
	return 10 * p
}

// LogTicks returns ticks at powers of ten covering [lo, hi] (both > 0), thinned to at
// most want labels.
func LogTicks(lo, hi float64, want int) []Tick {
	a, b := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	every := max(1, int(math.Ceil((b-a+1)/float64(max(want, 1)))))
	var out []Tick
	for e := a; e <= b; e++ {
		if int(e-a)%every != 0 {
			continue
		}
		v := math.Pow(10, e)
		if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
			out = append(out, Tick{v, "1e" + strconv.Itoa(int(e))})
		}
	}
	return out
}

// LogRange returns decade bounds around the positive finite values of vs, or (1e-3, 1)
// when there are none.
func LogRange(vs ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		for _, x := range v {
			if x > 0 && !math.IsInf(x, 0) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 1e-3, 1
	}
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	if lo == hi {
		hi = lo * 10
	}
	return lo, hi
}

// FormatNumber writes v compactly for an axis or a status line: 12,345 → "12.3k",
// 0.000123 → "1.23e-4", 0.5 → "0.5".
func FormatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "–"
	case v == 0:
		return "0"
	case a >= 1e9:
		return scientific(v)
	case a >= 1e6:
		return trimFloat(v/1e6, 3) + "M"
	case a >= 1e4:
		return trimFloat(v/1e3, 3) + "k"
	case a >= 1e3:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case a >= 1e-2:
		return trimFloat(v, 3)
	}
	return scientific(v)
}

// scientific writes v as 1.23e-4 or 8.4e110: three significant digits, no "+" and
// no leading zeros in the exponent.
func scientific(v float64) string {
	s := strconv.FormatFloat(v, 'e', 2, 64)
	mant, exp, _ := strings.Cut(s, "e")
	mant = trimZeros(mant)
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "e" + exp
}

func trimFloat(v float64, sig int) string {
	return trimZeros(strconv.FormatFloat(v, 'g', sig, 64))
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") || strings.Contains(s, "e") {
		return s
	}
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// FormatMetric writes the value of metric d in m for a sentence, with digits
// significant digits: a whole number as it is, a percentage with one decimal and its
// sign, anything else in %.{digits}g.
func FormatMetric(d *sim.Metric, m *sim.Metrics, digits int) string {
	v := d.Shown(m)
	switch {
	case d.Unit == "%":
		return strconv.FormatFloat(v, 'f', 1, 64) + "%"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', digits, 64)
}

// FormatExact writes v with the shortest decimal that reads back to v: the number
// format of every CSV file.
func FormatExact(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
