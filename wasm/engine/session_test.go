package engine

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"kinkscope/render/app"
	"kinkscope/sim"
)

// page holds what a page keeps of a session's snapshots: the latest one and every
// run's history, built from the rows each snapshot adds.
type page struct {
	t       *testing.T
	latest  Reply
	history [][]float64 // per run, the rows one after another
	count   int
}

// apply takes one snapshot in as a page would.
func (p *page) apply(s Reply) {
	p.t.Helper()
	if s["event"] != "snapshot" {
		p.t.Fatalf("slice posted %v, want a snapshot", s)
	}
	p.count++
	cols := len(sim.MetricList)
	runs := s["runs"].([]any)
	p.history = p.history[:min(len(p.history), len(runs))]
	for i, r := range runs {
		rv := r.(map[string]any)
		if i == len(p.history) {
			p.history = append(p.history, nil)
		}
		from := rv["historyFrom"].(int)
		if from*cols > len(p.history[i]) {
			p.t.Fatalf("run %d: historyFrom %d, but the page holds %d rows", i, from, len(p.history[i])/cols)
		}
		p.history[i] = append(p.history[i][:from*cols], rv["history"].([]float64)...)
		if got := len(p.history[i]) / cols; got != rv["historyLength"].(int) {
			p.t.Fatalf("run %d: the page holds %d rows, the snapshot says %d", i, got, rv["historyLength"])
		}
	}
	p.latest = s
}

// send handles one request and fails the test on an error reply.
func send(t *testing.T, e *Engine, fields map[string]any) Reply {
	t.Helper()
	r := e.Handle(encode(t, fields))
	if r["event"] == "error" {
		t.Fatalf("%v: %v", fields, r)
	}
	return r
}

// runToEnd slices the engine until it is idle, applying every snapshot to p.
func runToEnd(t *testing.T, e *Engine, p *page) {
	t.Helper()
	for slices := 0; e.Busy(); slices++ {
		if slices > 100000 {
			t.Fatal("the session never stopped")
		}
		if s := e.Slice(); s != nil {
			p.apply(s)
		}
	}
}

// cliRun is `kinkscope run`'s run for the same settings: sim.DecodeSettings, then
// Advance until done (cmd/kinkscope runToEnd); metrics.csv is History().Rows().
func cliRun(t *testing.T, scenario string, kv [][2]string) *sim.Run {
	t.Helper()
	cfg, errs := sim.DecodeSettings(scenario, kv)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r, err := sim.NewRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for !r.Done() && r.Err() == nil {
		r.Advance(256)
	}
	return r
}

