package app

import (
	"net/url"
	"strings"
)

// ParseQuery splits a URL query ("?a=1&b=2" or "a=1&b=2") into key/value pairs in
// their order. A malformed escape keeps the raw text, so the setting that contains it
// is reported by name instead of the whole query being lost.
func ParseQuery(q string) [][2]string {
	q = strings.TrimPrefix(q, "?")
	var out [][2]string
	for _, part := range strings.Split(q, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// EncodeQuery writes key/value pairs as a URL query without the leading "?", keeping
// ':' and ',' readable since point and decay lists use them.
func EncodeQuery(kv [][2]string) string {
	var sb strings.Builder
	for i, p := range kv {
		if i > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(escape(p[0]))
		sb.WriteByte('=')
		sb.WriteString(escape(p[1]))
	}
	return sb.String()
}

func escape(s string) string {
	e := url.QueryEscape(s)
	return strings.NewReplacer("%3A", ":", "%2C", ",").Replace(e)
}
