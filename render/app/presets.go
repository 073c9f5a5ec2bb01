package app

import (
	"fmt"
	"strings"
)

// Preset is a named view of one of the paper's figures: a scenario, often a
// comparison, and a caption that says what to look for.
type Preset struct {
	Name    string
	Title   string
	Caption string
	Query   [][2]string
}

// Presets lists the figures, in the order the controls offer them.
var Presets = []Preset{
	{"kinks", "Figure: kinks of a 1D ReLU net",
		"Small step (light) against large step (dark): after the long loss stabilization the large-step predictor keeps a handful of kinks, and its rank and feature sparsity fall; the small step keeps many kinks.",
		[][2]string{{"scenario", "relu1d-large"}, {"compare", "scenario:relu1d-small;relu1d-large"}}},
	{"diagonal", "Figure: diagonal linear networks",
		"Constant step at 0.89·η_max against decays from 0.99·η_max at 10, 30 and 50 % (light to dark), η_max the draw's edge of stability. Over 10 draws × 3 seeds, the longer the loss stabilizes before the decay, the lower the final test loss (geometric means 1.7e-2, 2.3e-3, 1.1e-3, 6.4e-4), and every decay ends with about half as many coordinates of β above 1e-6 as the constant step (medians 193, 106, 104, 104). Few coordinates reach the reference's threshold 1e-50 within the run, so on this draw ‖β‖₀ and the rank stay near 200; over the draws the rank falls only after the 30 and 50 % decays (means 186 and 180).",
		[][2]string{{"scenario", "diag-const"}, {"compare", "scenario:diag-const;diag-decay10;diag-decay30;diag-decay50"}}},
	{"sde", "Figure: SGD and its SDE model",
		"SGD (blue) against Euler–Maruyama on dθ = −∇L dt + √(ηδ) φᵀ dB with δ matched to SGD's noise (red): the noise alone removes the kinks.",
		[][2]string{{"scenario", "relu1d-large"}, {"compare", "method:sgd;sde"}}},
	{"sde-noise", "Figure: the noise level δ",
		"The SDE with δ = 0 (gradient descent on the same schedule) against matched δ: without noise the kinks and the rank stay high.",
		[][2]string{{"scenario", "relu1d-sde"}, {"compare", "sde_delta:0;matched"}}},
	{"teacher", "Figure: a three-layer teacher–student net",
		"Constant step against warm-up and decay at 10, 30 and 50 % (light to dark), a 1→10→10→1 student of a 1→2→2→1 teacher: over 20 seeds each decay ends with sparser layer-2 features and a lower test loss than the constant step in most seeds, but the sweeps do not order the three decays. Add dim=5 for the paper's setting, where the layer-2 sparsity and the rank fall as the decay comes later.",
		[][2]string{{"scenario", "teacher3-const"}, {"compare", "scenario:teacher3-const;teacher3-decay10;teacher3-decay30;teacher3-decay50"}}},
	{"deep", "Figure: a deep ReLU net on MNIST",
		"A ReLU convolutional net on 4,000 MNIST digits, 600 steps of batch 32: small constant step (lightest) against large steps warmed up to 10, 30 and 50 % of the run (darker). Over seeds 1–3 the longer the large-step phase, the fewer distinct features at both measured blocks (middle: 67 % small step, 68, 56, 35 % for 10, 30, 50 %; last: 51 %, 50, 43, 36 %) and the lower the test error (6.7 %; 7.4, 5.0, 4.0 %). Warm-up to 10 % is not told apart from the small step. The activation maps go dark as units fall silent.",
		[][2]string{{"scenario", "cnn-small"}, {"compare", "scenario:cnn-small;cnn-large10;cnn-large30;cnn-large50"}}},
	{"large-step", "The large-step run alone",
		"One large-step run: watch the loss bounce during the warm-up while the kinks disappear and the column norms of unneeded neurons shrink to zero.",
		[][2]string{{"scenario", "relu1d-large"}}},
}

// PresetByName returns the named preset.
func PresetByName(name string) (Preset, bool) {
	for _, p := range Presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// expandPreset replaces a "preset" entry of the query by the preset's settings,
// placed first so that explicit settings in the query override them. It returns the
// preset's name ("" for none) and an error naming an unknown preset.
func expandPreset(query [][2]string) ([][2]string, string, error) {
	var out [][2]string
	name := ""
	var err error
	for _, p := range query {
		if p[0] != "preset" {
			out = append(out, p)
			continue
		}
		if p[1] == "" || p[1] == "none" {
			continue
		}
		pr, ok := PresetByName(p[1])
		if !ok {
			names := make([]string, len(Presets))
			for i, q := range Presets {
				names[i] = q.Name
			}
			err = fmt.Errorf("preset %q: unknown (known: %s)", p[1], strings.Join(names, ", "))
			continue
		}
		name = pr.Name
		out = append(append([][2]string(nil), pr.Query...), out...)
	}
	return out, name, err
}
