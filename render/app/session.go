package app

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"kinkscope/sim"
)

// The simulation time one frame may spend. At 60 Hz a frame lasts 16.7 ms, and
// MinFrameBudget leaves room for drawing. Where drawing itself is slow (software
// WebGL, an old phone), frames come less often and the budget grows to half the
// frame period, up to MaxFrameBudget, so the run does not crawl. A metric snapshot
// that starts inside the budget finishes, so the worst frame is a budget plus one
// snapshot.
const (
	MinFrameBudget = 12 * time.Millisecond
	MaxFrameBudget = 16 * time.Millisecond
)

// chunkSteps is how many SGD steps run between two looks at the clock.
const chunkSteps = 200

// View settings: they change what is drawn or how fast, never the trajectory.
type View struct {
	Speed  int  // steps per frame, 0 = as fast as the frame budget allows
	LogBar bool // column norms on a log scale
	Pieces bool // draw each neuron's contribution a_j·ReLU(w_j x + b_j)
	// Controls and Caption show the simulator page's own controls (play, reset, run
	// to end, progress) and the preset's caption; a lecturer who drives the
	// simulator from the text of the notes turns them off.
	Controls bool
	Caption  bool
}

var defaultView = View{Speed: 0, LogBar: false, Pieces: false, Controls: true, Caption: true}

// viewKeys are the URL keys of View, beside sim's settings.
var viewKeys = []string{"speed", "norms", "pieces", "controls", "caption"}

func (v *View) set(key, value string) error {
	value = strings.TrimSpace(value)
	switch key {
	case "speed":
		if value == "max" {
			v.Speed = 0
			return nil
		}
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > 1_000_000 {
			return fmt.Errorf("render: speed %q: out of range (allowed: max or [1, 1000000] steps per frame)", value)
		}
		v.Speed = n
	case "norms":
		if value != "log" && value != "linear" {
			return fmt.Errorf("render: norms %q: unknown value (allowed: linear, log)", value)
		}
		v.LogBar = value == "log"
	case "pieces", "controls", "caption":
		if value != "on" && value != "off" {
			return fmt.Errorf("render: %s %q: unknown value (allowed: on, off)", key, value)
		}
		*v.flag(key) = value == "on"
	default:
		return fmt.Errorf("render: unknown setting %q", key)
	}
	return nil
}

func (v *View) get(key string) string {
	switch key {
	case "speed":
		if v.Speed == 0 {
			return "max"
		}
		return strconv.Itoa(v.Speed)
	case "norms":
		if v.LogBar {
			return "log"
		}
		return "linear"
	case "pieces", "controls", "caption":
		if *v.flag(key) {
			return "on"
		}
		return "off"
	}
	panic("render: unknown view key " + key)
}

// flag returns the on/off view setting key.
func (v *View) flag(key string) *bool {
	switch key {
	case "pieces":
		return &v.Pieces
	case "controls":
		return &v.Controls
	case "caption":
		return &v.Caption
	}
	panic("render: not an on/off view key: " + key)
}

// State is what the page's state() returns: the lead run's iteration (Iter), its
// next step size (LR), its latest metric snapshot, taken at MetricsIter (at most
// Iter: snapshots come every log_every iterations), and a summary of every run.
type State struct {
	sim.Metrics
	MetricsIter int
	Scenario    string
	Iters       int
	Running     bool
	Diverged    bool
	Error       string
	Frame       int
	Runs        []RunState
}

// RunState summarizes one of the compared runs: its latest metrics, with its
// iteration and its next step size.
type RunState struct {
	sim.Metrics
	MetricsIter int // the iteration of the metrics
	Label       string
	Diverged    bool
}

