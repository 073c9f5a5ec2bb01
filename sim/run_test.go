package sim

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// gdConfig returns full-batch GD on the paper's points with a constant step size.
func gdConfig(t testing.TB, width int, loss Loss, lr float64, iters int) Config {
	c := mustScenario(t, "relu1d-large")
	mustSet(t, &c, "method", "gd", "loss", loss.String(), "warmup", "none", "decays", "none",
		"width", fmt.Sprint(width), "lr", fmt.Sprint(lr), "iters", fmt.Sprint(iters), "log_every", "1")
	return c
}

// thetaAwayFromData returns reference-initialized parameters whose kinks all lie at
// least kinkMargin (in w·x + b) away from every data point.
func thetaAwayFromData(seed uint64, width int) []float64 {
	r := testRand(seed)
	ds := PaperPoints()
	for {
		n := randomNet(r, width)
		ok := true
		for _, x := range ds.X {
			ok = ok && awayFromKinks(n, x)
		}
		if ok {
			return slices.Clone(n.Params())
		}
	}
}

// meanLoss returns the mean per-sample loss of θ on ds.
func meanLoss(n *ReLU1D, ds *Dataset, loss Loss) float64 {
	sum := 0.0
	for i := 0; i < ds.Len(); i++ {
		r := n.At(ds.X[i]) - ds.Y[i]
		if loss == LossHalfMSE {
			sum += r * r / 2
		} else {
			sum += r * r
		}
	}
	return sum / float64(ds.Len())
}

// TestGDStepFiniteDifferences checks that one full-batch GD step moves θ by
// −lr·∇L, with ∇L from central differences of the mean loss: (h − y)² for mse (no ½)
// and (h − y)²/2 for half-mse.
func TestGDStepFiniteDifferences(t *testing.T) {
	const lr = 1e-3
	for _, loss := range []Loss{LossMSE, LossHalfMSE} {
		for _, width := range []int{1, 4, 30} {
			theta := thetaAwayFromData(uint64(width)+10*uint64(loss), width)
			run, err := NewRunFrom(gdConfig(t, width, loss, lr, 10), theta)
			if err != nil {
				t.Fatalf("NewRunFrom = %v", err)
			}
			net, ds := run.Net(), run.Data()
			if got, want := run.Latest().TrainLoss, meanLoss(net, ds, loss); !closeRel(got, want, 1e-13) {
				t.Errorf("%v width %d: initial TrainLoss = %g, want %g", loss, width, got, want)
			}
			grad := centralDiff(net.Params(), func() float64 { return meanLoss(net, ds, loss) })
			before := slices.Clone(net.Params())
			if done := run.Advance(1); done != 1 {
				t.Fatalf("Advance(1) = %d, want 1", done)
			}
			for k, after := range net.Params() {
				got := (before[k] - after) / lr
				if !closeRel(got, grad[k], fdTol) {
					t.Errorf("%v width %d: (θ_%d before − after)/lr = %g, want ∂L/∂θ_%d = %g (finite differences)", loss, width, k, got, k, grad[k])
				}
			}
		}
	}
}

// TestGDLossNonIncreasing checks that full-batch GD with a small step never increases
// the training loss, and does decrease it.
func TestGDLossNonIncreasing(t *testing.T) {
	const (
		steps   = 400
		lossTol = 1e-12 // relative rounding slack between steps
	)
	for seed := uint64(1); seed <= 3; seed++ {
		for _, loss := range []Loss{LossMSE, LossHalfMSE} {
			c := gdConfig(t, 100, loss, 2e-5, steps)
			c.Seed, c.LogEvery = seed, steps // metrics only at the ends: the loss is computed here
			run, err := NewRun(c)
			if err != nil {
				t.Fatal(err)
			}
			first := meanLoss(run.Net(), run.Data(), loss)
			prev := first
			for i := 1; i <= steps; i++ {
				run.Advance(1)
				cur := meanLoss(run.Net(), run.Data(), loss)
				if cur > prev*(1+lossTol) {
					t.Errorf("seed %d %v: train loss after step %d = %.15g, want ≤ %.15g (the step before)", seed, loss, i, cur, prev)
					break
				}
				prev = cur
			}
			if run.Err() != nil || run.Latest().TrainLoss != prev {
				t.Errorf("seed %d %v: Err() = %v, final TrainLoss %g, want nil, %g", seed, loss, run.Err(), run.Latest().TrainLoss, prev)
			}
			if !(prev < 0.9*first) {
				t.Errorf("seed %d %v: train loss went from %g to %g, want a decrease of at least 10%%", seed, loss, first, prev)
			}
		}
	}
}

