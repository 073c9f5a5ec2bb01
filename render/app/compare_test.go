package app

import (
	"strings"
	"testing"
	"time"

	"kinkscope/sim"
)

func TestParseCompare(t *testing.T) {
	base, _ := sim.Scenario("relu1d-large")
	good := map[string]string{
		"":                          "",
		"method:sgd;sde":            "method:sgd;sde",
		"lr:0.0002;2e-4;0.0003":     "lr:0.0002;0.0002;0.0003",
		"decays:0.1:4.8;0.5:1.5":    "decays:0.1:4.8;0.5:1.5",
		"sde_delta:0;0.001;matched": "sde_delta:0;0.001;matched",
	}
	for in, want := range good {
		c, err := ParseCompare(in, base)
		if err != nil || c.String() != want {
			t.Errorf("ParseCompare(%q) = %q, %v; want %q, nil", in, c.String(), err, want)
		}
	}
	bad := map[string]string{
		"method":               "key:value",
		"method:sgd":           "2 to 4",
		"lr:1;2;3;4;5":         "2 to 4",
		"seed:1;2":             "not a setting",
		"bogus:1;2":            "not a setting",
		"width:5;0":            "value 2",
		"batch:1;13":           "value 2",
		"method:sgd;<script>":  "value 2",
		"decays:0.1:4.8;2:0.1": "value 2",
	}
	for in, want := range bad {
		if _, err := ParseCompare(in, base); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseCompare(%q) error = %v, want one mentioning %q", in, err, want)
		}
	}
}

func TestCompareRunsShareInitAndPart(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession([][2]string{{"scenario", "relu1d-large"}, {"iters", "2000"}, {"log_every", "10"}, {"compare", "lr:0.0001;0.0002"}})
	if notes := s.Notes(); len(notes) != 0 {
		t.Fatalf("notes: %v", notes)
	}
	st := s.State()
	if len(st.Runs) != 2 {
		t.Fatalf("state has %d runs, want 2", len(st.Runs))
	}
	if st.Runs[0].TrainLoss != st.Runs[1].TrainLoss {
		t.Errorf("compared runs start from different predictors: loss %v vs %v", st.Runs[0].TrainLoss, st.Runs[1].TrainLoss)
	}
	snap := s.Snapshot()
	for i := range snap.Runs[0].H {
		if snap.Runs[0].H[i] != snap.Runs[1].H[i] {
			t.Fatalf("initial predictors differ at grid point %d", i)
		}
	}
	s.RunTo(1000)
	frames(s, clk, 1000, func(st State) bool { return !st.Running })
	st = s.State()
	if st.Runs[0].Iter != 1000 || st.Runs[1].Iter != 1000 {
		t.Errorf("runs at iterations %d and %d, want both at 1000 (lockstep)", st.Runs[0].Iter, st.Runs[1].Iter)
	}
	if st.Runs[0].TrainLoss == st.Runs[1].TrainLoss {
		t.Errorf("runs with different step sizes ended at the same loss %v", st.Runs[0].TrainLoss)
	}
	q := EncodeQuery(s.Query())
	found := false
	for _, p := range ParseQuery(q) {
		found = found || (p[0] == "compare" && p[1] == "lr:0.0001;0.0002")
	}
	if !found {
		t.Errorf("query %q does not carry the comparison", q)
	}
}

func TestCompareSGDAgainstSDE(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession([][2]string{{"scenario", "relu1d-large"}, {"iters", "600"}, {"compare", "method:sgd;sde"}, {"sde_delta", "0.001"}})
	snap := s.Snapshot()
	if got := []string{snap.Runs[0].Label, snap.Runs[1].Label}; got[0] != "SGD" || got[1] != "SDE, δ = 0.001" {
		t.Errorf("labels %q", got)
	}
	s.RunTo(600)
	frames(s, clk, 1000, func(st State) bool { return !st.Running })
	for _, r := range s.State().Runs {
		if r.Iter != 600 || r.Diverged {
			t.Errorf("run %s: iter %d diverged %v", r.Label, r.Iter, r.Diverged)
		}
	}
	// δ is a control: changing it restarts both runs.
	if errs := s.Set([][2]string{{"sde_delta", "matched"}}); len(errs) != 0 {
		t.Fatal(errs)
	}
	s.Update(clk.now)
	if st := s.State(); st.Iter != 0 || st.Runs[1].Label != "SDE, δ matched" {
		t.Errorf("after setting δ: iter %d label %q", st.Iter, st.Runs[1].Label)
	}
	// A comparison that no longer fits the settings is refused.
	if errs := s.Set([][2]string{{"compare", "width:5;0"}}); len(errs) != 1 {
		t.Errorf("bad compare: %v", errs)
	}
	bad := NewSession([][2]string{{"compare", "nonsense"}})
	if notes := strings.Join(bad.Notes(), ";"); !strings.Contains(notes, "compare") || len(bad.State().Runs) != 1 {
		t.Errorf("bad compare in the URL: notes %q, %d runs", notes, len(bad.State().Runs))
	}
}

func TestDiagonalSession(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession([][2]string{{"scenario", "diag-decay50"}, {"iters", "3000"}, {"log_every", "300"}})
	s.RunTo(3000)
	frames(s, clk, 5000, func(st State) bool { return !st.Running })
	st := s.State()
	snap := s.Snapshot()
	if st.Iter != 3000 || st.L0 < 0 || st.L0 > 200 || !(st.TestLoss > 0) {
		t.Errorf("diag state %+v", st)
	}
	if len(snap.Runs[0].Truth) != 200 || len(snap.Runs[0].Coef) != 200 || len(snap.Runs[0].Norms) != 200 {
		t.Errorf("diag snapshot: %d β*, %d β, %d norms", len(snap.Runs[0].Truth), len(snap.Runs[0].Coef), len(snap.Runs[0].Norms))
	}
}
