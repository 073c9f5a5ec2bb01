package sim

import (
	"fmt"
	"slices"
)

// ScenarioInfo names a preset and says what it shows.
type ScenarioInfo struct {
	Name    string
	Caption string
	config  func() Config
}

// NewScenario returns a preset: config returns its settings, from Scenario of a
// built-in preset, say, with the model and its settings changed.
func NewScenario(name, caption string, config func() Config) ScenarioInfo {
	return ScenarioInfo{Name: name, Caption: caption, config: func() Config {
		c := config()
		c.Scenario = name
		return c
	}}
}

// Scenarios lists the presets in the order of the registry: every experiment brings
// its own (a method Scenarios, read by Register), the paper's first.
var Scenarios []ScenarioInfo

// Scenario returns the config of the named preset.
func Scenario(name string) (Config, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s.config(), true
		}
	}
	return Config{}, false
}

// ScenarioNames returns the preset names.
func ScenarioNames() []string {
	var out []string
	for _, s := range Scenarios {
		out = append(out, s.Name)
	}
	return out
}

// DecodeSettings builds a config from a scenario name and key/value settings, in the
// way the command line and the page URL do: the scenario gives the defaults, then
// each setting applies in turn. Every bad entry produces an error naming it and
// keeps the default, so one typo does not lose the others.
func DecodeSettings(scenario string, kv [][2]string) (Config, []error) {
	var errs []error
	c, ok := Scenario(scenario)
	if !ok {
		errs = append(errs, fmt.Errorf("sim: unknown scenario %q (known: %v)", scenario, ScenarioNames()))
		c, _ = Scenario(Scenarios[0].Name)
	}
	for _, p := range kv {
		if p[0] == "scenario" {
			continue
		}
		if err := c.Set(p[0], p[1]); err != nil {
			errs = append(errs, err)
		}
	}
	return c, slices.Clip(errs)
}