// Session is one simulator as a user drives it: one run, or several compared runs
// advancing in lockstep, whether they play, and the requests made since the last
// frame. Requests (Set, Play, Step, …) only record what to do and return at once;
// Update applies them at the start of the next frame and then advances the runs
// within the frame budget. Methods are safe to call from the browser's callbacks
// while Update runs elsewhere.
type Session struct {
	mu sync.Mutex

	Settings
	part   Part // which of the compared runs this session hosts
	runs   []*sim.Run
	labels []string
	err    error // why the last config could not start, or nil

	lastFrame  time.Time     // start of the previous Update
	snapCost   time.Duration // time of the last advance that ended in metric snapshots
	pieceCost  time.Duration // recent time of a piece of a Pieced run (sim.Run.Piece)
	stepCost   time.Duration // time of one step of every run, lately
	playing    bool
	hidden     bool // the page is hidden or scrolled out of view: do not advance
	target     int  // pause when the runs reach this iteration; -1 for none
	steps      int  // single steps requested and not yet done
	restart    bool
	loadTarget int // after a restart, run to this iteration (Load); -1 for none
	frame      int
	notes      []string // messages about the settings, for the page to show
	frameSim   []time.Duration

	snapshot *Snapshot
}

// NewSession starts a session from URL-style key/value pairs. Bad entries are named
// in Notes and replaced by their defaults; the rest apply.
func NewSession(query [][2]string) *Session { return NewSessionPart(query, Part{Of: 1}) }

// NewSessionPart is NewSession hosting only part of the compared runs (a Web Worker's
// share of a comparison spread over several).
func NewSessionPart(query [][2]string, part Part) *Session {
	s := &Session{target: -1, loadTarget: -1, part: part}
	s.Settings, s.notes = NewSettings(query)
	s.start()
	return s
}

// Part says which of the compared runs a session hosts: run i when i mod Of is
// Index. Part{Of: 1} hosts them all.
type Part struct{ Index, Of int }

// Settings are what a simulator runs and shows: the experiment's settings, the
// comparison, the preset they came from and the view. A page that hosts its runs in
// a Web Worker keeps its own copy, so that it validates a change, and answers
// config() and query(), at once and as the worker's session will.
type Settings struct {
	cfg     sim.Config // compared runs differ from it in one key
	compare Compare
	preset  string // the preset the settings came from, or ""
	view    View
}

// NewSettings reads URL-style key/value pairs. Bad entries are named in the notes
// and replaced by their defaults; the rest apply.
func NewSettings(query [][2]string) (Settings, []string) {
	st := Settings{view: defaultView}
	query, notes := dropRepeated(query)
	query, preset, err := expandPreset(query)
	if err != nil {
		notes = append(notes, err.Error())
	}
	st.preset = preset
	scenario := sim.Scenarios[0].Name
	for _, p := range query {
		if p[0] == "scenario" {
			scenario = p[1]
		}
	}
	var simKV [][2]string
	compare := ""
	for _, p := range query {
		switch {
		case p[0] == "scenario":
		case p[0] == "compare":
			compare = p[1]
		case slices.Contains(viewKeys, p[0]):
			if err := st.view.set(p[0], p[1]); err != nil {
				notes = append(notes, trimPrefix(err))
			}
		default:
			simKV = append(simKV, p)
		}
	}
	cfg, errs := sim.DecodeSettings(scenario, simKV)
	for _, err := range errs {
		notes = append(notes, trimPrefix(err)+"; using the default")
	}
	st.cfg = cfg
	cmp, err := ParseCompare(compare, cfg)
	if err != nil {
		notes = append(notes, err.Error()+"; showing one run")
	}
	st.compare = cmp
	return st, notes
}

// Runs returns how many runs the settings make: the compared values, or one.
func (st *Settings) Runs() int { return max(1, len(st.compare.Values)) }

// Iters returns the runs' length.
func (st *Settings) Iters() int { return st.cfg.Iters }

