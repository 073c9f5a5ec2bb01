package app

import (
	"encoding/json"
	"strconv"
	"strings"

	"kinkscope/render/figure"
	"kinkscope/sim"
)

// HistoryCSV returns the metric history of every run as CSV, one row per snapshot
// and run, with the run's label, and a column per metric of sim.MetricList (the
// columns of the command line's metrics.csv); NaN where a metric does not apply.
func (s *Session) HistoryCSV() string { return s.Snapshot().HistoryCSV() }

// HistoryCSV is Session.HistoryCSV of the runs as of this snapshot.
func (snap *Snapshot) HistoryCSV() string {
	var sb strings.Builder
	sb.WriteString("run,label")
	for _, d := range sim.MetricList {
		sb.WriteString("," + d.Key)
	}
	sb.WriteByte('\n')
	for i, rv := range snap.Runs {
		label := strings.NewReplacer(",", ";", "\n", " ", "\"", "'").Replace(rv.Label)
		for _, m := range rv.History {
			sb.WriteString(strconv.Itoa(i+1) + "," + label)
			for _, d := range sim.MetricList {
				sb.WriteString("," + figure.FormatExact(d.Value(&m)))
			}
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// SettingsJSON returns the session as a "load" message: every setting, the
// comparison, the preset, the view, and the iteration reached. Loading it (Load, or
// posting it to the page) gives back the same state, since runs are deterministic.
func (s *Session) SettingsJSON() string { return SettingsJSON(s.Config(), s.State().Iter) }

// SettingsJSON returns the "load" message of every setting (Session.Config) and the
// iteration reached.
func SettingsJSON(config [][2]string, iter int) string {
	settings := map[string]string{}
	for _, p := range config {
		settings[p[0]] = p[1]
	}
	b, err := json.MarshalIndent(map[string]any{
		"kinkscope": MessageVersion, "cmd": "load", "settings": settings, "iter": iter,
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
	s.requestRestart()
	s.loadTarget = m.Iter
	return nil
}
