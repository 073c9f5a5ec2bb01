package sim

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
)

// Method is the optimizer a run uses.
type Method int

const (
	MethodSGD Method = iota // mini-batch SGD
	MethodGD                // full-batch gradient descent
	MethodSDE               // Euler–Maruyama on the SDE model of SGD
)

var methodNames = []string{"sgd", "gd", "sde"}

func (m Method) String() string { return enumString(methodNames, int(m), "Method") }

// Loss is the per-sample loss ℓ(h, y) with residual r = h − y.
type Loss int

const (
	LossMSE     Loss = iota // r², the reference ReLU experiments (no ½)
	LossHalfMSE             // r²/2, the diagonal-network experiments
)

var lossNames = []string{"mse", "half-mse"}

func (l Loss) String() string { return enumString(lossNames, int(l), "Loss") }

// value returns ℓ for residual r.
func (l Loss) value(r float64) float64 {
	if l == LossHalfMSE {
		return r * r / 2
	}
	return r * r
}

// slope returns c in ∂ℓ/∂h = c·r.
func (l Loss) slope() float64 {
	if l == LossHalfMSE {
		return 1
	}
	return 2
}

// Sampling is how SGD draws its mini-batches.
type Sampling int

const (
	SampleEpoch Sampling = iota // without replacement, reshuffled every epoch
	SampleIID                   // every batch drawn afresh (the reference code's np.random.choice)
)

var samplingNames = []string{"epoch", "iid"}

func (s Sampling) String() string { return enumString(samplingNames, int(s), "Sampling") }

func enumString(names []string, v int, typ string) string {
	if v < 0 || v >= len(names) {
		return fmt.Sprintf("%s(%d)", typ, v)
	}
	return names[v]
}

// Config fully specifies a run: the same Config gives the same trajectory.
type Config struct {
	Scenario    string   // preset the settings started from
	Model       string   // the experiment's name (see Lookup)
	Seed        uint64   // seeds the init, data, sample and noise streams
	DataSeed    uint64   // seeds the data stream instead of Seed when > 0
	Width       int      // hidden neurons m (two-layer ReLU network)
	Layers      []int    // hidden widths h₁, …, h_L of the MLP student
	Biases      bool     // whether the MLP student has biases
	Dim         int      // input dimension d (diagonal network, MLP)
	Samples     int      // training samples n (synthetic data)
	Support     int      // non-zeros r of β* (sparse regression)
	TestSamples int      // test samples (synthetic data)
	SDEDelta    float64  // δ of the SDE; < 0 means matched to SGD's noise at the current loss
	InitScale   float64  // multiplies the reference initialization scales
	Points      string   // 1D data "x:y,…"; empty for the paper's 12 points (relu1d) or the teacher's samples (mlp)
	Loss        Loss     // per-sample loss
	Method      Method   // SGD or full-batch GD
	Batch       int      // SGD batch size
	Sampling    Sampling // batch sampling
	LabelNoise  float64  // σ of Gaussian noise added to each sampled label
	LR          float64  // base step size γ
	LREdge      float64  // when > 0, the schedule's peak step size as a fraction of EtaMax, instead of LR
	EtaMax      float64  // η_max of the data draw for LREdge; 0 means found by FindEdge (DefaultEdgeProbe)
	Warmup      Warmup   // warm-up shape
	WarmupUntil float64  // warm-up length L (fraction of the run)
	WarmupGain  float64  // c in the warm-up formula; < 0 means the 1D reference's 400·L − 1
	GrowEvery   int      // iterations per growth step of the exp warm-up
	Decays      []Decay  // step decays
	Iters       int      // total iterations N
	LogEvery    int      // iterations between metric snapshots; 0 chooses about 250 snapshots
	RankTau     float64  // rank threshold τ on σ_k/σ_max
	DupTau      float64  // duplicate-feature correlation threshold
	KinkMerge   float64  // kinks closer than this count once
	KinkMin     float64  // kinks with a smaller share of the largest slope change are not counted
	// Extra holds the settings of experiments registered from their own packages
	// (see NewSetting), by key; a missing key has the setting's default.
	Extra map[string]string

	probe bool // an edge-of-stability probe: the diagonal net skips its rank set-up
}

