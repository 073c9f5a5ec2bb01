package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"kinkscope/render/app"
	"kinkscope/sim"
)

// Link is how a Client reaches its Web Workers (web/sim.js on the page, an
// in-process Engine in tests).
type Link interface {
	// Workers makes n workers available, 0 … n−1, starting or stopping some; with
	// fresh true it replaces every worker by a new one (after a failure).
	Workers(n int, fresh bool)
	// Post sends a request, JSON text, to worker i.
	Post(i int, request []byte)
}

// Client is the simulator page's side of a session whose runs live in Web Workers:
// one worker per compared run, up to the workers the machine offers, each hosting
// its share of the runs (app.Part). Every command of the page — its JavaScript API,
// its message API, the keyboard, data editing — goes through the Client, which
// checks it against its own copy of the settings at once (so set() answers
// synchronously, as a Session does) and forwards it to the workers. What is drawn
// and state() come from the latest frames the workers posted, merged into one
// app.Snapshot.
//
// A change of settings that restarts the runs opens new sessions in the workers
// from the settings' query: runs are deterministic, so that is the same as a
// Session restarting. A Client is not safe for concurrent use: the page calls it
// from its one thread.
type Client struct {
	link     Link
	settings app.Settings
	max      int // the most workers to use
	notes    []string

	epoch int // sessions opened; frames of older ones are dropped
	parts []part
	snap  *app.Snapshot
	ver   int // the merged snapshot's version
	dirty bool

	frame int // page frames that found every command carried out
	// failedWorker and failedWhy are a failure's worker (from 1) and reason; why is
	// "" while the workers work.
	failedWorker int
	failedWhy    string
	hidden       bool
	paused       bool // a comparison's lead run diverged and the others were paused
	sliceMs      []time.Duration
}

// part is what the Client holds of one worker: the commands sent to it since its
// session opened, its latest frame and its runs' histories.
type part struct {
	sent    int
	frame   *Frame
	history [][]sim.Metrics
	owing   time.Time // since when it owes a frame (Watch); zero when it does not
	taken   int       // frames taken in since the last ack
}

// WorkerTimeout is how long a worker may owe a frame — it has a command not carried
// out, or a visible session that runs — before the Client takes it for stopped: a
// worker that was terminated posts nothing at all. A slice lasts 12–16 ms.
const WorkerTimeout = 10 * time.Second

// NewClient starts a session from URL-style key/value pairs on up to workers Web
// Workers reached through link. Bad entries become notes, as in app.NewSession.
func NewClient(query [][2]string, workers int, link Link) *Client {
	c := &Client{link: link, max: max(1, workers)}
	c.settings, c.notes = app.NewSettings(query)
	c.open(false)
	return c
}

// open starts sessions of the current settings in the workers, paused.
func (c *Client) open(fresh bool) {
	n := min(c.settings.Runs(), c.max)
	c.link.Workers(n, fresh)
	c.epoch++
	c.parts = make([]part, n)
	c.snap, c.dirty, c.paused = nil, true, false
	q := app.EncodeQuery(c.settings.Query())
	for i := range n {
		c.send(i, map[string]any{"cmd": "open", "query": q, "frames": true, "part": [2]int{i, n}, "session": c.epoch})
		if c.hidden {
			// A worker started now (a fresh one, or one more for a comparison) does not
			// know that the page is hidden.
			c.send(i, map[string]any{"cmd": "visible", "visible": false})
		}
	}
}

func (c *Client) send(i int, req map[string]any) {
	req["engine"] = Version
	b, err := json.Marshal(req)
	if err != nil {
		panic("engine: a request the client made: " + err.Error())
	}
	if cmd := req["cmd"]; cmd != "open" && cmd != "ack" {
		c.parts[i].sent++ // a command the frames will show carried out (Applied)
	}
	c.link.Post(i, b)
}

// command sends one message of the page's message API to every worker.
func (c *Client) command(msg map[string]any) {
	msg["kinkscope"] = app.MessageVersion
	for i := range c.parts {
		c.send(i, map[string]any{"cmd": "session", "msg": msg})
	}
}

// Set checks settings against the current ones as a Session does and, when all are
// valid, applies them: a change of the runs opens new sessions, a change of the view
// is sent to the running ones.
func (c *Client) Set(kv [][2]string) []error {
	restart, notes, errs := c.settings.Set(kv)
	if len(errs) > 0 {
		return errs
	}
	c.notes = append(c.notes, notes...)
	if restart {
		c.open(false)
		return nil
	}
	c.command(map[string]any{"cmd": "set", "settings": settingsObject(kv)})
	return nil
}

// settingsObject writes key/value pairs as a JSON object in their order (set applies
// the scenario and the preset first whatever the order).
type settingsObject [][2]string

func (s settingsObject) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, kv := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, kv[0])
		b = append(b, ':')
		b = strconv.AppendQuote(b, kv[1])
	}
	return append(b, '}'), nil
}

