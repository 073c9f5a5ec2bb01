// Package cnn trains a small ReLU convolutional network on grey images (MNIST) by SGD
// and measures what the paper "SGD with Large Step Sizes Learns Sparse Features"
// measures for deep networks: train and test loss and error, and the feature
// sparsity of two blocks (the middle one and the last one before the classifier).
//
// The network is a sequence of Blocks (K×K convolutions with zero padding K/2, each
// followed by ReLU, then a max-pool), an optional ReLU dense layer and a linear
// classifier over the ten digits, trained on the softmax cross-entropy. Training
// follows the reference code's deep-network settings: batch B, optional heavy-ball
// momentum and weight decay, optional random translations by up to 2 pixels, and the
// schedules Constant, WarmUp (piecewise_0X) and Hold (the state-of-the-art variant).
//
// Use:
//
//	tr, err := cnn.New(cfg, data, cnn.Rands{Init: ..., Data: ..., Sample: ...})
//	for !tr.Done() {
//		tr.Step(10)                 // allocates nothing
//		s := tr.Begin()             // a frozen copy of the parameters
//		for !s.Advance(budget) {}   // or one piece per frame
//		m := s.Metrics()
//	}
//
// Arithmetic is float32 with the kernels in kernels.go (the slow obvious references
// are in the tests); the softmax, the loss and the schedule use a platform-independent
// exp and log, so that a seed gives the same run natively and in WebAssembly.
//
// The package imports the standard library and kinkscope/sim (for its random streams
// and Normal sampler); sim does not import it.
package cnn
