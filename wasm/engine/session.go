package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kinkscope/render/app"
	"kinkscope/sim"
)

// MaxQuery bounds an open request's query, in bytes.
const MaxQuery = 16 << 10

// Columns are the columns of a snapshot's history rows: the keys of sim.MetricList,
// in its order (the columns of metrics.csv). A history row holds one float64 per
// column, the iteration included.
func Columns() []string {
	out := make([]string, len(sim.MetricList))
	for i, d := range sim.MetricList {
		out[i] = d.Key
	}
	return out
}

// Engine is the state of one worker: the session it hosts, if any, and what its
// snapshots have told the page so far. It is not safe for concurrent use: a worker
// calls it from its one thread.
type Engine struct {
	session *app.Session
	hidden  bool
	dirty   bool // a command changed the session since its last Update
	version int  // the Snapshot.Version last posted, 0 for none
	seq     int  // snapshots posted
	sent    []sentHistory
	clock   func() time.Time
	// frames: the session posts Frames (the simulator page) instead of snapshot
	// events; handled counts the commands it has carried out (Frame.Applied).
	frames    bool
	handled   int
	sessionID int       // the open request's session, echoed in its frames
	buf       []byte    // the last frame's bytes, reused
	posted    time.Time // when the last frame was posted
	retry     bool      // restart the runs at the next slice (Retry)
	sliced    time.Time // when the last slice began
	// unacked counts the frames posted that the page has not taken in yet (ack);
	// held is set while a frame is due but waits for the page (maxUnacked).
	unacked int
	held    bool
}

// maxUnacked is how many frames a session posts before the page has taken them in.
// A page draws at most once a display frame, and slower when its drawing is slow
// (software WebGL: 12 draws a second measured at 1280×800): a worker that posted
// after every slice had such a page decode five or six frames for each it drew,
// 10 ms of its main thread's work per frame. Two keep one frame on its way while
// the page takes in the other; a frame held back is posted, with every history row
// since the last, when the page has taken one in. The runs go on meanwhile.
const maxUnacked = 2

// sentHistory is what the page holds of one run's history: the rows posted so far
// and the run they belong to.
type sentHistory struct {
	key  string
	rows []sim.Metrics
}

// New returns an engine without a session.
func New() *Engine { return &Engine{clock: time.Now} }

// Busy reports whether the engine wants another slice: a session is open and either
// a command has changed it since its last slice, or it is visible and playing or
// stepping.
func (e *Engine) Busy() bool {
	if e.session == nil {
		return false
	}
	return e.dirty || (e.held && e.unacked < maxUnacked) || (!e.hidden && e.session.State().Running)
}

// Slice advances the session by one slice, the Session's frame budget (12 to 16
// ms), and returns the snapshot event to post when anything drawn has changed since
// the last one, else nil; a session opened with frames returns a frame event, also
// after any command and at least every frameEvery. A hidden engine only carries out
// commands, and a paced one (Wait) waits for its next display frame.
func (e *Engine) Slice() (snap Reply) {
	defer func() {
		if p := recover(); p != nil {
			// A failure inside the simulation: close the session rather than fail
			// every later slice, and say so.
			e.session = nil
			snap = Reply{"engine": Version, "event": "error", "field": "session",
				"error": fmt.Sprintf("session: the engine failed: %v; open a session again", p)}
		}
	}()
	if e.session == nil || (e.hidden && !e.dirty && !e.held) {
		return nil
	}
	start := time.Now()
	if e.Wait() > time.Millisecond {
		return nil // a paced session's next frame is not due yet
	}
	e.sliced = start
	if e.retry {
		e.retry = false
		e.session.Retry()
	}
	commanded := e.dirty
	e.dirty = false
	applied := e.handled
	e.session.Update(e.clock)
	s := e.session.Snapshot()
	// A slice after a command always posts, so that the page knows the command has
	// been carried out even when nothing drawn changed.
	// A page watching for a stopped worker hears from a busy one at least every
	// second (frameEvery).
	// A frame held back for the page (maxUnacked) is still due.
	if s.Version == e.version && !(e.frames && (e.held || commanded || start.Sub(e.posted) >= frameEvery)) {
		return nil
	}
	if e.frames && e.unacked >= maxUnacked {
		e.held = true
		return nil
	}
	e.held = false
	e.posted = start
	e.version = s.Version
	e.seq++
	if e.frames {
		e.unacked++
		return e.frame(s, applied, start)
	}
	r := e.snapshot(s)
	r["ms"] = float64(time.Since(start).Microseconds()) / 1000
	return r
}

