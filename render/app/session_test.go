package app

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"kinkscope/sim"
)

// fakeClock advances by tick at every reading, so the frame budget is reached after
// a known number of readings.
type fakeClock struct {
	t    time.Time
	tick time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.tick); return c.t }

// frames runs Update until cond holds or limit frames have passed; it returns the
// frames used.
func frames(s *Session, clk *fakeClock, limit int, cond func(State) bool) int {
	for i := 1; i <= limit; i++ {
		s.Update(clk.now)
		if cond(s.State()) {
			return i
		}
	}
	return -1
}

func short(kv ...string) [][2]string {
	out := [][2]string{{"scenario", "relu1d-large"}, {"iters", "3000"}, {"log_every", "100"}}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, [2]string{kv[i], kv[i+1]})
	}
	return out
}

func TestSessionPlayPauseStep(t *testing.T) {
	clk := &fakeClock{tick: 50 * time.Microsecond}
	s := NewSession(short("speed", "10"))
	if st := s.State(); st.Iter != 0 || st.Running || st.Iters != 3000 {
		t.Fatalf("new session state = %+v, want iter 0 of 3000, paused", st)
	}
	s.Update(clk.now)
	if got := s.State().Iter; got != 0 {
		t.Errorf("a paused session advanced to %d", got)
	}
	s.Play()
	s.Update(clk.now)
	if got := s.State().Iter; got != 10 {
		t.Errorf("one frame at speed 10: iter = %d, want 10", got)
	}
	s.Pause()
	s.Update(clk.now)
	if got := s.State().Iter; got != 10 || s.State().Running {
		t.Errorf("after pause: iter %d running %v, want 10 and paused", got, s.State().Running)
	}
	s.Step(7)
	s.Update(clk.now)
	if got := s.State().Iter; got != 17 {
		t.Errorf("after Step(7): iter = %d, want 17", got)
	}
	s.Reset()
	s.Update(clk.now)
	if got := s.State().Iter; got != 0 {
		t.Errorf("after Reset: iter = %d, want 0", got)
	}
}

// TestSessionRequestsApplyInOrder: a change of settings restarts the runs paused at the
// next frame, but a play, step or run-to requested after it, before that frame, still
// applies (a lecture page posts set, then play, in one go).
func TestSessionRequestsApplyInOrder(t *testing.T) {
	clk := &fakeClock{tick: 50 * time.Microsecond}
	for _, tt := range []struct {
		name    string
		request func(*Session)
		iter    int
		running bool
	}{
		{"set then play", func(s *Session) { s.Play() }, 10, true},
		{"set then step", func(s *Session) { s.Step(7) }, 7, false},
		{"set then run to", func(s *Session) { s.RunTo(5) }, 5, false},
		{"set alone", func(*Session) {}, 0, false},
	} {
		s := NewSession(short("speed", "10"))
		s.Play()
		s.Update(clk.now)
		if errs := s.Set([][2]string{{"seed", "2"}}); len(errs) > 0 {
			t.Fatal(errs)
		}
		tt.request(s)
		s.Update(clk.now)
		if st := s.State(); st.Iter != tt.iter || st.Running != tt.running {
			t.Errorf("%s: iter %d running %v after one frame, want %d and %v", tt.name, st.Iter, st.Running, tt.iter, tt.running)
		}
	}
	// A reset with nothing after it pauses a playing run.
	s := NewSession(short("speed", "10"))
	s.Play()
	s.Update(clk.now)
	s.Reset()
	s.Update(clk.now)
	if st := s.State(); st.Iter != 0 || st.Running {
		t.Errorf("after reset: iter %d running %v, want 0 and paused", st.Iter, st.Running)
	}
}

func TestSessionRunToRespectsBudget(t *testing.T) {
	// Every clock reading costs 1 ms of "work": a frame may read the clock about
	// budget/1 ms times, so a long RunTo must spread over several frames.
	clk := &fakeClock{tick: time.Millisecond}
	s := NewSession(short())
	s.RunTo(2500)
	n := frames(s, clk, 10000, func(st State) bool { return !st.Running && st.Iter == 2500 })
	if n < 0 {
		t.Fatalf("RunTo(2500) never finished: state %+v", s.State())
	}
	if n < 2 {
		t.Errorf("RunTo(2500) took %d frame, want it spread over several", n)
	}
	// The same run stepped without a budget ends in the same state.
	cfg, _ := sim.DecodeSettings("relu1d-large", short()[1:])
	r, err := sim.NewRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.Advance(2500)
	if got, want := s.State().TrainLoss, r.Latest().TrainLoss; got != want {
		t.Errorf("train loss after a budgeted RunTo = %v, want %v as in one go", got, want)
	}
}