// Load applies a validated load message: its settings, then a run to its iteration.
func (c *Client) Load(m app.Message) []error {
	if _, notes, errs := c.settings.Set(m.Settings); len(errs) > 0 {
		return errs
	} else {
		c.notes = append(c.notes, notes...)
	}
	c.open(false)
	c.RunTo(m.Iter)
	return nil
}

// Play, Pause, Step and RunTo are the Session's, sent to every worker.
func (c *Client) Play()  { c.paused = false; c.command(map[string]any{"cmd": "play"}) }
func (c *Client) Pause() { c.command(map[string]any{"cmd": "pause"}) }
func (c *Client) Step(n int) {
	c.paused = false
	c.command(map[string]any{"cmd": "step", "n": n})
}
func (c *Client) RunTo(iter int) {
	c.paused = false
	c.command(map[string]any{"cmd": "runTo", "iter": max(0, min(iter, c.settings.Iters()))})
}

// Reset restarts the runs, paused. After a worker failed it starts fresh workers.
func (c *Client) Reset() {
	if c.failedWhy != "" {
		c.failedWhy = ""
		c.open(true)
		return
	}
	c.command(map[string]any{"cmd": "reset"})
}

// SetVisible tells the workers whether the page can be seen: hidden, they do no work.
func (c *Client) SetVisible(v bool) {
	c.hidden = !v
	for i := range c.parts {
		c.send(i, map[string]any{"cmd": "visible", "visible": v})
	}
	if c.hidden {
		c.ack()
	}
}

// ack tells each worker how many of its frames the page has taken in since the
// last ack: a worker posts at most a few frames ahead of the page (the engine's
// maxUnacked), so a page that draws slowly does not decode frames it never draws.
func (c *Client) ack() {
	for i := range c.parts {
		if n := c.parts[i].taken; n > 0 {
			c.parts[i].taken = 0
			c.send(i, map[string]any{"cmd": "ack", "acked": n})
		}
	}
}

// Failed records that worker i stopped (it was terminated, threw, or its Go
// program ended): the runs stop with a message, and Reset starts again.
func (c *Client) Failed(i int, why string) {
	if c.failedWhy == "" {
		c.failedWorker, c.failedWhy = i+1, why
		c.dirty = true
	}
}

// failure is the state's error after a worker failed, or "".
func (c *Client) failure() string {
	if c.failedWhy == "" {
		return ""
	}
	return fmt.Sprintf("The simulation engine stopped (worker %d: %s). Reset to start again.", c.failedWorker, c.failedWhy)
}

// Failure returns why the workers stopped (Failed, Watch): the worker, from 1, and the
// reason; why is "" while they work.
func (c *Client) Failure() (worker int, why string) { return c.failedWorker, c.failedWhy }

// Receive takes a frame that worker i posted. Frames of sessions opened before the
// latest open are dropped.
func (c *Client) Receive(i int, data []byte) error {
	f, err := DecodeFrame(data)
	if err != nil {
		return err
	}
	if i < 0 || i >= len(c.parts) || f.Session != c.epoch {
		return nil
	}
	p := &c.parts[i]
	if len(f.History) != len(f.Snapshot.Runs) {
		return fmt.Errorf("engine: a frame with %d histories for %d runs", len(f.History), len(f.Snapshot.Runs))
	}
	hist := make([][]sim.Metrics, len(f.History))
	for r, h := range f.History {
		var held []sim.Metrics
		if r < len(p.history) {
			held = p.history[r]
		}
		if h.From > len(held) || h.From+len(h.Rows) != h.Length {
			return fmt.Errorf("engine: run %d's history from row %d, holding %d", r, h.From, len(held))
		}
		if h.From < len(held) {
			// Older snapshots may still show the rows beyond From: copy, never overwrite.
			held = slices.Clone(held[:h.From])
		}
		hist[r] = append(held, h.Rows...)
	}
	if i == 0 {
		for _, n := range f.Snapshot.Notes {
			if !slices.Contains(c.notes, n) {
				c.notes = append(c.notes, n)
			}
		}
	}
	p.frame, p.history, c.dirty = f, hist, true
	p.owing = time.Time{}
	p.taken++
	if c.hidden {
		// A hidden page does not draw, and its frames would wait for the next: the
		// commands it carries out (the message API's) must still be seen.
		c.ack()
	}
	c.sliceMs = append(c.sliceMs, time.Duration(f.Ms*float64(time.Millisecond)))
	if len(c.sliceMs) > 4096 {
		c.sliceMs = append(c.sliceMs[:0], c.sliceMs[2048:]...)
	}
	return nil
}

// Watch takes a worker that has owed a frame for WorkerTimeout for stopped (Failed).
// The page calls it every frame.
func (c *Client) Watch(now time.Time) {
	if c.failedWhy != "" {
		return
	}
	for i := range c.parts {
		p := &c.parts[i]
		f := p.frame
		owes := f == nil || f.Applied < p.sent || (f.Snapshot.State.Running && !c.hidden)
		switch {
		case !owes:
			p.owing = time.Time{}
		case p.owing.IsZero():
			p.owing = now
		case now.Sub(p.owing) > WorkerTimeout:
			c.Failed(i, fmt.Sprintf("it has not answered for %.0f s", WorkerTimeout.Seconds()))
			return
		}
	}
}