// dropRepeated removes every entry of a setting that the query gives more than once,
// since either value may have been meant, and returns a note naming each such
// setting. Unknown keys stay, to be named as unknown.
func dropRepeated(query [][2]string) ([][2]string, []string) {
	count := map[string]int{}
	for _, p := range query {
		count[p[0]]++
	}
	known := func(k string) bool {
		_, ok := sim.SettingByKey(k)
		return ok || k == "scenario" || k == "preset" || k == "compare" || slices.Contains(viewKeys, k)
	}
	var out [][2]string
	var notes []string
	named := map[string]bool{}
	for _, p := range query {
		n := count[p[0]]
		if n < 2 || !known(p[0]) {
			out = append(out, p)
			continue
		}
		if !named[p[0]] {
			named[p[0]] = true
			var vals []string
			for _, q := range query {
				if q[0] == p[0] {
					v := q[1]
					if len(v) > 40 {
						v = strings.ToValidUTF8(v[:40], "") + "…"
					}
					vals = append(vals, strconv.Quote(v))
				}
			}
			notes = append(notes, fmt.Sprintf("%s: given %d times in the link (%s), so none of them is used", p[0], n, strings.Join(vals, ", ")))
		}
	}
	return out, notes
}

func trimPrefix(err error) string {
	msg := err.Error()
	for _, p := range []string{"sim: ", "render: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// start (re)creates the runs from the config; the caller holds mu or owns s.
func (s *Session) start() {
	s.snapCost = MinFrameBudget / 2 // until a snapshot of these runs has been timed
	s.stepCost = 20 * time.Microsecond
	s.runs, s.labels, s.err = nil, nil, nil
	s.playing, s.target, s.steps = false, -1, 0
	cfgs, err := s.compare.Configs(s.cfg)
	for i, c := range cfgs {
		if err != nil {
			break
		}
		if i%max(1, s.part.Of) != s.part.Index {
			continue // another worker's
		}
		var r *sim.Run
		if r, err = sim.NewRun(c); err == nil {
			s.runs = append(s.runs, r)
			s.labels = append(s.labels, s.compare.Label(i, c))
		}
	}
	if err != nil {
		s.runs, s.labels, s.err = nil, nil, err
		if !errors.Is(err, sim.ErrWaiting) { // waiting shows in the state's error only
			s.notes = append(s.notes, trimPrefix(err))
		}
	}
	s.publish()
}

// Retry recreates the runs at the next frame without changing what was requested
// (play, step, run to): for data that were on their way (sim.ErrWaiting) and have
// arrived, or failed.
func (s *Session) Retry() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restart = true
}

// Set validates key/value settings against the current ones and, when all are valid,
// records them to apply at the next frame (a changed trajectory setting restarts the
// runs). Invalid settings change nothing and are returned, one error each.
func (s *Session) Set(kv [][2]string) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	restart, notes, errs := s.Settings.Set(kv)
	s.notes = append(s.notes, notes...)
	if restart {
		s.requestRestart()
	}
	return errs
}