// frame returns the frame event of a snapshot: the snapshot without its runs'
// histories, whose new rows go beside it, as bytes.
func (e *Engine) frame(s *app.Snapshot, applied int, start time.Time) Reply {
	f := &Frame{Session: e.sessionID, Applied: applied, Snapshot: *s}
	f.Snapshot.Runs = slices.Clone(s.Runs)
	f.History = e.historyParts(s)
	for i := range f.Snapshot.Runs {
		f.Snapshot.Runs[i].History = nil
	}
	f.Ms = float64(time.Since(start).Microseconds()) / 1000
	e.buf = AppendFrame(e.buf[:0], f)
	return Reply{"engine": Version, "event": "frame", "frame": e.buf}
}

// Wait returns how long to wait before the next slice: a session playing at a set
// speed (steps per frame, app.Session.Paced) takes a slice per display frame, as on
// the page; otherwise none.
func (e *Engine) Wait() time.Duration {
	if e.session == nil || e.dirty || e.retry || !e.session.Paced() {
		return 0
	}
	return max(0, displayFrame-time.Since(e.sliced))
}

// displayFrame is a display frame at 60 Hz.
const displayFrame = time.Second / 60

// frameEvery is the longest a busy engine posting frames stays silent.
const frameEvery = time.Second

// historyParts returns the rows of each run's history that the page does not hold
// yet, and notes that it now holds them all.
func (e *Engine) historyParts(s *app.Snapshot) []HistoryPart {
	base := configKey(&s.Config) + "\x00" + s.CompareKey
	sent := make([]sentHistory, len(s.Runs))
	parts := make([]HistoryPart, len(s.Runs))
	for i := range s.Runs {
		rv := &s.Runs[i]
		key := base + "\x00" + rv.Label
		from := 0
		if i < len(e.sent) && e.sent[i].key == key {
			from = commonRows(e.sent[i].rows, rv.History)
		}
		sent[i] = sentHistory{key: key, rows: rv.History}
		parts[i] = HistoryPart{From: from, Length: len(rv.History), Rows: rv.History[from:]}
	}
	e.sent = sent
	return parts
}

// open starts a session from a URL query.
func (e *Engine) open(req request) (Reply, error) {
	q := *req.Query
	if len(q) > MaxQuery {
		return nil, fieldErr("query", "%d bytes, at most %d", len(q), MaxQuery)
	}
	if !utf8.ValidString(q) {
		return nil, fieldErr("query", "not valid UTF-8")
	}
	part := app.Part{Of: 1}
	if req.Part != nil {
		part = app.Part{Index: req.Part[0], Of: req.Part[1]}
		if part.Of < 1 || part.Of > app.MaxRuns || part.Index < 0 || part.Index >= part.Of {
			return nil, fieldErr("part", "[%d, %d]: want [index, of] with 0 ≤ index < of ≤ %d", part.Index, part.Of, app.MaxRuns)
		}
	}
	e.session = app.NewSessionPart(app.ParseQuery(q), part)
	e.session.SetVisible(!e.hidden)
	e.version, e.sent, e.dirty = 0, nil, true
	e.frames, e.handled, e.sessionID = req.Frames, 0, req.Session
	e.unacked, e.held = 0, false
	return Reply{"event": "open", "notes": strings2any(e.session.Notes()), "query": app.EncodeQuery(e.session.Query()),
		"columns": strings2any(Columns())}, nil
}

// Retry restarts the session's runs at its next slice, keeping what was requested:
// for data that were on their way (sim.ErrWaiting) and have arrived, or failed.
// It may be called while a session is being opened (data that failed at once).
func (e *Engine) Retry() {
	e.retry, e.dirty = true, true
}

// commanded counts a session or visible request, carried out or refused (a frame's
// Applied), and has the next slice post a frame.
func (e *Engine) commanded() {
	if e.session != nil {
		e.handled++
		e.dirty = true
	}
}

// ack records that the page has taken in n more frames, so that the session may post
// as many more (maxUnacked).
func (e *Engine) ack(n int) (Reply, error) {
	if n < 1 {
		return nil, fieldErr("acked", "%d, want the number of frames the page has taken in since its last ack (≥ 1)", n)
	}
	e.unacked = max(0, e.unacked-n)
	return Reply{"event": "ok", "cmd": "ack"}, nil
}

