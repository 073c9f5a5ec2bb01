package mnist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// IDX magic numbers: two zero bytes, the element type 0x08 (unsigned byte) and the
// number of dimensions.
const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
)

// Limits on what a header may announce, so that a corrupt header gives an error and
// not an allocation of gigabytes.
const (
	MaxCount = 1 << 20 // images or labels in one file
	MaxSide  = 1 << 10 // rows or columns of an image
)

// Set is a set of labelled images: image i is Pixels[i·Rows·Cols : (i+1)·Rows·Cols],
// row-major, 0 = background, 255 = ink, and its digit is Labels[i].
type Set struct {
	Rows, Cols int
	Pixels     []uint8
	Labels     []uint8
}

// Len returns the number of images in s.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns the pixels of image i (a subslice of s.Pixels).
func (s *Set) Image(i int) []uint8 {
	n := s.Rows * s.Cols
	return s.Pixels[i*n : (i+1)*n]
}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// open returns a reader of the decompressed contents of r: gzip if r starts with the
// gzip magic, raw otherwise.
func open(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip header: %w", err)
		}
		return zr, nil
	}
	return br, nil
}

// readHeader reads the magic number and the dims dimensions of an IDX stream.
func readHeader(r io.Reader, magic uint32, dims int) ([]int, error) {
	buf := make([]byte, 4*(1+dims))
	if n, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("truncated header: %d of %d bytes (%v)", n, len(buf), err)
	}
	if got := binary.BigEndian.Uint32(buf); got != magic {
		return nil, fmt.Errorf("magic number %#08x, want %#08x (an IDX file of unsigned bytes with %d dimensions)", got, magic, dims)
	}
	d := make([]int, dims)
	for i := range d {
		d[i] = int(binary.BigEndian.Uint32(buf[4*(i+1):]))
	}
	return d, nil
}

// readPayload reads exactly n bytes and then requires the end of the stream, which
// also makes gzip verify its checksum.
func readPayload(r io.Reader, n int, what string) ([]uint8, error) {
	b := make([]uint8, n)
	if got, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("truncated %s: %d of %d bytes (%v)", what, got, n, err)
	}
	var one [1]byte
	switch k, err := r.Read(one[:]); {
	case k > 0:
		return nil, fmt.Errorf("trailing bytes after %d bytes of %s", n, what)
	case err == nil:
		// A reader may return 0, nil; ReadFull decides.
		if k, err := io.ReadFull(r, one[:]); k > 0 || !errors.Is(err, io.EOF) {
			if k > 0 {
				return nil, fmt.Errorf("trailing bytes after %d bytes of %s", n, what)
			}
			return nil, fmt.Errorf("after %s: %v", what, err)
		}
	case !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("after %s: %v", what, err)
	}
	return b, nil
}

// ReadImages reads an IDX image file (magic 0x00000803, raw or gzip) from r and
// returns the image size and the pixels, image after image, row-major.
func ReadImages(r io.Reader) (rows, cols int, pix []uint8, err error) {
	if r, err = open(r); err != nil {
		return 0, 0, nil, err
	}
	d, err := readHeader(r, imageMagic, 3)
	if err != nil {
		return 0, 0, nil, err
	}
	count, rows, cols := d[0], d[1], d[2]
	if count < 1 || count > MaxCount {
		return 0, 0, nil, fmt.Errorf("image count %d out of range [1, %d]", count, MaxCount)
	}
	if rows < 1 || rows > MaxSide || cols < 1 || cols > MaxSide {
		return 0, 0, nil, fmt.Errorf("image size %d×%d out of range [1, %d] per side", rows, cols, MaxSide)
	}
	pix, err = readPayload(r, count*rows*cols, "pixels")
	if err != nil {
		return 0, 0, nil, err
	}
	return rows, cols, pix, nil
}

// ReadLabels reads an IDX label file (magic 0x00000801, raw or gzip) from r. Every
// label must be a digit 0–9.
func ReadLabels(r io.Reader) ([]uint8, error) {
	r, err := open(r)
	if err != nil {
		return nil, err
	}
	d, err := readHeader(r, labelMagic, 1)
	if err != nil {
		return nil, err
	}
	if d[0] < 1 || d[0] > MaxCount {
		return nil, fmt.Errorf("label count %d out of range [1, %d]", d[0], MaxCount)
	}
	lab, err := readPayload(r, d[0], "labels")
	if err != nil {
		return nil, err
	}
	for i, l := range lab {
		if l > 9 {
			return nil, fmt.Errorf("label %d is %d, want a digit 0–9", i, l)
		}
	}
	return lab, nil
}

// ReadSet reads an image file and its label file and checks that they agree.
func ReadSet(imagePath, labelPath string) (*Set, error) {
	f, err := os.Open(imagePath)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	rows, cols, pix, err := ReadImages(f)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: %w", imagePath, err)
	}
	g, err := os.Open(labelPath)
	if err != nil {
		return nil, fmt.Errorf("mnist: %w", err)
	}
	defer g.Close()
	lab, err := ReadLabels(g)
	if err != nil {
		return nil, fmt.Errorf("mnist: %s: %w", labelPath, err)
	}
	if n := len(pix) / (rows * cols); n != len(lab) {
		return nil, fmt.Errorf("mnist: %s has %d images but %s has %d labels", imagePath, n, labelPath, len(lab))
	}
	return &Set{Rows: rows, Cols: cols, Pixels: pix, Labels: lab}, nil
}

// File names of the four MNIST files, as GoMNIST ships them.
const (
	TrainImages = "train-images-idx3-ubyte.gz"
	TrainLabels = "train-labels-idx1-ubyte.gz"
	TestImages  = "t10k-images-idx3-ubyte.gz"
	TestLabels  = "t10k-labels-idx1-ubyte.gz"
)

// Load reads the training and test sets from the four files in dir.
func Load(dir string) (train, test *Set, err error) {
	join := func(name string) string { return dir + string(os.PathSeparator) + name }
	if train, err = ReadSet(join(TrainImages), join(TrainLabels)); err != nil {
		return nil, nil, err
	}
	if test, err = ReadSet(join(TestImages), join(TestLabels)); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}