func TestSessionFrameTimeBounded(t *testing.T) {
	// Each clock reading costs 1 ms of "work", so a frame's recorded time counts the
	// chunks and snapshots it did: none may run past the budget by more than one
	// chunk, since snapshots that would overrun wait for the next frame.
	clk := &fakeClock{tick: time.Millisecond}
	s := NewSession([][2]string{{"scenario", "relu1d-small"}, {"compare", "method:sgd;sde"}})
	s.Play()
	for range 60 {
		s.Update(clk.now)
	}
	if len(s.FrameTimes()) == 0 {
		t.Fatalf("no frame recorded work while playing")
	}
	for i, d := range s.FrameTimes() {
		if d > MaxFrameBudget+4*time.Millisecond {
			t.Errorf("frame %d took %v of simulation, want ≤ %v plus one chunk", i, d, MaxFrameBudget)
		}
	}
}

// TestSessionRepeatedKeyNamed: a setting given twice in the URL is named in the
// notes with its values and neither value is used; the rest of the URL applies, and
// a preset's settings overridden by the URL do not count as repeated.
func TestSessionRepeatedKeyNamed(t *testing.T) {
	for _, tt := range []struct {
		query   string
		key     string
		want    map[string]string // config values after the session starts
		noNotes bool
	}{
		{"scenario=relu1d-small&lr=0.001&seed=3&lr=0.003", "lr", map[string]string{"scenario": "relu1d-small", "lr": "0.0002", "seed": "3"}, false},
		{"seed=4&scenario=diag-const&scenario=relu1d-small&width=50", "scenario", map[string]string{"scenario": "relu1d-large", "seed": "4", "width": "50"}, false},
		{"pieces=on&norms=log&pieces=off&pieces=on", "pieces", map[string]string{"norms": "log", "pieces": "off"}, false},
		{"preset=kinks&lr=0.0003", "", map[string]string{"lr": "0.0003"}, true},
	} {
		s := NewSession(ParseQuery(tt.query))
		notes := s.Notes()
		cfg := map[string]string{}
		for _, p := range s.Config() {
			cfg[p[0]] = p[1]
		}
		for k, v := range tt.want {
			if cfg[k] != v {
				t.Errorf("NewSession(%q): %s = %q, want %q", tt.query, k, cfg[k], v)
			}
		}
		if tt.noNotes {
			if len(notes) != 0 {
				t.Errorf("NewSession(%q): notes %q, want none", tt.query, notes)
			}
			continue
		}
		if len(notes) != 1 || !strings.HasPrefix(notes[0], tt.key+": given ") || !strings.Contains(notes[0], "none of them is used") {
			t.Errorf("NewSession(%q): notes %q, want one naming %s as repeated", tt.query, notes, tt.key)
		}
	}
	// Unknown keys given twice are named as unknown.
	s := NewSession(ParseQuery("bogus=1&bogus=2"))
	if n := strings.Join(s.Notes(), ";"); !strings.Contains(n, `unknown setting "bogus"`) {
		t.Errorf("notes %q do not name the unknown setting", n)
	}
}

func TestSessionBadQueryNamesEachEntry(t *testing.T) {
	s := NewSession([][2]string{{"scenario", "relu1d-small"}, {"lr", "abc"}, {"bogus", "1"}, {"speed", "fast"}, {"width", "50"}})
	notes := strings.Join(s.Notes(), "\n")
	for _, want := range []string{"lr", "bogus", "speed"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q do not name %q", notes, want)
		}
	}
	cfg := s.Config()
	get := func(k string) string {
		for _, p := range cfg {
			if p[0] == k {
				return p[1]
			}
		}
		return ""
	}
	if get("lr") != "0.0002" || get("width") != "50" || get("scenario") != "relu1d-small" || get("speed") != "max" {
		t.Errorf("config lr %s width %s scenario %s speed %s: want the defaults for bad entries and the good ones applied",
			get("lr"), get("width"), get("scenario"), get("speed"))
	}
}

