package sweep

import (
	"fmt"
	"math"

	"kinkscope/sim"
)

// Metrics names the metrics a run reports, in the order of the runs file's columns:
// every metric of sim.MetricList after the iteration and the step size, with L0At6
// beside ‖β‖₀. A metric that does not apply to the run's model is NaN.
var Metrics = sweepMetrics()

// L0At6 is the key of ‖β‖₀ counted at 10⁻⁶ rather than the reference's 10⁻⁵⁰ (few
// coordinates reach the latter within a run): the one metric only sweeps report.
const L0At6 = "l0_1e6"

func sweepMetrics() []string {
	var out []string
	for _, d := range sim.MetricList {
		if d.Field == nil || d.Key == "lr" {
			continue
		}
		out = append(out, d.Key)
		if d.Key == "l0" {
			out = append(out, L0At6)
		}
	}
	return out
}

// MetricInfo describes the metric key of Metrics for a reader: its name in a
// sentence, its unit ("%" for a fraction shown as a percentage) and whether it reads
// on a log scale.
func MetricInfo(key string) (name, unit string, log bool) {
	if key == L0At6 {
		return "‖β‖₀ at 10⁻⁶", "coordinates", false
	}
	d, ok := sim.MetricByKey(key)
	if !ok {
		return key, "", false
	}
	return d.Name, d.Unit, d.Log
}

// IsLoss reports whether a metric is a loss, summarized by its geometric mean too.
func IsLoss(metric string) bool { return metric == "train_loss" || metric == "test_loss" }

// Result is the outcome of one run.
type Result struct {
	Iters      int       // iterations done
	DivergedAt int       // iteration at which the run diverged, or −1
	EtaMax     float64   // η_max of the draw when the step sizes are relative to it, else NaN
	PeakLR     float64   // the schedule's largest step size
	Final      []float64 // the metrics at the end, in the order of Metrics
	At         [][]float64
	// AtIter[k] is the iteration of the snapshot At[k] holds: the first at or after
	// the requested fraction of the run.
	AtIter []int
	// EdgeSearch is the cost of the search for η_max when this run did it, else zero.
	EdgeSearch sim.Edge
}

// Simulate is the adapter between a sweep and the simulator: it builds the config
// from settings (key/value pairs applied in order, a "scenario" entry first), runs it
// to the end or until it diverges, and returns the final metrics and those of the
// first snapshot at or after each fraction in at.
func Simulate(settings [][2]string, at []float64) (Result, error) {
	scenario := ""
	var rest [][2]string
	for _, kv := range settings {
		if kv[0] == "scenario" {
			scenario = kv[1]
		} else {
			rest = append(rest, kv)
		}
	}
	cfg, errs := sim.DecodeSettings(scenario, rest)
	if len(errs) > 0 {
		return Result{}, errs[0]
	}
	res := Result{DivergedAt: -1, EtaMax: math.NaN()}
	if cfg.LREdge > 0 && cfg.EtaMax == 0 {
		e, found, err := sim.DefaultEdgeCache.Find(cfg, sim.DefaultEdgeProbe)
		if err != nil {
			return Result{}, err
		}
		if !found {
			res.EdgeSearch = e
		}
		cfg.EtaMax = e.EtaMax
	}
	r, err := sim.NewRun(cfg)
	if err != nil {
		return Result{}, err
	}
	if cfg.LREdge > 0 {
		res.EtaMax = r.EtaMax()
	}
	sched := r.Schedule()
	res.PeakLR = sched.Peak()
	res.At = make([][]float64, len(at))
	res.AtIter = make([]int, len(at))
	pending := 0
	for k, f := range at {
		if f < 0 || f > 1 {
			return Result{}, fmt.Errorf("sweep: at %g out of range [0, 1]", f)
		}
		res.AtIter[k] = -1
		pending++
	}
	record := func() {
		for k, f := range at {
			if res.AtIter[k] < 0 && float64(r.Iter()) >= f*float64(cfg.Iters) {
				res.At[k], res.AtIter[k] = metricsOf(r), r.Iter()
				pending--
			}
		}
	}
	record()
	for !r.Done() && r.Err() == nil {
		r.Advance(r.StepsToSnapshot())
		if pending > 0 && r.Err() == nil {
			record()
		}
	}
	res.Iters = r.Iter()
	res.Final = metricsOf(r)
	if r.Err() != nil {
		res.DivergedAt = r.Iter()
	}
	for k := range at {
		if res.AtIter[k] < 0 { // diverged before
			res.At[k] = metricsOf(r)
		}
	}
	return res, nil
}

// metricsOf returns r's latest snapshot in the order of Metrics.
func metricsOf(r *sim.Run) []float64 {
	out := make([]float64, len(Metrics))
	if r.Err() != nil {
		for k := range out {
			out[k] = math.NaN()
		}
		return out
	}
	m := r.Latest()
	for k, key := range Metrics {
		if key == L0At6 {
			out[k] = math.NaN()
			if !math.IsNaN(m.L0) {
				out[k] = r.L0At(1e-6)
			}
			continue
		}
		out[k] = sim.MustMetric(key).Value(&m)
	}
	return out
}