// Schedule returns the step-size schedule the config describes.
func (c *Config) Schedule() Schedule {
	gain := c.WarmupGain
	if gain < 0 {
		gain = 400*c.WarmupUntil - 1
	}
	s := Schedule{
		Base: 1, Shape: c.Warmup, Gain: gain, Until: c.WarmupUntil,
		Every: c.GrowEvery, Decays: c.Decays, Total: c.Iters,
	}
	if c.LREdge > 0 && c.EtaMax > 0 {
		// γ such that the peak is LREdge·η_max, whatever the shape.
		s.Base = c.LREdge * c.EtaMax / s.Peak()
	} else {
		s.Base = c.LR
	}
	return s
}

// LogInterval returns the iterations between metric snapshots.
func (c *Config) LogInterval() int {
	if c.LogEvery > 0 {
		return c.LogEvery
	}
	return max(1, c.Iters/250)
}

// Setting describes one named, validated field of Config: the keys of the command
// line's -set, of the page URL and of the message API.
type Setting struct {
	Key     string
	Doc     string
	Range   string   // allowed values, as error messages state them
	Options []string // for enumerations
	get     func(*Config) string
	set     func(*Config, string) error
}

// Settings lists every setting in the order the controls show them: the model and
// the seeds, then each experiment's settings in registry order, then the optimizer's
// and the schedule's. Register extends it.
var Settings []Setting

// settingModel selects the experiment; its options are the registered names.
func settingModel() Setting {
	docs := make([]string, len(registry))
	for i, e := range registry {
		docs[i] = e.Name() + " (" + e.Doc() + ")"
	}
	names := ModelNames()
	return Setting{Key: "model", Doc: "network: " + strings.Join(docs, ", "), Range: strings.Join(names, ", "), Options: names,
		get: func(c *Config) string { return c.Model },
		set: func(c *Config, s string) error {
			if _, ok := Lookup(strings.TrimSpace(s)); !ok {
				return fmt.Errorf("unknown value")
			}
			c.Model = strings.TrimSpace(s)
			return nil
		}}
}

// collectSettings returns the settings of every registered experiment with the
// common ones, each once.
func collectSettings() []Setting {
	out := []Setting{settingModel(), settingSeed, settingDataSeed}
	seen := map[string]bool{}
	for _, e := range registry {
		for _, st := range e.Settings() {
			if !seen[st.Key] {
				seen[st.Key] = true
				out = append(out, *st)
			}
		}
	}
	return append(out, optimizerSettings...)
}

// The seeds.
var (
	settingSeed = Setting{Key: "seed", Doc: "random seed (initialization, data, sampling, noise)", Range: "[0, 9007199254740991]",
		get: func(c *Config) string { return strconv.FormatUint(c.Seed, 10) },
		set: func(c *Config, s string) error {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil || v > 1<<53-1 {
				return errRange
			}
			c.Seed = v
			return nil
		}}
	settingDataSeed = Setting{Key: "data_seed", Doc: "seed of the synthetic data and the rank's fresh inputs (0: use seed)", Range: "[0, 9007199254740991]",
		get: func(c *Config) string { return strconv.FormatUint(c.DataSeed, 10) },
		set: func(c *Config, s string) error {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil || v > 1<<53-1 {
				return errRange
			}
			c.DataSeed = v
			return nil
		}}
)

