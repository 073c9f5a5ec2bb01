package app

import (
	"slices"
	"testing"
)

func TestQueryRoundTrip(t *testing.T) {
	cases := [][][2]string{
		{{"scenario", "relu1d-large"}},
		{{"points", "0.1:2,-1e-3:4"}, {"decays", "0.5:3,0.8:2"}},
		{{"weird key&=", "a b+c%d<e>"}, {"", ""}},
	}
	for _, kv := range cases {
		got := ParseQuery("?" + EncodeQuery(kv))
		if !slices.Equal(got, kv) {
			t.Errorf("ParseQuery(EncodeQuery(%q)) = %q", kv, got)
		}
	}
	if q := EncodeQuery([][2]string{{"points", "0.1:2,3:4"}}); q != "points=0.1:2,3:4" {
		t.Errorf("EncodeQuery keeps lists readable: got %q", q)
	}
	if got := ParseQuery("lr=%zz&seed=2"); len(got) != 2 || got[0] != [2]string{"lr", "%zz"} {
		t.Errorf("a malformed escape: got %q, want the raw value kept and named", got)
	}
}
