package app

import (
	"math"
	"runtime"
	"testing"
	"time"

	"kinkscope/sim"
	_ "kinkscope/sim/models"
)

// TestSessionPiecedRuns plays a comparison of two convolutional-network runs to the
// end with a fake clock whose every reading advances 3 ms, so that each frame gets a
// few pieces only: the runs must end exactly as the same runs advanced whole (the
// command line's way), the runs stay in lockstep, and a paused session finishes the
// snapshot in progress.
func TestSessionPiecedRuns(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("no module cache under js/wasm")
	}
	q := [][2]string{{"scenario", "cnn-large50"}, {"blocks", "2,3"}, {"dense", "8"}, {"train_images", "200"},
		{"test_images", "40"}, {"iters", "12"}, {"batch", "8"}, {"log_every", "4"}, {"compare", "lr:0.01;0.05"}}
	s := NewSession(q)
	if notes := s.Notes(); len(notes) > 0 {
		t.Fatalf("notes %v", notes)
	}
	clk := &fakeClock{tick: 3 * time.Millisecond}
	s.Step(2)
	n := frames(s, clk, 10000, func(st State) bool { return st.Iter >= 2 && !st.Running })
	if n < 0 {
		t.Fatal("two steps did not finish")
	}
	for i := 0; i < 20; i++ { // paused: the snapshot of iteration 0 is finished anyway
		s.Update(clk.now)
	}
	if st := s.State(); math.IsNaN(st.TrainLoss) {
		t.Errorf("paused after 2 steps, the first snapshot is still not done: %+v", st)
	}
	s.RunTo(12)
	if n := frames(s, clk, 100000, func(st State) bool {
		for _, r := range st.Runs {
			if r.Iter < 12 || math.IsNaN(r.TestError) {
				return false
			}
		}
		if d := st.Runs[0].Iter - st.Runs[1].Iter; d > 1 || d < -1 {
			t.Fatalf("runs out of lockstep: iterations %d and %d", st.Runs[0].Iter, st.Runs[1].Iter)
		}
		return !st.Running
	}); n < 0 {
		t.Fatal("the runs did not finish")
	}
	for range 40 {
		s.Update(clk.now)
	}
	snap := s.Snapshot()
	for i, lr := range []string{"0.01", "0.05"} {
		name := "lr " + lr
		c, errs := sim.DecodeSettings("cnn-large50", append(q[1:8:8], [2]string{"lr", lr}))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		r, err := sim.NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		r.Advance(c.Iters)
		want, got := r.History().Rows(), snap.Runs[i].History
		if len(want) != len(got) {
			t.Fatalf("%s: %d snapshots in the session, %d advanced whole", name, len(got), len(want))
		}
		for k := range want {
			if want[k] != got[k] && !(math.IsNaN(want[k].Rank) && math.IsNaN(got[k].Rank)) {
				for _, d := range sim.MetricList {
					if a, b := d.Value(&want[k]), d.Value(&got[k]); math.Float64bits(a) != math.Float64bits(b) {
						t.Errorf("%s snapshot %d: %s %v in the session, %v advanced whole", name, k, d.Key, b, a)
					}
				}
			}
		}
		if len(snap.Runs[i].Activations) != 2 || len(snap.Runs[i].Digits) == 0 {
			t.Errorf("%s: picture without activation maps or digits", name)
		}
	}
}
