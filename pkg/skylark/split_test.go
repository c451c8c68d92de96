package skylark

import (
	"bytes"
	"encoding/json"
	"testing"
)

var splitSeeds = []string{
	`{}`,
	` { "a" : 1 , "b":"x" } `,
	`{"uid":"asse_4e4a9d0e3c054790886684b924e1d13c","ovps":[{"account_url":"/api/accounts/mux/","n":[1,{"x":"}"}]}],"t":null}`,
	`{"esc\"aped":"va\\lue\"}","k\u00e9y":true,"nested":{"a":{"b":[[],{}]}}}`,
	`{"dup":1,"dup":2}`,
	`{"num":-1.5e10,"f":false,"s":"with ] and } inside"}`,
	"{\"bad\xffkey\":\"bad\xffvalue\"}",
	`[1,2]`,
	`null`,
	`"string"`,
	`{"a":1`,
	``,
}

// TestSplitObjectMatchesDecoder checks splitObject against json.Unmarshal
// into a map of json.RawMessage on each seed.
func TestSplitObjectMatchesDecoder(t *testing.T) {
	for _, seed := range splitSeeds {
		checkSplitObject(t, []byte(seed))
	}
}

func FuzzSplitObject(f *testing.F) {
	for _, seed := range splitSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSplitObject(t, data)
	})
}

func checkSplitObject(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := splitObject(data)
	var want map[string]json.RawMessage
	wantErr := json.Unmarshal(data, &want)
	if wantErr == nil && want == nil {
		// json.Unmarshal accepts null into a map; splitObject does not.
		if gotErr == nil {
			t.Fatalf("splitObject(%q) accepted null", data)
		}
		return
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("splitObject(%q) error = %v, json.Unmarshal error = %v", data, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("splitObject(%q) has %d keys, json.Unmarshal %d", data, len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("splitObject(%q) lacks key %q", data, k)
		}
		if !bytes.Equal(g, w) {
			t.Fatalf("splitObject(%q)[%q] = %q, json.Unmarshal has %q", data, k, g, w)
		}
	}
}

func TestSplitObjectValuesSurviveReuse(t *testing.T) {
	data := []byte(`{"a":"first"}`)
	got, err := splitObject(data)
	if err != nil {
		t.Fatal(err)
	}
	copy(data, `{"a":"XXXXX"}`)
	if string(got["a"]) != `"first"` {
		t.Errorf(`value of "a" = %s after the input was overwritten, want "first"`, got["a"])
	}
}