// TestSessionEqualsRun opens sessions through the protocol, plays them to their
// end, and checks the history the page builds from the snapshots against the
// command line's run of the same settings, bit for bit; one of them thins its
// history (more than 4096 snapshots) on the way.
func TestSessionEqualsRun(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		kv       [][2]string
	}{
		{"relu1d-large", nil},
		{"relu1d-large", [][2]string{{"seed", "3"}}},
		{"diag-decay50", [][2]string{{"seed", "2"}, {"iters", "30000"}}},
		{"teacher3-decay50", [][2]string{{"seed", "2"}, {"iters", "4000"}}},
		{"diag-decay30", [][2]string{{"iters", "9000"}, {"log_every", "2"}}},
	} {
		t.Run(tt.scenario+app.EncodeQuery(tt.kv), func(t *testing.T) {
			e := New()
			q := app.EncodeQuery(append([][2]string{{"scenario", tt.scenario}}, tt.kv...))
			o := send(t, e, map[string]any{"engine": 1, "id": 1, "cmd": "open", "query": q})
			if o["event"] != "open" || len(o["notes"].([]any)) != 0 {
				t.Fatalf("open %s: %v", q, o)
			}
			p := &page{t: t}
			runToEnd(t, e, p) // the first snapshot, paused at iteration 0
			if p.count != 1 || p.latest["state"].(map[string]any)["iter"] != 0.0 {
				t.Fatalf("after open: %d snapshots, state %v; want one at iteration 0", p.count, p.latest["state"])
			}
			send(t, e, map[string]any{"engine": 1, "cmd": "session", "msg": map[string]any{"kinkscope": 1, "cmd": "play"}})
			runToEnd(t, e, p)
			want := cliRun(t, tt.scenario, tt.kv)
			rows := want.History().Rows()
			got := p.history[0]
			cols := len(sim.MetricList)
			if len(got) != len(rows)*cols {
				t.Fatalf("history of %d rows, the command line's has %d", len(got)/cols, len(rows))
			}
			for i := range rows {
				for j := range sim.MetricList {
					w := sim.MetricList[j].Value(&rows[i])
					if g := got[i*cols+j]; math.Float64bits(g) != math.Float64bits(w) {
						t.Fatalf("row %d, %s: %v, the command line's %v", i, sim.MetricList[j].Key, g, w)
					}
				}
			}
			st := p.latest["state"].(map[string]any)
			last := want.Latest()
			for _, d := range sim.MetricList {
				if g, w := st[d.JSONKey()].(float64), d.Value(&last); math.Float64bits(g) != math.Float64bits(w) {
					t.Errorf("final state %s = %v, the command line's %v", d.JSONKey(), g, w)
				}
			}
			if st["running"] != false || st["iter"] != float64(want.Iter()) {
				t.Errorf("final state %v, want stopped at iteration %d", st, want.Iter())
			}
			if tt.kv == nil && p.count < 3 {
				t.Errorf("%d snapshots for the whole run, want one per slice (12 ms or more each)", p.count)
			}
			// The export of the history (the page's CSV) agrees with the rows.
			x := send(t, e, map[string]any{"engine": 1, "id": "x", "cmd": "session", "msg": map[string]any{"kinkscope": 1, "cmd": "export", "what": "csv"}})
			if x["event"] != "export" || x["id"] != "x" || strings.Count(x["data"].(string), "\n") != len(rows)+1 {
				t.Errorf("export csv: %.200v", x)
			}
		})
	}
}