// sameMetrics compares snapshots bit for bit (NaN equal to NaN).
func sameMetrics(p, q Metrics) bool {
	return p.Iter == q.Iter && sameBits(
		[]float64{p.LR, p.TrainLoss, p.Rank, p.FeatureSparsity, p.Kinks, p.RawKinks},
		[]float64{q.LR, q.TrainLoss, q.Rank, q.FeatureSparsity, q.Kinks, q.RawKinks})
}

func sameHistory(t *testing.T, name string, p, q *Run) {
	t.Helper()
	hp, hq := p.History().Rows(), q.History().Rows()
	if len(hp) != len(hq) {
		t.Fatalf("%s: histories of %d and %d snapshots, want equal", name, len(hp), len(hq))
	}
	for i := range hp {
		if !sameMetrics(hp[i], hq[i]) {
			t.Fatalf("%s: snapshot %d = %+v and %+v, want identical", name, i, hp[i], hq[i])
		}
	}
	if !sameBits(p.Net().Params(), q.Net().Params()) {
		t.Fatalf("%s: final parameters differ", name)
	}
}

// TestRunDeterministic runs each config twice, once in one call and once in uneven
// chunks, and requires bitwise identical histories and parameters.
func TestRunDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name string
		kv   []string
	}{
		{"relu1d-large", nil},
		{"batch 4 iid with label noise", []string{"batch", "4", "sampling", "iid", "label_noise", "0.1", "iters", "5000", "log_every", "37"}},
		{"gd half-mse", []string{"method", "gd", "loss", "half-mse", "iters", "2000", "log_every", "0"}},
	} {
		c := mustScenario(t, "relu1d-large")
		c.Seed = 2
		mustSet(t, &c, tc.kv...)
		p, err := NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := NewRun(c)
		if done := p.Advance(c.Iters); done != c.Iters || !p.Done() {
			t.Errorf("%s: Advance(%d) = %d, Done() = %v, want %d, true", tc.name, c.Iters, done, p.Done(), c.Iters)
		}
		total := 0
		for chunk := 1; !q.Done(); chunk = chunk%97 + 13 {
			total += q.Advance(chunk)
		}
		if total != c.Iters {
			t.Errorf("%s: Advance in chunks did %d iterations, want %d", tc.name, total, c.Iters)
		}
		sameHistory(t, tc.name, p, q)
		if p.Advance(10) != 0 {
			t.Errorf("%s: Advance after the end did iterations", tc.name)
		}
	}
}

