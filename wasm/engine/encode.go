package engine

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
)

// Encode writes a reply as JSON text and one list of numbers, which is how the
// worker hands it to JavaScript: one string and one Float64Array instead of a call
// across the Go–JavaScript bridge per field (a snapshot has hundreds), which cost
// more than the slice's simulation in the browser. In the text, a list of numbers
// ([]float64) is {"$a": [offset, length]} into floats, and a number that JSON cannot
// write (NaN, ±Inf) is {"$f": "NaN"} ("Infinity", "-Infinity"); web/engine.js turns
// both back into a Float64Array view and a number. Keys are written sorted.
func Encode(v any) (text []byte, floats []float64) {
	return AppendEncode(nil, nil, v)
}

// AppendEncode is Encode appending to text and floats, so that a worker reuses
// its buffers from one snapshot to the next instead of growing new ones (garbage
// collection is not concurrent in WebAssembly).
func AppendEncode(text []byte, floats []float64, v any) ([]byte, []float64) {
	text = appendValue(text, v, &floats)
	return text, floats
}

func appendValue(b []byte, v any, floats *[]float64) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case Reply:
		return appendValue(b, map[string]any(x), floats)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendValue(b, x[k], floats)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e, floats)
		}
		return append(b, ']')
	case []float64:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, `{"$a":[`...)
		b = strconv.AppendInt(b, int64(len(*floats)), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		*floats = append(*floats, x...)
		return append(b, "]}"...)
	case string:
		return appendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		switch {
		case math.IsNaN(x):
			return append(b, `{"$f":"NaN"}`...)
		case math.IsInf(x, 1):
			return append(b, `{"$f":"Infinity"}`...)
		case math.IsInf(x, -1):
			return append(b, `{"$f":"-Infinity"}`...)
		}
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	}
	// Anything else is plain JSON data (an id); a value that is not is a bug.
	t, err := json.Marshal(v)
	if err != nil {
		panic("engine: cannot encode " + err.Error())
	}
	return append(b, t...)
}

func appendString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	t, _ := json.Marshal(s) // a string always marshals; invalid UTF-8 becomes U+FFFD
	return append(b, t...)
}

// Decode reads what Encode wrote back into plain data: objects as map[string]any,
// numbers as float64 (NaN and ±Inf included), lists of numbers as []float64. It is
// what web/engine.js does, for tests.
func Decode(text []byte, floats []float64) (any, error) {
	var v any
	if err := json.Unmarshal(text, &v); err != nil {
		return nil, err
	}
	return revive(v, floats), nil
}

func revive(v any, floats []float64) any {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["$a"].([]any); ok && len(x) == 1 && len(a) == 2 {
			off, n := int(a[0].(float64)), int(a[1].(float64))
			return floats[off : off+n : off+n]
		}
		if f, ok := x["$f"].(string); ok && len(x) == 1 {
			switch f {
			case "NaN":
				return math.NaN()
			case "Infinity":
				return math.Inf(1)
			case "-Infinity":
				return math.Inf(-1)
			}
		}
		for k, e := range x {
			x[k] = revive(e, floats)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = revive(e, floats)
		}
		return x
	}
	return v
}
