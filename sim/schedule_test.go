package sim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

const (
	// peakRelTol compares with the peaks SCIENCE.md quotes to three digits.
	peakRelTol = 1e-3
	// schedRelTol compares the schedule with the formulas written out here, which may
	// associate the same operations differently.
	schedRelTol = 1e-14
)

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got/want - 1)
}

func TestReferencePeaks(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     float64
	}{
		{"relu1d-large", 0.0201},
		{"relu1d-small", 2.28e-4},
	} {
		c := mustScenario(t, tc.scenario)
		s := c.Schedule()
		if got := s.Peak(); relErr(got, tc.want) > peakRelTol {
			t.Errorf("%s: Schedule().Peak() = %.6g, want %.6g ± %g%%", tc.scenario, got, tc.want, 100*peakRelTol)
		}
	}
}

// TestReferenceScheduleAroundBreakpoints follows the reference code: the ramp
// γ(1 + (400L − 1)·i/N) holds for i < T = ⌊L·N⌋, and at i = T the step size is set to
// the ramp value and divided by the decay factor in the same iteration.
func TestReferenceScheduleAroundBreakpoints(t *testing.T) {
	for _, tc := range []struct {
		scenario    string
		until, fact float64
	}{
		{"relu1d-large", 0.5, 3},
		{"relu1d-small", 0.02, 2.5},
	} {
		c := mustScenario(t, tc.scenario)
		s := c.Schedule()
		n := c.Iters
		T := int(tc.until * float64(n))
		ramp := func(i int) float64 { return c.LR * (1 + (400*tc.until-1)*float64(i)/float64(n)) }
		for _, p := range []struct {
			i    int
			want float64
		}{
			{0, c.LR},
			{1, ramp(1)},
			{T / 2, ramp(T / 2)},
			{T - 1, ramp(T - 1)},
			{T, ramp(T) / tc.fact},
			{T + 1, ramp(T) / tc.fact},
			{n - 1, ramp(T) / tc.fact},
		} {
			if got := s.At(p.i); relErr(got, p.want) > schedRelTol {
				t.Errorf("%s: At(%d) = %.10g, want %.10g", tc.scenario, p.i, got, p.want)
			}
		}
		if bp := s.Breakpoints(); !slices.Equal(bp, []int{T, T}) {
			t.Errorf("%s: Breakpoints() = %v, want [%d %d]", tc.scenario, bp, T, T)
		}
		if di := s.DecayIters(); !slices.Equal(di, []int{T}) {
			t.Errorf("%s: DecayIters() = %v, want [%d]", tc.scenario, di, T)
		}
	}
}

func TestScheduleShapes(t *testing.T) {
	const n = 10001
	for _, tc := range []struct {
		name  string
		s     Schedule
		until float64 // T = ⌊until·N⌋
		want  func(i int) float64
	}{
		{"none", Schedule{Base: 0.25, Shape: WarmupNone, Total: n}, 0,
			func(int) float64 { return 0.25 }},
		{"sqrt γ(1+5√(i/N))", Schedule{Base: 0.04, Shape: WarmupSqrt, Gain: 5, Until: 0.3, Total: n}, 0.3,
			func(i int) float64 { return 0.04 * (1 + 5*math.Sqrt(float64(min(i, 3000))/n)) }},
		{"exp γ·1.05^⌊i/E⌋", Schedule{Base: 0.01, Shape: WarmupExp, Gain: 1.05, Every: 100, Until: 0.5, Total: n}, 0.5,
			func(i int) float64 { return 0.01 * math.Pow(1.05, float64(min(i, 5000)/100)) }},
		{"exp-run γ·1.05^(100·i/N), held from 30 %", Schedule{Base: 0.02, Shape: WarmupExpRun, Gain: 1.05, Until: 0.3, Total: n}, 0.3,
			func(i int) float64 { return 0.02 * math.Pow(1.05, 100*float64(min(i, 3000))/n) }},
		{"linear", Schedule{Base: 2e-4, Shape: WarmupLinear, Gain: 9, Until: 1, Total: n}, 1,
			func(i int) float64 { return 2e-4 * (1 + 9*float64(i)/n) }},
		{"cumulative decays ÷2 at 20 %, ÷5 at 60 %", Schedule{Base: 1, Decays: []Decay{{0.6, 5}, {0.2, 2}}, Total: n}, 0,
			func(i int) float64 {
				switch {
				case i >= 6000:
					return 0.1
				case i >= 2000:
					return 0.5
				}
				return 1
			}},
		{"decay at 0", Schedule{Base: 3, Decays: []Decay{{0, 3}}, Total: n}, 0,
			func(int) float64 { return 1 }},
	} {
		for _, i := range []int{0, 1, 99, 100, 101, 1999, 2000, 2001, 2999, 3000, 3001, 4999, 5000, 5001, 5999, 6000, n - 1} {
			if got, want := tc.s.At(i), tc.want(i); relErr(got, want) > schedRelTol {
				t.Errorf("%s: At(%d) = %.12g, want %.12g", tc.name, i, got, want)
			}
		}
	}
}

