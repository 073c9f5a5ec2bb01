package sim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Warmup is the shape of the step size before the warm-up ends.
type Warmup int

const (
	WarmupNone   Warmup = iota // lr = γ
	WarmupLinear               // lr(i) = γ·(1 + c·i/N), the reference 1D schedule
	WarmupSqrt                 // lr(i) = γ·(1 + c·√(i/N)), the reference teacher–student schedule
	WarmupExp                  // lr(i) = γ·c^⌊i/E⌋, growth by c every E iterations
	WarmupExpRun               // lr(i) = γ·c^(100·i/N), growth by c every 1 % of the run (the deep-net reference, c = 1.05)
)

var warmupNames = []string{"none", "linear", "sqrt", "exp", "exp-run"}

func (w Warmup) String() string {
	if w < 0 || int(w) >= len(warmupNames) {
		return fmt.Sprintf("Warmup(%d)", int(w))
	}
	return warmupNames[w]
}

// ParseWarmup reads a Warmup written by String.
func ParseWarmup(s string) (Warmup, error) {
	for i, n := range warmupNames {
		if n == s {
			return Warmup(i), nil
		}
	}
	return 0, fmt.Errorf("unknown warm-up %q, want one of %s", s, strings.Join(warmupNames, ", "))
}

// Decay divides the step size by Factor from iteration ⌊At·N⌋ on.
type Decay struct {
	At     float64 // fraction of the run, in [0, 1]
	Factor float64 // ≥ 1
}

// Schedule is a step-size schedule over a run of Total iterations, following the
// reference code: the warm-up formula holds for i ≤ T = ⌊Until·N⌋ (the ramp divides
// by the total N, not by T), the step size is then held at its value at T, and each
// decay divides it from its iteration on.
type Schedule struct {
	Base   float64 // γ
	Shape  Warmup
	Gain   float64 // c in the warm-up formulas
	Until  float64 // warm-up length L as a fraction of the run
	Every  int     // E, iterations per growth step of WarmupExp
	Decays []Decay
	Total  int // N
}

// At returns the step size used by iteration i (0-based).
func (s *Schedule) At(i int) float64 {
	t := int(s.Until * float64(s.Total))
	lr := s.warm(min(i, t))
	for _, d := range s.Decays {
		if i >= int(d.At*float64(s.Total)) {
			lr /= d.Factor
		}
	}
	return lr
}

// warm returns the warm-up formula at iteration i, using only exactly rounded
// operations so that every platform agrees.
func (s *Schedule) warm(i int) float64 {
	frac := float64(i) / float64(s.Total)
	switch s.Shape {
	case WarmupLinear:
		return s.Base * (1 + s.Gain*frac)
	case WarmupSqrt:
		return s.Base * (1 + s.Gain*math.Sqrt(frac))
	case WarmupExp:
		return s.Base * powInt(s.Gain, i/max(s.Every, 1))
	case WarmupExpRun:
		// c^(100·f) as e^(100·f·ln c), with the platform-independent exp and log;
		// 0^0 = 1.
		if s.Gain <= 0 {
			return s.Base * float64(min(1, max(0, 1-i)))
		}
		return s.Base * DetExp(100*frac*DetLog(s.Gain))
	}
	return s.Base
}

// Peak returns the largest step size of the schedule.
func (s *Schedule) Peak() float64 {
	peak := 0.0
	for _, i := range s.Breakpoints() {
		for _, j := range []int{i - 1, i} {
			if j >= 0 && j < s.Total {
				peak = max(peak, s.At(j))
			}
		}
	}
	return max(peak, s.At(0), s.At(s.Total-1))
}

// Breakpoints returns the iterations where the schedule changes regime: the end of
// the warm-up and each decay, in increasing order.
func (s *Schedule) Breakpoints() []int {
	var out []int
	if s.Shape != WarmupNone && s.Until > 0 {
		out = append(out, int(s.Until*float64(s.Total)))
	}
	for _, d := range s.Decays {
		out = append(out, int(d.At*float64(s.Total)))
	}
	slices.Sort(out)
	return out
}

// DecayIters returns the iteration of each decay.
func (s *Schedule) DecayIters() []int {
	out := make([]int, len(s.Decays))
	for k, d := range s.Decays {
		out[k] = int(d.At * float64(s.Total))
	}
	return out
}

// powInt returns x^k by repeated squaring (k ≥ 0).
func powInt(x float64, k int) float64 {
	r := 1.0
	for k > 0 {
		if k&1 == 1 {
			r *= x
		}
		x *= x
		k >>= 1
	}
	return r
}

// ParseDecays reads decays written as "at:factor,at:factor" (for example "0.5:3");
// "none" or "" is no decay.
func ParseDecays(s string) ([]Decay, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return nil, nil
	}
	var out []Decay
	for i, e := range strings.Split(s, ",") {
		as, fs, ok := strings.Cut(strings.TrimSpace(e), ":")
		at, err1 := strconv.ParseFloat(as, 64)
		f, err2 := strconv.ParseFloat(fs, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("decay %d %q is not at:factor (for example 0.5:3)", i+1, e)
		}
		if !(at >= 0 && at <= 1) || !(f >= 1 && f <= 1e6) {
			return nil, fmt.Errorf("decay %d %q: at must be in [0, 1] and factor in [1, 1e6]", i+1, e)
		}
		out = append(out, Decay{At: at, Factor: f})
	}
	if len(out) > 8 {
		return nil, fmt.Errorf("%d decays, at most 8", len(out))
	}
	return out, nil
}

// FormatDecays writes decays in the form ParseDecays reads.
func FormatDecays(ds []Decay) string {
	if len(ds) == 0 {
		return "none"
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = strconv.FormatFloat(d.At, 'g', -1, 64) + ":" + strconv.FormatFloat(d.Factor, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}