func TestRunSharesInitialization(t *testing.T) {
	a := mustScenario(t, "relu1d-large")
	b := a.clone()
	mustSet(t, &b, "lr", "0.001")
	ra, err := NewRun(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := NewRun(b)
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(ra.Net().Params(), rb.Net().Params()) {
		t.Fatalf("configs differing only in lr start from different parameters")
	}
	if !sameBits(ra.relu1d().fresh, rb.relu1d().fresh) || !sameMetrics(ra.Latest(), withLR(rb.Latest(), ra.Latest().LR)) {
		t.Errorf("configs differing only in lr: first snapshots %+v and %+v, want equal but for LR", ra.Latest(), rb.Latest())
	}
	ra.Advance(1000)
	rb.Advance(1000)
	if sameBits(ra.Net().Params(), rb.Net().Params()) {
		t.Errorf("different step sizes gave the same parameters after 1000 steps")
	}
	c := a.clone()
	c.Seed = 2
	rc, _ := NewRun(c)
	if sameBits(ra.Net().Params(), rc.Net().Params()) {
		t.Errorf("seeds 1 and 2 start from the same parameters")
	}
}

func withLR(m Metrics, lr float64) Metrics { m.LR = lr; return m }

func TestRunDiverges(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	mustSet(t, &c, "warmup", "none", "lr", "5")
	run, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	done := run.Advance(c.Iters)
	err = run.Err()
	if err == nil {
		t.Fatalf("lr 5: Err() = nil after %d iterations, want divergence", done)
	}
	if msg := err.Error(); !strings.Contains(msg, "diverged at step") || !strings.Contains(msg, "step size 5") {
		t.Errorf("lr 5: Err() = %q, want one with \"diverged at step\" and \"step size 5\"", msg)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("step %d ", run.Iter())) {
		t.Errorf("Err() = %q, want it to name step Iter() = %d", err, run.Iter())
	}
	if done != run.Iter() {
		t.Errorf("Advance returned %d, want Iter() = %d iterations", done, run.Iter())
	}
	if run.Done() || run.Iter() >= c.Iters {
		t.Errorf("diverged run: Iter() = %d, Done() = %v, want it stopped early", run.Iter(), run.Done())
	}
	if got := run.Advance(100); got != 0 {
		t.Errorf("Advance after divergence = %d, want 0", got)
	}
	if last := run.Latest(); last.Iter != run.Iter() {
		t.Errorf("Latest().Iter = %d, want the diverged step %d", last.Iter, run.Iter())
	}
	rows := run.History().Rows()
	if rows[len(rows)-1].Iter != run.Iter() {
		t.Errorf("history ends at %d, want %d", rows[len(rows)-1].Iter, run.Iter())
	}
	t.Logf("lr 5: %v; last snapshot %+v", err, run.Latest())

	// Batch-4 and GD runs stop the same way, for any seed and huge step size: the
	// snapshot of a diverged state must not panic either.
	for _, kv := range [][]string{{"batch", "1"}, {"batch", "4"}, {"method", "gd"}, {"init_scale", "100"}} {
		for _, lr := range []string{"5", "30", "100"} {
			for seed := uint64(1); seed <= 4; seed++ {
				d := c.clone()
				d.Seed = seed
				mustSet(t, &d, kv...)
				mustSet(t, &d, "lr", lr)
				r, err := NewRun(d)
				if err != nil {
					t.Fatal(err)
				}
				r.Advance(d.Iters)
				if r.Err() == nil || !strings.Contains(r.Err().Error(), "diverged at step") || !strings.Contains(r.Err().Error(), "step size "+lr) {
					t.Errorf("lr %s seed %d with %v: Err() = %v, want divergence at step size %s", lr, seed, kv, r.Err(), lr)
				}
			}
		}
	}
}

func TestNewRunRejects(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	c.Batch = 13
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "batch 13") {
		t.Errorf("NewRun with batch 13 on 12 points = %v, want an error naming the batch", err)
	}
	c = mustScenario(t, "relu1d-large")
	mustSet(t, &c, "points", "0:0,1:1,2:0", "batch", "3")
	if _, err := NewRun(c); err != nil {
		t.Errorf("NewRun with batch 3 on 3 points = %v, want nil", err)
	}
	c.Batch = 4
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "batch 4") {
		t.Errorf("NewRun with batch 4 on 3 points = %v, want an error naming the batch", err)
	}
	c = mustScenario(t, "relu1d-large")
	c.Width = 0
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "width") {
		t.Errorf("NewRun with width 0 = %v, want an error naming the width", err)
	}
	c = mustScenario(t, "relu1d-large")
	c.Width = 2
	if _, err := NewRunFrom(c, make([]float64, 5)); err == nil || !strings.Contains(err.Error(), "want 6") {
		t.Errorf("NewRunFrom with 5 parameters for width 2 = %v, want an error", err)
	}
	theta := []float64{1, 1, 0, 0, 1, math.NaN()}
	if _, err := NewRunFrom(c, theta); err == nil || !strings.Contains(err.Error(), "parameter 5") {
		t.Errorf("NewRunFrom with a NaN parameter = %v, want an error naming parameter 5", err)
	}
	theta[5] = 1
	r, err := NewRunFrom(c, theta)
	if err != nil || !slices.Equal(r.Net().Params(), theta) {
		t.Errorf("NewRunFrom(%v) = %v, params %v, want the given parameters", theta, err, r.Net().Params())
	}
	theta[0] = 7
	if r.Net().Params()[0] == 7 {
		t.Errorf("NewRunFrom kept a reference to the caller's parameters")
	}
}