// Update is the page's frame: it tells the workers which frames the page has taken
// in (ack), and counts the frame when every command sent has been carried out by
// the workers (state().frame, which a script waits on to see its
// commands applied, as it did with the Session).
func (c *Client) Update(func() time.Time) {
	c.ack()
	if c.Synced() {
		c.frame++
	}
}

// Synced reports whether every worker has shown the effect of every command sent.
func (c *Client) Synced() bool {
	for i := range c.parts {
		if f := c.parts[i].frame; f == nil || f.Applied < c.parts[i].sent {
			return false
		}
	}
	return true
}

// Snapshot returns what to draw: the workers' latest frames merged, or nil before
// every worker has posted one.
func (c *Client) Snapshot() *app.Snapshot {
	if c.dirty {
		c.merge()
	}
	return c.snap
}

// merge builds the snapshot of the latest frames: the lead worker's, with the runs
// of every worker in the comparison's order.
func (c *Client) merge() {
	for i := range c.parts {
		if c.parts[i].frame == nil {
			if c.failedWhy != "" && c.snap != nil {
				c.snap = c.failedSnapshot(c.snap)
			}
			return
		}
	}
	c.dirty = false
	lead := &c.parts[0].frame.Snapshot
	snap := *lead
	snap.Runs, snap.State.Runs = nil, nil
	n := len(c.parts)
	total := 0
	for i := range c.parts {
		total += len(c.parts[i].frame.Snapshot.Runs)
	}
	for g := range total {
		p := &c.parts[g%n]
		k := g / n
		if k >= len(p.frame.Snapshot.Runs) {
			continue
		}
		rv := p.frame.Snapshot.Runs[k]
		rv.History = p.history[k]
		snap.Runs = append(snap.Runs, rv)
		if k < len(p.frame.Snapshot.State.Runs) {
			snap.State.Runs = append(snap.State.Runs, p.frame.Snapshot.State.Runs[k])
		}
	}
	// The first run in the comparison's order that diverged says why.
	snap.State.Error = ""
	for g, rs := range snap.State.Runs {
		if rs.Diverged {
			snap.State.Error = c.parts[g%n].frame.Snapshot.State.Error
			break
		}
	}
	if snap.State.Error == "" {
		snap.State.Error = lead.State.Error
	}
	// Any worker still working keeps the whole running.
	for i := range c.parts {
		s := &c.parts[i].frame.Snapshot
		snap.State.Running = snap.State.Running || s.State.Running
		snap.FastForward = snap.FastForward || s.FastForward
	}
	// A Session stops a comparison whose first run diverged; so do the workers.
	if snap.State.Diverged && snap.State.Running && !c.paused && n > 1 {
		c.paused = true
		c.Pause()
	}
	if c.failedWhy != "" {
		c.snap = c.failedSnapshot(&snap)
		return
	}
	c.ver++
	snap.Version = c.ver
	c.snap = &snap
}

// failedSnapshot is snap stopped with the failure's message.
func (c *Client) failedSnapshot(snap *app.Snapshot) *app.Snapshot {
	s := *snap
	s.State.Running, s.State.Error, s.FastForward = false, c.failure(), false
	if s.State.Error != snap.State.Error || snap.State.Running {
		c.ver++
	}
	s.Version = c.ver
	return &s
}

// State returns the state of the latest frames, with the page's frame count.
func (c *Client) State() app.State {
	var st app.State
	if s := c.Snapshot(); s != nil {
		st = s.State
	} else {
		st = app.State{Scenario: c.settings.Config()[0][1], Iters: c.settings.Iters(), Error: c.failure()}
		st.Metrics.Iter = 0
		for _, d := range sim.MetricList {
			if d.Field != nil {
				*d.Field(&st.Metrics) = math.NaN()
			}
		}
	}
	st.Frame = c.frame
	return st
}

// Notes returns the messages about the settings so far and the workers' (a run
// that could not start), oldest first. The list only grows: the page shows what it
// has not shown yet.
func (c *Client) Notes() []string { return slices.Clone(c.notes) }

// Query and Config are the settings' (app.Settings), current at once.
func (c *Client) Query() [][2]string  { return c.settings.Query() }
func (c *Client) Config() [][2]string { return c.settings.Config() }

// HistoryCSV and SettingsJSON export the latest frames, as a Session does.
func (c *Client) HistoryCSV() string {
	if s := c.Snapshot(); s != nil {
		return s.HistoryCSV()
	}
	return (&app.Snapshot{}).HistoryCSV()
}

func (c *Client) SettingsJSON() string { return app.SettingsJSON(c.Config(), c.State().Iter) }

// FrameTimes returns the workers' recent slice times (the simulation's work per
// slice, off the page's thread).
func (c *Client) FrameTimes() []time.Duration { return slices.Clone(c.sliceMs) }

// Workers returns how many workers the session uses.
func (c *Client) Workers() int { return len(c.parts) }
