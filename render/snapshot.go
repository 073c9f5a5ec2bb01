package render

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
	Model   sim.ModelKind
	// CompareKey is the setting compared runs differ in, or "".
	CompareKey string
	// FastForward is set while the runs go as fast as the frame budget allows
	// (speed max or a RunTo), when drawing every frame matters less.
	FastForward bool

	DataX, DataY []float64 // 1D data
	Lo, Hi       float64   // data range (1D)
	GridX        []float64 // predictor grid, from Lo − 0.05 to Hi + 0.05 as in the paper
	BetaStar     []float64 // the diagonal network's ground truth
	TeacherH     []float64 // the teacher on GridX (teacher–student in 1D)
	TeacherKinks sim.KinkSummary
	Dim          int // input dimension

	Runs []RunView

	runs []*sim.Run // the runs this snapshot was taken of
}

// RunView is one run's part of a snapshot.
type RunView struct {
	Label    string
	Iter     int
	Iters    int
	Err      string
	GridH    []float64       // 1D: h on GridX
	Pieces   [][]float64     // 1D: a_j·ReLU(w_j x + b_j) on GridX, when View.Pieces
	Kinks    sim.KinkSummary // 1D
	Norms    []float64       // ReLU: per neuron ‖φ_{:,(w_j,b_j,a_j)}‖ on the training inputs
	Beta     []float64       // diagonal: β = u ⊙ v
	NormsU   []float64       // diagonal: ‖φ_{:,u_k}‖ = |v_k|·‖X_{:,k}‖
	NormsV   []float64       // diagonal: ‖φ_{:,v_k}‖ = |u_k|·‖X_{:,k}‖
	History  []sim.Metrics
	Decays   []int     // decay iterations
	Schedule []float64 // step size at gridPoints evenly spaced iterations
}

// publish builds a new snapshot; the caller holds mu.
func (s *Session) publish() {
	old := s.snapshot
	snap := &Snapshot{View: s.view, Config: s.cfg, Notes: s.notes, Model: s.cfg.Model, runs: slices.Clone(s.runs), CompareKey: s.compare.Key}
	defer func() { snap.Version = version(old, snap); s.snapshot = snap }()
	st := &snap.State
	st.Frame, st.Scenario, st.Iters = s.frame, s.cfg.Scenario, s.cfg.Iters
	st.LR, st.TrainLoss, st.TestLoss, st.Rank = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	st.FeatureSparsity, st.Kinks, st.L0 = math.NaN(), math.NaN(), math.NaN()
	st.Running = s.playing || s.steps > 0
	snap.FastForward = s.playing && (s.view.Speed == 0 || s.target >= 0) && !s.hidden
	if len(s.runs) == 0 {
		if s.err != nil {
			st.Error = trimPrefix(s.err)
		}
		return
	}
	sameRuns := old != nil && slices.Equal(old.runs, snap.runs)
	lead := s.runs[0]
	data := lead.Data()
	snap.Dim = data.D
	if sameRuns {
		snap.DataX, snap.DataY, snap.Lo, snap.Hi = old.DataX, old.DataY, old.Lo, old.Hi
		snap.GridX, snap.BetaStar = old.GridX, old.BetaStar
		snap.TeacherH, snap.TeacherKinks = old.TeacherH, old.TeacherKinks
	} else if s.cfg.Model == sim.ModelDiagonal || data.D != 1 {
		snap.BetaStar = slices.Clone(lead.BetaStar())
	} else {
		snap.DataX, snap.DataY = slices.Clone(data.X), slices.Clone(data.Y)
		snap.Lo, snap.Hi = data.Range()
		snap.GridX = make([]float64, gridPoints)
		a, b := snap.Lo-0.05, snap.Hi+0.05
		for i := range snap.GridX {
			snap.GridX[i] = a + (b-a)*float64(i)/float64(gridPoints-1)
		}
		if t := lead.Teacher(); t != nil {
			snap.TeacherH = make([]float64, gridPoints)
			for i, x := range snap.GridX {
				snap.TeacherH[i] = t.At(x)
			}
			snap.TeacherKinks = lead.TeacherKinks()
		}
	}
	for i, r := range s.runs {
		var prev *RunView
		if sameRuns && old.View == snap.View {
			prev = &old.Runs[i]
		}
		snap.Runs = append(snap.Runs, s.runView(r, s.labels[i], snap.GridX, prev))
		m := r.Latest()
		rs := RunState{Label: s.labels[i], Iter: r.Iter(), LR: snap.Runs[i].lr(r),
			TrainLoss: m.TrainLoss, TestLoss: m.TestLoss, Rank: m.Rank,
			FeatureSparsity: m.FeatureSparsity, Kinks: m.Kinks, L0: m.L0, Diverged: r.Err() != nil}
		st.Runs = append(st.Runs, rs)
	}
	lr := st.Runs[0]
	st.Iter, st.LR, st.TrainLoss, st.TestLoss, st.Rank = lr.Iter, lr.LR, lr.TrainLoss, lr.TestLoss, lr.Rank
	st.FeatureSparsity, st.Kinks, st.L0 = lr.FeatureSparsity, lr.Kinks, lr.L0
	for i, r := range s.runs {
		if err := r.Err(); err != nil {
			st.Diverged = st.Diverged || i == 0
			msg := err.Error() + ". Reset, or lower the step size."
			if len(s.runs) > 1 {
				msg = s.labels[i] + ": " + msg
			}
			if st.Error == "" {
				st.Error = msg
			}
		}
	}
}