// TestAdvanceAllocatesNothing checks the hot loop: Advance over steps that take no
// snapshot allocates nothing.
func TestAdvanceAllocatesNothing(t *testing.T) {
	for _, kv := range [][]string{
		{"batch", "1"},
		{"batch", "4"},
		{"batch", "4", "sampling", "iid", "label_noise", "0.1"},
		{"method", "gd"},
	} {
		c := mustScenario(t, "relu1d-large")
		mustSet(t, &c, "iters", "1000000000", "log_every", "1000000000", "warmup", "none", "decays", "none", "lr", "1e-5")
		mustSet(t, &c, kv...)
		run, err := NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		run.Advance(50) // grow the batch buffer
		if allocs := testing.AllocsPerRun(100, func() { run.Advance(50) }); allocs != 0 {
			t.Errorf("%v: Advance(50) allocates %v times, want 0", kv, allocs)
		}
		if run.Err() != nil || run.History().Len() != 1 {
			t.Errorf("%v: Err() = %v, %d snapshots, want no error and only the first", kv, run.Err(), run.History().Len())
		}
	}
}

// TestSnapshotsMatchDirectMeasurements checks the metrics of a run against the
// functions they come from, evaluated from scratch.
func TestSnapshotsMatchDirectMeasurements(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	mustSet(t, &c, "iters", "20000", "log_every", "1000")
	run, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := run.Data().Range()
	if len(run.relu1d().fresh) != run.Net().NumParams() || !slices.IsSorted(run.relu1d().fresh) || run.relu1d().fresh[0] < lo || run.relu1d().fresh[len(run.relu1d().fresh)-1] > hi {
		t.Fatalf("fresh points: %d, sorted %v, in [%g, %g], want %d sorted points in the data range", len(run.relu1d().fresh), slices.IsSorted(run.relu1d().fresh), run.relu1d().fresh[0], run.relu1d().fresh[len(run.relu1d().fresh)-1], run.Net().NumParams())
	}
	sched := run.Schedule()
	for !run.Done() {
		if steps := run.StepsToSnapshot(); steps != min(c.LogEvery, c.Iters-run.Iter()) {
			t.Errorf("at %d: StepsToSnapshot() = %d, want %d", run.Iter(), steps, min(c.LogEvery, c.Iters-run.Iter()))
		}
		run.Advance(4000)
		m := run.Latest()
		net, ds := run.Net(), run.Data()
		if m.Iter != run.Iter() || m.LR != sched.At(min(m.Iter, c.Iters-1)) {
			t.Errorf("snapshot %+v: want Iter %d, LR %g", m, run.Iter(), sched.At(min(m.Iter, c.Iters-1)))
		}
		if want := meanLoss(net, ds, c.Loss); !closeRel(m.TrainLoss, want, 1e-13) {
			t.Errorf("at %d: TrainLoss = %g, want %g", m.Iter, m.TrainLoss, want)
		}
		p := net.NumParams()
		jac := make([]float64, len(run.relu1d().fresh)*p)
		Jacobian(jac, net, oneD(slices.Clone(run.relu1d().fresh)))
		sv := SingularValues(jac, len(run.relu1d().fresh), p)
		if want := float64(NumericalRank(sv, c.RankTau)); m.Rank != want && !nearThreshold(sv, c.RankTau) {
			t.Errorf("at %d: Rank = %g, want %g (explicit SVD)", m.Iter, m.Rank, want)
		}
		act := make([]float64, ds.Len()*c.Width)
		net.Activations(act, ds)
		if want := slowFeatureSparsity(act, ds.Len(), c.Width, c.DupTau); m.FeatureSparsity != want {
			t.Errorf("at %d: FeatureSparsity = %g, want %g (reference port)", m.Iter, m.FeatureSparsity, want)
		}
		k := run.KinkSummary()
		if m.Kinks != float64(k.Visible) || m.RawKinks != float64(k.Raw) {
			t.Errorf("at %d: Kinks, RawKinks = %g, %g, want %d, %d", m.Iter, m.Kinks, m.RawKinks, k.Visible, k.Raw)
		}
	}
	rows := run.History().Rows()
	for i, m := range rows {
		if want := min(i*c.LogEvery, c.Iters); m.Iter != want {
			t.Errorf("snapshot %d at iteration %d, want %d", i, m.Iter, want)
		}
	}
	cfg := run.Config()
	cfg.Decays[0].Factor = 100
	if run.Config().Decays[0].Factor == 100 {
		t.Errorf("Config() shares its Decays with the run")
	}
}

