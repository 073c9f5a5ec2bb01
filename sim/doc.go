// Package sim simulates stochastic gradient descent on small neural networks (a
// two-layer ReLU network on scalar inputs, a diagonal linear network on sparse
// regression, and fully connected ReLU networks of any depth learning a random
// teacher) and measures what the paper "SGD with Large Step Sizes Learns Sparse
// Features" (Andriushchenko et al., ICML 2023) measures: train and test loss, the
// rank of the Jacobian φ_θ(X), the feature sparsity coefficient (per hidden layer),
// and the kinks of a 1D ReLU predictor.
//
// Each model kind is an Experiment (experiment.go) in files of its own
// (relu1d_experiment.go, diag_experiment.go, mlp_experiment.go), listed once in
// registry.go; a Run talks to its model through the Instance interface only. Metrics
// (MetricList), settings (Settings) and panels (Views, Picture) are declared once, as
// plain data, for every output above this package to iterate over.
//
// The package imports only the standard library and gonum, so the same code runs in
// the command-line tool and, compiled to WebAssembly, in the browser. Everything that
// changes the trajectory (initialization, sampling, label noise, the step-size
// schedule) is computed with integer arithmetic and the IEEE operations +, −, ×, ÷
// and √, which Go evaluates identically on amd64 and wasm: the same Config gives the
// same run, bit for bit, in both.
package sim
