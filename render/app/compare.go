package app

import (
	"fmt"
	"strings"

	"kinkscope/sim"
)

// MaxRuns bounds the runs drawn together.
const MaxRuns = 4

// Compare runs the same experiment several times, differing only in one setting:
// "method:sgd;sde" draws SGD against its SDE model, "decays:0.1:4.8;0.5:1.5" two decay
// times. The runs share the data, the initialization and the sample order, since all
// of these come from the seed.
type Compare struct {
	Key    string
	Values []string
}

// ParseCompare reads "key:v1;v2[;v3;v4]"; the empty string is no comparison. Each
// value must be valid for the setting in base.
func ParseCompare(s string, base sim.Config) (Compare, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return Compare{}, nil
	}
	key, rest, ok := strings.Cut(s, ":")
	if !ok || key == "" {
		return Compare{}, fmt.Errorf("compare %q: want key:value;value, e.g. method:sgd;sde", s)
	}
	if _, ok := sim.SettingByKey(key); key != "scenario" && (!ok || key == "seed" || key == "data_seed" || key == "model") {
		return Compare{}, fmt.Errorf("compare %q: %q is not a setting that runs can differ in", s, key)
	}
	values := strings.Split(rest, ";")
	if len(values) < 2 || len(values) > MaxRuns {
		return Compare{}, fmt.Errorf("compare %q: %d values, want 2 to %d", s, len(values), MaxRuns)
	}
	cmp := Compare{Key: key, Values: values}
	for i := range values {
		c, err := cmp.config(i, base)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return Compare{}, fmt.Errorf("compare %q: value %d: %s", s, i+1, trimPrefix(err))
		}
		if key == "scenario" && c.Model != base.Model {
			return Compare{}, fmt.Errorf("compare %q: value %d: %s trains another model than %s", s, i+1, values[i], base.Scenario)
		}
		if key != "scenario" {
			values[i] = c.Get(key) // canonical form
		}
	}
	return cmp, nil
}

// config returns the settings of run i. Comparing scenarios runs each preset with
// the base's seeds, so that they share the data, the initialization and the sample
// order.
func (c Compare) config(i int, base sim.Config) (sim.Config, error) {
	if c.Key == "scenario" {
		cfg, ok := sim.Scenario(c.Values[i])
		if !ok {
			return sim.Config{}, fmt.Errorf("unknown scenario %q", c.Values[i])
		}
		cfg.Seed, cfg.DataSeed = base.Seed, base.DataSeed
		return cfg, nil
	}
	cfg := base
	if err := cfg.Set(c.Key, c.Values[i]); err != nil {
		return sim.Config{}, err
	}
	return cfg, nil
}

// String writes the comparison in the form ParseCompare reads ("" for none).
func (c Compare) String() string {
	if c.Key == "" {
		return ""
	}
	return c.Key + ":" + strings.Join(c.Values, ";")
}

// Configs returns the config of each run.
func (c Compare) Configs(base sim.Config) ([]sim.Config, error) {
	if c.Key == "" {
		return []sim.Config{base}, nil
	}
	out := make([]sim.Config, len(c.Values))
	for i := range c.Values {
		cfg, err := c.config(i, base)
		if err != nil {
			return nil, err
		}
		out[i] = cfg
	}
	return out, nil
}

// Label names run i in legends.
func (c Compare) Label(i int, cfg sim.Config) string {
	if c.Key == "" {
		return cfg.Method.String()
	}
	v := c.Values[i]
	switch c.Key {
	case "method":
		if v == "sde" {
			if cfg.SDEDelta < 0 {
				return "SDE, δ matched"
			}
			return "SDE, δ = " + cfg.Get("sde_delta")
		}
		return strings.ToUpper(v)
	case "sde_delta":
		return "δ = " + v
	case "lr":
		return "γ = " + v
	case "scenario":
		return v
	}
	return c.Key + " = " + v
}