// Set validates key/value settings against the current ones and, when all are
// valid, applies them and reports whether the runs must restart (a trajectory
// setting or the comparison changed) with the notes to show. Invalid settings change
// nothing and are returned, one error each.
func (st *Settings) Set(kv [][2]string) (restart bool, notes []string, errs []error) {
	kv, preset, err := expandPreset(kv)
	if err != nil {
		return false, nil, []error{err}
	}
	cfg := st.cfg
	view := st.view
	compare, compareSet := st.compare.String(), false
	scenarioSet := false
	for _, p := range kv {
		if p[0] == "scenario" {
			scenarioSet = true
			base, ok := sim.Scenario(p[1])
			if !ok {
				errs = append(errs, fmt.Errorf("unknown scenario %q (known: %s)", p[1], strings.Join(sim.ScenarioNames(), ", ")))
				continue
			}
			cfg = base
		}
	}
	for _, p := range kv {
		switch {
		case p[0] == "scenario":
		case p[0] == "compare":
			compare, compareSet = p[1], true
		case slices.Contains(viewKeys, p[0]):
			if err := view.set(p[0], p[1]); err != nil {
				errs = append(errs, fmt.Errorf("%s", trimPrefix(err)))
			}
		default:
			if _, ok := sim.SettingByKey(p[0]); !ok {
				errs = append(errs, fmt.Errorf("unknown setting %q", p[0]))
				continue
			}
			if err := cfg.Set(p[0], p[1]); err != nil {
				errs = append(errs, fmt.Errorf("%s", trimPrefix(err)))
			}
		}
	}
	if err := cfg.Validate(); err != nil && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("%s", trimPrefix(err)))
	}
	cmp, err := ParseCompare(compare, cfg)
	ended := ""
	if err != nil && scenarioSet && !compareSet && len(errs) == 0 {
		// Another experiment was chosen and the comparison on is of another one: the
		// choice wins, and the comparison ends with a note.
		ended = fmt.Sprintf("the comparison %s ended: it does not apply to %s (%v)", compare, cfg.Scenario, err)
		cmp, err = Compare{}, nil
	}
	if err != nil {
		if !compareSet {
			err = fmt.Errorf("%v (from the current comparison; set compare too)", err)
		}
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return false, nil, errs
	}
	if ended != "" {
		notes = append(notes, ended)
	}
	st.view = view
	if cmp.String() != st.compare.String() || !slices.Equal(encode(&cfg), encode(&st.cfg)) {
		st.cfg, st.compare = cfg, cmp
		st.preset = preset // a change of settings leaves the preset unless it names one
		restart = true
	}
	return restart, notes, nil
}

func encode(c *sim.Config) []string {
	out := []string{c.Scenario}
	for _, st := range sim.Settings {
		out = append(out, c.Get(st.Key))
	}
	return out
}

// Play starts or resumes the runs.
func (s *Session) Play() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.playing, s.target = true, -1
}

// Pause stops the runs after the current frame.
func (s *Session) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.playing, s.target, s.steps = false, -1, 0
}

// SetVisible tells the session whether its page can be seen. A hidden simulator
// keeps its play state but does no work, so that many simulators embedded in one
// page only spend time on those in view.
func (s *Session) SetVisible(visible bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidden = !visible
}

// Reset restarts the runs from their initialization, paused.
func (s *Session) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestRestart()
}

// requestRestart asks the next frame to recreate the runs, paused. The pause is taken
// now, not then, so that requests made after it and before that frame (set, then
// play) apply in the order they were made. The caller holds mu.
func (s *Session) requestRestart() {
	s.restart = true
	s.playing, s.target, s.steps = false, -1, 0
}

// Step requests n more iterations, done over the next frames within the budget.
func (s *Session) Step(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.steps = min(s.steps+max(n, 0), math.MaxInt32)
}

// RunTo runs as fast as the frame budget allows until iteration iter (at most the
// run's end), then pauses.
func (s *Session) RunTo(iter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.target = max(0, min(iter, s.cfg.Iters))
	s.playing = true
}

// Update applies the requests made since the last frame and advances the runs, then
// publishes a new snapshot. now is the clock (time.Now outside tests).
func (s *Session) Update(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.frame++
	if s.restart {
		// start pauses; keep what was requested after the restart.
		playing, target, steps := s.playing, s.target, s.steps
		s.restart = false
		s.start()
		s.playing, s.target, s.steps = playing, target, steps
		if s.loadTarget >= 0 {
			s.playing, s.target, s.loadTarget = true, min(s.loadTarget, s.cfg.Iters), -1
		}
	}
	if len(s.runs) == 0 || s.hidden {
		s.lastFrame = time.Time{}
		s.publish()
		return
	}
	start := now()
	budget := MinFrameBudget
	if !s.lastFrame.IsZero() {
		budget = max(MinFrameBudget, min(MaxFrameBudget, start.Sub(s.lastFrame)/2))
	}
	s.lastFrame = start
	deadline := start.Add(budget)
	lead := s.runs[0]
	from := lead.Iter()
	worked := false
	switch {
	case s.steps > 0:
		worked = s.advance(s.steps, deadline, now)
	case s.playing && s.target >= 0:
		worked = s.advance(s.target-lead.Iter(), deadline, now)
		if lead.Iter() >= s.target {
			s.playing, s.target = false, -1
		}
	case s.playing:
		want := s.view.Speed
		if want == 0 {
			want = math.MaxInt32
		}
		worked = s.advance(want, deadline, now)
	case s.busy():
		// A snapshot begun before a pause is finished, within the budget.
		worked = s.advancePieces(0, deadline, now)
	}
	if s.stopped() {
		s.playing, s.target, s.steps = false, -1, 0
	}
	if lead.Iter() != from || worked { // every frame that did simulation work
		s.frameSim = append(s.frameSim, now().Sub(start))
		if len(s.frameSim) > 4096 {
			s.frameSim = append(s.frameSim[:0], s.frameSim[2048:]...)
		}
	}
	s.publish()
}

