package sim

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// badValues lists, for every setting, values its Set must reject; every setting
// also rejects the values in badEverywhere.
var (
	badEverywhere = []string{"NaN", "Inf", "-Inf", "abc", "1e400"}
	badValues     = map[string][]string{
		"model":        {"MLP", "RELU1D", "relu2d", ""},
		"data_seed":    {"-1", "9007199254740992", ""},
		"dim":          {"0", "1001", "1.5"},
		"samples":      {"0", "1001", ""},
		"support":      {"-1", "1001"},
		"test_samples": {"0", "10001"},
		"sde_delta":    {"-1", "100.5", "auto", ""},
		"seed":         {"-1", "9007199254740992", "1.5", "0x10"},
		"width":        {"0", "2049", "-3", "1.5", ""},
		"layers":       {"", "0", "257", "10,10,10,10,10", "10,,10", "10;10", "1.5", "-3", "10,x"},
		"biases":       {"yes", "true", "ON", "1", ""},
		"init_scale":   {"0", "-1", "100.5", ""},
		"points":       {"1:2,3", "1:NaN", "1:Inf", "2000:1", "1:2,,3:4", strings.Repeat("0:0,", MaxPoints) + "0:0"},
		"loss":         {"MSE", "l1", ""},
		"method":       {"adam", "SGD", ""},
		"batch":        {"0", "1025", "2.5"},
		"sampling":     {"random", ""},
		"label_noise":  {"-0.1", "100.5", ""},
		"lr":           {"0", "-1e-3", "101"},
		"lr_edge":      {"0", "-0.5", "10.5", "auto", ""},
		"eta_max":      {"0", "1e-7", "101", "off", ""},
		"warmup":       {"cosine", ""},
		"warmup_until": {"-0.1", "1.1"},
		"warmup_gain":  {"-1", "2e6", ""},
		"grow_every":   {"0", "1000000001"},
		"decays":       {"2:3", "0.5:0.1", "0.5", "0.5:3,0.6"},
		"iters":        {"0", "1000000001", "-5"},
		"log_every":    {"-1", "1000000001"},
		"rank_tau":     {"0", "1.1", "-1e-4"},
		"dup_tau":      {"-0.1", "1.01"},
		"kink_merge":   {"-0.01", "10.5"},
		"kink_min":     {"-0.01", "1.5"},
	}
	// goodValues gives every setting a valid value that differs from the ReLU presets
	// (the diagonal presets share some, which the tests skip there).
	goodValues = map[string]string{
		"model":        "diag",
		"data_seed":    "5",
		"dim":          "50",
		"samples":      "40",
		"support":      "5",
		"test_samples": "500",
		"sde_delta":    "0.01",
		"seed":         "9007199254740991",
		"width":        "7",
		"layers":       "20,5",
		"biases":       "off",
		"init_scale":   "0.5",
		"points":       "-1:0.5,0:1,1.25:-2",
		"loss":         "half-mse",
		"method":       "gd",
		"batch":        "4",
		"sampling":     "iid",
		"label_noise":  "0.1",
		"lr":           "0.001",
		"lr_edge":      "0.9",
		"eta_max":      "0.25",
		"warmup":       "sqrt",
		"warmup_until": "0.3",
		"warmup_gain":  "5",
		"grow_every":   "10",
		"decays":       "0.3:2,0.6:4",
		"iters":        "1000",
		"log_every":    "10",
		"rank_tau":     "1e-06",
		"dup_tau":      "0.95",
		"kink_merge":   "0.1",
		"kink_min":     "0.1",
	}
)

func TestSettingsTablesCoverEverySetting(t *testing.T) {
	for _, s := range Settings {
		if _, ok := badValues[s.Key]; !ok {
			t.Errorf("setting %q has no bad values in the test", s.Key)
		}
		if _, ok := goodValues[s.Key]; !ok {
			t.Errorf("setting %q has no good value in the test", s.Key)
		}
		if s.Range == "" || s.Doc == "" {
			t.Errorf("setting %q: Range %q, Doc %q, want both non-empty", s.Key, s.Range, s.Doc)
		}
	}
	if len(badValues) != len(Settings) {
		t.Errorf("the test lists %d settings, Settings has %d", len(badValues), len(Settings))
	}
}