func TestSessionSetValidatesAtOnce(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession(short())
	errs := s.Set([][2]string{{"lr", "0.0003"}, {"width", "0"}})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "width") {
		t.Fatalf("Set with a bad width: errors %v, want one naming width", errs)
	}
	for _, p := range s.Query() {
		if p[0] == "lr" {
			t.Errorf("a rejected Set changed lr: %v", p)
		}
	}
	if errs := s.Set([][2]string{{"lr", "0.0003"}, {"speed", "100"}}); len(errs) != 0 {
		t.Fatalf("Set: %v", errs)
	}
	q := EncodeQuery(s.Query())
	if !strings.Contains(q, "lr=0.0003") || !strings.Contains(q, "speed=100") {
		t.Errorf("query after Set = %q, want lr and speed", q)
	}
	s.Update(clk.now)
	s.Update(clk.now)
	if st := s.State(); st.Iter != 0 || st.Running {
		t.Errorf("a restart pauses the run; iter %d running %v", st.Iter, st.Running)
	}
	if errs := s.Set([][2]string{{"scenario", "nope"}}); len(errs) != 1 {
		t.Errorf("unknown scenario: errors %v", errs)
	}
	if errs := s.Set([][2]string{{"scenario", "relu1d-small"}}); len(errs) != 0 {
		t.Errorf("switching scenario: %v", errs)
	}
	s.Update(clk.now)
	if st := s.State(); st.Scenario != "relu1d-small" || st.Iters != 31623 {
		t.Errorf("after switching scenario: %s with %d iterations, want relu1d-small's own settings", st.Scenario, st.Iters)
	}
}

func TestSessionQueryReproducesRun(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	a := NewSession(short("seed", "7", "label_noise", "0.1", "pieces", "on"))
	b := NewSession(ParseQuery(EncodeQuery(a.Query())))
	if !slices.Equal(a.Config(), b.Config()) {
		t.Fatalf("config from the query differs:\n%v\n%v", a.Config(), b.Config())
	}
	for _, s := range []*Session{a, b} {
		s.RunTo(1200)
		frames(s, clk, 1000, func(st State) bool { return !st.Running })
	}
	if la, lb := a.State().TrainLoss, b.State().TrainLoss; la != lb || math.IsNaN(la) {
		t.Errorf("train loss %v vs %v from the same query", la, lb)
	}
}

func TestSessionDivergencePausesWithMessage(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession(short("lr", "5", "warmup", "none", "decays", "none"))
	s.Play()
	if n := frames(s, clk, 200, func(st State) bool { return st.Diverged }); n < 0 {
		t.Fatalf("lr 5 never diverged: %+v", s.State())
	}
	st := s.State()
	if st.Running || !strings.Contains(st.Error, "diverged at step") || !strings.Contains(st.Error, "step size 5") {
		t.Errorf("diverged state %+v: want paused with the step and step size", st)
	}
	s.Reset()
	s.Update(clk.now)
	if st := s.State(); st.Diverged || st.Iter != 0 || st.Error != "" {
		t.Errorf("after reset: %+v", st)
	}
}

func TestSnapshotVersionOnlyChangesWithContent(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession(short("speed", "5"))
	s.Update(clk.now)
	v := s.Snapshot().Version
	s.Update(clk.now)
	if got := s.Snapshot().Version; got != v {
		t.Errorf("paused frames changed the version %d → %d; the page would redraw for nothing", v, got)
	}
	s.Play()
	s.Update(clk.now)
	if got := s.Snapshot().Version; got == v {
		t.Errorf("a frame that stepped kept version %d", got)
	}
}

func TestHiddenSessionDoesNoWork(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	s := NewSession(short("speed", "10"))
	s.SetVisible(false)
	s.Play()
	for range 5 {
		s.Update(clk.now)
	}
	if st := s.State(); st.Iter != 0 || !st.Running || len(s.FrameTimes()) != 0 {
		t.Errorf("hidden and playing: iter %d running %v, %d frames of work; want no work, still playing", st.Iter, st.Running, len(s.FrameTimes()))
	}
	s.SetVisible(true)
	s.Update(clk.now)
	if got := s.State().Iter; got != 10 {
		t.Errorf("visible again: iter %d, want 10", got)
	}
}