// Settings that several experiments read; each experiment lists those it reads.
var (
	settingDim         = intSetting("dim", "input dimension d of the diagonal network and of the mlp's teacher–student data", 1, 1000, func(c *Config) *int { return &c.Dim })
	settingSamples     = intSetting("samples", "training samples n (synthetic data)", 1, 1000, func(c *Config) *int { return &c.Samples })
	settingTestSamples = intSetting("test_samples", "test samples (synthetic data)", 1, 10000, func(c *Config) *int { return &c.TestSamples })
	settingInitScale   = floatSetting("init_scale", "initialization scale (× the reference w = ±2.5, b ~ 2.5·N(0,1), a ~ 4·N(0,1) of relu1d, u = 0.1 of diag, the weights' 0.8 of mlp)", 0, 100, true, func(c *Config) *float64 { return &c.InitScale })
	settingPoints      = Setting{Key: "points", Doc: "1D data as x:y,x:y,… (empty: the paper's 12 points, or the teacher's samples for mlp with dim 1)", Range: "up to 200 points x:y with |x|, |y| ≤ 1000",
		get: func(c *Config) string { return c.Points },
		set: func(c *Config, s string) error {
			s = strings.TrimSpace(s)
			if s == "" || s == "paper" {
				c.Points = ""
				return nil
			}
			ds, err := ParsePoints(s)
			if err != nil {
				return err
			}
			c.Points = FormatPoints(ds)
			return nil
		}}
	settingRankTau   = floatSetting("rank_tau", "rank threshold τ on σ_k/σ_max", 0, 1, true, func(c *Config) *float64 { return &c.RankTau })
	settingDupTau    = floatSetting("dup_tau", "correlation above which two features are duplicates", 0, 1, false, func(c *Config) *float64 { return &c.DupTau })
	settingKinkMerge = floatSetting("kink_merge", "kinks closer than this count once", 0, 10, false, func(c *Config) *float64 { return &c.KinkMerge })
	settingKinkMin   = floatSetting("kink_min", "kinks with less than this share of the largest slope change are not counted", 0, 1, false, func(c *Config) *float64 { return &c.KinkMin })
)

