package sim

import (
	"encoding/binary"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Fuzz tests for the parsers that read what a user types or a URL carries. The
// committed seed corpus is in testdata/fuzz; make test runs each for a few seconds
// (go test -run '^$' -fuzz '^FuzzParsePoints$' -fuzztime 3s ./sim).

// FuzzParsePoints checks ParsePoints on any text: no panic; an error about an entry
// names the first bad one by its position; accepted data survive FormatPoints and
// ParsePoints bit for bit, within the documented limits.
func FuzzParsePoints(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := ParsePoints(s)
		if err != nil {
			checkPointsError(t, s, err)
			return
		}
		checkPointsValid(t, s, ds)
		text := FormatPoints(ds)
		back, err := ParsePoints(text)
		if err != nil {
			t.Fatalf("ParsePoints(FormatPoints(ParsePoints(%q))) = %v; FormatPoints wrote %q", s, err, text)
		}
		if !sameDataset(back, ds) {
			t.Fatalf("ParsePoints(FormatPoints(ds)) = %v, want ds = %v (from %q)", back, ds, s)
		}
	})
}

// FuzzFormatPoints builds data sets from raw float64 bits, so that every value a
// program could hold is tried, not only those a parser produces: FormatPoints then
// ParsePoints gives the data back bit for bit when they are within the limits, and
// an error naming the first value out of them otherwise.
func FuzzFormatPoints(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := min(len(raw)/16, 2*MaxPoints)
		ds := &Dataset{D: 1, X: make([]float64, n), Y: make([]float64, n)}
		firstBad := 0
		for i := range n {
			ds.X[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i:]))
			ds.Y[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i+8:]))
			if firstBad == 0 && !(finiteIn(ds.X[i], MaxAbsPoint) && finiteIn(ds.Y[i], MaxAbsPoint)) {
				firstBad = i + 1
			}
		}
		text := FormatPoints(ds)
		back, err := ParsePoints(text)
		switch {
		case n == 0:
			if err == nil {
				t.Fatalf("ParsePoints(%q) of no points succeeded", text)
			}
		case n > MaxPoints:
			if err == nil || !strings.Contains(err.Error(), "at most") {
				t.Fatalf("ParsePoints of %d points = %v, want an error about the count", n, err)
			}
		case firstBad > 0:
			want := "entry " + strconv.Itoa(firstBad) + " "
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("ParsePoints(%q) = %v, want an error naming %q", text, err, want)
			}
		case err != nil:
			t.Fatalf("ParsePoints(FormatPoints(%v)) = %v; FormatPoints wrote %q", ds, err, text)
		case !sameDataset(back, ds):
			t.Fatalf("ParsePoints(FormatPoints(ds)) = %v, want ds = %v", back, ds)
		}
	})
}

// checkPointsError checks that an error of ParsePoints(s) is one of the whole-list
// errors or names the first bad entry by its 1-based position.
func checkPointsError(t *testing.T, s string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "sim: points: ") {
		t.Fatalf("ParsePoints(%q) = %q, want an error that starts with sim: points:", s, msg)
	}
	entries := strings.Split(strings.TrimSpace(s), ",")
	rest, ok := strings.CutPrefix(msg, "sim: points: entry ")
	if !ok {
		// The whole list is wrong: empty, or too long.
		if strings.TrimSpace(s) != "" && len(entries) <= MaxPoints {
			t.Fatalf("ParsePoints(%q) = %q, want an error naming the bad entry", s, msg)
		}
		return
	}
	num, _, _ := strings.Cut(rest, " ")
	i, err2 := strconv.Atoi(num)
	if err2 != nil || i < 1 || i > len(entries) {
		t.Fatalf("ParsePoints(%q) = %q: entry %q is not a position in [1, %d]", s, msg, num, len(entries))
	}
	if _, err := ParsePoints(entries[i-1]); err == nil {
		t.Fatalf("ParsePoints(%q) = %q, but entry %d %q alone parses", s, msg, i, entries[i-1])
	}
	if i > 1 {
		if _, err := ParsePoints(strings.Join(entries[:i-1], ",")); err != nil {
			t.Fatalf("ParsePoints(%q) = %q, but an earlier entry is bad too: %v", s, msg, err)
		}
	}
}

