package app

import "kinkscope/sim"

// MetricsObject adds every metric of m to o under its JSON key (sim.Metric.JSONKey),
// as the page's state() and history() and the worker's replies give them.
func MetricsObject(o map[string]any, m *sim.Metrics) map[string]any {
	for i := range sim.MetricList {
		d := &sim.MetricList[i]
		o[d.JSONKey()] = d.Value(m)
	}
	return o
}

// Object is the state as the page's state() returns it and the worker's state
// replies carry it: every metric of the lead run, each run's, and iter, the
// iteration reached, beside metricsIter, the one the metrics are of (the latest
// snapshot).
func (s State) Object() map[string]any {
	runs := make([]any, len(s.Runs))
	for i, r := range s.Runs {
		o := MetricsObject(map[string]any{"label": r.Label, "diverged": r.Diverged}, &r.Metrics)
		o["metricsIter"] = r.MetricsIter
		runs[i] = o
	}
	o := MetricsObject(map[string]any{
		"scenario": s.Scenario, "iters": s.Iters,
		"running": s.Running, "diverged": s.Diverged, "error": s.Error,
		"frame": s.Frame, "runs": runs,
	}, &s.Metrics)
	o["metricsIter"] = s.MetricsIter
	return o
}
