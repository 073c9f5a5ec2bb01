package render

import (
	"math"

	"kinkscope/sim"
)

// gridPoints is the resolution of the drawn predictor.
const gridPoints = 400

// Snapshot is everything a frame draws, copied out of the run at the end of Update so
// that drawing never touches the simulation. A Snapshot is never modified once
// published.
type Snapshot struct {
	Version  int // changes whenever anything drawn changes
	State    State
	Config   sim.Config
	View     View
	Notes    []string
	DataX    []float64
	DataY    []float64
	Lo, Hi   float64     // data range
	GridX    []float64   // predictor grid, from Lo − 0.05 to Hi + 0.05 as in the paper
	GridH    []float64   // h on GridX
	Pieces   [][]float64 // per neuron a_j·ReLU(w_j x + b_j) on GridX, when View.Pieces
	Kinks    sim.KinkSummary
	Norms    []float64 // per neuron ‖φ_{:,(w_j,b_j,a_j)}‖ on the training inputs
	History  []sim.Metrics
	Decays   []int     // decay iterations
	Schedule []float64 // step size at gridPoints evenly spaced iterations

	run *sim.Run // the run this snapshot was taken of
}

// publish builds a new snapshot; the caller holds mu.
func (s *Session) publish() {
	old := s.snapshot
	snap := &Snapshot{View: s.view, Config: s.cfg, Notes: s.notes}
	snap.State.Frame = s.frame
	defer func() { snap.Version = s.version(old, snap) }()
	snap.State.Scenario = s.cfg.Scenario
	snap.State.Iters = s.cfg.Iters
	if s.run == nil {
		snap.State.Error = trimPrefix(s.err)
		snap.State.TrainLoss, snap.State.Rank = math.NaN(), math.NaN()
		snap.State.FeatureSparsity, snap.State.Kinks = math.NaN(), math.NaN()
		s.snapshot = snap
		return
	}
	r := s.run
	m := r.Latest()
	snap.State.Iter = r.Iter()
	sched := r.Schedule()
	snap.State.LR = sched.At(min(r.Iter(), s.cfg.Iters-1))
	snap.State.TrainLoss, snap.State.Rank = m.TrainLoss, m.Rank
	snap.State.FeatureSparsity, snap.State.Kinks = m.FeatureSparsity, m.Kinks
	snap.State.Running = s.playing || s.steps > 0
	if err := r.Err(); err != nil {
		snap.State.Diverged = true
		snap.State.Error = err.Error() + ". Reset, or lower the step size."
	}
	// Reuse what did not change since the last frame.
	if old != nil && old.run == r && old.State.Iter == snap.State.Iter && old.View == snap.View {
		snap.DataX, snap.DataY, snap.Lo, snap.Hi = old.DataX, old.DataY, old.Lo, old.Hi
		snap.GridX, snap.GridH, snap.Pieces = old.GridX, old.GridH, old.Pieces
		snap.Kinks, snap.Norms, snap.History = old.Kinks, old.Norms, old.History
		snap.Decays, snap.Schedule = old.Decays, old.Schedule
		snap.run = r
		s.snapshot = snap
		return
	}
	snap.run = r
	data := r.Data()
	snap.DataX = append([]float64(nil), data.X...)
	snap.DataY = append([]float64(nil), data.Y...)
	snap.Lo, snap.Hi = data.Range()
	net := r.Net()
	snap.GridX = make([]float64, gridPoints)
	snap.GridH = make([]float64, gridPoints)
	a, b := snap.Lo-0.05, snap.Hi+0.05
	for i := range snap.GridX {
		x := a + (b-a)*float64(i)/float64(gridPoints-1)
		snap.GridX[i], snap.GridH[i] = x, net.At(x)
	}
	if s.view.Pieces {
		w, bb, aa := net.W(), net.B(), net.A()
		snap.Pieces = make([][]float64, len(w))
		for j := range w {
			p := make([]float64, gridPoints)
			for i, x := range snap.GridX {
				p[i] = aa[j] * math.Max(0, w[j]*x+bb[j])
			}
			snap.Pieces[j] = p
		}
	}
	snap.Kinks = r.KinkSummary()
	snap.Norms = neuronNorms(net, data)
	if old != nil && old.run == r && len(old.History) == r.History().Len() && old.History[len(old.History)-1].Iter == m.Iter {
		snap.History = old.History
	} else {
		snap.History = r.History().Rows()
	}
	if old != nil && old.run == r {
		snap.Decays, snap.Schedule = old.Decays, old.Schedule
	} else {
		snap.Decays = sched.DecayIters()
		snap.Schedule = make([]float64, gridPoints)
		for i := range snap.Schedule {
			snap.Schedule[i] = sched.At(min(s.cfg.Iters-1, i*s.cfg.Iters/(gridPoints-1)))
		}
	}
	s.snapshot = snap
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
func (s *Session) version(old, snap *Snapshot) int {
	if old == nil {
		return 1
	}
	a, b := old.State, snap.State
	a.Frame, b.Frame = 0, 0
	if old.run == snap.run && sameState(a, b) && old.View == snap.View && len(old.Notes) == len(snap.Notes) {
		return old.Version
	}
	return old.Version + 1
}

// sameState compares states, taking NaN as equal to NaN.
func sameState(a, b State) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.Scenario == b.Scenario && a.Iter == b.Iter && a.Iters == b.Iters && eq(a.LR, b.LR) &&
		eq(a.TrainLoss, b.TrainLoss) && eq(a.Rank, b.Rank) && eq(a.FeatureSparsity, b.FeatureSparsity) &&
		eq(a.Kinks, b.Kinks) && a.Running == b.Running && a.Diverged == b.Diverged && a.Error == b.Error
}