func TestExportsLoadBack(t *testing.T) {
	clk := &fakeClock{tick: 10 * time.Microsecond}
	a := NewSession(short("seed", "4", "compare", "lr:0.0001;0.0002", "norms", "log"))
	a.RunTo(700)
	frames(a, clk, 1000, func(st State) bool { return !st.Running })
	csv := a.HistoryCSV()
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if lines[0] != "run,label,iter,lr,train_loss,test_loss,rank,feature_sparsity,kinks,raw_kinks,l0,l1,feature_sparsity_l1,feature_sparsity_l2,train_error,test_error,feature_sparsity_mid,feature_sparsity_last,nonzero_mid,nonzero_last" {
		t.Errorf("CSV header %q", lines[0])
	}
	if want := 1 + 2*8; len(lines) != want { // snapshots at 0, 100, …, 700 for 2 runs
		t.Errorf("CSV has %d lines, want %d", len(lines), want)
	}
	for _, l := range lines[1:] {
		if n, want := strings.Count(l, ","), len(sim.MetricList)+1; n != want {
			t.Errorf("CSV row %q has %d commas, want %d", l, n, want)
		}
	}
	js := a.SettingsJSON()
	m, err := ParseMessage([]byte(js))
	if err != nil || m.Cmd != "load" || m.Iter != 700 {
		t.Fatalf("SettingsJSON does not parse as a load message: %+v, %v\n%s", m, err, js)
	}
	b := NewSession(nil)
	if errs := b.Load(m); len(errs) != 0 {
		t.Fatalf("Load: %v", errs)
	}
	frames(b, clk, 1000, func(st State) bool { return st.Iter == 700 && !st.Running })
	if !slices.Equal(a.Config(), b.Config()) {
		t.Errorf("loaded config differs:\n%v\n%v", a.Config(), b.Config())
	}
	sa, sb := a.State(), b.State()
	for i := range sa.Runs {
		if sa.Runs[i].TrainLoss != sb.Runs[i].TrainLoss || sa.Runs[i].Iter != sb.Runs[i].Iter {
			t.Errorf("run %d after load: iter %d loss %v, want %d %v", i, sb.Runs[i].Iter, sb.Runs[i].TrainLoss, sa.Runs[i].Iter, sa.Runs[i].TrainLoss)
		}
	}
}

func TestPresets(t *testing.T) {
	for _, p := range Presets {
		s := NewSession([][2]string{{"preset", p.Name}})
		if notes := s.Notes(); len(notes) != 0 {
			t.Errorf("preset %s: notes %v", p.Name, notes)
		}
		q := EncodeQuery(s.Query())
		if !strings.Contains(q, "preset="+p.Name) {
			t.Errorf("preset %s: query %q does not name it", p.Name, q)
		}
		if p.Caption == "" || p.Title == "" {
			t.Errorf("preset %s has no caption or title", p.Name)
		}
	}
	s := NewSession([][2]string{{"preset", "kinks"}, {"seed", "3"}})
	if st := s.State(); len(st.Runs) != 2 {
		t.Errorf("preset kinks: %d runs, want 2", len(st.Runs))
	}
	if got := s.Config(); !slices.Contains(got, [2]string{"seed", "3"}) {
		t.Errorf("an explicit setting after the preset is lost: %v", got)
	}
	bad := NewSession([][2]string{{"preset", "nope"}})
	if !strings.Contains(strings.Join(bad.Notes(), ";"), "nope") {
		t.Errorf("unknown preset not named: %v", bad.Notes())
	}
}

func TestTeacherStudentSession(t *testing.T) {
	for _, dim := range []string{"1", "5"} {
		clk := &fakeClock{tick: 10 * time.Microsecond}
		s := NewSession([][2]string{{"scenario", "teacher3-decay50"}, {"dim", dim}, {"iters", "1500"}, {"log_every", "100"}})
		if notes := s.Notes(); len(notes) != 0 {
			t.Fatalf("dim %s: notes %v", dim, notes)
		}
		s.RunTo(1500)
		frames(s, clk, 5000, func(st State) bool { return !st.Running })
		st, snap := s.State(), s.Snapshot()
		if st.Iter != 1500 || !(st.TestLoss > 0) || math.IsNaN(st.FeatureSparsity) || math.IsNaN(st.Rank) {
			t.Errorf("dim %s: state %+v", dim, st)
		}
		if len(snap.Runs[0].Norms) == 0 {
			t.Errorf("dim %s: no column norms", dim)
		}
		if dim == "1" && (len(snap.Runs[0].Teacher) != len(snap.Runs[0].X) || len(snap.Runs[0].H) != len(snap.Runs[0].X) || len(snap.DataX) != 50) {
			t.Errorf("1D teacher–student: %d teacher, %d student, %d grid points, %d data", len(snap.Runs[0].Teacher), len(snap.Runs[0].H), len(snap.Runs[0].X), len(snap.DataX))
		}
		if dim == "5" && (snap.Runs[0].Teacher != nil || snap.Runs[0].X != nil) {
			t.Errorf("d = 5 has a predictor to draw")
		}
	}
}
