package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"kinkscope/sim"
	_ "kinkscope/sim/models" // the experiments kept in packages of their own
	"kinkscope/sim/sweep"
)

// Version is the protocol's version, the engine field of every message.
const Version = 1

// Limits of a request.
const (
	// MaxBytes bounds a request's JSON text.
	MaxBytes = 64 << 10
	// MaxRuns bounds a grid: larger sweeps belong to the command line.
	MaxRuns = 2000
	// MaxAxes bounds a grid's axes: the browser's heatmap has two dimensions.
	MaxAxes = 2
	maxID   = 64 // bytes of an id's JSON
)

// Grid is a sweep written as `kinkscope sweep`'s flags are.
type Grid struct {
	Scenario  string   `json:"scenario"`
	Vary      []string `json:"vary"`
	Set       []string `json:"set"`
	Seeds     string   `json:"seeds"`
	DataSeeds string   `json:"dataSeeds"`
}

// request is a message to the engine.
type request struct {
	Engine *int            `json:"engine"`
	ID     json.RawMessage `json:"id"`
	Cmd    string          `json:"cmd"`
	Grid   *Grid           `json:"grid"`
	Run    *int            `json:"run"`
	Fault  string          `json:"fault"` // test hook: "panic" makes the run fail as a bug would
	// open, session, visible
	Query   *string         `json:"query"`
	Msg     json.RawMessage `json:"msg"`
	Visible *bool           `json:"visible"`
	Frames  bool            `json:"frames"`  // open: post Frames, for the simulator page
	Part    *[2]int         `json:"part"`    // open: [index, of], the compared runs hosted
	Session int             `json:"session"` // open: a number its frames carry
	Acked   *int            `json:"acked"`   // ack: frames the page has taken in since its last ack
}

// Reply is a message from the engine: plain data that wasm/worker turns into a
// JavaScript object (numbers are float64, NaN included; lists are []any).
type Reply map[string]any

// FieldError is a bad request: the field (as "grid.seeds") and the reason.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Ready is the reply a worker posts once it has started: the protocol's version,
// the final metrics of a sweep's runs, the columns of a session's history rows, and
// the scenarios.
func Ready() Reply {
	scenarios := make([]any, len(sim.Scenarios))
	for i, s := range sim.Scenarios {
		scenarios[i] = map[string]any{"name": s.Name, "caption": s.Caption}
	}
	return Reply{"engine": Version, "event": "ready", "version": Version, "metrics": strings2any(sweep.Metrics),
		"metricInfo": metricInfo(), "columns": strings2any(Columns()), "scenarios": scenarios}
}

// metricInfo describes each metric of sweep.Metrics for the page's labels and colour
// scale: [{key, title, unit, log}], unit "%" for a fraction shown as a percentage.
func metricInfo() []any {
	out := make([]any, len(sweep.Metrics))
	for i, k := range sweep.Metrics {
		title, unit, log := sweep.MetricInfo(k) // a name in a sentence: "final test loss"
		out[i] = map[string]any{"key": k, "title": title, "unit": unit, "log": log}
	}
	return out
}

// Handle answers one request, given as JSON text, with an engine of its own: plan
// and run need no more; a session opened this way is lost with the engine.
func Handle(text []byte) Reply { return New().Handle(text) }

// Handle answers one request, given as JSON text. It never panics: a failure while
// handling a request becomes an error reply.
func (e *Engine) Handle(text []byte) (reply Reply) {
	var id json.RawMessage
	defer func() {
		if p := recover(); p != nil {
			reply = errorReply(id, &FieldError{Field: "engine", Reason: fmt.Sprintf("the engine failed: %v", p)})
		}
	}()
	req, err := parse(text)
	id = req.ID
	if err != nil {
		return errorReply(id, err)
	}
	switch req.Cmd {
	case "plan":
		reply, err = plan(req.Grid)
	case "run":
		reply, err = run(req)
	case "open":
		reply, err = e.open(req)
	case "session":
		defer e.commanded() // even when it fails
		reply, err = e.message(req.Msg)
	case "visible":
		defer e.commanded()
		reply, err = e.visible(*req.Visible)
	case "ack":
		reply, err = e.ack(*req.Acked)
	}
	if err != nil {
		return errorReply(id, err)
	}
	reply["engine"] = Version
	if id != nil {
		reply["id"] = idValue(id)
	}
	return reply
}