func TestSetRejectsBadValues(t *testing.T) {
	for _, name := range ScenarioNames() {
		for _, s := range Settings {
			for _, v := range append(slices.Clone(badEverywhere), badValues[s.Key]...) {
				c := mustScenario(t, name)
				before := c.clone()
				err := c.Set(s.Key, v)
				if err == nil {
					t.Errorf("%s: Set(%q, %q) = nil, want an error", name, s.Key, v)
					continue
				}
				if msg := err.Error(); !strings.Contains(msg, s.Key) || !strings.Contains(msg, s.Range) {
					t.Errorf("%s: Set(%q, %q) = %q, want an error naming %q and its range %q", name, s.Key, v, msg, s.Key, s.Range)
				}
				if !reflect.DeepEqual(c, before) {
					t.Errorf("%s: Set(%q, %q) failed but changed the config to %+v", name, s.Key, v, c)
				}
			}
		}
	}
	c := mustScenario(t, "relu1d-large")
	if err := c.Set("learning_rate", "0.1"); err == nil || !strings.Contains(err.Error(), "learning_rate") {
		t.Errorf("Set of an unknown key = %v, want an error naming it", err)
	}
}

func TestGetSetRoundTrip(t *testing.T) {
	for _, name := range ScenarioNames() {
		base := mustScenario(t, name)
		if err := base.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
		for _, s := range Settings {
			c := base.clone()
			if err := c.Set(s.Key, c.Get(s.Key)); err != nil {
				t.Errorf("%s: Set(%q, Get(%q) = %q) = %v, want nil", name, s.Key, s.Key, base.Get(s.Key), err)
			}
			if !reflect.DeepEqual(c, base) {
				t.Errorf("%s: Set(%q, Get(%q)) changed the config: %+v, want %+v", name, s.Key, s.Key, c, base)
			}

			// A non-default value also survives Get → Set, and is the only change.
			if base.Get(s.Key) == goodValues[s.Key] {
				continue
			}
			c = base.clone()
			mustSet(t, &c, s.Key, goodValues[s.Key])
			d := base.clone()
			mustSet(t, &d, s.Key, c.Get(s.Key))
			if !reflect.DeepEqual(c, d) {
				t.Errorf("%s: Set(%q, Get(%q) = %q) = %+v, want %+v", name, s.Key, s.Key, c.Get(s.Key), d, c)
			}
			want := [][2]string{{s.Key, c.Get(s.Key)}}
			if got := c.Changed(); !slices.Equal(got, want) {
				t.Errorf("%s: after Set(%q, %q), Changed() = %v, want %v", name, s.Key, goodValues[s.Key], got, want)
			}
		}
	}
}

func TestChangedAndDecodeRoundTrip(t *testing.T) {
	base := mustScenario(t, "relu1d-small")
	if got := base.Changed(); len(got) != 0 {
		t.Errorf("Changed() of a preset = %v, want none", got)
	}
	c := base.clone()
	keys := []string{"width", "lr", "decays", "points", "warmup_gain"}
	for _, k := range keys {
		mustSet(t, &c, k, goodValues[k])
	}
	mustSet(t, &c, "iters", base.Get("iters")) // set, but to the default: not a change
	var gotKeys []string
	for _, kv := range c.Changed() {
		gotKeys = append(gotKeys, kv[0])
	}
	// Changed lists keys in Settings order.
	wantKeys := []string{"width", "points", "lr", "warmup_gain", "decays"}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("Changed() keys = %v, want %v", gotKeys, wantKeys)
	}
	d, errs := DecodeSettings(c.Scenario, c.Changed())
	if len(errs) != 0 || !reflect.DeepEqual(d, c) {
		t.Errorf("DecodeSettings(%q, Changed()) = %+v, %v, want %+v, no errors", c.Scenario, d, errs, c)
	}

	unknown := base.clone()
	unknown.Scenario = "no-such-preset"
	if got := unknown.Changed(); len(got) != len(Settings) {
		t.Errorf("Changed() with an unknown scenario lists %d settings, want all %d", len(got), len(Settings))
	}
}