// visible shows or hides the session: a hidden engine does no work.
func (e *Engine) visible(v bool) (Reply, error) {
	e.hidden = !v
	if e.session != nil {
		e.session.SetVisible(v)
		e.dirty = true
	}
	return Reply{"event": "ok", "cmd": "visible"}, nil
}

// message carries out one message of the page's message API (app.ParseMessage) on
// the session, as the page does, and answers it as the page does: ok, state,
// export, or an error.
func (e *Engine) message(raw json.RawMessage) (Reply, error) {
	if e.session == nil {
		return nil, fieldErr("cmd", "session: no session is open (send cmd open first)")
	}
	if t := strings.TrimSpace(string(raw)); !strings.HasPrefix(t, "{") {
		return nil, fieldErr("msg", "want an object, a message of the page's message API, as {kinkscope: 1, cmd: \"play\"}")
	}
	m, err := app.ParseMessage(raw)
	if errors.Is(err, app.ErrNotOurs) {
		return nil, fieldErr("msg.kinkscope", "missing or not 1: msg is a message of the page's message API, {kinkscope: 1, cmd, …}")
	}
	if err != nil {
		// The page's own text, which names the field inside msg.
		return Reply{"event": "error", "field": messageField(err.Error()), "error": "msg: " + err.Error(), "errors": []any{err.Error()}}, nil
	}
	var errs []error
	s := e.session
	switch m.Cmd {
	case "set":
		errs = s.Set(m.Settings)
	case "load":
		errs = s.Load(m)
	case "play":
		s.Play()
	case "pause":
		s.Pause()
	case "reset":
		s.Reset()
	case "step":
		s.Step(m.N)
	case "runTo":
		s.RunTo(m.Iter)
	case "getState":
		return Reply{"event": "state", "cmd": m.Cmd, "state": s.State().Object()}, nil
	case "subscribe":
		return nil, fieldErr("msg.cmd", "subscribe is the page's: the engine posts a snapshot whenever anything changes, and the page answers its subscribers from the latest one")
	case "export":
		switch m.What {
		case "csv":
			return Reply{"event": "export", "cmd": m.Cmd, "what": m.What, "data": s.HistoryCSV()}, nil
		case "json":
			return Reply{"event": "export", "cmd": m.Cmd, "what": m.What, "data": s.SettingsJSON()}, nil
		default:
			return nil, fieldErr("msg.what", "%s: the page draws the picture; the engine exports csv or json", m.What)
		}
	}
	if len(errs) > 0 {
		msgs := make([]any, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return Reply{"event": "error", "error": "msg: " + errs[0].Error(), "errors": msgs, "field": settingsField(errs[0].Error(), m.Settings)}, nil
	}
	e.dirty = true
	return Reply{"event": "ok", "cmd": m.Cmd}, nil
}

// messageField names the field of an app.ParseMessage error: its text starts with
// the field's name (`settings.lr: …`, `hz: …`, `cmd "x": …`, `field "x": …`).
func messageField(msg string) string {
	head, _, _ := strings.Cut(msg, ":")
	head, quoted, _ := strings.Cut(head, " ")
	switch head {
	case "field":
		return "msg." + strings.Trim(quoted, `"`)
	case "message":
		return "msg"
	}
	return "msg." + head
}

// settingsField names the setting of a Session.Set error, which starts with the
// setting's key or says `unknown setting "key"`.
func settingsField(msg string, settings [][2]string) string {
	for _, kv := range settings {
		if strings.HasPrefix(msg, kv[0]+" ") || strings.HasPrefix(msg, kv[0]+":") || strings.Contains(msg, `"`+kv[0]+`"`) {
			return "msg.settings." + kv[0]
		}
	}
	return "msg.settings"
}

// snapshot turns a session's snapshot into the event the page draws from. Every
// field describes the latest state in full, except each run's history, which
// carries the rows since the last snapshot: the page keeps the first historyFrom
// rows it holds and appends history.
func (e *Engine) snapshot(s *app.Snapshot) Reply {
	s2 := e.session
	views := map[string]any{
		"caption": s.Views.Caption, "outcome": strings2any(s.Views.Outcome),
		"main": panelObject(s.Views.Main), "side": panelObject(s.Views.Side),
	}
	curves := make([]any, len(s.Views.Curves))
	for i, p := range s.Views.Curves {
		curves[i] = panelObject(p)
	}
	views["curves"] = curves
	config := make([]any, 0, 64)
	view := map[string]any{}
	for _, kv := range s2.Config() {
		config = append(config, []any{kv[0], kv[1]})
		if kv[0] == "speed" || kv[0] == "norms" || kv[0] == "pieces" {
			view[kv[0]] = kv[1]
		}
	}
	parts := e.historyParts(s)
	runs := make([]any, len(s.Runs))
	for i := range s.Runs {
		runs[i] = runObject(&s.Runs[i], parts[i].From)
	}
	return Reply{
		"engine": Version, "event": "snapshot", "seq": e.seq, "version": s.Version,
		"state": s.State.Object(), "config": config, "view": view,
		"query": app.EncodeQuery(s2.Query()), "notes": strings2any(s.Notes),
		"views": views, "metricKeys": strings2any(s.MetricKeys), "compareKey": s.CompareKey,
		"fastForward": s.FastForward, "runs": runs,
	}
}

// configKey writes every setting of c: two runs with the same key and label follow
// the same trajectory, so their histories agree row for row.
func configKey(c *sim.Config) string {
	var sb strings.Builder
	sb.WriteString(c.Scenario)
	for _, st := range sim.Settings {
		sb.WriteString("\x00" + c.Get(st.Key))
	}
	return sb.String()
}

// commonRows returns how many leading rows of the history the page holds (old) are
// still those of cur. A run's history only appends, except that it thins (keeping
// every other row, so the iterations of the rows after the first change) and that
// its last row may be the latest snapshot, which a thinned history does not keep.
func commonRows(old, cur []sim.Metrics) int {
	n := min(len(old), len(cur))
	for i := range n {
		if old[i].Iter != cur[i].Iter {
			return i
		}
	}
	// Same iterations; the rows of one trajectory at one iteration are equal, which
	// the last one checks bit for bit as a guard.
	if n > 0 && !sameRow(&old[n-1], &cur[n-1]) {
		return 0
	}
	return n
}

func sameRow(a, b *sim.Metrics) bool {
	for i := range sim.MetricList {
		d := &sim.MetricList[i]
		if math.Float64bits(d.Value(a)) != math.Float64bits(d.Value(b)) {
			return false
		}
	}
	return true
}

// HistoryRows writes rows as one float64 per column of Columns, row after row.
func HistoryRows(rows []sim.Metrics) []float64 {
	out := make([]float64, 0, len(rows)*len(sim.MetricList))
	for i := range rows {
		for j := range sim.MetricList {
			out = append(out, sim.MetricList[j].Value(&rows[i]))
		}
	}
	return out
}

// runObject is one run's part of a snapshot. Lists of numbers are []float64, which
// the worker posts as transferable Float64Arrays; nil lists (what the model does
// not draw) are null.
func runObject(rv *app.RunView, from int) map[string]any {
	p := &rv.Picture
	var pieces []float64
	if len(p.Pieces) > 0 {
		pieces = make([]float64, 0, len(p.Pieces)*len(p.X))
		for _, row := range p.Pieces {
			pieces = append(pieces, row...)
		}
	}
	decays := make([]float64, len(rv.Decays))
	for i, d := range rv.Decays {
		decays[i] = float64(d)
	}
	return map[string]any{
		"label": rv.Label, "iter": rv.Iter, "iters": rv.Iters, "error": rv.Err,
		"historyFrom": from, "historyLength": len(rv.History), "history": HistoryRows(rv.History[from:]),
		"decays": decays, "schedule": rv.Schedule,
		"x": p.X, "h": p.H, "pieces": pieces, "pieceCount": len(p.Pieces),
		"dataX": p.DataX, "dataY": p.DataY,
		"kinks": kinksObject(p.Kinks), "teacher": p.Teacher, "teacherKinks": kinksObject(p.TeacherKinks),
		"norms": p.Norms, "coef": p.Coef, "truth": p.Truth, "fit": p.Fit, "fitTruth": p.FitTruth,
	}
}

// kinksObject is a kink summary: its counts, and its clusters as rows of x, slope
// change, neurons, visible (1 or 0).
func kinksObject(k sim.KinkSummary) map[string]any {
	clusters := make([]float64, 0, 4*len(k.Clusters))
	for _, c := range k.Clusters {
		vis := 0.0
		if c.Visible {
			vis = 1
		}
		clusters = append(clusters, c.X, c.SlopeChange, float64(c.Neurons), vis)
	}
	return map[string]any{"raw": k.Raw, "visible": k.Visible, "clusters": clusters}
}

func panelObject(p sim.Panel) map[string]any {
	return map[string]any{"kind": p.Kind.String(), "title": p.Title, "ylabel": p.YLabel,
		"metrics": strings2any(p.Metrics), "unit": p.Unit, "log": p.Log}
}
