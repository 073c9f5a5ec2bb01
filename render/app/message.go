package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// MessageVersion marks the messages of the postMessage API; messages without it are
// someone else's and are ignored.
const MessageVersion = 1

// maxMessageBytes bounds a message's JSON text.
const maxMessageBytes = 64 << 10

// Message is a validated command sent to a simulator page with postMessage.
type Message struct {
	ID       json.RawMessage // echoed in the reply, if given
	Cmd      string
	Settings [][2]string // set, load
	N        int         // step
	Iter     int         // runTo, load
	Hz       float64     // subscribe: state events per second, 0 to stop
	What     string      // export: csv, json or png
}

// Commands lists the message commands.
var Commands = []string{"set", "play", "pause", "reset", "step", "runTo", "getState", "subscribe", "export", "load"}

// ErrNotOurs reports a message that does not carry the kinkscope marker.
var ErrNotOurs = fmt.Errorf("not a kinkscope message")

// ParseMessage validates a message given as JSON text. A message without
// "kinkscope": 1 returns ErrNotOurs; any other problem returns an error that names
// the field, and the message must then change nothing.
func ParseMessage(data []byte) (Message, error) {
	var m Message
	if len(data) > maxMessageBytes {
		return m, fmt.Errorf("message of %d bytes, at most %d", len(data), maxMessageBytes)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return m, ErrNotOurs
	}
	var version float64
	if v, ok := raw["kinkscope"]; !ok || json.Unmarshal(v, &version) != nil || version != MessageVersion {
		return m, ErrNotOurs
	}
	if id, ok := raw["id"]; ok {
		m.ID = id
	}
	if err := jsonString(raw, "cmd", &m.Cmd, true); err != nil {
		return m, err
	}
	known := map[string][]string{
		"set": {"settings"}, "step": {"n"}, "runTo": {"iter"}, "subscribe": {"hz"},
		"export": {"what"}, "load": {"settings", "iter"},
	}
	found := false
	for _, c := range Commands {
		found = found || c == m.Cmd
	}
	if !found {
		return m, fmt.Errorf("cmd %q: unknown (known: %v)", m.Cmd, Commands)
	}
	for k := range raw {
		if k == "kinkscope" || k == "id" || k == "cmd" {
			continue
		}
		ok := false
		for _, f := range known[m.Cmd] {
			ok = ok || f == k
		}
		if !ok {
			return m, fmt.Errorf("field %q: not a field of %s", k, m.Cmd)
		}
	}
	switch m.Cmd {
	case "set", "load":
		if err := jsonSettings(raw, &m.Settings, m.Cmd == "set"); err != nil {
			return m, err
		}
		if m.Cmd == "load" {
			if err := jsonInt(raw, "iter", &m.Iter, 0, 1e9, false); err != nil {
				return m, err
			}
		}
	case "step":
		return m, jsonInt(raw, "n", &m.N, 1, 1e9, true)
	case "runTo":
		return m, jsonInt(raw, "iter", &m.Iter, 0, 1e9, true)
	case "subscribe":
		var hz float64
		v, ok := raw["hz"]
		if !ok || isNull(v) || json.Unmarshal(v, &hz) != nil || hz < 0 || hz > 10 {
			return m, fmt.Errorf("hz: want a number of state events per second in [0, 10]")
		}
		m.Hz = hz
	case "export":
		if err := jsonString(raw, "what", &m.What, true); err != nil {
			return m, err
		}
		if m.What != "csv" && m.What != "json" && m.What != "png" {
			return m, fmt.Errorf("what %q: want csv, json or png", m.What)
		}
	}
	return m, nil
}

func jsonString(raw map[string]json.RawMessage, key string, dst *string, required bool) error {
	v, ok := raw[key]
	if !ok {
		if required {
			return fmt.Errorf("%s: missing", key)
		}
		return nil
	}
	if isNull(v) || json.Unmarshal(v, dst) != nil {
		return fmt.Errorf("%s: want a string", key)
	}
	return nil
}

// isNull reports a JSON null, which Unmarshal would accept into any type silently.
func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

func jsonInt(raw map[string]json.RawMessage, key string, dst *int, lo, hi float64, required bool) error {
	v, ok := raw[key]
	if !ok {
		if required {
			return fmt.Errorf("%s: missing, want a whole number in [%g, %g]", key, lo, hi)
		}
		return nil
	}
	var f float64
	if isNull(v) || json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || f < lo || f > hi {
		return fmt.Errorf("%s: want a whole number in [%g, %g]", key, lo, hi)
	}
	*dst = int(f)
	return nil
}

// jsonSettings reads an object of setting → string, number or boolean. The values
// are validated later, against the settings, by Session.Set.
func jsonSettings(raw map[string]json.RawMessage, dst *[][2]string, required bool) error {
	v, ok := raw["settings"]
	if !ok {
		if required {
			return fmt.Errorf("settings: missing, want an object such as {\"lr\": 0.0002}")
		}
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil || obj == nil {
		return fmt.Errorf("settings: want an object such as {\"lr\": 0.0002}")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	// The scenario and preset first: they reset the others.
	sort.Slice(keys, func(i, j int) bool {
		pi, pj := settingOrder(keys[i]), settingOrder(keys[j])
		if pi != pj {
			return pi < pj
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		val := bytes.TrimSpace(obj[k])
		var s string
		switch {
		case isNull(val):
			return fmt.Errorf("settings.%s: want a string, a number or a boolean", k)
		case json.Unmarshal(val, &s) == nil:
		case len(val) > 0 && (val[0] == '-' || val[0] >= '0' && val[0] <= '9'):
			var f float64
			if json.Unmarshal(val, &f) != nil {
				return fmt.Errorf("settings.%s: not a number", k)
			}
			s = strconv.FormatFloat(f, 'g', -1, 64)
		case string(val) == "true" || string(val) == "false":
			s = map[string]string{"true": "on", "false": "off"}[string(val)]
		default:
			return fmt.Errorf("settings.%s: want a string, a number or a boolean", k)
		}
		*dst = append(*dst, [2]string{k, s})
	}
	return nil
}

func settingOrder(k string) int {
	switch k {
	case "preset":
		return 0
	case "scenario":
		return 1
	}
	return 2
}
