package skylark_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// assetJSON is an asset with keys the package does not model, a null title
// and nested values, as a real installation might send.
const assetJSON = `{
  "uid": "asse_4e4a9d0e3c054790886684b924e1d13c",
  "self": "/api/assets/asse_4e4a9d0e3c054790886684b924e1d13c/",
  "title": null,
  "data_source_id": "joy",
  "plan_urls": [],
  "language": "en-gb",
  "duration_in_seconds": 3189,
  "release_date": null,
  "tags": [{"tag_url": "/api/tags/tag__7e83c349050b4369b960479039609dbe/", "schedule_urls": []}],
  "stats": {"views": 12.5, "nested": {"deep": [1, 2, {"x": null}]}},
  "ovps": [
    {"account_url": "/api/accounts/mux/", "asset_id": "a1", "playback_id": "p1", "duration": "3189.2"},
    {"account_url": "/api/accounts/tata/", "stream_url": "https://cdn.example/m.m3u8", "extra": {"k": [true]}}
  ]
}`

func mustDecodeAsset(t *testing.T, data string) *skylark.Asset {
	t.Helper()
	var a skylark.Asset
	if err := json.Unmarshal([]byte(data), &a); err != nil {
		t.Fatalf("decode asset: %v", err)
	}
	return &a
}

// assertSameJSON fails when got and want encode different JSON values.
func assertSameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("decode %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("decode %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

func TestAssetRoundTripKeepsEveryKey(t *testing.T) {
	a := mustDecodeAsset(t, assetJSON)
	if a.UID != "asse_4e4a9d0e3c054790886684b924e1d13c" || a.Title != "" || a.DataSourceID != "joy" {
		t.Errorf("typed fields = %+v", a)
	}
	if a.PlanURLs == nil || len(a.PlanURLs) != 0 {
		t.Errorf("PlanURLs = %#v, want empty non-nil", a.PlanURLs)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, data, assetJSON)
	if !strings.Contains(string(data), `"title":null`) {
		t.Errorf("null title not kept as null: %s", data)
	}
}

func TestAssetEditKeepsOtherKeys(t *testing.T) {
	a := mustDecodeAsset(t, assetJSON)
	a.Title = "New"
	a.PlanURLs = append(a.PlanURLs, "/api/plans/gold/")
	if err := a.OVPs[1].Set("stream_url", "https://cdn.example/n.m3u8"); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(`"title": null`, `"title": "New"`,
		`"plan_urls": []`, `"plan_urls": ["/api/plans/gold/"]`,
		`https://cdn.example/m.m3u8`, `https://cdn.example/n.m3u8`).Replace(assetJSON)
	assertSameJSON(t, data, want)
}

func TestAssetMarshalOmitsUnsetFields(t *testing.T) {
	data, err := json.Marshal(&skylark.Asset{Title: "Only title"})
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, data, `{"title":"Only title"}`)

	data, err = json.Marshal(&skylark.Asset{PlanURLs: []string{}, OVPs: []skylark.OVP{}})
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, data, `{"plan_urls":[],"ovps":[]}`)
}

func TestAssetGetSetDelete(t *testing.T) {
	a := mustDecodeAsset(t, assetJSON)
	copyBefore := *a

	if err := a.Set("stats", map[string]int{"views": 1}); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Get("stats"); string(v) != `{"views":1}` {
		t.Errorf("stats = %s", v)
	}
	if v, _ := copyBefore.Get("stats"); !strings.Contains(string(v), "12.5") {
		t.Errorf("Set changed a copy: stats = %s", v)
	}

	if err := a.Set("title", "Typed"); err != nil || a.Title != "Typed" {
		t.Errorf("Set(title) = %v, Title = %q", err, a.Title)
	}
	if err := a.Set("plan_urls", []string{"/api/plans/a/"}); err != nil || !slices.Equal(a.PlanURLs, []string{"/api/plans/a/"}) {
		t.Errorf("Set(plan_urls) = %v, PlanURLs = %q", err, a.PlanURLs)
	}
	if err := a.Set("title", 42); err == nil {
		t.Error("Set(title, 42) succeeded")
	}
	if a.Title != "Typed" {
		t.Errorf("failed Set changed Title to %q", a.Title)
	}
	if v, _ := a.Get("title"); string(v) != `"Typed"` {
		t.Errorf("failed Set changed the title key to %s", v)
	}
	if err := a.Set("ovps", "nope"); err == nil {
		t.Error("Set(ovps, string) succeeded")
	}

	a.Delete("language")
	a.Delete("ovps")
	if _, ok := a.Get("language"); ok {
		t.Error("language still present after Delete")
	}
	if a.OVPs != nil {
		t.Errorf("OVPs = %+v after Delete", a.OVPs)
	}
	if slices.Contains(a.Keys(), "ovps") || !slices.Contains(a.Keys(), "stats") {
		t.Errorf("Keys = %q", a.Keys())
	}
	if _, ok := copyBefore.Get("language"); !ok {
		t.Error("Delete changed a copy")
	}
}

func TestAssetRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`null`, `[]`, `"x"`, `1`, `{"uid":1}`, `{"plan_urls":"x"}`,
		`{"ovps":[{"account_url":null,"x":1}, 5]}`} {
		var a skylark.Asset
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("decoding %s succeeded", in)
		}
	}
}

func TestOVPAccessors(t *testing.T) {
	var o skylark.OVP
	if err := json.Unmarshal([]byte(`{"account_url":"/api/accounts/mux/","playback_id":"p","n":2}`), &o); err != nil {
		t.Fatal(err)
	}
	copyBefore := o
	if s, ok := o.GetString("playback_id"); !ok || s != "p" {
		t.Errorf("GetString(playback_id) = %q, %v", s, ok)
	}
	if _, ok := o.GetString("n"); ok {
		t.Error("GetString on a number reported ok")
	}
	if err := o.Set("playback_id", "q"); err != nil {
		t.Fatal(err)
	}
	if s, _ := copyBefore.GetString("playback_id"); s != "p" {
		t.Errorf("Set changed a copy: %q", s)
	}
	if err := o.Set("account_url", 3); err == nil {
		t.Error("Set(account_url, 3) succeeded")
	}
	if err := o.Set("account_url", "/api/accounts/other/"); err != nil || o.AccountURL != "/api/accounts/other/" {
		t.Errorf("Set(account_url) = %v, AccountURL = %q", err, o.AccountURL)
	}
	o.Delete("n")
	if got := o.Keys(); !slices.Equal(got, []string{"account_url", "playback_id"}) {
		t.Errorf("Keys = %q", got)
	}
	built := skylark.OVP{AccountURL: "/api/accounts/x/"}
	data, _ := json.Marshal(built)
	assertSameJSON(t, data, `{"account_url":"/api/accounts/x/"}`)
}