// optimizerSettings are the settings of the optimizer and the step-size schedule,
// common to every experiment.
var optimizerSettings = []Setting{
	enumSetting("loss", "per-sample loss: mse = (h−y)², half-mse = (h−y)²/2", lossNames, func(c *Config) *int { return (*int)(&c.Loss) }),
	enumSetting("method", "optimizer: sgd (mini-batch), gd (full batch) or sde (Euler–Maruyama on dθ = −∇L dt + √(ηδ) φᵀ dB)", methodNames, func(c *Config) *int { return (*int)(&c.Method) }),
	intSetting("batch", "SGD batch size", 1, 1024, func(c *Config) *int { return &c.Batch }),
	enumSetting("sampling", "batches: epoch (without replacement) or iid (fresh each step)", samplingNames, func(c *Config) *int { return (*int)(&c.Sampling) }),
	{Key: "sde_delta", Doc: "δ of the SDE; matched = c²·mean(r²)/(n·B), SGD's noise at the current loss", Range: "matched or [0, 100]",
		get: func(c *Config) string {
			if c.SDEDelta < 0 {
				return "matched"
			}
			return formatFloat(c.SDEDelta)
		},
		set: func(c *Config, s string) error {
			if strings.TrimSpace(s) == "matched" {
				c.SDEDelta = -1
				return nil
			}
			v, err := parseFloatIn(s, 0, 100, false)
			if err != nil {
				return err
			}
			c.SDEDelta = v
			return nil
		}},
	floatSetting("label_noise", "σ of Gaussian label noise per sampled label", 0, 100, false, func(c *Config) *float64 { return &c.LabelNoise }),
	floatSetting("lr", "base step size γ (unused when lr_edge is set)", 0, 100, true, func(c *Config) *float64 { return &c.LR }),
	{Key: "lr_edge", Doc: "the schedule's peak step size as a fraction of η_max, the largest constant step size that does not diverge on this data draw (off: lr applies)", Range: "off or (0, 10]",
		get: func(c *Config) string {
			if c.LREdge == 0 {
				return "off"
			}
			return formatFloat(c.LREdge)
		},
		set: func(c *Config, s string) error {
			if strings.TrimSpace(s) == "off" {
				c.LREdge = 0
				return nil
			}
			v, err := parseFloatIn(s, 0, 10, true)
			if err != nil {
				return err
			}
			c.LREdge = v
			return nil
		}},
	{Key: "eta_max", Doc: "η_max of this data draw for lr_edge; auto: found by bisection over half-length constant-step runs on seeds 1–3 (cached per draw)", Range: "auto or [1e-6, 100]",
		get: func(c *Config) string {
			if c.EtaMax == 0 {
				return "auto"
			}
			return formatFloat(c.EtaMax)
		},
		set: func(c *Config, s string) error {
			if strings.TrimSpace(s) == "auto" {
				c.EtaMax = 0
				return nil
			}
			v, err := parseFloatIn(s, EdgeLow, EdgeHigh, false)
			if err != nil {
				return err
			}
			c.EtaMax = v
			return nil
		}},
	enumSetting("warmup", "warm-up shape: none, linear γ(1+c·i/N), sqrt γ(1+c·√(i/N)), exp γ·c^⌊i/E⌋, exp-run γ·c^(100·i/N) (the deep-net reference's, c = 1.05)", warmupNames, func(c *Config) *int { return (*int)(&c.Warmup) }),
	floatSetting("warmup_until", "warm-up length L (fraction of the run)", 0, 1, false, func(c *Config) *float64 { return &c.WarmupUntil }),
	{Key: "warmup_gain", Doc: "warm-up gain c; auto = 400·L − 1 (the 1D reference)", Range: "auto or [0, 1e6]",
		get: func(c *Config) string {
			if c.WarmupGain < 0 {
				return "auto"
			}
			return formatFloat(c.WarmupGain)
		},
		set: func(c *Config, s string) error {
			if strings.TrimSpace(s) == "auto" {
				c.WarmupGain = -1
				return nil
			}
			v, err := parseFloatIn(s, 0, 1e6, false)
			if err != nil {
				return err
			}
			c.WarmupGain = v
			return nil
		}},
	intSetting("grow_every", "iterations per growth step of the exp warm-up", 1, 1e9, func(c *Config) *int { return &c.GrowEvery }),
	{Key: "decays", Doc: "step decays as at:factor,… (at a fraction of the run, divide by factor)", Range: "none or up to 8 of at:factor with at in [0, 1], factor in [1, 1e6]",
		get: func(c *Config) string { return FormatDecays(c.Decays) },
		set: func(c *Config, s string) error {
			d, err := ParseDecays(s)
			if err != nil {
				return err
			}
			c.Decays = d
			return nil
		}},
	intSetting("iters", "iterations N", 1, 1e9, func(c *Config) *int { return &c.Iters }),
	intSetting("log_every", "iterations between metric snapshots (0: about 250 snapshots)", 0, 1e9, func(c *Config) *int { return &c.LogEvery }),
}

var errRange = fmt.Errorf("out of range")

// SettingByKey returns the setting with the given key.
func SettingByKey(key string) (*Setting, bool) {
	for i := range Settings {
		if Settings[i].Key == key {
			return &Settings[i], true
		}
	}
	return nil, false
}

// Set parses value into the setting key. The error names the setting, the value and
// the allowed range; on error c is unchanged.
func (c *Config) Set(key, value string) error {
	s, ok := SettingByKey(key)
	if !ok {
		return fmt.Errorf("sim: unknown setting %q", key)
	}
	trial := c.clone()
	if err := s.set(&trial, value); err != nil {
		return fmt.Errorf("sim: %s %q: %v (allowed: %s)", key, value, err, s.Range)
	}
	*c = trial
	return nil
}

// Get returns the setting key as text that Set reads back to the same value.
func (c *Config) Get(key string) string {
	s, ok := SettingByKey(key)
	if !ok {
		panic("sim: unknown setting " + key)
	}
	return s.get(c)
}

func (c *Config) clone() Config {
	d := *c
	d.Decays = append([]Decay(nil), c.Decays...)
	d.Layers = append([]int(nil), c.Layers...)
	d.Extra = maps.Clone(c.Extra)
	return d
}