func errorReply(id json.RawMessage, err error) Reply {
	r := Reply{"engine": Version, "event": "error", "error": err.Error(), "field": ""}
	var fe *FieldError
	if errors.As(err, &fe) {
		r["field"] = fe.Field
	}
	if id != nil {
		r["id"] = idValue(id)
	}
	return r
}

// idValue returns a checked id as a string or float64.
func idValue(id json.RawMessage) any {
	var v any
	_ = json.Unmarshal(id, &v)
	return v
}

var commands = []string{"plan", "run", "open", "session", "visible", "ack"}

// parse decodes and checks a request; it returns the id even when the rest is bad,
// so that the error reply can echo it.
func parse(text []byte) (request, error) {
	var req request
	if len(text) > MaxBytes {
		return req, fieldErr("message", "%d bytes of JSON, at most %d", len(text), MaxBytes)
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(text, &probe); err != nil {
		return req, fieldErr("message", "not a JSON object: %v", err)
	}
	if raw, ok := probe["id"]; ok {
		var v any
		_ = json.Unmarshal(raw, &v)
		switch v.(type) {
		case float64, string:
			if len(raw) <= maxID {
				req.ID = raw
				break
			}
			return req, fieldErr("id", "%d bytes, at most %d", len(raw), maxID)
		default:
			return req, fieldErr("id", "want a number or a string")
		}
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	id := req.ID
	if err := dec.Decode(&req); err != nil {
		req.ID = id
		return req, decodeErr(err, "")
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, fieldErr("message", "text after the object")
	}
	if req.Engine == nil || *req.Engine != Version {
		got := "missing"
		if req.Engine != nil {
			got = fmt.Sprint(*req.Engine)
		}
		return req, fieldErr("engine", "%s, want %d (this engine speaks version %d of the protocol)", got, Version, Version)
	}
	switch req.Cmd {
	case "plan":
		if req.Grid == nil {
			return req, fieldErr("grid", "missing")
		}
	case "run":
		if req.Grid == nil {
			return req, fieldErr("grid", "missing")
		}
		if req.Run == nil {
			return req, fieldErr("run", "missing: the index of a run of the grid")
		}
	case "open":
		if req.Query == nil {
			return req, fieldErr("query", "missing: the simulator's URL query, as \"scenario=relu1d-large&seed=2\"")
		}
	case "session":
		if len(req.Msg) == 0 || string(req.Msg) == "null" {
			return req, fieldErr("msg", "missing: a message of the page's message API, as {kinkscope: 1, cmd: \"play\"}")
		}
	case "visible":
		if req.Visible == nil {
			return req, fieldErr("visible", "missing: true or false")
		}
	case "ack":
		if req.Acked == nil {
			return req, fieldErr("acked", "missing: the number of frames the page has taken in since its last ack")
		}
	case "":
		return req, fieldErr("cmd", "missing (known: %s)", strings.Join(commands, ", "))
	default:
		return req, fieldErr("cmd", "unknown command %q (known: %s)", req.Cmd, strings.Join(commands, ", "))
	}
	if req.Fault != "" && req.Fault != "panic" {
		return req, fieldErr("fault", "%q, want panic or nothing (a test hook)", req.Fault)
	}
	return req, nil
}

// decodeErr names the field of a JSON decoding error.
func decodeErr(err error, prefix string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		want := map[string]string{"string": "a string", "int": "a whole number", "[]string": "a list of strings", "bool": "true or false",
			"engine.Grid": "an object", "json.RawMessage": "a number or a string"}[te.Type.String()]
		if want == "" {
			want = te.Type.String()
		}
		field := te.Field
		if field == "" {
			field = "message"
		}
		return fieldErr(prefix+field, "want %s, got %s", want, te.Value)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldErr("message", "unknown field %s (known: engine, id, cmd, grid, run, fault, query, msg, visible, frames, part, session, acked; in grid: scenario, vary, set, seeds, dataSeeds)", msg)
	}
	return fieldErr("message", "%v", err)
}

// Spec turns a grid into the sweep it means, checking every field as `kinkscope
// sweep` does, every cell's settings included.
func (g *Grid) Spec() (*sweep.Spec, error) {
	trim := func(err error) string {
		return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "sweep: "), "sim: ")
	}
	spec := &sweep.Spec{Scenario: strings.TrimSpace(g.Scenario)}
	if spec.Scenario != "" {
		if _, ok := sim.Scenario(spec.Scenario); !ok {
			return nil, fieldErr("grid.scenario", "unknown scenario %q (known: %s)", spec.Scenario, strings.Join(sim.ScenarioNames(), ", "))
		}
	}
	if len(g.Vary) > MaxAxes {
		return nil, fieldErr("grid.vary", "%d axes, at most %d (the heatmap has two dimensions; kinkscope sweep takes more)", len(g.Vary), MaxAxes)
	}
	for i, v := range g.Vary {
		a, err := sweep.ParseAxis(v)
		if err != nil {
			return nil, fieldErr(fmt.Sprintf("grid.vary[%d]", i), "%s", trim(err))
		}
		if _, ok := sim.SettingByKey(a.Key); !ok && a.Key != "scenario" {
			return nil, fieldErr(fmt.Sprintf("grid.vary[%d]", i), "unknown setting %q", a.Key)
		}
		spec.Axes = append(spec.Axes, a)
	}
	for i, kv := range g.Set {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		field := fmt.Sprintf("grid.set[%d]", i)
		if !ok || k == "" {
			return nil, fieldErr(field, "%q: want key=value", kv)
		}
		if k == "seed" || k == "data_seed" || k == "scenario" {
			return nil, fieldErr(field, "%s: give it as grid.%s", k, map[string]string{"seed": "seeds", "data_seed": "dataSeeds", "scenario": "scenario"}[k])
		}
		spec.Fixed = append(spec.Fixed, [2]string{k, strings.TrimSpace(v)})
	}
	var err error
	if spec.Seeds, err = sweep.ParseSeeds(g.Seeds); err != nil {
		return nil, fieldErr("grid.seeds", "%s", trim(err))
	}
	if strings.TrimSpace(g.DataSeeds) != "" {
		if spec.DataSeeds, err = sweep.ParseSeeds(g.DataSeeds); err != nil {
			return nil, fieldErr("grid.dataSeeds", "%s", trim(err))
		}
	}
	if err := spec.Validate(); err != nil {
		field := "grid"
		if strings.Contains(err.Error(), "scenario") {
			field = "grid.scenario"
		}
		return nil, fieldErr(field, "%s", trim(err))
	}
	if n := spec.Runs(); n > MaxRuns {
		return nil, fieldErr("grid", "%d runs, at most %d in the browser (kinkscope sweep runs any number)", n, MaxRuns)
	}
	for c := range spec.Cells() {
		kv := spec.Settings(spec.Point(c * spec.Runs() / spec.Cells()))
		if _, errs := sim.DecodeSettings(kv[0][1], kv[1:]); len(errs) > 0 {
			return nil, fieldErr(settingField(g, spec, errs[0]), "%s", trim(errs[0]))
		}
	}
	return spec, nil
}

