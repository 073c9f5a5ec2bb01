package engine

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"kinkscope/render/app"
	"kinkscope/sim"
)

// localLink connects a Client to Engines in this process, as web/sim.js connects the
// page to its Web Workers: requests are handled in order, and pump slices the
// engines and hands their frames to the client.
type localLink struct {
	t       *testing.T
	engines []*Engine
	client  *Client
	started int // engines made, fresh ones included
	order   *rand.Rand
	// slowPage: the page draws no frame while pump runs, so it acknowledges none of
	// the frames it takes in (a page whose drawing is slower than the workers).
	slowPage bool
	received int // frames taken in
}

func (l *localLink) Workers(n int, fresh bool) {
	if fresh {
		l.engines = nil
	}
	for len(l.engines) < n {
		l.engines = append(l.engines, New())
		l.started++
	}
	l.engines = l.engines[:n]
}

func (l *localLink) Post(i int, req []byte) {
	l.t.Helper()
	if r := l.engines[i].Handle(req); r["event"] == "error" {
		l.t.Fatalf("worker %d refused %s: %v", i, req, r)
	}
}

// pump slices busy engines, in a random order when order is set (workers run side
// by side), until none is busy, and returns the slices done.
func (l *localLink) pump() int {
	l.t.Helper()
	slices := 0
	for busy := true; busy; {
		busy = false
		idx := make([]int, len(l.engines))
		for i := range idx {
			idx[i] = i
		}
		if l.order != nil {
			l.order.Shuffle(len(idx), func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		}
		for _, i := range idx {
			e := l.engines[i]
			if !e.Busy() {
				continue
			}
			busy = true
			slices++
			r := e.Slice()
			if r == nil {
				continue
			}
			if r["event"] != "frame" {
				l.t.Fatalf("worker %d posted %v, want a frame", i, r["event"])
			}
			if err := l.client.Receive(i, bytes.Clone(r["frame"].([]byte))); err != nil {
				l.t.Fatal(err)
			}
			l.received++
		}
		if !l.slowPage {
			l.client.ack() // the page's frame: it has taken in what the workers posted
		}
		if slices > 1_000_000 {
			l.t.Fatal("the engines never went idle")
		}
	}
	return slices
}

func newClient(t *testing.T, query string, workers int) (*Client, *localLink) {
	t.Helper()
	l := &localLink{t: t}
	c := NewClient(app.ParseQuery(query), workers, l)
	l.client = c
	return c, l
}

// runBytes writes what is drawn of each run of a snapshot, history included, as a
// frame writes it: equal bytes, equal pictures and numbers, bit for bit.
func runBytes(s *app.Snapshot) []byte {
	var b []byte
	for _, rv := range s.Runs {
		f := Frame{Snapshot: app.Snapshot{Runs: []app.RunView{rv}}}
		b = AppendFrame(b, &f)
	}
	return b
}

// sessionAtEnd returns a Session in the page, as before the workers, run to its end.
func sessionAtEnd(q string) *app.Session {
	s := app.NewSession(app.ParseQuery(q))
	s.RunTo(1 << 30)
	for range 1_000_000 {
		s.Update(time.Now)
		if !s.State().Running {
			break
		}
	}
	return s
}

// A session whose runs live in workers draws what a Session in the page draws: the
// same runs, pictures and histories, bit for bit, whether one worker hosts every
// run or each run has its own, and whatever order the workers take turns in.
func TestClientDrawsWhatTheSessionDraws(t *testing.T) {
	queries := []string{
		"scenario=relu1d-large&iters=20000",
		"scenario=diag-decay10&iters=3000",
		"scenario=relu1d-small&iters=4000&compare=lr:0.01;0.05;0.1&pieces=on",
	}
	for _, q := range queries {
		want := sessionAtEnd(q)
		for _, workers := range []int{1, 2, 4} {
			c, l := newClient(t, q, workers)
			l.order = rand.New(rand.NewPCG(uint64(workers), 7))
			l.pump()
			c.RunTo(1 << 30)
			l.pump()
			got := c.Snapshot()
			if got == nil {
				t.Fatalf("%s, %d workers: no snapshot", q, workers)
			}
			ws := want.Snapshot()
			if len(got.Runs) != len(ws.Runs) || !bytes.Equal(runBytes(got), runBytes(ws)) {
				t.Errorf("%s, %d workers (%d used): the runs drawn differ from the Session's", q, workers, c.Workers())
			}
			if got.HistoryCSV() != ws.HistoryCSV() {
				t.Errorf("%s, %d workers: exported CSV differs", q, workers)
			}
			gs, wst := c.State(), want.State()
			if gs.Iter != wst.Iter || math.Float64bits(gs.TrainLoss) != math.Float64bits(wst.TrainLoss) || gs.Running || len(gs.Runs) != len(wst.Runs) {
				t.Errorf("%s, %d workers: state iter %d loss %v running %v runs %d, the Session's %d %v %v %d",
					q, workers, gs.Iter, gs.TrainLoss, gs.Running, len(gs.Runs), wst.Iter, wst.TrainLoss, wst.Running, len(wst.Runs))
			}
			if want := min(workers, len(ws.Runs)); c.Workers() != want {
				t.Errorf("%s: %d workers used, want %d", q, c.Workers(), want)
			}
		}
	}
}

// A worker runs ahead of a page that draws slowly without posting it frames it would
// not draw: it posts at most maxUnacked frames the page has not taken in, goes on
// simulating, and posts the latest state, every history row since included, once
// the page has drawn a frame; the page ends up with the Session's runs, bit for bit.
// A hidden page draws nothing, and still sees every command carried out.
func TestClientWorkersWaitForASlowPage(t *testing.T) {
	const q = "scenario=relu1d-large&iters=20000"
	want := sessionAtEnd(q)
	c, l := newClient(t, q, 1)
	l.slowPage = true
	l.pump()
	c.Update(time.Now)
	l.received = 0
	c.RunTo(1 << 30)
	slices := l.pump()
	e := l.engines[0]
	if l.received > maxUnacked || e.session.State().Iter != 20000 {
		t.Fatalf("without the page's frames: %d frames posted over %d slices, the worker at iteration %d; want at most %d, and 20000",
			l.received, slices, e.session.State().Iter, maxUnacked)
	}
	if it := c.State().Iter; it >= 20000 {
		t.Fatalf("the page shows iteration %d before it drew a frame, want a frame held back", it)
	}
	c.Update(time.Now) // the page draws: the worker may post again
	l.pump()
	got, ws := c.Snapshot(), want.Snapshot()
	if !bytes.Equal(runBytes(got), runBytes(ws)) || got.HistoryCSV() != ws.HistoryCSV() {
		t.Fatalf("after the held frame: the runs drawn differ from the Session's (iteration %d, %d history rows; the Session's %d, %d)",
			c.State().Iter, len(got.Runs[0].History), want.State().Iter, len(ws.Runs[0].History))
	}

	c.SetVisible(false)
	for i, cmd := range []func(){func() { c.Step(10) }, c.Pause, c.Reset, func() { c.Step(5) }} {
		cmd()
		l.pump()
		if !c.Synced() {
			t.Fatalf("hidden, command %d: not carried out in the frames the page holds (%s)", i, c.describe())
		}
	}
}

// Set answers at once, as a Session's does: a bad value is refused by name and
// changes nothing, a good one shows in Config and Query before any worker has
// answered.
func TestClientSetAnswersAtOnce(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-large", 1)
	l.pump()
	before := c.Config()
	if errs := c.Set([][2]string{{"lr", "fast"}}); len(errs) != 1 || !strings.Contains(errs[0].Error(), "lr") {
		t.Fatalf("lr=fast: %v, want one error naming lr", errs)
	}
	if !slices.Equal(c.Config(), before) {
		t.Fatal("a refused set changed the settings")
	}
	if errs := c.Set([][2]string{{"lr", "0.05"}, {"speed", "10"}}); len(errs) != 0 {
		t.Fatal(errs)
	}
	if q := app.EncodeQuery(c.Query()); !strings.Contains(q, "lr=0.05") || !strings.Contains(q, "speed=10") {
		t.Fatalf("query %q before the workers answered", q)
	}
	l.pump()
	if got := c.Snapshot().Config.LR; got != 0.05 {
		t.Fatalf("the worker's runs have lr %v", got)
	}
}

// state().frame counts only frames that show every command sent: a script that
// waits for it to move sees its commands carried out.
func TestClientFrameWaitsForTheWorkers(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-large", 1)
	l.pump()
	c.Update(time.Now)
	f0 := c.State().Frame
	if f0 != 1 {
		t.Fatalf("frame %d after the first frame, want 1", f0)
	}
	c.Step(500)
	c.Update(time.Now)
	if c.State().Frame != f0 || c.Synced() {
		t.Fatal("a frame counted before the worker carried out the step")
	}
	l.pump()
	c.Update(time.Now)
	if st := c.State(); st.Frame != f0+1 || st.Iter != 500 {
		t.Fatalf("after the worker's frames: frame %d iter %d, want %d and 500 (%s)", st.Frame, st.Iter, f0+1, c.describe())
	}
	// Hidden, a worker still answers commands, and does no work.
	c.SetVisible(false)
	c.Play()
	l.pump()
	c.Update(time.Now)
	if st := c.State(); st.Frame != f0+2 || st.Iter != 500 {
		t.Fatalf("hidden: frame %d iter %d, want %d and 500", st.Frame, st.Iter, f0+2)
	}
	c.SetVisible(true)
	c.Pause()
	l.pump()
}

// A worker that stops is named, the runs stop, and a reset starts fresh workers and
// the same runs again.
func TestClientRecoversFromAFailedWorker(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-large&iters=5000", 1)
	c.RunTo(2000)
	l.pump()
	want := runBytes(c.Snapshot())
	c.Failed(0, "terminated")
	st := c.State()
	if st.Running || !strings.Contains(st.Error, "engine stopped") || !strings.Contains(st.Error, "Reset") {
		t.Fatalf("after a failure: %+v", st.Error)
	}
	c.Reset()
	if l.started != 2 {
		t.Fatalf("%d workers started, want a fresh one", l.started)
	}
	c.RunTo(2000)
	l.pump()
	if st := c.State(); st.Error != "" || st.Iter != 2000 {
		t.Fatalf("after reset: iter %d error %q", st.Iter, st.Error)
	}
	if !bytes.Equal(runBytes(c.Snapshot()), want) {
		t.Fatal("the run after the reset differs")
	}
}

// A changed comparison moves the runs to as many workers as it has runs, and frames
// of the sessions it replaced are dropped.
func TestClientReopensOnChange(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-small&iters=2000", 4)
	l.pump()
	if c.Workers() != 1 {
		t.Fatalf("%d workers for one run", c.Workers())
	}
	c.Play()
	if errs := c.Set([][2]string{{"compare", "lr:0.0001;0.0002;0.0003"}}); len(errs) > 0 {
		t.Fatal(errs)
	}
	if c.Workers() != 3 {
		t.Fatalf("%d workers for three runs", c.Workers())
	}
	c.RunTo(1000)
	l.pump()
	s := c.Snapshot()
	if len(s.Runs) != 3 || s.State.Iter != 1000 || s.CompareKey != "lr" {
		t.Fatalf("%d runs at %d, compare %q (%s)", len(s.Runs), s.State.Iter, s.CompareKey, s.State.Error)
	}
	for i, rv := range s.Runs {
		if rv.Iter != 1000 || !strings.Contains(rv.Label, "0.000"+string(rune('1'+i))) {
			t.Errorf("run %d: %q at %d", i, rv.Label, rv.Iter)
		}
	}
	// The first run diverging stops the comparison, as in a Session, though the
	// other runs live in other workers.
	if errs := c.Set([][2]string{{"compare", "lr:0.01;0.0001"}}); len(errs) > 0 {
		t.Fatal(errs)
	}
	c.Play()
	l.pump()
	s = c.Snapshot()
	if !s.State.Diverged || s.State.Running || !strings.Contains(s.State.Error, "diverged") {
		t.Fatalf("lead diverged %v, running %v, error %q", s.State.Diverged, s.State.Running, s.State.Error)
	}
}

// Frames survive the trip: decoding then encoding gives the same bytes, for every
// scenario's first frames; a cut or corrupted frame is an error, never a panic.
func TestFrameRoundTrip(t *testing.T) {
	for _, sc := range sim.Scenarios {
		if cfg, _ := sim.Scenario(sc.Name); cfg.Model == "cnn" {
			continue // needs the MNIST files; the page tests cover it
		}
		e := New()
		if r := e.Handle(encode(t, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=" + sc.Name + "&pieces=on", "frames": true})); r["event"] == "error" {
			t.Fatal(r)
		}
		e.Handle(encode(t, map[string]any{"engine": 1, "cmd": "session", "msg": map[string]any{"kinkscope": 1, "cmd": "step", "n": 3}}))
		for e.Busy() {
			r := e.Slice()
			if r == nil {
				continue
			}
			b := bytes.Clone(r["frame"].([]byte))
			f, err := DecodeFrame(b)
			if err != nil {
				t.Fatalf("%s: %v", sc.Name, err)
			}
			if again := AppendFrame(nil, f); !bytes.Equal(again, b) {
				t.Fatalf("%s: the frame changed on its way", sc.Name)
			}
			for _, n := range []int{0, 1, len(b) / 2, len(b) - 1} {
				if _, err := DecodeFrame(b[:n]); err == nil {
					t.Fatalf("%s: a frame cut to %d bytes decoded", sc.Name, n)
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for range 50 {
				bad := bytes.Clone(b)
				bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
				DecodeFrame(bad) // must not panic
			}
		}
	}
}

// The notes only grow, whatever the sessions the workers open: the page shows the
// ones it has not shown yet.
func TestClientNotesOnlyGrow(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-small&lr=abc&bogus=1", 2)
	l.pump()
	seen := c.Notes()
	if len(seen) < 2 {
		t.Fatalf("notes %q, want the two bad entries named", seen)
	}
	for _, kv := range [][2]string{{"compare", "lr:0.0001;0.0002"}, {"scenario", "relu1d-large"}, {"compare", ""}} {
		c.Set([][2]string{kv})
		now := c.Notes()
		l.pump()
		after := c.Notes()
		if len(now) < len(seen) || len(after) < len(now) || !slices.Equal(after[:len(seen)], seen) {
			t.Fatalf("after %v the notes went from %q to %q and %q", kv, seen, now, after)
		}
		seen = after
	}
}

// A hidden page's workers do nothing, the ones it starts later included.
func TestClientHiddenWorkersStayIdle(t *testing.T) {
	c, l := newClient(t, "scenario=relu1d-small", 4)
	l.pump()
	c.SetVisible(false)
	if errs := c.Set([][2]string{{"compare", "lr:0.0001;0.0002;0.0003"}}); len(errs) > 0 {
		t.Fatal(errs)
	}
	c.Play()
	l.pump()
	for i, rv := range c.Snapshot().Runs {
		if rv.Iter != 0 {
			t.Errorf("hidden: run %d at iteration %d", i, rv.Iter)
		}
	}
	c.SetVisible(true)
	c.Pause()
	c.Step(100)
	l.pump()
	for i, rv := range c.Snapshot().Runs {
		if rv.Iter != 100 {
			t.Errorf("shown again: run %d at iteration %d, want 100", i, rv.Iter)
		}
	}
}

// FuzzDecodeFrame decodes any bytes: never a panic, and what decodes encodes to
// bytes that decode to the same frame.
func FuzzDecodeFrame(f *testing.F) {
	e := New()
	e.Handle([]byte(`{"engine":1,"cmd":"open","query":"scenario=relu1d-small&iters=300&pieces=on","frames":true}`))
	e.Handle([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"step","n":50}}`))
	for e.Busy() {
		if r := e.Slice(); r != nil {
			f.Add(bytes.Clone(r["frame"].([]byte)))
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeFrame(b)
		if err != nil {
			return
		}
		again := AppendFrame(nil, fr)
		fr2, err := DecodeFrame(again)
		if err != nil {
			t.Fatalf("a decoded frame, encoded again, does not decode: %v", err)
		}
		if !bytes.Equal(AppendFrame(nil, fr2), again) {
			t.Fatal("a frame changed on its second trip")
		}
	})
}

// describe is for test failures.
func (c *Client) describe() string {
	var sb strings.Builder
	for i, p := range c.parts {
		fmt.Fprintf(&sb, "part %d: sent %d", i, p.sent)
		if p.frame != nil {
			fmt.Fprintf(&sb, " applied %d", p.frame.Applied)
		}
		sb.WriteString("; ")
	}
	return sb.String()
}