// NewSetting declares a setting of an experiment kept in a package of its own: its
// value lives in Config.Extra as the text parse returns (parse validates and
// normalizes, and its error says what is wrong; the message adds the key and
// rangeText). Read it with Config.Get.
func NewSetting(key, doc, rangeText string, options []string, def string, parse func(string) (string, error)) Setting {
	return Setting{Key: key, Doc: doc, Range: rangeText, Options: options,
		get: func(c *Config) string {
			if v, ok := c.Extra[key]; ok {
				return v
			}
			return def
		},
		set: func(c *Config, s string) error {
			v, err := parse(s)
			if err != nil {
				return err
			}
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[key] = v
			return nil
		}}
}

// Validate checks every setting against its range and the settings against each
// other: the model's own checks (Experiment.Check), and a batch no larger than the
// data set.
func (c *Config) Validate() error {
	if c.probe && c.Seed > 1<<53-1 {
		// An edge probe's seed lies above the seed setting's range on purpose (EdgeProbeSeed).
		v := c.clone()
		v.Seed, v.probe = 0, false
		return v.Validate()
	}
	for _, s := range Settings {
		trial := c.clone()
		if err := s.set(&trial, s.get(c)); err != nil {
			return fmt.Errorf("sim: %s %s: %v (allowed: %s)", s.Key, s.get(c), err, s.Range)
		}
	}
	e, err := c.Experiment()
	if err != nil {
		return err
	}
	if err := e.Check(c); err != nil {
		return err
	}
	if c.Method != MethodGD {
		n, err := c.dataLen()
		if err != nil {
			return err
		}
		if c.Batch > n {
			return fmt.Errorf("sim: batch %d out of range [1, %d] for %d data points", c.Batch, n, n)
		}
	}
	return nil
}

// dataLen returns the number of training samples the config describes.
func (c *Config) dataLen() (int, error) {
	e, err := c.Experiment()
	if err != nil {
		return 0, err
	}
	return e.SampleCount(c)
}

// Changed returns the settings of c whose values differ from those of the scenario it
// starts from, as key/value pairs in Settings order: what a URL needs to carry.
func (c *Config) Changed() [][2]string {
	base, ok := Scenario(c.Scenario)
	var out [][2]string
	for _, s := range Settings {
		if v := s.get(c); !ok || v != s.get(&base) {
			out = append(out, [2]string{s.Key, v})
		}
	}
	return out
}

func intSetting(key, doc string, lo, hi int, field func(*Config) *int) Setting {
	return Setting{Key: key, Doc: doc, Range: fmt.Sprintf("[%d, %d]", lo, hi),
		get: func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, s string) error {
			v, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || v < lo || v > hi {
				return errRange
			}
			*field(c) = v
			return nil
		}}
}

func floatSetting(key, doc string, lo, hi float64, openLo bool, field func(*Config) *float64) Setting {
	rng := fmt.Sprintf("[%g, %g]", lo, hi)
	if openLo {
		rng = fmt.Sprintf("(%g, %g]", lo, hi)
	}
	return Setting{Key: key, Doc: doc, Range: rng,
		get: func(c *Config) string { return formatFloat(*field(c)) },
		set: func(c *Config, s string) error {
			v, err := parseFloatIn(s, lo, hi, openLo)
			if err != nil {
				return err
			}
			*field(c) = v
			return nil
		}}
}

func enumSetting(key, doc string, names []string, field func(*Config) *int) Setting {
	return Setting{Key: key, Doc: doc, Range: strings.Join(names, ", "), Options: names,
		get: func(c *Config) string { return enumString(names, *field(c), key) },
		set: func(c *Config, s string) error {
			for i, n := range names {
				if n == strings.TrimSpace(s) {
					*field(c) = i
					return nil
				}
			}
			return fmt.Errorf("unknown value")
		}}
}

func parseFloatIn(s string, lo, hi float64, openLo bool) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number")
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi || (openLo && v == lo) {
		return 0, errRange
	}
	return v, nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
