package figure

import (
	"math"
	"testing"
)

func TestLinearTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   int
	}{{0, 1, 5}, {0, 31623, 4}, {-1.3, 1.5, 6}, {0, 2e-4, 4}, {5, 5, 3}}
	for _, c := range cases {
		ticks := LinearTicks(c.lo, c.hi, c.want)
		if len(ticks) == 0 || len(ticks) > 2*c.want+2 {
			t.Errorf("LinearTicks(%g, %g, %d) = %d ticks", c.lo, c.hi, c.want, len(ticks))
			continue
		}
		for i, tk := range ticks {
			if c.hi > c.lo && (tk.Value < c.lo-1e-12 || tk.Value > c.hi+1e-12) {
				t.Errorf("LinearTicks(%g, %g): tick %g outside the range", c.lo, c.hi, tk.Value)
			}
			if i > 0 && !(tk.Value > ticks[i-1].Value) {
				t.Errorf("LinearTicks(%g, %g): ticks not increasing: %v", c.lo, c.hi, ticks)
			}
		}
	}
}

func TestLogTicksAndRange(t *testing.T) {
	lo, hi := LogRange([]float64{3e-4, 0, math.NaN(), -1, 2.5e3})
	if lo != 1e-4 || hi != 1e4 {
		t.Errorf("LogRange = %g, %g, want 1e-4, 1e4", lo, hi)
	}
	ticks := LogTicks(lo, hi, 4)
	if len(ticks) < 2 || len(ticks) > 5 {
		t.Errorf("LogTicks(1e-4, 1e4, 4) = %v", ticks)
	}
	if lo, hi := LogRange(nil); lo >= hi {
		t.Errorf("LogRange of nothing = %g, %g", lo, hi)
	}
}

func TestFormatNumber(t *testing.T) {
	cases := map[float64]string{0: "0", 0.5: "0.5", 2000: "2000", 9999.4: "9999", 12345: "12.3k", 31623: "31.6k", 2e-4: "2e-4", 1.234e-5: "1.23e-5", 2.5e6: "2.5M", -3: "-3", 8.36e110: "8.36e110", -1.2e19: "-1.2e19", math.NaN(): "–"}
	for v, want := range cases {
		if math.IsNaN(v) {
			continue
		}
		if got := FormatNumber(v); got != want {
			t.Errorf("FormatNumber(%g) = %q, want %q", v, got, want)
		}
	}
	if got := FormatNumber(math.NaN()); got != "–" {
		t.Errorf("FormatNumber(NaN) = %q", got)
	}
}
