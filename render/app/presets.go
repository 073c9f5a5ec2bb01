package app

import (
	"fmt"
	"strings"
)

// Preset is a named view of one of the paper's figures: a scenario, often a
// comparison, and a caption that says what to look for. The caption says only what
// the preset's own run shows (Claims, which a test checks against that run) and what
// the README's sweeps measured over seeds (which the sweep tests check).
type Preset struct {
	Name    string
	Title   string
	Caption string
	Query   [][2]string
	Claims  []Claim
}

// Claim is one statement of a caption about how the preset's runs end, in a form a
// run can check. Runs are numbered in the comparison's order (0 for a single run).
type Claim struct {
	// Measure is a metric key of sim.MetricList, MeasureL0At6 or MeasureActive.
	Measure string
	// Less lists pairs (i, j): run i ends with a lower Measure than run j.
	Less [][2]int
	// Near lists pairs of runs whose final Measure differ by at most Tol.
	Near [][2]int
	Tol  float64
	// Falls: run 0 ends below where it started.
	Falls bool
	// Bounces: run 0's Measure rises more than tenfold above its lowest value so
	// far at least once before the first decay (the loss during the warm-up).
	Bounces bool
}

// Measures beyond the metrics that captions speak of.
const (
	MeasureL0At6  = "l0@1e-6" // coordinates of β above 10⁻⁶
	MeasureActive = "active"  // Jacobian columns with a non-zero norm
)

// Presets lists the figures, in the order the controls offer them.
var Presets = []Preset{
	{"kinks", "Figure: kinks of a 1D ReLU net",
		"Small step (light, solid) against large step (dark, dashed): after the long loss stabilization the large-step predictor keeps a handful of kinks, and its rank and feature sparsity end lower, here and on each of 40 seeds (kinks 5.5 ± 0.6 against 15.0 ± 2.5); the small step keeps many kinks.",
		[][2]string{{"scenario", "relu1d-large"}, {"compare", "scenario:relu1d-small;relu1d-large"}},
		[]Claim{{Measure: "kinks", Less: [][2]int{{1, 0}}}, {Measure: "rank", Less: [][2]int{{1, 0}}}, {Measure: "feature_sparsity", Less: [][2]int{{1, 0}}}}},
	{"diagonal", "Figure: diagonal linear networks",
		"Constant step at 0.89·η_max against decays from 0.99·η_max at 10, 30 and 50 % (light to dark, solid to dash-dotted), η_max the draw's edge of stability. The longer the loss stabilizes before the decay, the lower the final test loss, in this run and in the geometric means over 10 draws × 3 seeds (1.7e-2, 2.3e-3, 1.1e-3, 6.4e-4); every decay ends with fewer coordinates of β above 1e-6 than the constant step, here and in every pair of the sweep (medians 193, 106, 104, 104). Few coordinates reach the reference's threshold 1e-50 within the run, so on this draw ‖β‖₀ and the rank stay near 200; over the draws the rank falls only after the 30 and 50 % decays (means 186 and 180).",
		[][2]string{{"scenario", "diag-const"}, {"compare", "scenario:diag-const;diag-decay10;diag-decay30;diag-decay50"}},
		[]Claim{{Measure: "test_loss", Less: [][2]int{{1, 0}, {2, 1}, {3, 2}}}, {Measure: MeasureL0At6, Less: [][2]int{{1, 0}, {2, 0}, {3, 0}}}}},
	{"sde", "Figure: SGD and its SDE model",
		"SGD (blue, solid) against Euler–Maruyama on dθ = −∇L dt + √(ηδ) φᵀ dB with δ matched to SGD's noise (red, dashed): the SDE too ends with a handful of kinks, within two of SGD's, and a rank far below the δ = 0 run of the next figure, so its noise alone removes the kinks.",
		[][2]string{{"scenario", "relu1d-large"}, {"compare", "method:sgd;sde"}},
		[]Claim{{Measure: "kinks", Near: [][2]int{{0, 1}}, Tol: 2}}},
	{"sde-noise", "Figure: the noise level δ",
		"The SDE with δ = 0 (gradient descent on the same schedule; light, solid) against matched δ (dark, dashed): without noise the kinks and the rank stay high, here and on seeds 1–3 (kinks 9, 12, 14 against 6, 5, 5).",
		[][2]string{{"scenario", "relu1d-sde"}, {"compare", "sde_delta:0;matched"}},
		[]Claim{{Measure: "kinks", Less: [][2]int{{1, 0}}}, {Measure: "rank", Less: [][2]int{{1, 0}}}}},
	{"teacher", "Figure: a three-layer teacher–student net",
		"Constant step against warm-up and decay at 10, 30 and 50 % (light to dark, solid to dash-dotted), a 1→10→10→1 student of a 1→2→2→1 teacher: each decay ends with sparser layer-2 features and a lower test loss than the constant step, in this run and in most of 20 seeds, but the sweeps do not order the three decays among themselves. Add dim=5 for the paper's setting, where over 20 seeds the layer-2 sparsity and the rank fall as the decay comes later.",
		[][2]string{{"scenario", "teacher3-const"}, {"compare", "scenario:teacher3-const;teacher3-decay10;teacher3-decay30;teacher3-decay50"}},
		[]Claim{{Measure: "test_loss", Less: [][2]int{{1, 0}, {2, 0}, {3, 0}}}, {Measure: "feature_sparsity_l2", Less: [][2]int{{1, 0}, {2, 0}, {3, 0}}}}},
	{"deep", "Figure: a deep ReLU net on MNIST",
		"A ReLU convolutional net on 4,000 MNIST digits, 600 steps of batch 32: small constant step (lightest, solid) against large steps warmed up to 10, 30 and 50 % of the run (darker; dashed, dotted, dash-dotted). The run warmed up to 50 % ends with fewer distinct features at both measured blocks and a lower test error than the small step, here and over seeds 1–3 (mean ± sd; middle block: 67 ± 5 % small step; 68 ± 4, 56 ± 5, 35 ± 5 % for 10, 30, 50 %; last: 51 ± 4 %; 50 ± 2, 43 ± 3, 36 ± 4 %; test error 6.7 ± 2.0 %; 7.4 ± 1.4, 5.0 ± 1.4, 4.0 ± 0.2 %; KINKSCOPE_CNN_SCIENCE=1 go test ./sim/cnn -run TestScienceSparsity). Warm-up to 10 % is not told apart from the small step. The activation maps show which units fire (blue) on which training images.",
		[][2]string{{"scenario", "cnn-small"}, {"compare", "scenario:cnn-small;cnn-large10;cnn-large30;cnn-large50"}},
		[]Claim{{Measure: "feature_sparsity_mid", Less: [][2]int{{3, 0}}}, {Measure: "feature_sparsity_last", Less: [][2]int{{3, 0}}}, {Measure: "test_error", Less: [][2]int{{3, 0}}}}},
	{"large-step", "The large-step run alone",
		"One large-step run: the loss bounces during the warm-up while the kinks disappear and the column norms of unneeded neurons shrink to zero.",
		[][2]string{{"scenario", "relu1d-large"}},
		[]Claim{{Measure: "train_loss", Bounces: true}, {Measure: "kinks", Falls: true}, {Measure: MeasureActive, Falls: true}}},
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
