package sim

// The built-in experiments, in the order the model setting lists them. This is the
// one list of model kinds: an experiment in a package of its own calls Register from
// its init instead, and the package is imported once, in kinkscope/sim/models.
func init() {
	for _, e := range []Experiment{relu1dExperiment{}, diagExperiment{}, mlpExperiment{}} {
		Register(e)
	}
}
