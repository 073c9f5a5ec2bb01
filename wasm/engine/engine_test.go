package engine

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kinkscope/sim/sweep"
)

// small is a grid of four short diagonal runs.
var small = Grid{Scenario: "diag-decay50", Vary: []string{"lr_edge=0.5;0.9", "decays=0.3:2;0.6:2"}, Set: []string{"iters=2000"}, Seeds: "1-2"}

func encode(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlan(t *testing.T) {
	r := Handle(encode(t, map[string]any{"engine": 1, "id": 7, "cmd": "plan", "grid": small}))
	if r["event"] != "plan" || r["id"] != 7.0 {
		t.Fatalf("plan reply %v, want event plan with id 7", r)
	}
	if r["runs"] != 8 || r["cells"] != 4 {
		t.Errorf("plan: runs %v cells %v, want 8 and 4", r["runs"], r["cells"])
	}
	want := "kinkscope sweep -out out/browser-sweep -scenario diag-decay50 -vary 'lr_edge=0.5;0.9' -vary 'decays=0.3:2;0.6:2' -set iters=2000 -seeds 1-2"
	if r["command"] != want {
		t.Errorf("command = %q, want %q", r["command"], want)
	}
	axes := r["axes"].([]any)
	if len(axes) != 2 || axes[0].(map[string]any)["key"] != "lr_edge" || !strings.Contains(axes[0].(map[string]any)["doc"].(string), "η_max") {
		t.Errorf("axes %v, want lr_edge first with its doc", axes)
	}
}

// TestRunRowsEqualSweep runs every point of a grid through the protocol and checks
// each reply's row against the runs file that sweep.Run (kinkscope sweep) writes.
func TestRunRowsEqualSweep(t *testing.T) {
	spec, err := small.Spec()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := sweep.Run(context.Background(), dir, spec, sweep.Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, sweep.RunsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != spec.Runs()+1 {
		t.Fatalf("runs file has %d lines, want %d", len(lines), spec.Runs()+1)
	}
	for i := range spec.Runs() {
		r := Handle(encode(t, map[string]any{"engine": 1, "cmd": "run", "grid": small, "run": i}))
		if r["event"] != "result" {
			t.Fatalf("run %d: %v", i, r)
		}
		want := strings.TrimSuffix(lines[i+1], "\n")
		if got := strings.TrimSuffix(r["row"].(string), "\n"); got != want {
			t.Errorf("run %d: row\n%s\nwant\n%s", i, got, want)
		}
		final := r["final"].(map[string]any)
		if v := final["test_loss"].(float64); !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("run %d: final test loss %v, want a positive number", i, v)
		}
		if !math.IsNaN(final["kinks"].(float64)) {
			t.Errorf("run %d: kinks %v on the diagonal net, want NaN", i, final["kinks"])
		}
	}
}

func TestBadRequests(t *testing.T) {
	grid := func(edit func(*Grid)) Grid {
		g := small
		g.Vary = append([]string(nil), small.Vary...)
		g.Set = append([]string(nil), small.Set...)
		edit(&g)
		return g
	}
	for _, tt := range []struct {
		name, text, field, says string
	}{
		{"not JSON", `{"engine":1,`, "message", "not a JSON object"},
		{"an array", `[1]`, "message", "not a JSON object"},
		{"no version", `{"cmd":"plan"}`, "engine", "missing, want 1"},
		{"version 2", `{"engine":2,"cmd":"plan"}`, "engine", "2, want 1"},
		{"no command", `{"engine":1}`, "cmd", "missing"},
		{"unknown command", `{"engine":1,"cmd":"fly"}`, "cmd", `unknown command "fly"`},
		{"unknown field", `{"engine":1,"cmd":"plan","grid":{},"speed":3}`, "message", `unknown field "speed"`},
		{"bad id", `{"engine":1,"id":[1],"cmd":"plan"}`, "id", "a number or a string"},
		{"grid missing", `{"engine":1,"cmd":"plan"}`, "grid", "missing"},
		{"grid not an object", `{"engine":1,"cmd":"plan","grid":3}`, "grid", "want an object"},
		{"seeds a number", `{"engine":1,"cmd":"plan","grid":{"scenario":"diag-decay50","seeds":3}}`, "grid.seeds", "want a string"},
		{"run missing", string(encode(t, map[string]any{"engine": 1, "cmd": "run", "grid": small})), "run", "missing"},
		{"run out of range", string(encode(t, map[string]any{"engine": 1, "cmd": "run", "grid": small, "run": 8})), "run", "8 out of range [0, 7]"},
		{"bad fault", string(encode(t, map[string]any{"engine": 1, "cmd": "run", "grid": small, "run": 0, "fault": "x"})), "fault", "want panic"},
		{"too long", `{"engine":1,"cmd":"plan","grid":{"scenario":"` + strings.Repeat("x", MaxBytes) + `"}}`, "message", "bytes of JSON"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Handle([]byte(tt.text))
			if r["event"] != "error" || r["field"] != tt.field || !strings.Contains(r["error"].(string), tt.says) {
				t.Errorf("Handle(%.80s) = %v, want an error on %s saying %q", tt.text, r, tt.field, tt.says)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		grid  Grid
		field string
		says  string
	}{
		{"unknown scenario", grid(func(g *Grid) { g.Scenario = "nope" }), "grid.scenario", `unknown scenario "nope"`},
		{"no scenario", grid(func(g *Grid) { g.Scenario = "" }), "grid.scenario", "no scenario"},
		{"bad axis", grid(func(g *Grid) { g.Vary[1] = "decays" }), "grid.vary[1]", "want key=v1;v2"},
		{"bad axis value", grid(func(g *Grid) { g.Vary[0] = "lr_edge=0.5;abc" }), "grid.vary[0]", "lr_edge"},
		{"unknown axis", grid(func(g *Grid) { g.Vary[0] = "speeed=1;2" }), "grid.vary[0]", `unknown setting "speeed"`},
		{"three axes", grid(func(g *Grid) { g.Vary = append(g.Vary, "width=10;20") }), "grid.vary", "at most 2"},
		{"seed as axis", grid(func(g *Grid) { g.Vary[0] = "seed=1;2" }), "grid.vary[0]", "-seeds"},
		{"bad set", grid(func(g *Grid) { g.Set[0] = "iters" }), "grid.set[0]", "want key=value"},
		{"bad set value", grid(func(g *Grid) { g.Set[0] = "iters=0" }), "grid.set[0]", "iters"},
		{"seed in set", grid(func(g *Grid) { g.Set[0] = "seed=3" }), "grid.set[0]", "grid.seeds"},
		{"bad seeds", grid(func(g *Grid) { g.Seeds = "3-1" }), "grid.seeds", "A ≤ B"},
		{"no seeds", grid(func(g *Grid) { g.Seeds = "" }), "grid.seeds", "want N"},
		{"bad data seeds", grid(func(g *Grid) { g.DataSeeds = "x" }), "grid.dataSeeds", "want N"},
		{"too many runs", grid(func(g *Grid) { g.Seeds = "1-1000" }), "grid", "at most 2000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Handle(encode(t, map[string]any{"engine": 1, "id": "a", "cmd": "plan", "grid": tt.grid}))
			if r["event"] != "error" || r["field"] != tt.field || !strings.Contains(r["error"].(string), tt.says) || r["id"] != "a" {
				t.Errorf("plan %+v = %v, want an error on %s saying %q with id a", tt.grid, r, tt.field, tt.says)
			}
		})
	}
}

// TestFaultHook checks that a failure inside a run becomes an error reply.
func TestFaultHook(t *testing.T) {
	r := Handle(encode(t, map[string]any{"engine": 1, "id": 3, "cmd": "run", "grid": small, "run": 1, "fault": "panic"}))
	if r["event"] != "error" || r["id"] != 3.0 || !strings.Contains(r["error"].(string), "the engine failed") {
		t.Errorf("fault panic: %v, want an error reply with id 3", r)
	}
}

func FuzzHandle(f *testing.F) {
	f.Add([]byte(`{"engine":1,"cmd":"plan","grid":{"scenario":"diag-decay50","seeds":"1"}}`))
	f.Add([]byte(`{"engine":1,"cmd":"run","grid":{"scenario":"relu1d-small","vary":["width=a"]},"run":0}`))
	f.Fuzz(func(t *testing.T, text []byte) {
		if strings.Contains(string(text), "run") {
			return // a valid run could be long
		}
		r := Handle(text)
		if r["event"] != "plan" && r["event"] != "error" {
			t.Errorf("Handle(%q) = %v", text, r)
		}
	})
}