// TestSessionCommands drives a session through the message API: steps, runTo,
// a changed setting (a new run: the history starts over), reset, visibility.
func TestSessionCommands(t *testing.T) {
	e := New()
	send(t, e, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=relu1d-small&iters=2000&log_every=10"})
	p := &page{t: t}
	msg := func(fields map[string]any) Reply {
		fields["kinkscope"] = 1
		return send(t, e, map[string]any{"engine": 1, "cmd": "session", "msg": fields})
	}
	iter := func() int { return int(p.latest["state"].(map[string]any)["iter"].(float64)) }
	runToEnd(t, e, p)
	if r := msg(map[string]any{"cmd": "step", "n": 25}); r["event"] != "ok" || r["cmd"] != "step" {
		t.Fatalf("step: %v", r)
	}
	runToEnd(t, e, p)
	if iter() != 25 || len(p.history[0])/len(sim.MetricList) != 3 {
		t.Fatalf("after step 25: iteration %d, %d rows; want 25 and 3 (0, 10, 20)", iter(), len(p.history[0])/len(sim.MetricList))
	}
	msg(map[string]any{"cmd": "runTo", "iter": 500})
	runToEnd(t, e, p)
	if iter() != 500 {
		t.Fatalf("after runTo 500: iteration %d", iter())
	}
	old := append([]float64(nil), p.history[0]...)
	msg(map[string]any{"cmd": "set", "settings": map[string]any{"lr": 0.001}})
	runToEnd(t, e, p)
	if iter() != 0 || len(p.history[0]) != len(sim.MetricList) || p.history[0][1] == old[1] {
		t.Fatalf("after set lr: iteration %d, history %v; want a new run at 0", iter(), p.history[0])
	}
	st := msg(map[string]any{"cmd": "getState"})
	if st["event"] != "state" || st["state"].(map[string]any)["lr"] != 0.001 {
		t.Errorf("getState: %v", st)
	}
	// Hidden, the engine does no work, and takes it up when shown.
	msg(map[string]any{"cmd": "play"})
	send(t, e, map[string]any{"engine": 1, "cmd": "visible", "visible": false})
	// One slice carries out the commands (it posts a frame to a page that asked
	// for frames), and no step is taken.
	before := e.session.State().Iter
	for range 3 {
		e.Slice()
	}
	if e.Busy() || e.session.State().Iter != before {
		t.Fatal("a hidden engine works")
	}
	send(t, e, map[string]any{"engine": 1, "cmd": "visible", "visible": true})
	if !e.Busy() {
		t.Fatal("a shown, playing engine is idle")
	}
	runToEnd(t, e, p)
	if iter() != 2000 {
		t.Errorf("after play: iteration %d, want 2000", iter())
	}
	j := msg(map[string]any{"cmd": "export", "what": "json"})
	var load map[string]any
	if err := json.Unmarshal([]byte(j["data"].(string)), &load); err != nil || load["iter"] != 2000.0 {
		t.Errorf("export json: %v (%v)", j, err)
	}
	// A comparison: one history per run.
	msg(map[string]any{"cmd": "set", "settings": map[string]any{"compare": "lr:0.0005;0.001"}})
	msg(map[string]any{"cmd": "runTo", "iter": 100})
	runToEnd(t, e, p)
	if runs := p.latest["runs"].([]any); len(runs) != 2 || len(p.history) != 2 || len(p.history[1]) != 11*len(sim.MetricList) {
		t.Errorf("comparison: %d runs, histories %d, rows %d, %d", len(runs), len(p.history), len(p.history[0])/len(sim.MetricList), len(p.history[1])/len(sim.MetricList))
	}
}

// TestSessionSnapshot checks what a snapshot carries for the panels.
func TestSessionSnapshot(t *testing.T) {
	e := New()
	send(t, e, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=teacher3-decay50&pieces=on"})
	s := e.Slice()
	rv := s["runs"].([]any)[0].(map[string]any)
	x := rv["x"].([]float64)
	if len(x) != 400 || len(rv["h"].([]float64)) != 400 || len(rv["schedule"].([]float64)) != 400 {
		t.Errorf("predictor %d points, schedule %d; want 400", len(x), len(rv["schedule"].([]float64)))
	}
	if rv["teacher"] == nil || len(rv["dataX"].([]float64)) == 0 {
		t.Error("no teacher or data in a teacher–student snapshot")
	}
	k := rv["kinks"].(map[string]any)
	if len(k["clusters"].([]float64))%4 != 0 {
		t.Errorf("kink clusters %v: want rows of 4", k)
	}
	if s["views"].(map[string]any)["main"].(map[string]any)["kind"] != "predictor" {
		t.Errorf("views %v", s["views"])
	}
	if s["view"].(map[string]any)["pieces"] != "on" || !strings.Contains(s["query"].(string), "pieces=on") {
		t.Errorf("view %v, query %v", s["view"], s["query"])
	}
	if e.Slice() != nil {
		t.Error("a paused session posted a second, unchanged snapshot")
	}
}

func TestSessionBadRequests(t *testing.T) {
	e := New()
	for _, tt := range []struct {
		name, text, field, says string
	}{
		{"no session", `{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"play"}}`, "cmd", "no session is open"},
		{"open without query", `{"engine":1,"cmd":"open"}`, "query", "missing"},
		{"query a number", `{"engine":1,"cmd":"open","query":3}`, "query", "want a string"},
		{"query too long", `{"engine":1,"cmd":"open","query":"` + strings.Repeat("a", MaxQuery+1) + `"}`, "query", "at most"},
		{"visible missing", `{"engine":1,"cmd":"visible"}`, "visible", "missing"},
		{"visible a string", `{"engine":1,"cmd":"visible","visible":"yes"}`, "visible", "true or false"},
		{"session without msg", `{"engine":1,"cmd":"session"}`, "msg", "missing"},
		{"ack without acked", `{"engine":1,"cmd":"ack"}`, "acked", "missing"},
		{"ack of no frame", `{"engine":1,"cmd":"ack","acked":0}`, "acked", "≥ 1"},
		{"ack of a fraction", `{"engine":1,"cmd":"ack","acked":1.5}`, "acked", "want a whole number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Handle([]byte(tt.text))
			if r["event"] != "error" || r["field"] != tt.field || !strings.Contains(r["error"].(string), tt.says) {
				t.Errorf("Handle(%.80s) = %v, want an error on %s saying %q", tt.text, r, tt.field, tt.says)
			}
		})
	}
	send(t, e, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=relu1d-small&lr=abc"})
	for _, tt := range []struct {
		name, msg, field, says string
	}{
		{"msg not an object", `3`, "msg", "want an object"},
		{"not ours", `{"cmd":"play"}`, "msg.kinkscope", "missing or not 1"},
		{"unknown cmd", `{"kinkscope":1,"cmd":"fly"}`, "msg.cmd", `cmd "fly": unknown`},
		{"bad step", `{"kinkscope":1,"cmd":"step","n":0}`, "msg.n", "whole number"},
		{"stray field", `{"kinkscope":1,"cmd":"play","n":3}`, "msg.n", "not a field of play"},
		{"bad setting", `{"kinkscope":1,"cmd":"set","settings":{"lr":-1}}`, "msg.settings.lr", "lr"},
		{"unknown setting", `{"kinkscope":1,"cmd":"set","settings":{"speeed":3}}`, "msg.settings.speeed", `unknown setting "speeed"`},
		{"bad settings", `{"kinkscope":1,"cmd":"set","settings":[1]}`, "msg.settings", "want an object"},
		{"subscribe", `{"kinkscope":1,"cmd":"subscribe","hz":2}`, "msg.cmd", "the page's"},
		{"png", `{"kinkscope":1,"cmd":"export","what":"png"}`, "msg.what", "csv or json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.Handle([]byte(`{"engine":1,"id":9,"cmd":"session","msg":` + tt.msg + `}`))
			if r["event"] != "error" || r["field"] != tt.field || !strings.Contains(r["error"].(string), tt.says) || r["id"] != 9.0 {
				t.Errorf("session %s = %v, want an error on %s saying %q with id 9", tt.msg, r, tt.field, tt.says)
			}
		})
	}
	// The open named the bad setting and went on with its default.
	o := send(t, e, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=relu1d-small&lr=abc"})
	if notes := o["notes"].([]any); len(notes) != 1 || !strings.Contains(notes[0].(string), "lr") {
		t.Errorf("open with lr=abc: notes %v, want one naming lr", notes)
	}
}

// FuzzSession sends any request, and slices, to an engine with a session open:
// every request gets one reply, an error names a field, and nothing panics.
func FuzzSession(f *testing.F) {
	f.Add([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"step","n":30}}`))
	f.Add([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"set","settings":{"lr":0.001,"compare":"width:5;10"}}}`))
	f.Add([]byte(`{"engine":1,"cmd":"open","query":"scenario=diag-decay10&iters=300&compare=lr:0.1;0.2"}`))
	f.Add([]byte(`{"engine":1,"cmd":"visible","visible":false}`))
	f.Add([]byte(`{"engine":1,"cmd":"open","query":"scenario=relu1d-small&iters=300&compare=lr:0.0001;0.0002;0.0003","frames":true,"part":[1,2],"session":7}`))
	f.Add([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"load","settings":{"scenario":"relu1d-small","iters":100},"iter":50}}`))
	known := map[any]bool{"open": true, "ok": true, "state": true, "export": true, "error": true, "plan": true}
	f.Fuzz(func(t *testing.T, text []byte) {
		if strings.Contains(string(text), `"run"`) {
			return // a sweep's run could be long
		}
		e := New()
		e.Handle([]byte(`{"engine":1,"cmd":"open","query":"scenario=relu1d-small&iters=200"}`))
		r := e.Handle(text)
		if !known[r["event"]] || r["engine"] != Version {
			t.Fatalf("Handle(%q) = %v", text, r)
		}
		if r["event"] == "error" && r["field"] == "" {
			t.Errorf("Handle(%q): an error naming no field: %v", text, r)
		}
		roundTrip(t, r)
		for range 3 {
			s := e.Slice()
			switch {
			case s == nil:
			case s["event"] == "frame":
				if _, err := DecodeFrame(s["frame"].([]byte)); err != nil {
					t.Errorf("after %q a frame that does not decode: %v", text, err)
				}
			case s["event"] == "snapshot":
				roundTrip(t, s)
			default:
				t.Errorf("after %q a slice posted %v", text, s)
			}
		}
	})
}

// BenchmarkSessionRelu1dLarge measures the whole relu1d-large run through the
// protocol: open, play, slices with their snapshots until the end (one op = one run),
// next to sim's BenchmarkRelu1dLargeRun, the raw run.
func BenchmarkSessionRelu1dLarge(b *testing.B) {
	snaps, slices := 0, 0
	for b.Loop() {
		e := New()
		e.Handle([]byte(`{"engine":1,"cmd":"open","query":"scenario=relu1d-large"}`))
		e.Handle([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"play"}}`))
		for e.Busy() {
			slices++
			if e.Slice() != nil {
				snaps++
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
	b.ReportMetric(float64(snaps)/float64(b.N), "snapshots/run")
	b.ReportMetric(31623*float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}

// plain normalizes a reply as Decode returns it: numbers float64, lists of
// numbers []float64 (nil as nil), objects map[string]any.
func plain(v any) any {
	switch x := v.(type) {
	case Reply:
		return plain(map[string]any(x))
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []float64:
		if x == nil {
			return nil
		}
		return x
	case int:
		return float64(x)
	}
	return v
}

// same compares plain data, NaN equal to NaN bit for bit.
func same(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if !same(x[k], y[k]) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !same(x[i], y[i]) {
				return false
			}
		}
		return true
	case []float64:
		y, ok := b.([]float64)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	}
	return a == b
}