// TestLargeStepsLearnSparseFeatures is the paper's 1D experiment at full length: for
// each seed, the long large-step run ends with a lower Jacobian rank, a lower feature
// sparsity coefficient and fewer visible kinks than the small-step run, while both
// fit the data.
func TestLargeStepsLearnSparseFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("full-length runs")
	}
	const (
		fitLoss     = 0.05 // both runs must fit the 12 points this well
		rankRatio   = 2    // mean rank, small / large
		sparseRatio = 1.5  // mean feature sparsity, small / large
		kinkRatio   = 1.5  // mean visible kinks, small / large
	)
	final := func(name string, seed uint64) Metrics {
		c := mustScenario(t, name)
		c.Seed = seed
		run, err := NewRun(c)
		if err != nil {
			t.Fatal(err)
		}
		run.Advance(c.Iters)
		if run.Err() != nil || !run.Done() {
			t.Fatalf("%s seed %d: Err() = %v, Done() = %v", name, seed, run.Err(), run.Done())
		}
		return run.Latest()
	}
	var sum [2]Metrics
	for seed := uint64(1); seed <= 3; seed++ {
		large, small := final("relu1d-large", seed), final("relu1d-small", seed)
		t.Logf("seed %d: large step: loss %.3g, rank %g, feature sparsity %.1f%%, kinks %g (raw %g); small step: loss %.3g, rank %g, feature sparsity %.1f%%, kinks %g (raw %g)",
			seed, large.TrainLoss, large.Rank, 100*large.FeatureSparsity, large.Kinks, large.RawKinks,
			small.TrainLoss, small.Rank, 100*small.FeatureSparsity, small.Kinks, small.RawKinks)
		for _, m := range []Metrics{large, small} {
			if !(m.TrainLoss < fitLoss) {
				t.Errorf("seed %d: final train loss %g, want < %g", seed, m.TrainLoss, fitLoss)
			}
		}
		if !(large.Rank < small.Rank) || !(large.FeatureSparsity < small.FeatureSparsity) || !(large.Kinks < small.Kinks) {
			t.Errorf("seed %d: large step rank %g, sparsity %g, kinks %g, want each below the small step's %g, %g, %g",
				seed, large.Rank, large.FeatureSparsity, large.Kinks, small.Rank, small.FeatureSparsity, small.Kinks)
		}
		for i, m := range []Metrics{large, small} {
			sum[i].Rank += m.Rank
			sum[i].FeatureSparsity += m.FeatureSparsity
			sum[i].Kinks += m.Kinks
		}
	}
	large, small := sum[0], sum[1]
	for _, tc := range []struct {
		name         string
		large, small float64
		ratio        float64
	}{
		{"rank", large.Rank, small.Rank, rankRatio},
		{"feature sparsity", large.FeatureSparsity, small.FeatureSparsity, sparseRatio},
		{"visible kinks", large.Kinks, small.Kinks, kinkRatio},
	} {
		if !(tc.small >= tc.ratio*tc.large) {
			t.Errorf("mean %s: small step / large step = %.3g / %.3g = %.2f, want ≥ %g", tc.name, tc.small/3, tc.large/3, tc.small/tc.large, tc.ratio)
		}
	}
}

func TestRunConfigIsACopy(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	run, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Decays[0].Factor = 50
	if got := run.Config(); !reflect.DeepEqual(got, mustScenario(t, "relu1d-large")) {
		t.Errorf("changing the caller's config changed the run's: %+v", got)
	}
}
