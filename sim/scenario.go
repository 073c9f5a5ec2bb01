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

// Scenarios lists the presets, one per experiment of the paper.
var Scenarios = []ScenarioInfo{
	{"relu1d-large", "two-layer ReLU net, 12 points: long linear warm-up to a large step (L = 0.5), then ÷3 — few kinks",
		func() Config { return relu1d("relu1d-large", 0.5, 3) }},
	{"relu1d-small", "two-layer ReLU net, 12 points: short warm-up (L = 0.02), small step, ÷2.5 — many kinks",
		func() Config { return relu1d("relu1d-small", 0.02, 2.5) }},
}

// relu1d returns the reference 1D experiment with warm-up length until and decay
// factor decay at the end of the warm-up.
func relu1d(name string, until, decay float64) Config {
	return Config{
		Scenario: name, Seed: 1, Width: 100, InitScale: 1,
		Loss: LossMSE, Method: MethodSGD, Batch: 1, Sampling: SampleEpoch,
		LR: 2e-4, Warmup: WarmupLinear, WarmupUntil: until, WarmupGain: -1, GrowEvery: 1,
		Decays: []Decay{{At: until, Factor: decay}},
		Iters:  31623, LogEvery: 125,
		RankTau: RankTauReLU, DupTau: DupTauReLU1D, KinkMerge: KinkMerge, KinkMin: KinkMinFrac,
	}
}

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