func TestDecodeSettingsKeepsGoodEntries(t *testing.T) {
	kv := [][2]string{
		{"scenario", "ignored"},
		{"lr", "0.01"},
		{"width", "0"},
		{"batch", "2"},
		{"loss", "bogus"},
		{"no_such_key", "1"},
		{"kink_min", "0.2"},
	}
	c, errs := DecodeSettings("relu1d-small", kv)
	want := mustScenario(t, "relu1d-small")
	want.LR, want.Batch, want.KinkMin = 0.01, 2, 0.2
	if !reflect.DeepEqual(c, want) {
		t.Errorf("DecodeSettings(relu1d-small, %v) = %+v, want %+v", kv, c, want)
	}
	wantErrs := []string{"width", "loss", "no_such_key"}
	if len(errs) != len(wantErrs) {
		t.Fatalf("DecodeSettings gave %d errors %v, want %d", len(errs), errs, len(wantErrs))
	}
	for i, k := range wantErrs {
		if !strings.Contains(errs[i].Error(), k) {
			t.Errorf("error %d = %q, want one naming %q", i, errs[i], k)
		}
	}

	c, errs = DecodeSettings("no-such-preset", [][2]string{{"lr", "0.5"}})
	want = mustScenario(t, Scenarios[0].Name)
	want.LR = 0.5
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "no-such-preset") || !reflect.DeepEqual(c, want) {
		t.Errorf("DecodeSettings(no-such-preset, lr=0.5) = %+v, %v, want the first preset with lr 0.5 and one error naming the scenario", c, errs)
	}
}

func TestValidateCatchesBadFields(t *testing.T) {
	for _, tc := range []struct {
		key    string
		mutate func(c *Config)
	}{
		{"seed", func(c *Config) { c.Seed = 1 << 60 }},
		{"width", func(c *Config) { c.Width = 0 }},
		{"width", func(c *Config) { c.Width = 4096 }},
		{"init_scale", func(c *Config) { c.InitScale = math.NaN() }},
		{"init_scale", func(c *Config) { c.InitScale = 0 }},
		{"points", func(c *Config) { c.Points = "1:2:3" }},
		{"loss", func(c *Config) { c.Loss = Loss(5) }},
		{"method", func(c *Config) { c.Method = Method(-1) }},
		{"batch", func(c *Config) { c.Batch = 0 }},
		{"batch", func(c *Config) { c.Batch = 13 }}, // more than the 12 data points
		{"batch", func(c *Config) { c.Points, c.Batch = "0:0,1:1,2:2", 4 }},
		{"sampling", func(c *Config) { c.Sampling = Sampling(9) }},
		{"label_noise", func(c *Config) { c.LabelNoise = -1 }},
		{"lr", func(c *Config) { c.LR = math.Inf(1) }},
		{"lr", func(c *Config) { c.LR = -1e-3 }},
		{"warmup", func(c *Config) { c.Warmup = Warmup(len(warmupNames)) }},
		{"warmup_until", func(c *Config) { c.WarmupUntil = 1.5 }},
		{"warmup_gain", func(c *Config) { c.WarmupGain = 1e7 }},
		{"grow_every", func(c *Config) { c.GrowEvery = 0 }},
		{"decays", func(c *Config) { c.Decays = []Decay{{At: 2, Factor: 3}} }},
		{"decays", func(c *Config) { c.Decays = []Decay{{At: 0.5, Factor: 0.5}} }},
		{"iters", func(c *Config) { c.Iters = 0 }},
		{"log_every", func(c *Config) { c.LogEvery = -1 }},
		{"rank_tau", func(c *Config) { c.RankTau = 0 }},
		{"dup_tau", func(c *Config) { c.DupTau = math.NaN() }},
		{"kink_merge", func(c *Config) { c.KinkMerge = 11 }},
		{"kink_min", func(c *Config) { c.KinkMin = -0.5 }},
	} {
		c := mustScenario(t, "relu1d-large")
		tc.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("Validate() of %+v = %v, want an error naming %q", c, err, tc.key)
		}
	}
	for _, tc := range []struct {
		key    string
		mutate func(c *Config)
	}{
		{"layers", func(c *Config) { c.Layers = nil }},
		{"layers", func(c *Config) { c.Layers = []int{10, 0} }},
		{"layers", func(c *Config) { c.Layers = []int{1, 2, 3, 4, 5} }},
		{"layers", func(c *Config) { c.Layers = []int{256, 256} }},           // 66,561 parameters
		{"layers", func(c *Config) { c.Dim, c.Layers = 200, []int{10, 10} }}, // 2,121 parameters
		{"dim", func(c *Config) { c.Dim, c.Points = 5, "0:0,1:1" }},
		{"batch", func(c *Config) { c.Batch = 51 }}, // more than the 50 samples
		{"batch", func(c *Config) { c.Points, c.Batch = "0:0,1:1,2:2", 4 }},
	} {
		c := mustScenario(t, "teacher3-decay50")
		tc.mutate(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("Validate() of %+v = %v, want an error naming %q", c, err, tc.key)
		}
	}
	// Within the MLP's limits: 901 of at most 1,000 parameters, 1D points with dim 1
	// and a batch as large as their number.
	c := mustScenario(t, "teacher3-const")
	mustSet(t, &c, "layers", "20,20,20", "points", "0:0,1:1,2:2,3:3", "batch", "4")
	if err := c.Validate(); err != nil || MLPParams(c.Dim, c.Layers, c.Biases) != 901 {
		t.Errorf("Validate() of %d parameters and 4 points with batch 4 = %v, want nil", MLPParams(c.Dim, c.Layers, c.Biases), err)
	}
	// Full-batch GD has no batch size to check.
	c = mustScenario(t, "relu1d-large")
	c.Method, c.Batch = MethodGD, 100
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() with method gd and batch 100 = %v, want nil", err)
	}
}

func TestParsePointsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in      string
		x, y    []float64
		printed string
	}{
		{"0:1", []float64{0}, []float64{1}, "0:1"},
		{" -1.5 : 2 , 3:-4e-3 ", []float64{-1.5, 3}, []float64{2, -0.004}, "-1.5:2,3:-0.004"},
		{"1000:-1000,1e-300:0.1", []float64{1000, 1e-300}, []float64{-1000, 0.1}, "1000:-1000,1e-300:0.1"},
	} {
		ds, err := ParsePoints(tc.in)
		if err != nil || ds.D != 1 || !slices.Equal(ds.X, tc.x) || !slices.Equal(ds.Y, tc.y) {
			t.Errorf("ParsePoints(%q) = %+v, %v, want X %v, Y %v", tc.in, ds, err, tc.x, tc.y)
			continue
		}
		if got := FormatPoints(ds); got != tc.printed {
			t.Errorf("FormatPoints(ParsePoints(%q)) = %q, want %q", tc.in, got, tc.printed)
		}
	}
	paper := PaperPoints()
	r := testRand(43)
	for trial := 0; trial < 100; trial++ {
		ds := paper
		if trial > 0 {
			n := 1 + r.IntN(MaxPoints)
			ds = &Dataset{D: 1, X: make([]float64, n), Y: make([]float64, n)}
			for i := 0; i < n; i++ {
				ds.X[i] = (2*r.Float64() - 1) * math.Pow(10, float64(r.IntN(7)-3))
				ds.Y[i] = r.NormFloat64()
			}
		}
		got, err := ParsePoints(FormatPoints(ds))
		if err != nil || !sameBits(got.X, ds.X) || !sameBits(got.Y, ds.Y) {
			t.Errorf("ParsePoints(FormatPoints(%v)) = %v, %v, want the input", ds, got, err)
		}
	}
}

func TestParsePointsErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"", "empty list"},
		{"   ", "empty list"},
		{"1:2,3", `entry 2 "3" is not x:y`},
		{"1:2,3:4,a:5", `entry 3 "a:5" needs two finite numbers`},
		{"1:NaN", `entry 1 "1:NaN" needs two finite numbers in [-1000, 1000]`},
		{"0:0,1001:0", "entry 2"},
		{"0:0,0:0,0:-Inf", "entry 3"},
		{strings.Repeat("0:0,", MaxPoints) + "0:0", fmt.Sprintf("%d points, at most %d", MaxPoints+1, MaxPoints)},
	} {
		ds, err := ParsePoints(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParsePoints(%q) = %v, %v, want an error containing %q", tc.in, ds, err, tc.want)
		}
	}
}

func TestPaperPoints(t *testing.T) {
	ds := PaperPoints()
	c := []float64{-2, 1.5, 0, 0, 2, 1, 0, -1, 0, 1, 2, -1}
	if ds.Len() != 12 || ds.D != 1 {
		t.Fatalf("PaperPoints() has %d points of dimension %d, want 12 of dimension 1", ds.Len(), ds.D)
	}
	for k := range c {
		if x := (float64(k)-5.5)/4 + 0.07; ds.X[k] != x || ds.Y[k] != 0.345+c[k] {
			t.Errorf("point %d = (%g, %g), want (%g, %g)", k, ds.X[k], ds.Y[k], x, 0.345+c[k])
		}
	}
	lo, hi := ds.Range()
	if lo != ds.X[0] || hi != ds.X[11] {
		t.Errorf("Range() = %g, %g, want %g, %g", lo, hi, ds.X[0], ds.X[11])
	}
}
