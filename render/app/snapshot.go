package app

import (
	"math"
	"slices"

	"kinkscope/sim"
)

// gridPoints is the resolution of the drawn predictor and schedule.
const gridPoints = 400

// Snapshot is everything a frame draws, copied out of the runs at the end of Update
// so that drawing never touches the simulation. A Snapshot is never modified once
// published.
type Snapshot struct {
	Version int // changes whenever anything drawn changes
	State   State
	Config  sim.Config
	View    View
	Notes   []string
	// Views are the panels of the lead run's model, MetricKeys its metrics in the
	// order of a status line.
	Views      sim.Views
	MetricKeys []string
	// CompareKey is the setting compared runs differ in, or "".
	CompareKey string
	// FastForward is set while the runs go as fast as the frame budget allows
	// (speed max or a RunTo), when drawing every frame matters less.
	FastForward bool

	// DataX, DataY are the lead run's 1D data, which the pointer edits.
	DataX, DataY []float64

	Runs []RunView

	runs []*sim.Run // the runs this snapshot was taken of
}

// RunView is one run's part of a snapshot: the data of its panels, its metric
// history and its schedule.
type RunView struct {
	sim.Picture
	Label string
	Iter  int // the run's iteration
	// PictureIter is the iteration the Picture shows: the latest metric snapshot's
	// (sim.Metrics.Iter of the last History row), so that every number drawn comes
	// from one snapshot.
	PictureIter int
	Iters       int
	Err         string
	History     []sim.Metrics
	Decays      []int     // decay iterations
	Schedule    []float64 // step size at gridPoints evenly spaced iterations
	added       int       // snapshots the run had added (sim.History.Added)
}

// publish builds a new snapshot; the caller holds mu.
func (s *Session) publish() {
	old := s.snapshot
	snap := &Snapshot{View: s.view, Config: s.cfg, Notes: s.notes, runs: slices.Clone(s.runs), CompareKey: s.compare.Key}
	defer func() { snap.Version = version(old, snap); s.snapshot = snap }()
	st := &snap.State
	st.Frame, st.Scenario, st.Iters = s.frame, s.cfg.Scenario, s.cfg.Iters
	st.Metrics = noMetrics()
	st.Running = s.playing || s.steps > 0 || s.busy() // busy: a snapshot to finish
	snap.FastForward = s.playing && (s.view.Speed == 0 || s.target >= 0) && !s.hidden
	if len(s.runs) == 0 {
		if s.err != nil {
			st.Error = trimPrefix(s.err)
		}
		return
	}
	sameRuns := old != nil && slices.Equal(old.runs, snap.runs)
	if sameRuns {
		snap.Views, snap.MetricKeys = old.Views, old.MetricKeys
	} else {
		snap.Views, snap.MetricKeys = s.runs[0].Views(), s.runs[0].MetricKeys()
	}
	for i, r := range s.runs {
		var prev *RunView
		if sameRuns && old.View == snap.View {
			prev = &old.Runs[i]
		}
		snap.Runs = append(snap.Runs, s.runView(r, s.labels[i], prev))
		rs := RunState{Label: s.labels[i], Metrics: r.Latest(), Diverged: r.Err() != nil}
		rs.MetricsIter = rs.Iter
		rs.Iter, rs.LR = r.Iter(), snap.Runs[i].lr(r)
		st.Runs = append(st.Runs, rs)
	}
	snap.DataX, snap.DataY = snap.Runs[0].DataX, snap.Runs[0].DataY
	st.Metrics, st.MetricsIter = st.Runs[0].Metrics, st.Runs[0].MetricsIter
	for i, r := range s.runs {
		if err := r.Err(); err != nil {
			st.Diverged = st.Diverged || i == 0
			msg := err.Error() + ". Reset, or lower the step size."
			if s.Runs() > 1 {
				msg = s.labels[i] + ": " + msg
			}
			if st.Error == "" {
				st.Error = msg
			}
		}
	}
}

// noMetrics returns a snapshot with every metric NaN.
func noMetrics() sim.Metrics {
	var m sim.Metrics
	for _, d := range sim.MetricList {
		if d.Field != nil {
			*d.Field(&m) = math.NaN()
		}
	}
	return m
}

// lr returns the step size of the run's next iteration.
func (v *RunView) lr(r *sim.Run) float64 {
	sched := r.Schedule()
	return sched.At(min(r.Iter(), max(v.Iters-1, 0)))
}

// runView copies what is drawn of one run, reusing prev's parts that cannot have
// changed.
func (s *Session) runView(r *sim.Run, label string, prev *RunView) RunView {
	cfg := r.Config()
	v := RunView{Label: label, Iter: r.Iter(), Iters: cfg.Iters, added: r.History().Added()}
	if err := r.Err(); err != nil {
		v.Err = err.Error()
	}
	if prev != nil {
		v.Decays, v.Schedule = prev.Decays, prev.Schedule
	} else {
		sched := r.Schedule()
		v.Decays = sched.DecayIters()
		v.Schedule = make([]float64, gridPoints)
		for i := range v.Schedule {
			v.Schedule[i] = sched.At(min(cfg.Iters-1, i*cfg.Iters/(gridPoints-1)))
		}
	}
	if prev != nil && prev.Iter == v.Iter && prev.Err == v.Err && prev.added == v.added {
		v.Picture, v.History, v.PictureIter = prev.Picture, prev.History, prev.PictureIter
		return v
	}
	if prev != nil && prev.added == v.added {
		v.History = prev.History
	} else {
		v.History = r.History().RowsShared()
	}
	// Between two snapshots the picture stays the one of the last snapshot, like the
	// metrics: a title's kink count and the status line's agree.
	if prev != nil && r.Iter() != r.Latest().Iter && r.Err() == nil {
		v.Picture, v.PictureIter = prev.Picture, prev.PictureIter
		return v
	}
	v.Picture, v.PictureIter = r.Picture(sim.PictureOptions{GridPoints: gridPoints, GridMargin: 0.05, Pieces: s.view.Pieces}), r.Iter()
	return v
}

// version returns old's version if snap draws the same picture, else the next one.
func version(old, snap *Snapshot) int {
	if old == nil {
		return 1
	}
	a, b := old.State, snap.State
	a.Frame, b.Frame = 0, 0
	if slices.Equal(old.runs, snap.runs) && sameState(a, b) && old.View == snap.View && len(old.Notes) == len(snap.Notes) {
		return old.Version
	}
	return old.Version + 1
}

// sameState compares states, taking NaN as equal to NaN.
func sameState(a, b State) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	if len(a.Runs) != len(b.Runs) {
		return false
	}
	for i := range a.Runs {
		p, q := a.Runs[i], b.Runs[i]
		if p.Iter != q.Iter || p.Diverged != q.Diverged || !eq(p.TrainLoss, q.TrainLoss) {
			return false
		}
	}
	return a.Scenario == b.Scenario && a.Iter == b.Iter && a.Iters == b.Iters && eq(a.LR, b.LR) &&
		eq(a.TrainLoss, b.TrainLoss) && eq(a.Rank, b.Rank) && eq(a.FeatureSparsity, b.FeatureSparsity) &&
		eq(a.Kinks, b.Kinks) && a.Running == b.Running && a.Diverged == b.Diverged && a.Error == b.Error
}