// TestSchedulePeakIsMaximum checks Peak against the largest At over every iteration.
func TestSchedulePeakIsMaximum(t *testing.T) {
	r := testRand(31)
	for trial := 0; trial < 40; trial++ {
		s := Schedule{
			Base:  math.Pow(10, -4+3*r.Float64()),
			Shape: Warmup(r.IntN(5)),
			Gain:  []float64{0, 0.5, 1.05, 5, 199}[r.IntN(5)],
			Until: r.Float64(),
			Every: 1 + r.IntN(200),
			Total: 1 + r.IntN(5000),
		}
		if s.Shape == WarmupExp && s.Gain > 1 {
			s.Gain = 1 + (s.Gain-1)/100 // keep the growth finite
		}
		for k := r.IntN(4); k > 0; k-- {
			s.Decays = append(s.Decays, Decay{At: r.Float64(), Factor: 1 + 10*r.Float64()})
		}
		want := 0.0
		for i := 0; i < s.Total; i++ {
			want = max(want, s.At(i))
		}
		if got := s.Peak(); got != want {
			t.Errorf("%+v: Peak() = %g, want max_i At(i) = %g", s, got, want)
		}
		bp := s.Breakpoints()
		if !slices.IsSorted(bp) {
			t.Errorf("%+v: Breakpoints() = %v, want sorted", s, bp)
		}
	}
}

func TestConfigScheduleGain(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	if g := c.Schedule().Gain; g != 199 {
		t.Errorf("auto gain with L = 0.5: Gain = %g, want 400·0.5 − 1 = 199", g)
	}
	mustSet(t, &c, "warmup_gain", "7.5")
	if g := c.Schedule().Gain; g != 7.5 {
		t.Errorf("warmup_gain 7.5: Gain = %g, want 7.5", g)
	}
}

func TestParseDecaysRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Decay
		out  string
	}{
		{"", nil, "none"},
		{"none", nil, "none"},
		{"0.5:3", []Decay{{0.5, 3}}, "0.5:3"},
		{" 0.1:4.8, 0.3:3.4 ", []Decay{{0.1, 4.8}, {0.3, 3.4}}, "0.1:4.8,0.3:3.4"},
		{"0:1,1:1e6", []Decay{{0, 1}, {1, 1e6}}, "0:1,1:1e+06"},
		{"1:1,1:1,1:1,1:1,1:1,1:1,1:1,1:1", slices.Repeat([]Decay{{1, 1}}, 8), "1:1,1:1,1:1,1:1,1:1,1:1,1:1,1:1"},
	} {
		got, err := ParseDecays(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseDecays(%q) = %v, %v, want %v, nil", tc.in, got, err, tc.want)
			continue
		}
		if s := FormatDecays(got); s != tc.out {
			t.Errorf("FormatDecays(%v) = %q, want %q", got, s, tc.out)
		}
	}
	// Random decays survive Format → Parse exactly.
	r := testRand(41)
	for trial := 0; trial < 200; trial++ {
		ds := make([]Decay, 1+r.IntN(8))
		for k := range ds {
			ds[k] = Decay{At: r.Float64(), Factor: 1 + r.ExpFloat64()*100}
		}
		got, err := ParseDecays(FormatDecays(ds))
		if err != nil || !slices.Equal(got, ds) {
			t.Errorf("ParseDecays(FormatDecays(%v)) = %v, %v, want the input", ds, got, err)
		}
	}
}

func TestParseDecaysRejects(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // substring of the error
	}{
		{"abc", `decay 1 "abc" is not at:factor`},
		{"0.5", `decay 1 "0.5" is not at:factor`},
		{"0.5:3,0.7", `decay 2 "0.7" is not at:factor`},
		{"0.5:x", `decay 1 "0.5:x" is not at:factor`},
		{"1.5:3", `decay 1 "1.5:3": at must be in [0, 1]`},
		{"-0.1:3", `decay 1 "-0.1:3": at must be in [0, 1]`},
		{"0.5:0.5", `factor in [1, 1e6]`},
		{"0.5:2e6", `factor in [1, 1e6]`},
		{"NaN:2", `decay 1 "NaN:2": at must be in [0, 1]`},
		{"0.5:NaN", `decay 1 "0.5:NaN"`},
		{"0.5:Inf", `decay 1 "0.5:Inf"`},
		{strings.Repeat("0.5:2,", 8) + "0.5:2", "9 decays, at most 8"},
	} {
		got, err := ParseDecays(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDecays(%q) = %v, %v, want an error containing %q", tc.in, got, err, tc.want)
		}
	}
}

func TestWarmupNames(t *testing.T) {
	for w := WarmupNone; w <= WarmupExpRun; w++ {
		got, err := ParseWarmup(w.String())
		if err != nil || got != w {
			t.Errorf("ParseWarmup(%q) = %v, %v, want %v, nil", w.String(), got, err, w)
		}
	}
	if _, err := ParseWarmup("cosine"); err == nil || !strings.Contains(err.Error(), "none, linear, sqrt, exp, exp-run") {
		t.Errorf("ParseWarmup(\"cosine\") error = %v, want one listing the shapes", err)
	}
	for _, tc := range []struct {
		got, want string
	}{
		{Warmup(9).String(), "Warmup(9)"},
		{Method(5).String(), "Method(5)"},
		{Loss(-1).String(), "Loss(-1)"},
		{Sampling(2).String(), "Sampling(2)"},
		{MethodGD.String(), "gd"},
		{LossHalfMSE.String(), "half-mse"},
		{SampleIID.String(), "iid"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}

func ExampleSchedule_At() {
	c, _ := Scenario("relu1d-large")
	s := c.Schedule()
	T := s.Breakpoints()[0]
	fmt.Printf("%.4g %.4g %.4g\n", s.At(0), s.At(T-1), s.At(T))
	// Output: 0.0002 0.0201 0.0067
}
