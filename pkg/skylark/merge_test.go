package skylark_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func ovps(t *testing.T, data string) []skylark.OVP {
	t.Helper()
	var out []skylark.OVP
	if err := json.Unmarshal([]byte(data), &out); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return out
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMergeOVPs(t *testing.T) {
	const current = `[
	  {"account_url":"/a/","stream_url":"s1","keep":{"x":1}},
	  {"account_url":"/b/","playback_id":"p"},
	  {"account_url":"/c/","n":1}
	]`
	tests := []struct {
		name        string
		upsert      string
		remove      []string
		want        string
		wantChanged bool
	}{
		{"nothing", `[]`, nil, current, false},
		{"upsert keeps other keys", `[{"account_url":"/a/","stream_url":"s2"}]`, nil,
			`[{"account_url":"/a/","stream_url":"s2","keep":{"x":1}},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":1}]`,
			true},
		{"upsert adds a key", `[{"account_url":"/b/","asset_id":"m"}]`, nil,
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/b/","playback_id":"p","asset_id":"m"},{"account_url":"/c/","n":1}]`,
			true},
		{"new account appended", `[{"account_url":"/d/","stream_url":"s4"}]`, nil,
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":1},{"account_url":"/d/","stream_url":"s4"}]`,
			true},
		{"remove", `[]`, []string{"/b/"},
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/c/","n":1}]`, true},
		{"remove unknown account", `[]`, []string{"/z/"}, current, false},
		{"remove and upsert replaces the entry in place", `[{"account_url":"/a/","stream_url":"s9"}]`, []string{"/a/"},
			`[{"account_url":"/a/","stream_url":"s9"},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":1}]`,
			true},
		{"remove and upsert of a new account appends", `[{"account_url":"/d/","v":1}]`, []string{"/d/"},
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":1},{"account_url":"/d/","v":1}]`,
			true},
		{"same values", `[{"account_url":"/a/","stream_url":"s1"}]`, nil, current, false},
		{"same value spelled differently", `[{"account_url":"/c/","n":1.0},{"account_url":"/a/","keep":{ "x" : 1e0 }}]`,
			nil, current, false},
		{"null is a value", `[{"account_url":"/c/","n":null}]`, nil,
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":null}]`,
			true},
		{"upsert twice in one call", `[{"account_url":"/d/","a":1},{"account_url":"/d/","b":2}]`, nil,
			`[{"account_url":"/a/","stream_url":"s1","keep":{"x":1}},{"account_url":"/b/","playback_id":"p"},{"account_url":"/c/","n":1},{"account_url":"/d/","a":1,"b":2}]`,
			true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur := ovps(t, current)
			before := encode(t, cur)
			merged, changed := skylark.MergeOVPs(cur, ovps(t, tt.upsert), tt.remove)
			if changed != tt.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tt.wantChanged)
			}
			assertSameJSON(t, encode(t, merged), tt.want)
			if after := encode(t, cur); string(after) != string(before) {
				t.Errorf("MergeOVPs modified current:\n%s\n%s", before, after)
			}
			// Applying the same update again changes nothing.
			again, changedAgain := skylark.MergeOVPs(merged, ovps(t, tt.upsert), tt.remove)
			if changedAgain {
				t.Errorf("second application reported a change: %s", encode(t, again))
			}
		})
	}
}

func TestMergeOVPsDuplicateAccounts(t *testing.T) {
	cur := ovps(t, `[{"account_url":"/a/","v":1},{"account_url":"/a/","v":2}]`)
	merged, changed := skylark.MergeOVPs(cur, ovps(t, `[{"account_url":"/a/","v":3}]`), nil)
	if !changed {
		t.Error("changed = false")
	}
	assertSameJSON(t, encode(t, merged), `[{"account_url":"/a/","v":3},{"account_url":"/a/","v":2}]`)

	removed, _ := skylark.MergeOVPs(cur, nil, []string{"/a/"})
	if len(removed) != 0 {
		t.Errorf("remove left %s", encode(t, removed))
	}
}

func TestMergeOVPsUpsertWithoutAccountURL(t *testing.T) {
	cur := ovps(t, `[{"v":1}]`)
	merged, _ := skylark.MergeOVPs(cur, ovps(t, `[{"v":2}]`), nil)
	assertSameJSON(t, encode(t, merged), `[{"v":1},{"v":2}]`)
}

// genOVPs builds n entries for accounts drawn from a small pool, each with
// a few random keys of every JSON type.
func genOVPs(t *testing.T, r *rand.Rand, n int, unique bool) []skylark.OVP {
	t.Helper()
	var out []skylark.OVP
	used := map[string]bool{}
	for len(out) < n {
		acct := fmt.Sprintf("/api/accounts/acc%d/", r.IntN(8))
		if unique && used[acct] {
			if len(used) == 8 {
				break
			}
			continue
		}
		used[acct] = true
		o := skylark.OVP{AccountURL: acct}
		for range r.IntN(4) {
			key := fmt.Sprintf("k%d", r.IntN(6))
			var v any
			switch r.IntN(6) {
			case 0:
				v = fmt.Sprintf("s%d", r.IntN(3))
			case 1:
				v = r.IntN(3)
			case 2:
				v = r.IntN(2) == 0
			case 3:
				v = nil
			case 4:
				v = []any{r.IntN(2), "x"}
			default:
				v = map[string]any{"nested": r.IntN(2)}
			}
			if err := o.Set(key, v); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, o)
	}
	return out
}

