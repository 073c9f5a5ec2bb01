package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// lineExperiment is a fourth model, as a package of its own would write it: only
// sim's exported API, its own setting in Config.Extra, its own step. It fits
// h(x) = a·x + b to the paper's points.
type lineExperiment struct{}

var settingSlope0 = NewSetting("slope0", "initial slope a of the line model", "[-10, 10]", nil, "0", func(s string) (string, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || v < -10 || v > 10 {
		return "", fmt.Errorf("out of range")
	}
	return strconv.FormatFloat(v, 'g', -1, 64), nil
})

func (lineExperiment) Name() string                       { return "line" }
func (lineExperiment) Doc() string                        { return "a line, for tests" }
func (lineExperiment) Settings() []*Setting               { return []*Setting{&settingSlope0} }
func (lineExperiment) Check(c *Config) error              { return nil }
func (lineExperiment) SampleCount(c *Config) (int, error) { return PaperPoints().Len(), nil }
func (lineExperiment) Layout(c *Config) ParamLayout {
	return ParamLayout{Columns: []string{"theta"}, Row: "parameter", Params: 2, What: "a line"}
}

func (lineExperiment) New(c *Config, s Streams) (Instance, error) {
	a, err := strconv.ParseFloat(c.Get("slope0"), 64)
	if err != nil {
		return nil, err
	}
	return &lineRun{theta: []float64{a, 0}, data: PaperPoints()}, nil
}

type lineRun struct {
	theta []float64
	data  *Dataset
}

func (r *lineRun) Params() []float64 { return r.theta }
func (r *lineRun) SampleCount() int  { return r.data.Len() }
func (r *lineRun) Step(b Batch, lr float64) float64 {
	var ga, gb, worst float64
	for k, i := range b.Index {
		y := r.data.Y[i]
		if b.Noise != nil {
			y += b.Noise[k]
		}
		res := r.theta[0]*r.data.X[i] + r.theta[1] - y
		ga += res * r.data.X[i]
		gb += res
		worst = max(worst, math.Abs(res))
	}
	n := float64(len(b.Index))
	r.theta[0] -= lr * 2 * ga / n
	r.theta[1] -= lr * 2 * gb / n
	return worst
}
func (r *lineRun) Measure(m *Metrics) {
	m.TrainLoss = 0
	for i := range r.data.Y {
		res := r.theta[0]*r.data.X[i] + r.theta[1] - r.data.Y[i]
		m.TrainLoss += res * res / float64(r.data.Len())
	}
}
func (r *lineRun) Metrics() []string { return []string{"train_loss"} }
func (r *lineRun) Views() Views {
	return Views{Caption: "a line", Curves: [4]Panel{MetricPanel("", "loss", "train_loss")}}
}
func (r *lineRun) Picture(p *Picture, o PictureOptions) {}

func (lineExperiment) Scenarios() []ScenarioInfo {
	return []ScenarioInfo{NewScenario("line-fit", "a line through the paper's points", func() Config {
		c, _ := Scenario("relu1d-large")
		c.Model = "line"
		return c
	})}
}

// withLine registers the line model for the length of a test.
func withLine(t *testing.T) {
	n, m := len(registry), len(Scenarios)
	Register(lineExperiment{})
	t.Cleanup(func() { registry, Scenarios = registry[:n], Scenarios[:m]; Settings = collectSettings() })
}

func TestAFourthModelPlugsIn(t *testing.T) {
	withLine(t)
	c := mustScenario(t, "line-fit")
	if c.Model != "line" || c.Scenario != "line-fit" {
		t.Fatalf("the line model's preset = %q, %q", c.Model, c.Scenario)
	}
	if err := c.Set("model", "relu1d"); err != nil {
		t.Fatalf("Set(model, relu1d) = %v", err)
	}
	if err := c.Set("model", "line"); err != nil {
		t.Fatalf("Set(model, line) = %v", err)
	}
	if s, ok := SettingByKey("model"); !ok || !strings.Contains(s.Range, "line") || !strings.Contains(s.Doc, "a line, for tests") {
		t.Errorf("the model setting does not offer the registered model: %+v", s)
	}
	if got := c.Get("slope0"); got != "0" {
		t.Errorf("slope0 = %q, want its default 0", got)
	}
	if err := c.Set("slope0", "11"); err == nil || !strings.Contains(err.Error(), "slope0") || !strings.Contains(err.Error(), "[-10, 10]") {
		t.Errorf("Set(slope0, 11) = %v, want an error naming the setting and its range", err)
	}
	mustSet(t, &c, "slope0", "0.5", "iters", "400", "lr", "0.01", "warmup", "none", "decays", "none")
	if changed := c.Changed(); !strings.Contains(fmt.Sprint(changed), "slope0 0.5") {
		t.Errorf("Changed() = %v, want slope0 among them", changed)
	}
	run, err := NewRun(c)
	if err != nil {
		t.Fatal(err)
	}
	if a := run.Model().Params()[0]; a != 0.5 {
		t.Errorf("initial slope %g, want 0.5 from the setting", a)
	}
	first := run.Latest().TrainLoss
	run.Advance(400)
	last := run.Latest()
	if !(last.TrainLoss < first) || !math.IsNaN(last.Rank) || !math.IsNaN(last.Kinks) {
		t.Errorf("line model: loss %g → %g, rank %g, kinks %g; want a lower loss and NaN for what it does not measure", first, last.TrainLoss, last.Rank, last.Kinks)
	}
	if keys := run.MetricKeys(); len(keys) != 1 || keys[0] != "train_loss" {
		t.Errorf("MetricKeys() = %v", keys)
	}
	mustSet(t, &c, "method", "sde")
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "method sde") {
		t.Errorf("NewRun(line, sde) = %v, want an error: the SDE needs a scalar model with its training set", err)
	}
}

func TestAnUnknownModelIsAnError(t *testing.T) {
	c := mustScenario(t, "relu1d-large")
	if err := c.Set("model", "cnn"); err == nil || !strings.Contains(err.Error(), "model") || !strings.Contains(err.Error(), "relu1d, diag, mlp") {
		t.Errorf("Set(model, cnn) = %v, want an error listing the models", err)
	}
	c.Model = "cnn" // bypassing Set must not train a relu1d either
	if _, err := NewRun(c); err == nil || !strings.Contains(err.Error(), "model cnn") {
		t.Errorf("NewRun with model cnn = %v, want an error naming the model", err)
	}
	if err := c.Validate(); err == nil {
		t.Error("Validate() with model cnn = nil, want an error")
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering relu1d again did not panic")
		}
	}()
	Register(relu1dExperiment{})
}
