// Package models links in the experiments kept in packages of their own: each such
// package calls sim.Register from its init, and is imported here, blank, one line
// each. The command line and the browser import this package, so adding such an
// experiment is its folder plus one line here. The built-in experiments (relu1d,
// diag, mlp) are listed in sim/registry.go.
package models

import _ "kinkscope/sim/cnnexp" // the convolutional network on MNIST
