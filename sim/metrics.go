package sim

import (
	"math"
	"strings"
)

// Metrics is one snapshot of a run. A metric that does not apply is NaN.
//
// The fields are the values MetricList declares; every output (CSV, JSON, the page's
// state and history, panels and figures) goes through MetricList, never through the
// fields by name. A new metric is a field here and one line in MetricList. The order
// of the fields is that of the golden digests (golden_test.go), not of the outputs.
type Metrics struct {
	Iter              int
	LR                float64 // step size of the next iteration
	TrainLoss         float64 // mean per-sample loss on the (noise-free) training set
	TestLoss          float64 // mean per-sample loss on the test set (synthetic data)
	Rank              float64 // numerical rank of φ_θ on fresh points
	FeatureSparsity   float64 // fraction in [0, 1] (ReLU networks; for the MLP, hidden layer 2's, or 1's with one layer)
	FeatureSparsityL1 float64 // MLP: feature sparsity of hidden layer 1
	FeatureSparsityL2 float64 // MLP: feature sparsity of hidden layer 2 (NaN with one hidden layer)
	Kinks             float64 // visible kinks inside the data range (1D)
	RawKinks          float64 // single-neuron kinks inside the data range (1D)
	L0                float64 // ‖β‖₀ (diagonal network)
	L1                float64 // ‖β‖₁ (diagonal network)
	// Classifiers (the convolutional network on images).
	TrainError          float64 // fraction of the measured training images misclassified
	TestError           float64 // fraction of the test images misclassified
	FeatureSparsityMid  float64 // feature sparsity of the middle measured block
	FeatureSparsityLast float64 // feature sparsity of the last block before the classifier
	NonZeroMid          float64 // fraction of non-zero activations of the middle block
	NonZeroLast         float64 // fraction of non-zero activations of the last block
}

// Metric declares one column of Metrics.
type Metric struct {
	Key   string  // CSV column; its camelCase form is the JSON key
	Title string  // panel title
	Label string  // short name in the page's status line (its font lacks ‖ and subscripts)
	Name  string  // name in a sentence (a summary line)
	Unit  string  // "%" for fractions shown as percentages, else what the value counts
	Log   bool    // drawn on a log axis
	Scale float64 // multiplies the value for display (100 for percentages)
	Field func(*Metrics) *float64
}

// Value returns the metric of m as stored (a fraction, not a percentage).
func (d *Metric) Value(m *Metrics) float64 {
	if d.Field == nil {
		return float64(m.Iter)
	}
	return *d.Field(m)
}

// Shown returns the metric of m as displayed (times Scale).
func (d *Metric) Shown(m *Metrics) float64 { return d.Scale * d.Value(m) }

// JSONKey returns the key of the metric in JSON: train_loss → trainLoss.
func (d *Metric) JSONKey() string {
	parts := strings.Split(d.Key, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// MetricList declares every metric, in the order of the columns of metrics.csv and of
// the browser's CSV export (columns added later go at the end, so that scripts that
// read the earlier ones by position keep working). The first, iter, has no Field.
var MetricList = []Metric{
	{Key: "iter", Name: "iteration", Title: "Iteration", Label: "iteration", Scale: 1},
	{Key: "lr", Name: "step size", Title: "Step size η", Label: "η", Scale: 1, Field: func(m *Metrics) *float64 { return &m.LR }},
	{Key: "train_loss", Name: "train loss", Title: "Train loss", Label: "train", Log: true, Scale: 1, Field: func(m *Metrics) *float64 { return &m.TrainLoss }},
	{Key: "test_loss", Name: "test loss", Title: "Test loss", Label: "test", Log: true, Scale: 1, Field: func(m *Metrics) *float64 { return &m.TestLoss }},
	{Key: "rank", Name: "rank", Title: "Jacobian rank", Label: "rank", Scale: 1, Field: func(m *Metrics) *float64 { return &m.Rank }},
	{Key: "feature_sparsity", Name: "feature sparsity", Title: "Feature sparsity", Label: "sparsity", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.FeatureSparsity }},
	{Key: "kinks", Name: "kinks", Title: "Kinks in the data range", Label: "kinks", Scale: 1, Field: func(m *Metrics) *float64 { return &m.Kinks }},
	{Key: "raw_kinks", Name: "single-neuron kinks", Title: "Single neurons' kinks in the data range", Label: "raw kinks", Scale: 1, Field: func(m *Metrics) *float64 { return &m.RawKinks }},
	{Key: "l0", Name: "‖β‖₀", Title: "Non-zero coordinates of β", Label: "non-zeros of β", Scale: 1, Field: func(m *Metrics) *float64 { return &m.L0 }},
	{Key: "l1", Name: "‖β‖₁", Title: "L1 norm of β", Label: "l1 norm of β", Scale: 1, Field: func(m *Metrics) *float64 { return &m.L1 }},
	{Key: "feature_sparsity_l1", Name: "feature sparsity layer 1", Title: "Feature sparsity, layer 1", Label: "sparsity 1", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.FeatureSparsityL1 }},
	{Key: "feature_sparsity_l2", Name: "feature sparsity layer 2", Title: "Feature sparsity, layer 2", Label: "sparsity 2", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.FeatureSparsityL2 }},
	{Key: "train_error", Name: "train error", Title: "Train error", Label: "train err", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.TrainError }},
	{Key: "test_error", Name: "test error", Title: "Test error", Label: "test err", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.TestError }},
	{Key: "feature_sparsity_mid", Name: "sparsity mid", Title: "Feature sparsity, middle block", Label: "sparsity mid", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.FeatureSparsityMid }},
	{Key: "feature_sparsity_last", Name: "sparsity last", Title: "Feature sparsity, last block", Label: "sparsity last", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.FeatureSparsityLast }},
	{Key: "nonzero_mid", Name: "non-zero mid", Title: "Non-zero activations, middle block", Label: "non-zero mid", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.NonZeroMid }},
	{Key: "nonzero_last", Name: "non-zero last", Title: "Non-zero activations, last block", Label: "non-zero last", Unit: "%", Scale: 100, Field: func(m *Metrics) *float64 { return &m.NonZeroLast }},
}

// MetricByKey returns the declaration of the metric key.
func MetricByKey(key string) (*Metric, bool) {
	for i := range MetricList {
		if MetricList[i].Key == key {
			return &MetricList[i], true
		}
	}
	return nil, false
}

// MustMetric returns the declaration of the metric key and panics when there is none:
// for keys written in code.
func MustMetric(key string) *Metric {
	d, ok := MetricByKey(key)
	if !ok {
		panic("sim: unknown metric " + key)
	}
	return d
}

// noMetrics has every metric NaN.
func noMetrics(iter int, lr float64) Metrics {
	m := Metrics{Iter: iter}
	for _, d := range MetricList {
		if d.Field != nil {
			*d.Field(&m) = math.NaN()
		}
	}
	m.LR = lr
	return m
}
