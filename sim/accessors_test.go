package sim

// Test-only views into a run's model, by its concrete type: the production code never
// asks which model a run trains.

func (r *Run) relu1d() *relu1dRun { x, _ := r.model.(*relu1dRun); return x }
func (r *Run) diagRun() *diagRun  { x, _ := r.model.(*diagRun); return x }
func (r *Run) mlpRun() *mlpRun    { x, _ := r.model.(*mlpRun); return x }

// Net returns the ReLU network, or nil when the run trains another model.
func (r *Run) Net() *ReLU1D {
	if x := r.relu1d(); x != nil {
		return x.net
	}
	return nil
}

// Diagonal returns the diagonal network, or nil.
func (r *Run) Diagonal() *Diagonal {
	if x := r.diagRun(); x != nil {
		return x.net
	}
	return nil
}

// MLP returns the MLP student, or nil.
func (r *Run) MLP() *MLP {
	if x := r.mlpRun(); x != nil {
		return x.net
	}
	return nil
}

// Teacher returns the MLP's teacher, or nil.
func (r *Run) Teacher() *MLP {
	if x := r.mlpRun(); x != nil {
		return x.teacher
	}
	return nil
}

// TeacherKinks returns the teacher's kinks in the data range (none unless d = 1).
func (r *Run) TeacherKinks() KinkSummary {
	if x := r.mlpRun(); x != nil {
		return x.kinks(x.teacher)
	}
	return KinkSummary{}
}

// KinkSummary returns the kinks of a 1D predictor in the data range, or none.
func (r *Run) KinkSummary() KinkSummary {
	switch x := r.model.(type) {
	case *relu1dRun:
		return x.kinks()
	case *mlpRun:
		return x.kinks(x.net)
	}
	return KinkSummary{}
}

// InputNorms returns ‖X_{:,k}‖ of the diagonal network's inputs, or nil.
func (r *Run) InputNorms() []float64 {
	if x := r.diagRun(); x != nil {
		return x.xnorm
	}
	return nil
}

// BetaStar returns β*, or nil.
func (r *Run) BetaStar() []float64 {
	if x := r.diagRun(); x != nil {
		return x.star
	}
	return nil
}

// Data returns the training set.
func (r *Run) Data() *Dataset { return r.model.(Scalar).Train() }

// Test returns the test set, or nil.
func (r *Run) Test() *Dataset {
	switch x := r.model.(type) {
	case *diagRun:
		return x.test
	case *mlpRun:
		return x.test
	}
	return nil
}

// scalar returns the run's model as a scalar predictor.
func (r *Run) scalar() Model { return r.model.(Scalar).Model() }