func decodeValue(t *testing.T, raw json.RawMessage) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMergeOVPsProperties checks, on seeded random inputs, that a
// read-merge-write keeps every key the update does not name and every
// other account's entry in order, that applied updates are visible, and
// that applying the same update twice is a no-op.
func TestMergeOVPsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20240501, 7))
	for i := range 2000 {
		current := genOVPs(t, r, r.IntN(6), true)
		upsert := genOVPs(t, r, r.IntN(4), false)
		var remove []string
		for range r.IntN(3) {
			remove = append(remove, fmt.Sprintf("/api/accounts/acc%d/", r.IntN(8)))
		}

		// Round trip through an asset as the client would read and write it.
		asset := &skylark.Asset{UID: "asse_4e4a9d0e3c054790886684b924e1d13c", OVPs: current}
		var read skylark.Asset
		if err := json.Unmarshal(encode(t, asset), &read); err != nil {
			t.Fatal(err)
		}
		merged, changed := skylark.MergeOVPs(read.OVPs, upsert, remove)
		read.OVPs = merged
		var written skylark.Asset
		if err := json.Unmarshal(encode(t, &read), &written); err != nil {
			t.Fatal(err)
		}
		got := written.OVPs
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("case %d: current %s upsert %s remove %q merged %s: %s", i, encode(t, current),
				encode(t, upsert), remove, encode(t, got), fmt.Sprintf(format, args...))
		}

		touched := map[string]bool{}
		for _, u := range upsert {
			touched[u.AccountURL] = true
		}
		// Untouched accounts keep their entry and their relative order.
		var wantKept, gotKept []string
		for _, o := range current {
			if !touched[o.AccountURL] && !slices.Contains(remove, o.AccountURL) {
				wantKept = append(wantKept, string(encode(t, o)))
			}
		}
		for _, o := range got {
			if !touched[o.AccountURL] {
				gotKept = append(gotKept, string(encode(t, o)))
			}
		}
		if !slices.Equal(wantKept, gotKept) {
			fail("untouched entries %q, want %q", gotKept, wantKept)
		}
		// Removed accounts that were not upserted are gone.
		for _, o := range got {
			if slices.Contains(remove, o.AccountURL) && !touched[o.AccountURL] {
				fail("removed account %s still present", o.AccountURL)
			}
		}
		// Every upserted account has exactly one entry with the last
		// upserted value of each key, and keeps the keys of its old entry
		// unless it was removed first.
		for acct := range touched {
			var entries []skylark.OVP
			for _, o := range got {
				if o.AccountURL == acct {
					entries = append(entries, o)
				}
			}
			if len(entries) != 1 {
				fail("account %s has %d entries, want 1", acct, len(entries))
			}
			want := map[string]any{}
			if j := slices.IndexFunc(current, func(o skylark.OVP) bool { return o.AccountURL == acct }); j >= 0 &&
				!slices.Contains(remove, acct) {
				for _, k := range current[j].Keys() {
					v, _ := current[j].Get(k)
					want[k] = decodeValue(t, v)
				}
			}
			for _, u := range upsert {
				if u.AccountURL == acct {
					for _, k := range u.Keys() {
						v, _ := u.Get(k)
						want[k] = decodeValue(t, v)
					}
				}
			}
			have := map[string]any{}
			for _, k := range entries[0].Keys() {
				v, _ := entries[0].Get(k)
				have[k] = decodeValue(t, v)
			}
			if !reflect.DeepEqual(have, want) {
				fail("account %s entry %v, want %v", acct, have, want)
			}
		}
		// changed is true exactly when the JSON differs.
		// A nil list and an empty one are the same value.
		var a, b []any
		_ = json.Unmarshal(encode(t, current), &a)
		_ = json.Unmarshal(encode(t, merged), &b)
		equal := len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
		if changed == equal {
			fail("changed = %v but JSON equal = %v", changed, equal)
		}
		// A redelivered update changes nothing.
		if _, again := skylark.MergeOVPs(got, upsert, remove); again {
			fail("second application reported a change")
		}
	}
}

// TestReadMergeWriteAgainstFake reads an asset from the fake, merges an
// update into its ovps, writes the list back with PATCH and checks that
// nothing else was lost.
func TestReadMergeWriteAgainstFake(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	uid := seedAsset(t, srv, "ds-1")

	a, err := c.Assets.Get(ctx, uid, nil)
	if err != nil {
		t.Fatal(err)
	}
	upd := skylark.OVP{AccountURL: "/api/accounts/tata/"}
	if err := upd.Set("stream_url", "https://cdn.example.net/hls/v2.m3u8"); err != nil {
		t.Fatal(err)
	}
	merged, changed := skylark.MergeOVPs(a.OVPs, []skylark.OVP{upd}, nil)
	if !changed {
		t.Fatal("merge reported no change")
	}
	if _, err := c.Assets.Patch(ctx, uid, map[string]any{"ovps": merged}, nil); err != nil {
		t.Fatal(err)
	}

	stored, _ := srv.Asset(uid)
	want := `[
	  {"account_url":"/api/accounts/mux/","asset_id":"mux-asset","playback_id":"pb1","duration":3189.2},
	  {"account_url":"/api/accounts/tata/","stream_url":"https://cdn.example.net/hls/v2.m3u8"}
	]`
	assertSameJSON(t, encode(t, stored["ovps"]), want)
	if stored["title"] != "The Joy of Winning" || stored["duration"] != "00:53:09" {
		t.Errorf("other fields changed: %v", stored)
	}

	// The same update again is a no-op, so no write is needed.
	again, err := c.Assets.Get(ctx, uid, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, changed := skylark.MergeOVPs(again.OVPs, []skylark.OVP{upd}, nil); changed {
		t.Error("redelivered update reported a change")
	}
}
