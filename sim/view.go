package sim

// PanelKind is what a panel shows. A painter (the page's, the command line's) has
// one function per kind; a new kind of view is a constant here and one function per
// painter, never a question about the model.
type PanelKind int

const (
	PanelMetrics      PanelKind = iota // metrics against the iteration
	PanelStepSize                      // the step-size schedule
	PanelPredictor                     // a 1D predictor h(x) on its data, with its kinks
	PanelNorms                         // Jacobian column norms, sorted
	PanelCoefficients                  // β against the truth β*
	PanelFit                           // predictions against the labels of the test set
	PanelActivations                   // activation maps: images × units of a block (Picture.Activations)
	PanelDigits                        // test images with their true and predicted labels (Picture.Digits)
)

var panelKindNames = []string{"metrics", "step size", "predictor", "norms", "coefficients", "fit", "activations", "digits"}

func (k PanelKind) String() string { return enumString(panelKindNames, int(k), "PanelKind") }

// Panel describes one plot as plain data: what it shows, not how.
type Panel struct {
	Kind   PanelKind
	Title  string // "" means the first metric's title
	YLabel string
	// Metrics lists what a PanelMetrics draws, one series each for a single run;
	// compared runs show the first metric only, one series per run.
	Metrics []string
	// Unit is what a column of a PanelNorms belongs to: neuron, parameter, coordinate.
	Unit string
	// Log puts a PanelNorms on a log axis whatever the view's setting.
	Log bool
	// Index is the activation map a PanelActivations draws (Picture.Activations[Index]),
	// or −1 for all of them side by side.
	Index int
}

// Views are the panels a model offers.
type Views struct {
	// Caption describes the model and its data in a few words: width 100.
	Caption string
	// Outcome lists the metrics that say how a run ended, for a line per run.
	Outcome []string
	// Main and Side are the page's large panel and the one beside it; Curves are
	// its four panels of metrics. The page adds the step size.
	Main, Side Panel
	Curves     [4]Panel
	// Figure is the command line's figure, row by row, after the paper's figures.
	Figure [][]Panel
}

// WithYLabel returns p with another y-axis label: the page's small panels take a
// shorter one than the command line's figure.
func (p Panel) WithYLabel(ylabel string) Panel {
	p.YLabel = ylabel
	return p
}

// Short y-axis labels for the page's small panels.
const (
	trainLossLabel = "mean loss on the data"
	testLossLabel  = "mean loss on the test set"
	rankLabel      = "rank of φ on fresh points"
)

// MetricPanel returns a panel of the given metrics.
func MetricPanel(title, ylabel string, keys ...string) Panel {
	return Panel{Kind: PanelMetrics, Title: title, YLabel: ylabel, Metrics: keys}
}

// Picture is the data of a model's panels other than metrics, for its current
// parameters. A field that does not apply is nil.
type Picture struct {
	// PanelPredictor: h on the grid X, each neuron's part of it, the data (scalar
	// inputs), the kinks, and a teacher on X with its kinks.
	X, H         []float64
	Pieces       [][]float64
	DataX, DataY []float64
	Kinks        KinkSummary
	Teacher      []float64
	TeacherKinks KinkSummary
	// PanelNorms: one Jacobian column norm per Panel.Unit, in θ's order.
	Norms []float64
	// PanelCoefficients: the coefficients and the truth.
	Coef, Truth []float64
	// PanelFit: predictions on the test inputs and the labels.
	Fit, FitTruth []float64
	// PanelActivations: one map per measured block, as of the last metric snapshot.
	Activations []ActivationMap
	// PanelDigits: a few test images with the model's answers, as of the last
	// metric snapshot.
	Digits []Digit
}

// ActivationMap pictures a block's post-ReLU activations on a fixed set of images:
// one row per image (sorted by class), one column per unit (sorted by the number of
// images it is active on, most first), values divided by the largest, so 0 is an
// inactive unit. Sparse features show as a dark right part and dark rows.
type ActivationMap struct {
	Title      string    // which block: "block 2, 16×7×7 units"
	Rows, Cols int       // images, units drawn
	Values     []float32 // Rows×Cols, row-major, in [0, 1]
	Labels     []uint8   // class of each row
	Units      int       // units of the block (Cols are drawn from them)
	NonZero    float64   // fraction of non-zero activations over all units
	Sparsity   float64   // feature sparsity coefficient
}

// Digit is a test image with its true and predicted class.
type Digit struct {
	Rows, Cols       int
	Pixels           []float32 // Rows×Cols, row-major, in [0, 1] (1 = ink)
	Label, Predicted int
	Prob             float64 // the predicted class's probability
}

// PictureOptions say what a Picture is wanted for.
type PictureOptions struct {
	// GridPoints is the number of points of the predictor grid X, which runs from
	// the data's smallest x − GridMargin to its largest x + GridMargin.
	GridPoints int
	GridMargin float64
	Pieces     bool // fill in Pieces
	Fit        bool // fill in Fit and FitTruth (a pass over the test set)
}

// predictorGrid returns the grid of o over the range [lo, hi] of the data.
func (o PictureOptions) grid(lo, hi float64) []float64 {
	n := max(o.GridPoints, 2)
	a, b := lo-o.GridMargin, hi+o.GridMargin
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return xs
}

// scalarPicture fills in the data of a predictor on scalar inputs.
func scalarPicture(p *Picture, o PictureOptions, data *Dataset, at func(float64) float64) {
	lo, hi := data.Range()
	p.X = o.grid(lo, hi)
	p.H = make([]float64, len(p.X))
	for i, x := range p.X {
		p.H[i] = at(x)
	}
	p.DataX, p.DataY = append([]float64(nil), data.X...), append([]float64(nil), data.Y...)
}

// fitPicture fills in the predictions of model on the test set.
func fitPicture(p *Picture, model Model, test *Dataset) {
	p.Fit, p.FitTruth = make([]float64, test.Len()), append([]float64(nil), test.Y...)
	for i := range p.Fit {
		p.Fit[i] = model.Predict(test.Input(i))
	}
}

// parameterNorms returns the Jacobian column norm of every parameter of m on ds.
func parameterNorms(m Model, ds *Dataset) []float64 {
	p := m.NumParams()
	jac := make([]float64, ds.Len()*p)
	Jacobian(jac, m, ds)
	out := make([]float64, p)
	ColumnNorms(out, jac, ds.Len(), p)
	return out
}