// settingField names the grid field a setting's error comes from: the axis or the
// fixed setting whose key it names.
func settingField(g *Grid, spec *sweep.Spec, err error) string {
	msg := strings.TrimPrefix(err.Error(), "sim: ")
	for i, a := range spec.Axes {
		if strings.HasPrefix(msg, a.Key+" ") || strings.HasPrefix(msg, a.Key+":") {
			return fmt.Sprintf("grid.vary[%d]", i)
		}
	}
	for i, kv := range spec.Fixed {
		if strings.HasPrefix(msg, kv[0]+" ") || strings.HasPrefix(msg, kv[0]+":") || strings.Contains(msg, "\""+kv[0]+"\"") {
			return fmt.Sprintf("grid.set[%d]", i)
		}
	}
	if strings.Contains(msg, "scenario") {
		return "grid.scenario"
	}
	return "grid"
}

// Command returns the `kinkscope sweep` command line of the grid's sweep.
func Command(spec *sweep.Spec) string {
	parts := []string{"kinkscope", "sweep", "-out", "out/browser-sweep"}
	if spec.Scenario != "" {
		parts = append(parts, "-scenario", shellQuote(spec.Scenario))
	}
	for _, a := range spec.Axes {
		parts = append(parts, "-vary", shellQuote(a.Key+"="+strings.Join(a.Values, ";")))
	}
	for _, kv := range spec.Fixed {
		parts = append(parts, "-set", shellQuote(kv[0]+"="+kv[1]))
	}
	parts = append(parts, "-seeds", shellQuote(formatSeeds(spec.Seeds)))
	if len(spec.DataSeeds) > 0 {
		parts = append(parts, "-data-seeds", shellQuote(formatSeeds(spec.DataSeeds)))
	}
	return strings.Join(parts, " ")
}