// checkPointsValid checks accepted data against the documented limits.
func checkPointsValid(t *testing.T, s string, ds *Dataset) {
	t.Helper()
	if ds.D != 1 || ds.Len() < 1 || ds.Len() > MaxPoints || len(ds.X) != ds.Len() {
		t.Fatalf("ParsePoints(%q): D %d, %d inputs, %d labels; want 1D data of 1 to %d points", s, ds.D, len(ds.X), ds.Len(), MaxPoints)
	}
	for i := range ds.Len() {
		if !finiteIn(ds.X[i], MaxAbsPoint) || !finiteIn(ds.Y[i], MaxAbsPoint) {
			t.Fatalf("ParsePoints(%q): point %d (%g, %g) outside [-%g, %g]", s, i+1, ds.X[i], ds.Y[i], MaxAbsPoint, MaxAbsPoint)
		}
	}
}

// sameDataset reports whether a and b hold the same values, bit for bit (−0 ≠ 0).
func sameDataset(a, b *Dataset) bool {
	return a.D == b.D && sameBits(a.X, b.X) && sameBits(a.Y, b.Y)
}

// FuzzDecodeSettings checks DecodeSettings on any scenario name and any key=value
// list ('&'-separated, as in a URL but unescaped): no panic; every error names the
// key it is about; and the config reached decodes back to itself from its scenario
// and its changed settings, which is what a URL carries.
func FuzzDecodeSettings(f *testing.F) {
	f.Fuzz(func(t *testing.T, scenario, query string) {
		var kv [][2]string
		for _, part := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(part, "=")
			kv = append(kv, [2]string{k, v})
		}
		c, errs := DecodeSettings(scenario, kv)
		for _, err := range errs {
			if !namesKey(err.Error(), scenario, kv) {
				t.Errorf("DecodeSettings(%q, %q): error %q names no key of the input", scenario, kv, err)
			}
		}
		if len(errs) > len(kv)+1 {
			t.Errorf("DecodeSettings(%q, %q): %d errors for %d settings", scenario, kv, len(errs), len(kv))
		}
		if _, ok := Scenario(c.Scenario); !ok {
			t.Fatalf("DecodeSettings(%q, %q): scenario %q unknown", scenario, kv, c.Scenario)
		}
		changed := c.Changed()
		back, errs := DecodeSettings(c.Scenario, changed)
		if len(errs) > 0 {
			t.Fatalf("DecodeSettings(%q, %q) = %v; want no errors, since it encodes %+v", c.Scenario, changed, errs, c)
		}
		if !sameConfig(back, c) {
			t.Fatalf("decode(encode(c)) = %+v, want c = %+v (encoded as %q)", back, c, changed)
		}
	})
}

// namesKey reports whether an error of DecodeSettings names one of the input's keys
// (or the scenario): "sim: KEY "value": …", "sim: unknown setting "KEY"" or
// "sim: unknown scenario "NAME"".
func namesKey(msg, scenario string, kv [][2]string) bool {
	if strings.HasPrefix(msg, "sim: unknown scenario "+strconv.Quote(scenario)) {
		return true
	}
	for _, p := range kv {
		if strings.HasPrefix(msg, "sim: "+p[0]+" "+strconv.Quote(p[1])+": ") ||
			strings.HasPrefix(msg, "sim: unknown setting "+strconv.Quote(p[0])) {
			return true
		}
	}
	return false
}

// sameConfig reports whether a and b are equal in every field, bit for bit, with a
// nil list equal to an empty one.
func sameConfig(a, b Config) bool {
	for _, c := range []*Config{&a, &b} {
		if len(c.Decays) == 0 {
			c.Decays = nil
		}
		if len(c.Layers) == 0 {
			c.Layers = nil
		}
	}
	if !reflect.DeepEqual(a, b) {
		return false
	}
	// DeepEqual says −0 == 0; the settings' text tells them apart.
	for _, s := range Settings {
		if a.Get(s.Key) != b.Get(s.Key) {
			return false
		}
	}
	return true
}