// Paced reports whether the runs play at a set speed, a number of steps per frame:
// a host that advances the session off the page's frames (a Web Worker) then calls
// Update once per display frame, 60 times a second, as the page did.
func (s *Session) Paced() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.playing && s.target < 0 && s.steps == 0 && s.view.Speed > 0 && !s.restart
}

// stopped reports whether no run can go on: every run is done or diverged, or the
// first one diverged (the comparison would lose its reference).
func (s *Session) stopped() bool {
	if s.runs[0].Err() != nil {
		return true
	}
	for _, r := range s.runs {
		if r.Err() == nil && !r.Done() {
			return false
		}
	}
	return true
}

// busy reports whether a run has a step or a snapshot in progress.
func (s *Session) busy() bool {
	for _, r := range s.runs {
		if r.Busy() {
			return true
		}
	}
	return false
}

// Piece sizes of runs whose steps and snapshots are done in pieces (sim.Pieced): one
// example of a step, or about a million multiply-adds of a snapshot (the convolutional
// network's forward pass is 1.2 million), each well under a millisecond or two, so
// that the clock is read often enough for the deadline to hold.
const (
	pieceExamples = 1
	pieceWork     = 1 << 20
)

// advancePieces does up to n iterations of every run in lockstep, a piece at a time,
// until the deadline: a run takes a piece when it is finishing work in progress or is
// not ahead of the others, so no run gets more than an iteration ahead. Work in
// progress is finished even when n is reached (n = 0 only finishes it). A round of
// pieces that the recent ones' cost says would end past the deadline waits for the
// next frame, unless the frame has done nothing yet.
func (s *Session) advancePieces(n int, deadline time.Time, now func() time.Time) (worked bool) {
	lead := s.runs[0]
	for !s.stopped() || s.busy() {
		least := math.MaxInt
		for _, r := range s.runs {
			if !r.Done() && r.Err() == nil {
				least = min(least, r.Iter())
			}
		}
		progressed := false
		for _, r := range s.runs {
			if !r.Busy() && (n <= 0 || r.Iter() > least || r.Done() || r.Err() != nil) {
				continue
			}
			t0 := now()
			if worked && t0.Add(s.pieceCost).After(deadline) {
				return worked
			}
			did := r.Piece(pieceExamples, pieceWork)
			// The estimate follows a rise at once (up to half the smallest budget, so
			// that a piece the machine stalled does not starve the next frames) and a
			// fall slowly.
			s.pieceCost = max(min(now().Sub(t0), MinFrameBudget/2), s.pieceCost*7/8)
			progressed, worked = true, true
			if r == lead {
				n -= did
				if s.steps > 0 {
					s.steps = max(0, s.steps-did)
				}
			}
		}
		if !progressed || !now().Before(deadline) {
			return worked
		}
	}
	return worked
}

