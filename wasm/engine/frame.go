package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"sort"
	"unsafe"

	"kinkscope/render/app"
	"kinkscope/sim"
)

// Frame is what a worker posts to the simulator page after a slice of its session:
// the session's app.Snapshot, which the page draws as it is, without each run's
// history, whose new rows come in History instead (the page keeps the rows it
// holds). It travels as bytes (AppendFrame, DecodeFrame), both ends being Go: one
// transferred buffer, no JSON, lists of numbers copied whole.
type Frame struct {
	Session int // the open request's session number
	// Applied counts the session commands the engine had handled when the slice
	// began: the frame shows their effect.
	Applied  int
	Snapshot app.Snapshot
	History  []HistoryPart // one per run of Snapshot.Runs
	// Ms is the slice's time in milliseconds: the session's Update and the snapshot
	// (the page's perf().worker).
	Ms float64
}

// HistoryPart is the new part of one run's history: the page keeps the first From
// rows it holds and appends Rows, which makes Length rows.
type HistoryPart struct {
	From, Length int
	Rows         []sim.Metrics
}

// AppendFrame appends f's encoding to b. Every exported field of f is written, by
// reflection, so a field added to the snapshot travels without a change here;
// unexported fields stay behind.
func AppendFrame(b []byte, f *Frame) []byte {
	return appendBinary(b, reflect.ValueOf(f).Elem())
}

// DecodeFrame reads a frame that AppendFrame wrote.
func DecodeFrame(b []byte) (f *Frame, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("engine: a corrupt frame: %v", p)
		}
	}()
	f = new(Frame)
	d := decoder{b: b}
	d.value(reflect.ValueOf(f).Elem())
	if len(d.b) != 0 {
		return nil, fmt.Errorf("engine: a frame with %d bytes left over", len(d.b))
	}
	return f, nil
}

var (
	float64s = reflect.TypeFor[[]float64]()
	float32s = reflect.TypeFor[[]float32]()
	bytesT   = reflect.TypeFor[[]uint8]()
)

func appendBinary(b []byte, v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1)
		}
		return append(b, 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return binary.AppendUvarint(b, v.Uint())
	case reflect.Float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float()))
	case reflect.Float32:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Float())))
	case reflect.String:
		b = binary.AppendUvarint(b, uint64(v.Len()))
		return append(b, v.String()...)
	case reflect.Slice:
		// Length + 1, so that 0 is nil: a nil list is what a model does not draw.
		if v.IsNil() {
			return append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		switch v.Type() {
		case float64s:
			return appendRaw(b, v.Interface().([]float64))
		case float32s:
			return appendRaw(b, v.Interface().([]float32))
		case bytesT:
			return append(b, v.Bytes()...)
		}
		for i := range v.Len() {
			b = appendBinary(b, v.Index(i))
		}
		return b
	case reflect.Array:
		for i := range v.Len() {
			b = appendBinary(b, v.Index(i))
		}
		return b
	case reflect.Map:
		if v.IsNil() {
			return append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(v.Len())+1)
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			b = appendBinary(b, k)
			b = appendBinary(b, v.MapIndex(k))
		}
		return b
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				b = appendBinary(b, v.Field(i))
			}
		}
		return b
	}
	panic("engine: a frame cannot carry a " + v.Type().String())
}

// appendRaw appends the bytes of a list of numbers as they lie in memory, which is
// little-endian both in WebAssembly and on the machines the tests run on.
func appendRaw[T float32 | float64](b []byte, s []T) []byte {
	if len(s) == 0 {
		return b
	}
	return append(b, unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))...)
}

type decoder struct{ b []byte }

func (d *decoder) uvarint() uint64 {
	x, n := binary.Uvarint(d.b)
	if n <= 0 {
		panic("a bad length")
	}
	d.b = d.b[n:]
	return x
}

func (d *decoder) take(n int) []byte {
	if n < 0 || n > len(d.b) {
		panic("the frame ends early")
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

// length reads a list's length + 1; ok is false for nil.
func (d *decoder) length() (n int, ok bool) {
	x := d.uvarint()
	if x > uint64(len(d.b))+1 {
		panic("a list longer than the frame")
	}
	return int(x) - 1, x > 0
}

func (d *decoder) value(v reflect.Value) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(d.take(1)[0] != 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, n := binary.Varint(d.b)
		if n <= 0 {
			panic("a bad number")
		}
		d.b = d.b[n:]
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(d.uvarint())
	case reflect.Float64:
		v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(d.take(8))))
	case reflect.Float32:
		v.SetFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(d.take(4)))))
	case reflect.String:
		v.SetString(string(d.take(int(d.uvarint()))))
	case reflect.Slice:
		n, ok := d.length()
		if !ok {
			return
		}
		switch v.Type() {
		case float64s:
			s := make([]float64, n)
			copyRaw(s, d.take(8*n))
			v.Set(reflect.ValueOf(s))
			return
		case float32s:
			s := make([]float32, n)
			copyRaw(s, d.take(4*n))
			v.Set(reflect.ValueOf(s))
			return
		case bytesT:
			v.SetBytes(append([]byte{}, d.take(n)...))
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			d.value(s.Index(i))
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			d.value(v.Index(i))
		}
	case reflect.Map:
		n, ok := d.length()
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for range n {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			d.value(k)
			d.value(e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				d.value(v.Field(i))
			}
		}
	default:
		panic("engine: a frame cannot carry a " + v.Type().String())
	}
}

func copyRaw[T float32 | float64](dst []T, src []byte) {
	if len(dst) > 0 {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&dst[0])), len(src)), src)
	}
}