// roundTrip checks that a reply comes back from Encode and Decode as it was.
func roundTrip(t *testing.T, v any) {
	t.Helper()
	text, floats := Encode(v)
	got, err := Decode(text, floats)
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !same(plain(v), got) {
		t.Errorf("Encode then Decode changed\n%v\ninto\n%v", plain(v), got)
	}
}

// TestEncode checks that snapshots (NaN metrics, lists of numbers, empty and nil
// lists, notes with quotes and odd text) come back from Encode and Decode as they
// were.
func TestEncode(t *testing.T) {
	e := New()
	send(t, e, map[string]any{"engine": 1, "cmd": "open", "query": "scenario=diag-decay10&iters=500&compare=lr_edge:0.5;0.9&x=%22%24a%22%00%E2%80%A8"})
	send(t, e, map[string]any{"engine": 1, "cmd": "session", "msg": map[string]any{"kinkscope": 1, "cmd": "step", "n": 300}})
	var s Reply
	for e.Busy() {
		if r := e.Slice(); r != nil {
			s = r
		}
	}
	for _, v := range []any{s, Ready(), Reply{"inf": math.Inf(1), "ninf": math.Inf(-1), "empty": []float64{}, "f": []any{[]float64{1, math.NaN()}, "$f"}}} {
		roundTrip(t, v)
	}
	if notes := s["notes"].([]any); len(notes) == 0 {
		t.Error("the odd setting made no note")
	}
}

// BenchmarkSnapshot measures building and encoding one relu1d-large snapshot after
// a slice (one op = one snapshot).
func BenchmarkSnapshot(b *testing.B) {
	e := New()
	e.Handle([]byte(`{"engine":1,"cmd":"open","query":"scenario=relu1d-large"}`))
	e.Handle([]byte(`{"engine":1,"cmd":"session","msg":{"kinkscope":1,"cmd":"step","n":3000}}`))
	for e.Busy() {
		e.Slice()
	}
	s := e.session.Snapshot()
	var text []byte
	var floats []float64
	for b.Loop() {
		e.sent = nil
		r := e.snapshot(s)
		text, floats = AppendEncode(text[:0], floats[:0], r)
	}
	b.ReportMetric(float64(len(text)), "bytes")
}