// lr returns the step size of the run's next iteration.
func (v *RunView) lr(r *sim.Run) float64 {
	sched := r.Schedule()
	return sched.At(min(r.Iter(), max(v.Iters-1, 0)))
}

// runView copies what is drawn of one run, reusing prev's parts that cannot have
// changed.
func (s *Session) runView(r *sim.Run, label string, gridX []float64, prev *RunView) RunView {
	cfg := r.Config()
	v := RunView{Label: label, Iter: r.Iter(), Iters: cfg.Iters}
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
	if prev != nil && prev.Iter == v.Iter && prev.Err == v.Err {
		v.GridH, v.Pieces, v.Kinks, v.Norms = prev.GridH, prev.Pieces, prev.Kinks, prev.Norms
		v.Beta, v.NormsU, v.NormsV, v.History = prev.Beta, prev.NormsU, prev.NormsV, prev.History
		return v
	}
	if prev != nil && len(prev.History) == r.History().Len() && prev.History[len(prev.History)-1].Iter == r.Latest().Iter {
		v.History = prev.History
	} else {
		v.History = r.History().RowsShared()
	}
	if d := r.Diagonal(); d != nil {
		v.Beta = d.Beta(make([]float64, d.Dim()))
		v.NormsU, v.NormsV = make([]float64, d.Dim()), make([]float64, d.Dim())
		d.ColumnNorms(v.NormsU, v.NormsV, r.InputNorms())
		return v
	}
	if m := r.MLP(); m != nil {
		v.Norms = parameterNorms(r)
		if m.InputDim() == 1 {
			v.GridH = make([]float64, len(gridX))
			for i, x := range gridX {
				v.GridH[i] = m.At(x)
			}
			v.Kinks = r.KinkSummary()
		}
		return v
	}
	net := r.Net()
	v.GridH = make([]float64, len(gridX))
	for i, x := range gridX {
		v.GridH[i] = net.At(x)
	}
	if s.view.Pieces {
		w, b, a := net.W(), net.B(), net.A()
		v.Pieces = make([][]float64, len(w))
		for j := range w {
			p := make([]float64, len(gridX))
			for i, x := range gridX {
				p[i] = a[j] * math.Max(0, w[j]*x+b[j])
			}
			v.Pieces[j] = p
		}
	}
	v.Kinks = r.KinkSummary()
	v.Norms = neuronNorms(net, r.Data())
	return v
}

// parameterNorms returns the Jacobian column norm of every parameter of an MLP on
// the training inputs.
func parameterNorms(r *sim.Run) []float64 {
	m, data := r.MLP(), r.Data()
	p := m.NumParams()
	jac := make([]float64, data.Len()*p)
	sim.Jacobian(jac, m, data)
	out := make([]float64, p)
	sim.ColumnNorms(out, jac, data.Len(), p)
	return out
}

// neuronNorms returns, per neuron j, the norm of its three Jacobian columns on the
// training inputs: √Σ_i (a_j x_i)² + a_j² + z_ij² over the samples where z_ij > 0.
func neuronNorms(net *sim.ReLU1D, data *sim.Dataset) []float64 {
	w, b, a := net.W(), net.B(), net.A()
	out := make([]float64, len(w))
	for j := range w {
		sum := 0.0
		for i := 0; i < data.Len(); i++ {
			x := data.X[i*data.D]
			if z := w[j]*x + b[j]; z > 0 {
				sum += a[j]*x*a[j]*x + a[j]*a[j] + z*z
			}
		}
		out[j] = math.Sqrt(sum)
	}
	return out
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
