package mnist

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
)

// SubsetMagic starts every subset file.
const SubsetMagic = "KSMNIST1"

// The draw of a subset: the training images are the first nTrain of the permutation
// rand.New(rand.NewPCG(DrawSeed, 1)).Perm(60000) of the MNIST training set, the test
// images the first nTest of rand.New(rand.NewPCG(DrawSeed, 2)).Perm(10000) of the test
// set. A smaller subset is a prefix of a larger one.
const DrawSeed = 20230612

// Subset is a fixed draw of MNIST training and test images. TrainIndex[i] is the
// position in the original training set of Train's image i, and likewise for Test.
type Subset struct {
	Train, Test           *Set
	TrainIndex, TestIndex []uint32
}

// Draw returns the first nTrain images of the documented permutation of train and the
// first nTest of that of test (see DrawSeed).
func Draw(train, test *Set, nTrain, nTest int) (*Subset, error) {
	if nTrain < 1 || nTrain > train.Len() {
		return nil, fmt.Errorf("mnist: training subset size %d out of range [1, %d]", nTrain, train.Len())
	}
	if nTest < 1 || nTest > test.Len() {
		return nil, fmt.Errorf("mnist: test subset size %d out of range [1, %d]", nTest, test.Len())
	}
	pick := func(s *Set, n int, stream uint64) (*Set, []uint32) {
		perm := rand.New(rand.NewPCG(DrawSeed, stream)).Perm(s.Len())[:n]
		out := &Set{Rows: s.Rows, Cols: s.Cols, Pixels: make([]uint8, 0, n*s.Rows*s.Cols), Labels: make([]uint8, n)}
		idx := make([]uint32, n)
		for i, p := range perm {
			out.Pixels = append(out.Pixels, s.Image(p)...)
			out.Labels[i] = s.Labels[p]
			idx[i] = uint32(p)
		}
		return out, idx
	}
	sub := &Subset{}
	sub.Train, sub.TrainIndex = pick(train, nTrain, 1)
	sub.Test, sub.TestIndex = pick(test, nTest, 2)
	return sub, nil
}

// WriteSubset writes s in the subset format, all integers little-endian:
//
//	"KSMNIST1"                                8 bytes
//	rows, cols, nTrain, nTest                  4 × uint32
//	training indices                           nTrain × uint32
//	training labels                            nTrain bytes
//	training pixels                            nTrain·rows·cols bytes
//	test indices, labels, pixels               likewise with nTest
//	CRC-32 (IEEE) of all the bytes above       uint32
func WriteSubset(w io.Writer, s *Subset) error {
	b, err := EncodeSubset(s)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// EncodeSubset returns s in the subset format (see WriteSubset).
func EncodeSubset(s *Subset) ([]byte, error) {
	if s.Train == nil || s.Test == nil || s.Train.Rows != s.Test.Rows || s.Train.Cols != s.Test.Cols {
		return nil, fmt.Errorf("mnist: subset needs training and test sets of the same image size")
	}
	for _, p := range []struct {
		set *Set
		idx []uint32
	}{{s.Train, s.TrainIndex}, {s.Test, s.TestIndex}} {
		if len(p.idx) != p.set.Len() || len(p.set.Pixels) != p.set.Len()*p.set.Rows*p.set.Cols {
			return nil, fmt.Errorf("mnist: subset with %d labels, %d indices and %d pixels for %d×%d images", p.set.Len(), len(p.idx), len(p.set.Pixels), p.set.Rows, p.set.Cols)
		}
	}
	b := []byte(SubsetMagic)
	for _, v := range []int{s.Train.Rows, s.Train.Cols, s.Train.Len(), s.Test.Len()} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	for _, p := range []struct {
		set *Set
		idx []uint32
	}{{s.Train, s.TrainIndex}, {s.Test, s.TestIndex}} {
		for _, i := range p.idx {
			b = binary.LittleEndian.AppendUint32(b, i)
		}
		b = append(b, p.set.Labels...)
		b = append(b, p.set.Pixels...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

// DecodeSubset parses a subset file (see WriteSubset). It checks the magic, the sizes
// against the length of b, the CRC-32 and that every label is a digit.
func DecodeSubset(b []byte) (*Subset, error) {
	const head = len(SubsetMagic) + 16
	if len(b) < head+4 {
		return nil, fmt.Errorf("mnist: subset file of %d bytes, shorter than its %d-byte header and checksum", len(b), head+4)
	}
	if string(b[:len(SubsetMagic)]) != SubsetMagic {
		return nil, fmt.Errorf("mnist: subset file starts with %q, want %q", b[:len(SubsetMagic)], SubsetMagic)
	}
	u := func(i int) int { return int(binary.LittleEndian.Uint32(b[len(SubsetMagic)+4*i:])) }
	rows, cols, nTrain, nTest := u(0), u(1), u(2), u(3)
	if rows < 1 || rows > MaxSide || cols < 1 || cols > MaxSide {
		return nil, fmt.Errorf("mnist: subset image size %d×%d out of range [1, %d] per side", rows, cols, MaxSide)
	}
	if nTrain < 1 || nTrain > MaxCount || nTest < 1 || nTest > MaxCount {
		return nil, fmt.Errorf("mnist: subset of %d training and %d test images, each out of range [1, %d]", nTrain, nTest, MaxCount)
	}
	want := head + (nTrain+nTest)*(4+1+rows*cols) + 4
	if len(b) != want {
		return nil, fmt.Errorf("mnist: subset file of %d bytes, want %d for %d+%d images of %d×%d (truncated or trailing bytes)", len(b), want, nTrain, nTest, rows, cols)
	}
	if got, sum := binary.LittleEndian.Uint32(b[want-4:]), crc32.ChecksumIEEE(b[:want-4]); got != sum {
		return nil, fmt.Errorf("mnist: subset file checksum %#08x, computed %#08x: the file is corrupt", got, sum)
	}
	off := head
	part := func(n int) (*Set, []uint32, error) {
		idx := make([]uint32, n)
		for i := range idx {
			idx[i] = binary.LittleEndian.Uint32(b[off+4*i:])
		}
		off += 4 * n
		s := &Set{Rows: rows, Cols: cols, Labels: append([]uint8(nil), b[off:off+n]...)}
		off += n
		s.Pixels = append([]uint8(nil), b[off:off+n*rows*cols]...)
		off += n * rows * cols
		for i, l := range s.Labels {
			if l > 9 {
				return nil, nil, fmt.Errorf("mnist: subset label %d is %d, want a digit 0–9", i, l)
			}
		}
		return s, idx, nil
	}
	var sub Subset
	var err error
	if sub.Train, sub.TrainIndex, err = part(nTrain); err != nil {
		return nil, err
	}
	if sub.Test, sub.TestIndex, err = part(nTest); err != nil {
		return nil, err
	}
	return &sub, nil
}

// Default subset sizes: what `make build` writes for the browser.
const (
	DefaultTrain = 4000
	DefaultTest  = 1000
)

// BuildSubset loads the MNIST files in dir and returns the encoded subset of nTrain
// training and nTest test images.
func BuildSubset(dir string, nTrain, nTest int) ([]byte, error) {
	train, test, err := Load(dir)
	if err != nil {
		return nil, err
	}
	sub, err := Draw(train, test, nTrain, nTest)
	if err != nil {
		return nil, err
	}
	return EncodeSubset(sub)
}
