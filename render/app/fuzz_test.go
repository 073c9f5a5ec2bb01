package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"kinkscope/sim"
)

// Fuzz tests for what reaches a simulator page from outside: the URL and the
// postMessage API. The committed seed corpus is in testdata/fuzz; make test runs each
// for a few seconds (go test -run '^$' -fuzz '^FuzzNewSession$' -fuzztime 3s ./render).

// FuzzNewSession opens a session from any URL query: no panic; every note names the
// key it is about; and the URL the session writes opens a session with exactly the
// same settings (decode(encode(s)) = s), without new notes.
func FuzzNewSession(f *testing.F) {
	f.Fuzz(func(t *testing.T, query string) {
		s := NewSession(ParseQuery(query))
		kv := ParseQuery(query)
		notes := s.Notes()
		for _, n := range notes {
			if !noteNamesKey(n, kv) {
				t.Errorf("NewSession(%q): note %q names no setting", query, n)
			}
		}
		url := EncodeQuery(s.Query())
		s2 := NewSession(ParseQuery(url))
		if got, want := s2.Config(), s.Config(); !slices.Equal(got, want) {
			t.Fatalf("NewSession(%q) then its own URL %q: config\n%q\nwant\n%q", query, url, got, want)
		}
		for _, n := range s2.Notes() {
			if !slices.Contains(notes, n) {
				t.Errorf("NewSession(%q) writes the URL %q, which gives a new note %q", query, url, n)
			}
		}
	})
}

// noteKeys are the keys a note may name besides sim's settings.
var noteKeys = append([]string{"scenario", "preset", "compare"}, viewKeys...)

// noteNamesKey reports whether a note starts by naming a setting: "KEY …" for a known
// key, or "unknown setting "KEY"" for a key of the query, or "unknown scenario".
func noteNamesKey(note string, kv [][2]string) bool {
	if strings.HasPrefix(note, "unknown scenario ") {
		return true
	}
	for _, p := range kv {
		if strings.HasPrefix(note, "unknown setting "+strconv.Quote(p[0])) {
			return true
		}
	}
	keys := slices.Clone(noteKeys)
	for _, s := range sim.Settings {
		keys = append(keys, s.Key)
	}
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(note, k); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, ":")) {
			return true
		}
	}
	return false
}

// FuzzParseMessage checks the message validator on any bytes: no panic; a message
// accepted once is accepted again, as the same Message, after writing it back to
// JSON; and a rejection of a kinkscope message names the field at fault.
func FuzzParseMessage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if errors.Is(err, ErrNotOurs) {
			return
		}
		if err != nil {
			if !rejectionNamesField(err.Error()) {
				t.Fatalf("ParseMessage(%q) = %q, want an error that starts with the field", data, err)
			}
			return
		}
		again := encodeMessage(t, m)
		m2, err := ParseMessage(again)
		if err != nil {
			t.Fatalf("ParseMessage(%q) accepted %+v, but its re-encoding %s gives %v", data, m, again, err)
		}
		if !sameMessage(m, m2) {
			t.Fatalf("ParseMessage(%q) = %+v; re-encoded as %s it gives %+v", data, m, again, m2)
		}
	})
}

// messageFields are the fields a rejection may name.
var messageFields = []string{"cmd", "n", "iter", "hz", "what", "settings"}

// rejectionNamesField reports whether an error starts with a field: "FIELD: …",
// "FIELD "value": …", "settings.KEY: …", "field "NAME": …", or is the one error about
// the whole message, its size.
func rejectionNamesField(msg string) bool {
	if strings.HasPrefix(msg, "message of ") || strings.HasPrefix(msg, "field \"") || strings.HasPrefix(msg, "settings.") {
		return true
	}
	for _, f := range messageFields {
		if rest, ok := strings.CutPrefix(msg, f); ok && (strings.HasPrefix(rest, ": ") || strings.HasPrefix(rest, " \"")) {
			return true
		}
	}
	return false
}

// encodeMessage writes m as the JSON a page would send.
func encodeMessage(t *testing.T, m Message) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"kinkscope":1,"cmd":`)
	writeJSON(t, &b, m.Cmd)
	if m.ID != nil {
		b.WriteString(`,"id":`)
		b.Write(m.ID)
	}
	field := func(name string, v any) {
		b.WriteString(`,"` + name + `":`)
		writeJSON(t, &b, v)
	}
	switch m.Cmd {
	case "set", "load":
		if m.Settings != nil || m.Cmd == "set" {
			b.WriteString(`,"settings":{`)
			for i, p := range m.Settings {
				if i > 0 {
					b.WriteByte(',')
				}
				writeJSON(t, &b, p[0])
				b.WriteByte(':')
				writeJSON(t, &b, p[1])
			}
			b.WriteByte('}')
		}
		if m.Cmd == "load" {
			field("iter", m.Iter)
		}
	case "step":
		field("n", m.N)
	case "runTo":
		field("iter", m.Iter)
	case "subscribe":
		field("hz", m.Hz)
	case "export":
		field("what", m.What)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSON(t *testing.T, b *bytes.Buffer, v any) {
	t.Helper()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding %#v: %v", v, err)
	}
	b.Truncate(b.Len() - 1) // Encode ends with a newline
}

// sameMessage compares two messages; the IDs as compact JSON, since the page echoes
// the value, not its spacing.
func sameMessage(a, b Message) bool {
	if (a.ID == nil) != (b.ID == nil) {
		return false
	}
	if a.ID != nil {
		var ia, ib bytes.Buffer
		if json.Compact(&ia, a.ID) != nil || json.Compact(&ib, b.ID) != nil || !bytes.Equal(ia.Bytes(), ib.Bytes()) {
			return false
		}
	}
	a.ID, b.ID = nil, nil
	if len(a.Settings) == 0 && len(b.Settings) == 0 {
		a.Settings, b.Settings = nil, nil
	}
	return reflect.DeepEqual(a, b)
}
