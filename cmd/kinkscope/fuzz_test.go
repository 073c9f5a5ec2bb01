package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kinkscope/sim"
)

// initErrorForms are the problems readInit reports, each in one line: the empty
// file, a CSV syntax error with its line, the header, a line's fields or numbers, no
// rows, and a row count that disagrees with the size setting (or the mlp's shape) or
// is out of its range.
var initErrorForms = regexp.MustCompile(`^(empty file, want a header line |` +
	`(record on line \d+; )?parse error on line \d+, column \d+: |record on line \d+: |` +
	`header ".*", want |line \d+: |no (neuron|coordinate|parameter)s after the header$|` +
	`\d+ (neuron|coordinate|parameter)s?(, but | set |: ))`)

// FuzzReadInit feeds any file to the loader of -init: no panic; a rejection is one
// line that says what is wrong (and where); an accepted file gives a run that starts
// from exactly its numbers, and writing them back as params.csv and reading that
// again gives the same numbers bit for bit. The committed seed corpus is in
// testdata/fuzz; make test runs it for a few seconds
// (go test -run '^$' -fuzz '^FuzzReadInit$' -fuzztime 3s ./cmd/kinkscope).
func FuzzReadInit(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "params.csv")
	f.Fuzz(func(t *testing.T, data []byte, model uint8, size uint8) {
		// The model's first scenario. Size 0 leaves the size (width, dim) to the
		// file; otherwise it is set explicitly (-set width=N) and the file must agree.
		// For the mlp, whose file lists θ, a size picks a small network instead.
		kind := sim.ModelNames()[int(model)%len(sim.ModelNames())]
		var cfg sim.Config
		for _, s := range sim.Scenarios {
			if c, _ := sim.Scenario(s.Name); c.Model == kind {
				cfg = c
				break
			}
		}
		l := layoutOf(&cfg)
		// A layout without a size setting has a θ of a length its settings fix (the
		// cnn's): there is no size to set, and the file must have exactly that many.
		fixed := l.Size == "" && kind != sim.ModelMLP
		sizeSet := size > 0 && !fixed
		if sizeSet {
			switch kind {
			case sim.ModelMLP:
				mustSetting(t, &cfg, "layers", strconv.Itoa(int(size)%3+1))
				mustSetting(t, &cfg, "biases", map[bool]string{true: "on", false: "off"}[size%2 == 0])
			case sim.ModelDiagonal:
				mustSetting(t, &cfg, "support", "1")
				fallthrough
			default:
				mustSetting(t, &cfg, l.Size, strconv.Itoa(int(size)))
			}
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		before := cfg.Changed()
		theta, err := readInit(path, &cfg, sizeSet)
		if err != nil {
			msg := err.Error()
			if strings.ContainsAny(msg, "\n\r") || !initErrorForms.MatchString(msg) {
				t.Fatalf("readInit(%q) = %q, want one line of the known forms", data, msg)
			}
			return
		}
		rows := len(theta) / len(l.Columns)
		switch {
		case kind == sim.ModelMLP:
			if want := sim.MLPParams(cfg.Dim, cfg.Layers, cfg.Biases); len(theta) != want {
				t.Fatalf("readInit(%q): %d parameters for the mlp, want %d", data, len(theta), want)
			}
		case fixed:
			if len(theta) != l.Params {
				t.Fatalf("readInit(%q): %d parameters for %s, want %d", data, len(theta), l.What, l.Params)
			}
		case cfg.Get(l.Size) != strconv.Itoa(rows) || len(theta)%len(l.Columns) != 0:
			t.Fatalf("readInit(%q): %d numbers for %s = %s", data, len(theta), l.Size, cfg.Get(l.Size))
		}
		if changed := cfg.Changed(); sizeSet && !slices.Equal(changed, before) {
			t.Fatalf("readInit(%q) changed the settings %q to %q, though the size was set explicitly", data, before, changed)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("readInit(%q) accepted the file, but the config is invalid: %v", data, err)
		}
		if rows <= 64 { // a run measures its start: keep the fuzzer fast
			r, err := sim.NewRunFrom(cfg, theta)
			if err != nil {
				t.Fatalf("readInit(%q) accepted %d %ss, but NewRunFrom = %v", data, rows, l.Row, err)
			}
			if !sameFloats(r.Model().Params(), theta) {
				t.Fatalf("readInit(%q): the run does not start from the file's numbers", data)
			}
		}
		var buf bytes.Buffer
		if err := writeParams(&buf, l, theta); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		again, err := readInit(path, &cfg, true)
		if err != nil || !sameFloats(again, theta) {
			t.Fatalf("readInit(writeParams(readInit(%q))) = %v, %v; want the same %d numbers", data, again, err, len(theta))
		}
	})
}

func mustSetting(t *testing.T, c *sim.Config, key, value string) {
	t.Helper()
	if err := c.Set(key, value); err != nil {
		t.Fatal(err)
	}
}

// sameFloats reports whether p and q are bitwise identical.
func sameFloats(p, q []float64) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if math.Float64bits(p[i]) != math.Float64bits(q[i]) {
			return false
		}
	}
	return true
}
