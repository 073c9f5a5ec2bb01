package app

import (
	"strings"
	"testing"
	"time"
)

// TestNumbersFromOneSnapshot plays runs with frames that end anywhere (clocks of
// several speeds, slow speeds, a run to an iteration between two snapshots) and
// checks after every frame that what a frame draws and state() reports come from one
// metric snapshot: each run's picture is of its metrics' iteration, the predictor's
// kink count is the kinks metric, and the metrics are of an iteration reached.
func TestNumbersFromOneSnapshot(t *testing.T) {
	cases := []struct {
		name string
		kv   [][2]string
		tick time.Duration
		act  func(*Session)
	}{
		{"max speed, fast clock", short(), 50 * time.Microsecond, (*Session).Play},
		{"max speed, slow clock", short(), 3 * time.Millisecond, (*Session).Play},
		{"speed 7", short("speed", "7"), 100 * time.Microsecond, (*Session).Play},
		{"run to 1234", short(), 200 * time.Microsecond, func(s *Session) { s.RunTo(1234) }},
		{"compared runs", short("compare", "scenario:relu1d-small;relu1d-large", "speed", "33"), 100 * time.Microsecond, (*Session).Play},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSession(c.kv)
			clk := &fakeClock{t: time.Unix(0, 0), tick: c.tick}
			c.act(s)
			between := 0
			for f := 0; f < 3000; f++ {
				s.Update(clk.now)
				snap := s.Snapshot()
				st := snap.State
				if st.MetricsIter > st.Iter {
					t.Fatalf("frame %d: metrics of iteration %d after iteration %d", f, st.MetricsIter, st.Iter)
				}
				if st.MetricsIter != st.Iter {
					between++
				}
				for i, rv := range snap.Runs {
					rs := st.Runs[i]
					if rv.PictureIter != rs.MetricsIter {
						t.Fatalf("frame %d, run %s: picture of iteration %d, metrics of %d (iteration %d)", f, rv.Label, rv.PictureIter, rs.MetricsIter, rs.Iter)
					}
					if got, want := float64(rv.Kinks.Visible), rs.Kinks; got != want {
						t.Fatalf("frame %d, run %s at %d: the predictor shows %v kinks, the metrics say %v", f, rv.Label, rs.MetricsIter, got, want)
					}
					if last := rv.History[len(rv.History)-1]; last.Iter != rs.MetricsIter || last.TrainLoss != rs.TrainLoss {
						t.Fatalf("frame %d, run %s: history ends at %d (loss %g), state's metrics at %d (loss %g)", f, rv.Label, last.Iter, last.TrainLoss, rs.MetricsIter, rs.TrainLoss)
					}
				}
				if !st.Running {
					break
				}
			}
			if snap := s.Snapshot(); snap.State.Iter != snap.Runs[0].Iters && snap.State.Iter != 1234 {
				t.Fatalf("stopped at iteration %d", snap.State.Iter)
			}
			t.Logf("%d frames ended between two snapshots", between)
		})
	}
}

// TestViewControlsCaption: controls=off and caption=off are view settings, read from
// the link, reported by Config, written back by Query, and refused with the field
// named when they are neither on nor off.
func TestViewControlsCaption(t *testing.T) {
	s := NewSession([][2]string{{"preset", "kinks"}, {"controls", "off"}, {"caption", "off"}})
	if v := s.Snapshot().View; v.Controls || v.Caption {
		t.Fatalf("view %+v, want controls and caption off", v)
	}
	q := EncodeQuery(s.Query())
	if !strings.Contains(q, "controls=off") || !strings.Contains(q, "caption=off") {
		t.Errorf("query %q lacks controls=off, caption=off", q)
	}
	if d := NewSession(nil); !d.Snapshot().View.Controls || !d.Snapshot().View.Caption || strings.Contains(EncodeQuery(d.Query()), "controls") {
		t.Errorf("default view %+v, query %q: want controls and caption on, and not in the link", d.Snapshot().View, EncodeQuery(d.Query()))
	}
	errs := s.Set([][2]string{{"controls", "maybe"}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "controls") || !strings.Contains(errs[0].Error(), "on, off") {
		t.Errorf("controls=maybe: %v, want one error naming controls and on, off", errs)
	}
	bad := NewSession([][2]string{{"caption", "1"}})
	if n := bad.Notes(); len(n) != 1 || !strings.Contains(n[0], "caption") {
		t.Errorf("caption=1 in the link: notes %q", n)
	}
}

// TestOtherExperimentEndsComparison: choosing an experiment of another model while a
// comparison is on applies it, ends the comparison and says so; one that the
// comparison still applies to keeps it.
func TestOtherExperimentEndsComparison(t *testing.T) {
	s := NewSession([][2]string{{"preset", "kinks"}})
	if errs := s.Set([][2]string{{"scenario", "diag-const"}}); len(errs) > 0 {
		t.Fatalf("set scenario=diag-const during the kinks comparison: %v", errs)
	}
	s.Update(time.Now)
	st := s.State()
	if st.Scenario != "diag-const" || len(st.Runs) != 1 {
		t.Fatalf("scenario %s with %d runs, want diag-const alone", st.Scenario, len(st.Runs))
	}
	notes := s.Notes()
	if len(notes) == 0 || !strings.Contains(notes[len(notes)-1], "comparison") || !strings.Contains(notes[len(notes)-1], "ended") {
		t.Errorf("notes %q, want one saying the comparison ended", notes)
	}
	k := NewSession([][2]string{{"scenario", "relu1d-large"}, {"compare", "method:sgd;sde"}})
	if errs := k.Set([][2]string{{"scenario", "relu1d-small"}}); len(errs) > 0 {
		t.Fatal(errs)
	}
	k.Update(time.Now)
	if n := len(k.State().Runs); n != 2 {
		t.Errorf("relu1d-small under compare=method:sgd;sde: %d runs, want the comparison kept (2)", n)
	}
	// An explicit comparison that does not apply is still an error.
	if errs := k.Set([][2]string{{"scenario", "diag-const"}, {"compare", "scenario:relu1d-small;relu1d-large"}}); len(errs) == 0 {
		t.Error("an explicit comparison of another model was accepted")
	}
}
