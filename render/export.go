package render

import (
	"encoding/json"
	"strconv"
	"strings"
)

// HistoryCSV returns the metric history of every run as CSV, one row per snapshot
// and run, with the run's label; NaN where a metric does not apply.
func (s *Session) HistoryCSV() string {
	snap := s.Snapshot()
	var sb strings.Builder
	sb.WriteString("run,label,iter,lr,train_loss,test_loss,rank,feature_sparsity,kinks,raw_kinks,l0,l1\n")
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, rv := range snap.Runs {
		label := strings.NewReplacer(",", ";", "\n", " ", "\"", "'").Replace(rv.Label)
		for _, m := range rv.History {
			sb.WriteString(strings.Join([]string{strconv.Itoa(i + 1), label, strconv.Itoa(m.Iter), f(m.LR),
				f(m.TrainLoss), f(m.TestLoss), f(m.Rank), f(m.FeatureSparsity), f(m.Kinks), f(m.RawKinks),
				f(m.L0), f(m.L1)}, ","))
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// SettingsJSON returns the session as a "load" message: every setting, the
// comparison, the preset, the view, and the iteration reached. Loading it (Load, or
// posting it to the page) gives back the same state, since runs are deterministic.
func (s *Session) SettingsJSON() string {
	settings := map[string]string{}
	for _, p := range s.Config() {
		settings[p[0]] = p[1]
	}
	b, err := json.MarshalIndent(map[string]any{
		"kinkscope": MessageVersion, "cmd": "load", "settings": settings, "iter": s.State().Iter,
	}, "", "  ")
	if err != nil {
		panic("render: settings JSON: " + err.Error())
	}
	return string(b)
}

// Load applies a validated "load" message: its settings, then a run to its
// iteration. Invalid settings change nothing and are returned.
func (s *Session) Load(m Message) []error {
	if errs := s.Set(m.Settings); len(errs) > 0 {
		return errs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restart = true
	s.loadTarget = m.Iter
	return nil
}
