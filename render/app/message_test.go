package app

import (
	"errors"
	"strings"
	"testing"
)

func TestParseMessage(t *testing.T) {
	good := []struct {
		in   string
		want Message
	}{
		{`{"kinkscope":1,"cmd":"play"}`, Message{Cmd: "play"}},
		{`{"kinkscope":1,"cmd":"step","n":250,"id":"a"}`, Message{Cmd: "step", N: 250}},
		{`{"kinkscope":1,"cmd":"runTo","iter":0}`, Message{Cmd: "runTo"}},
		{`{"kinkscope":1,"cmd":"subscribe","hz":2.5}`, Message{Cmd: "subscribe", Hz: 2.5}},
		{`{"kinkscope":1,"cmd":"export","what":"png"}`, Message{Cmd: "export", What: "png"}},
		{`{"kinkscope":1,"cmd":"set","settings":{"lr":0.0003,"scenario":"relu1d-small","pieces":true}}`,
			Message{Cmd: "set", Settings: [][2]string{{"scenario", "relu1d-small"}, {"lr", "0.0003"}, {"pieces", "on"}}}},
	}
	for _, c := range good {
		got, err := ParseMessage([]byte(c.in))
		if err != nil || got.Cmd != c.want.Cmd || got.N != c.want.N || got.Iter != c.want.Iter || got.Hz != c.want.Hz ||
			got.What != c.want.What || len(got.Settings) != len(c.want.Settings) {
			t.Errorf("ParseMessage(%s) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		for i := range got.Settings {
			if got.Settings[i] != c.want.Settings[i] {
				t.Errorf("ParseMessage(%s).Settings = %v, want %v", c.in, got.Settings, c.want.Settings)
			}
		}
	}
	notOurs := []string{``, `null`, `"play"`, `[1]`, `{"cmd":"play"}`, `{"kinkscope":2,"cmd":"play"}`, `{"kinkscope":"1"}`}
	for _, in := range notOurs {
		if _, err := ParseMessage([]byte(in)); !errors.Is(err, ErrNotOurs) {
			t.Errorf("ParseMessage(%s) = %v, want ErrNotOurs", in, err)
		}
	}
	bad := map[string]string{
		`{"kinkscope":1}`:                                                       "cmd",
		`{"kinkscope":1,"cmd":3}`:                                               "cmd",
		`{"kinkscope":1,"cmd":"fly"}`:                                           "fly",
		`{"kinkscope":1,"cmd":"step"}`:                                          "n",
		`{"kinkscope":1,"cmd":"step","n":-1}`:                                   "n",
		`{"kinkscope":1,"cmd":"step","n":1.5}`:                                  "n",
		`{"kinkscope":1,"cmd":"step","n":"10"}`:                                 "n",
		`{"kinkscope":1,"cmd":"step","n":1e10}`:                                 "n",
		`{"kinkscope":1,"cmd":"runTo","iter":null}`:                             "iter",
		`{"kinkscope":1,"cmd":"subscribe","hz":100}`:                            "hz",
		`{"kinkscope":1,"cmd":"export","what":"gif"}`:                           "what",
		`{"kinkscope":1,"cmd":"set"}`:                                           "settings",
		`{"kinkscope":1,"cmd":"set","settings":[1]}`:                            "settings",
		`{"kinkscope":1,"cmd":"set","settings":{"lr":[1]}}`:                     "settings.lr",
		`{"kinkscope":1,"cmd":"set","settings":{"lr":{}}}`:                      "settings.lr",
		`{"kinkscope":1,"cmd":"play","n":3}`:                                    "n",
		`{"kinkscope":1,"cmd":"set","settings":{},"extra":1}`:                   "extra",
		`{"kinkscope":1,"cmd":"play","x":"` + strings.Repeat("a", 70000) + `"}`: "bytes",
	}
	for in, want := range bad {
		_, err := ParseMessage([]byte(in))
		if err == nil || errors.Is(err, ErrNotOurs) || !strings.Contains(err.Error(), want) {
			short := in
			if len(short) > 80 {
				short = short[:80] + "…"
			}
			t.Errorf("ParseMessage(%s) = %v, want an error naming %q", short, err, want)
		}
	}
}