// advance does up to n iterations of every run in lockstep, stopping at the
// deadline, and reports whether it did any work. Each call to Advance ends at the
// next snapshot at the latest, and snapshots that the last ones' cost says would overrun the deadline wait for the
// next frame, unless the frame has done nothing yet: every frame makes progress.
//
// A frame that has passed a metric snapshot ends on one: it goes into the next
// interval only when the whole interval fits into n and, by the cost of the last
// steps and snapshots, into the time left, and then finishes it. So the published
// pictures, taken on snapshots only (publish), are never older than the metrics.
// Runs of a Pieced model advance a piece at a time instead (advancePieces).
func (s *Session) advance(n int, deadline time.Time, now func() time.Time) bool {
	if s.runs[0].Pieced() {
		return s.advancePieces(n, deadline, now)
	}
	worked, crossed := false, false
	for n > 0 && !s.stopped() {
		k := min(n, chunkSteps)
		toSnap := math.MaxInt
		for _, r := range s.runs {
			if !r.Done() && r.Err() == nil {
				toSnap = min(toSnap, r.StepsToSnapshot())
			}
		}
		t0 := now()
		if crossed {
			// Between snapshots: go on only for a whole interval that fits, by the
			// cost of the last chunks that ended in a snapshot (up to chunkSteps
			// steps and the snapshot) and of the steps beyond.
			est := s.snapCost + time.Duration(max(0, toSnap-chunkSteps))*s.stepCost
			if n < toSnap || t0.Add(est).After(deadline) {
				break
			}
			k = toSnap
		}
		crosses := k >= toSnap
		if crosses {
			if worked && !crossed && t0.Add(s.snapCost).After(deadline) {
				break
			}
			k = toSnap
		}
		done := 0
		for _, r := range s.runs {
			done = max(done, r.Advance(k))
		}
		if d := now().Sub(t0); crosses {
			// Snapshots vary in cost (the rank's eigenproblem shrinks as neurons
			// die), so the estimate follows a rise at once and a fall slowly.
			s.snapCost = max(d, s.snapCost*4/5)
		} else if done > 0 {
			s.stepCost = (s.stepCost + d/time.Duration(done)) / 2
		}
		worked = true
		crossed = crossed || crosses
		n -= done
		if s.steps > 0 {
			s.steps = max(0, s.steps-done)
		}
		if done == 0 || (!crossed && !now().Before(deadline)) {
			break
		}
	}
	return worked
}

// State returns the runs' state as of the last frame.
func (s *Session) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot.State
}

// Snapshot returns what to draw, as of the last frame. It is not modified afterwards.
func (s *Session) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot
}

// Notes returns the messages about bad settings collected so far.
func (s *Session) Notes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes)
}

// Query returns the URL parameters that reproduce this session: the scenario, every
// setting that differs from it, the comparison, and the view settings that differ
// from the defaults.
func (s *Session) Query() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Settings.Query()
}

// Query returns the URL parameters that reproduce the settings (Session.Query).
func (st *Settings) Query() [][2]string {
	out := [][2]string{{"scenario", st.cfg.Scenario}}
	if st.preset != "" {
		out = [][2]string{{"preset", st.preset}, {"scenario", st.cfg.Scenario}}
	}
	out = append(out, st.cfg.Changed()...)
	if c := st.compare.String(); c != "" {
		out = append(out, [2]string{"compare", c})
	}
	for _, k := range viewKeys {
		if v := st.view.get(k); v != defaultView.get(k) {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// Config returns every setting's current value, the comparison and the view settings
// included.
func (s *Session) Config() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Settings.Config()
}

// Config returns every setting's value (Session.Config).
func (st *Settings) Config() [][2]string {
	out := [][2]string{{"scenario", st.cfg.Scenario}}
	for _, set := range sim.Settings {
		out = append(out, [2]string{set.Key, st.cfg.Get(set.Key)})
	}
	out = append(out, [2]string{"compare", st.compare.String()}, [2]string{"preset", st.preset})
	for _, k := range viewKeys {
		out = append(out, [2]string{k, st.view.get(k)})
	}
	return out
}

// FrameTimes returns the simulation time of the recent frames that advanced the runs.
func (s *Session) FrameTimes() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.frameSim)
}
