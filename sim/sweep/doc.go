// Package sweep runs a grid of simulations (settings given as values or ranges ×
// data seeds × seeds) and summarizes them per grid cell, so that every claim about
// the science is a statistic over seeds and data draws that anyone can rerun.
//
// A sweep has a deterministic run order (the first axis outermost, then the data
// seed, then the seed), so it can be cut into shards (run i of n takes the runs whose
// index is i−1 mod n) that run as separate processes or cluster jobs, and merged into
// the same files an unsharded sweep writes, byte for byte. Each finished run is
// appended to a partial file at once, so an interrupted sweep resumes where it
// stopped. The package talks to the simulator through one function, Simulate.
package sweep