// formatSeeds writes seeds as the spec file does ("1-3,7").
func formatSeeds(seeds []uint64) string {
	s := (&sweep.Spec{Seeds: seeds}).String()
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(line, "seeds "); ok {
			return v
		}
	}
	return ""
}

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:=/") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func plan(g *Grid) (Reply, error) {
	spec, err := g.Spec()
	if err != nil {
		return nil, err
	}
	axes := make([]any, len(spec.Axes))
	for i, a := range spec.Axes {
		doc, rng := "the preset the other settings start from", strings.Join(sim.ScenarioNames(), ", ")
		if s, ok := sim.SettingByKey(a.Key); ok {
			doc, rng = s.Doc, s.Range
		}
		axes[i] = map[string]any{"key": a.Key, "values": strings2any(a.Values), "doc": doc, "range": rng}
	}
	seeds := make([]any, len(spec.Seeds))
	for i, s := range spec.Seeds {
		seeds[i] = float64(s)
	}
	return Reply{
		"event": "plan", "runs": spec.Runs(), "cells": spec.Cells(), "axes": axes, "seeds": seeds,
		"dataSeeds": max(1, len(spec.DataSeeds)), "header": strings2any(spec.Header()),
		"metrics": strings2any(sweep.Metrics), "command": Command(spec),
	}, nil
}

func run(req request) (Reply, error) {
	spec, err := req.Grid.Spec()
	if err != nil {
		return nil, err
	}
	i := *req.Run
	if i < 0 || i >= spec.Runs() {
		return nil, fieldErr("run", "%d out of range [0, %d]", i, spec.Runs()-1)
	}
	p := spec.Point(i)
	settings := spec.Settings(p)
	if req.Fault == "panic" {
		panic(fmt.Sprintf("run %d: the fault test hook", i))
	}
	start := time.Now()
	res, err := sweep.Simulate(settings, spec.At)
	if err != nil {
		return nil, fieldErr("run", "run %d: %s", i, strings.TrimPrefix(err.Error(), "sim: "))
	}
	kv := make([]any, len(settings))
	for k, s := range settings {
		kv[k] = []any{s[0], s[1]}
	}
	final := map[string]any{}
	for k, m := range sweep.Metrics {
		final[m] = res.Final[k]
	}
	return Reply{
		"event": "result", "run": i, "cell": p.Cell, "values": strings2any(p.Values), "dataSeed": p.DataSeed,
		"seed": float64(p.Seed), "settings": kv, "diverged": res.DivergedAt >= 0, "divergedAt": res.DivergedAt,
		"iters": res.Iters, "etaMax": res.EtaMax, "peakLR": res.PeakLR, "final": final,
		"row": spec.Row(p, res),
		"ms":  float64(time.Since(start).Microseconds()) / 1000,
	}, nil
}

func strings2any(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
