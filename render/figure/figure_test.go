package figure

import (
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"

	"kinkscope/sim"
)

func history(n int, f func(i int, m *sim.Metrics)) []sim.Metrics {
	rows := make([]sim.Metrics, n)
	for i := range rows {
		rows[i] = sim.Metrics{Iter: 10 * i, TrainLoss: math.NaN(), Kinks: math.NaN(), RawKinks: math.NaN(), FeatureSparsity: math.NaN()}
		f(i, &rows[i])
	}
	return rows
}

func TestMetricsPlotOneRunDrawsEveryMetric(t *testing.T) {
	rows := history(50, func(i int, m *sim.Metrics) { m.Kinks, m.RawKinks = float64(60-i), float64(90-i) })
	p := sim.MetricPanel("", "kinks", "kinks", "raw_kinks")
	pl := MetricsPlot(p, []RunHistory{{Rows: rows, Color: Run}}, 500, []int{250, 100, 250}, 300)
	if len(pl.Series) != 2 || len(pl.Legend) != 2 || pl.Series[0].Color != Run || pl.Series[1].Color == Run {
		t.Fatalf("one run, two metrics: %d series, %d legend entries, colors %v, %v; want 2, 2, the run's then another", len(pl.Series), len(pl.Legend), pl.Series[0].Color, pl.Series[1].Color)
	}
	if pl.Title != "Kinks in the data range" || pl.Y.Log || pl.Y.Lo != 0 || pl.Y.Hi < 90 || pl.X.Hi != 500 || pl.Now != 300 {
		t.Errorf("plot %q y [%g, %g] log %v, x to %g, now %g; want the metric's title, a linear axis from 0 above 90, x to 500, now 300", pl.Title, pl.Y.Lo, pl.Y.Hi, pl.Y.Log, pl.X.Hi, pl.Now)
	}
	if !slices.Equal(pl.VLines, []float64{100, 250}) {
		t.Errorf("decay lines %v, want 100, 250 once each, in order", pl.VLines)
	}
	if got := pl.Series[1].Y[3]; got != 87 {
		t.Errorf("raw kinks at snapshot 3 = %g, want 87", got)
	}
}

func TestMetricsPlotComparedRunsShowTheFirstMetric(t *testing.T) {
	a := history(20, func(i int, m *sim.Metrics) { m.TrainLoss = math.Pow(10, -float64(i)/4); m.FeatureSparsity = 0.5 })
	b := history(20, func(i int, m *sim.Metrics) { m.TrainLoss = 3e-3; m.FeatureSparsity = 0.25 })
	colors := RunColors(2, "lr")
	runs := []RunHistory{{Rows: a, Color: colors[0], Label: "γ = 1"}, {Rows: b, Color: colors[1], Label: "γ = 2"}}
	pl := MetricsPlot(sim.MetricPanel("", "loss", "train_loss", "test_loss"), runs, 200, nil, math.NaN())
	if len(pl.Series) != 2 || pl.Legend[1].Label != "γ = 2" || pl.Series[1].Color != colors[1] {
		t.Fatalf("two runs: %d series, legend %v; want one series per run, labelled", len(pl.Series), pl.Legend)
	}
	if !pl.Y.Log || pl.Y.Lo > 10e-5 || pl.Y.Hi < 1 || math.Log10(pl.Y.Lo) != math.Round(math.Log10(pl.Y.Lo)) {
		t.Errorf("log axis [%g, %g], want whole decades around 1e-4.75 … 1", pl.Y.Lo, pl.Y.Hi)
	}
	pct := MetricsPlot(sim.MetricPanel("", "", "feature_sparsity"), runs, 200, nil, math.NaN())
	if !strings.HasSuffix(pct.Title, "(%)") || pct.Series[0].Y[0] != 50 || pct.Series[1].Y[0] != 25 {
		t.Errorf("feature sparsity %q, first values %g, %g; want percentages 50, 25", pct.Title, pct.Series[0].Y[0], pct.Series[1].Y[0])
	}
}

func TestRunColorsFollowTheReference(t *testing.T) {
	if got := RunColors(4, "scenario"); !slices.Equal(got, []color.RGBA{LightSteel, Cornflower, Blue, Midnight}) {
		t.Errorf("RunColors(4) = %v, want light steel, cornflower, blue, midnight", got)
	}
	if got := RunColors(2, "method"); got[0] != Run || got[1] != SDE {
		t.Errorf("RunColors(2, method) = %v, want blue against red", got)
	}
	if c, ok := ScenarioColor("diag-decay50"); !ok || c != Midnight {
		t.Errorf("ScenarioColor(diag-decay50) = %v, %v", c, ok)
	}
}
