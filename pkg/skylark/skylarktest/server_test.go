package skylarktest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

var uidPattern = regexp.MustCompile(`^asse_[0-9a-f]{32}$`)

func TestAssetNotFound(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	for _, path := range []string{
		"/api/assets/asse_00000000000000000000000000000000/",
		"/api/assets/asse_00000000000000000000000000000000",
		"/api/assets/not-a-uid/",
		"/api/nothing/",
		"/",
		"/api/assets/versions/data-source/missing/",
	} {
		t.Run(path, func(t *testing.T) {
			wantDetail(t, call(t, "GET", srv.URL+path, nil, nil), http.StatusNotFound)
		})
	}
}

func TestAssetLifecycle(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	base := srv.URL + "/api/assets/"

	created := call(t, "POST", base, map[string]any{"title": "First", "duration_in_seconds": 60}, nil)
	wantStatus(t, created, http.StatusCreated)
	uid, _ := created.body["uid"].(string)
	if !uidPattern.MatchString(uid) {
		t.Fatalf("uid = %q", uid)
	}
	if created.body["self"] != "/api/assets/"+uid+"/" {
		t.Errorf("self = %v", created.body["self"])
	}
	for _, k := range []string{"created", "modified", "ovps", "plan_urls", "language", "all_languages"} {
		if _, ok := created.body[k]; !ok {
			t.Errorf("created asset has no %q", k)
		}
	}

	// Trailing slash optional, PATCH partial.
	patched := call(t, "PATCH", base+uid, map[string]any{"slug": "first"}, nil)
	wantStatus(t, patched, http.StatusOK)
	if patched.body["title"] != "First" || patched.body["slug"] != "first" ||
		patched.body["duration_in_seconds"] != float64(60) {
		t.Errorf("after PATCH: %s", patched.raw)
	}

	// PUT replaces: fields not given are back to their defaults.
	put := call(t, "PUT", base+uid+"/", map[string]any{"title": "Replaced"}, nil)
	wantStatus(t, put, http.StatusOK)
	if put.body["slug"] != nil || put.body["duration_in_seconds"] != nil || put.body["title"] != "Replaced" {
		t.Errorf("after PUT: %s", put.raw)
	}

	// Writes that include read-only fields (as read) are accepted.
	echo := call(t, "PATCH", base+uid+"/", put.body, nil)
	wantStatus(t, echo, http.StatusOK)

	wantStatus(t, call(t, "DELETE", base+uid+"/", nil, nil), http.StatusNoContent)
	wantDetail(t, call(t, "GET", base+uid+"/", nil, nil), http.StatusGone)
	wantDetail(t, call(t, "PATCH", base+uid+"/", map[string]any{"title": "x"}, nil), http.StatusGone)
	wantDetail(t, call(t, "DELETE", base+uid+"/", nil, nil), http.StatusGone)
	if _, ok := srv.Asset(uid); ok {
		t.Error("Asset() returns a deleted asset")
	}
}

func TestFormValidationErrors(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	url := srv.URL + "/api/assets/" + uid + "/"
	tests := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown field", map[string]any{"colour": "red"}, "colour"},
		{"title not a string", map[string]any{"title": 5}, "title"},
		{"duration_in_seconds a string", map[string]any{"duration_in_seconds": "60"}, "duration_in_seconds"},
		{"duration_in_seconds fractional", map[string]any{"duration_in_seconds": 1.5}, "duration_in_seconds"},
		{"plan_urls not a list", map[string]any{"plan_urls": "/api/plans/a/"}, "plan_urls"},
		{"plan_urls item not a string", map[string]any{"plan_urls": []any{1}}, "plan_urls"},
		{"plan_urls null", map[string]any{"plan_urls": nil}, "plan_urls"},
		{"ovps an object", map[string]any{"ovps": map[string]any{}}, "ovps"},
		{"ovps item a string", map[string]any{"ovps": []any{"x"}}, "ovps"},
		{"ovps account_url missing", map[string]any{"ovps": []any{map[string]any{"stream_url": "u"}}}, "ovps"},
		{"ovps account_url a number", map[string]any{"ovps": []any{map[string]any{"account_url": 1}}}, "ovps"},
		{"release_date malformed", map[string]any{"release_date": "2024-13-45"}, "release_date"},
		{"publish_on malformed", map[string]any{"publish_on": "tomorrow"}, "publish_on"},
		{"tags items not objects", map[string]any{"tags": []any{"t"}}, "tags"},
		{"data_source_id too long", map[string]any{"data_source_id": strings.Repeat("x", 256)}, "data_source_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "PATCH", url, tt.body, nil)
			wantSkylarkError(t, r, http.StatusBadRequest, "FORM_VALIDATION_ERRORS")
			if len(formErrors(r, tt.field)) == 0 {
				t.Errorf("form_validation_errors has no %q: %s", tt.field, r.raw)
			}
		})
	}
	t.Run("valid values", func(t *testing.T) {
		r := call(t, "PATCH", url, map[string]any{"release_date": "2024-05-01", "publish_on": "2024-05-01T10:00:00Z",
			"duration_in_seconds": nil, "title": nil, "metadata": map[string]any{"any": []any{1}},
			"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "anything": map[string]any{}}}}, nil)
		wantStatus(t, r, http.StatusOK)
	})
	t.Run("not a JSON object", func(t *testing.T) {
		for _, body := range []string{"[1]", "nope", "", "null"} {
			wantDetail(t, call(t, "PATCH", url, body, nil), http.StatusBadRequest)
		}
	})
	t.Run("duplicate data_source_id", func(t *testing.T) {
		srv.PutAsset(map[string]any{"data_source_id": "taken"})
		r := call(t, "PATCH", url, map[string]any{"data_source_id": "taken"}, nil)
		wantSkylarkError(t, r, http.StatusBadRequest, "FORM_VALIDATION_ERRORS")
	})
	t.Run("body too large", func(t *testing.T) {
		big := `{"title":"` + strings.Repeat("x", 1<<20) + `"}`
		wantDetail(t, call(t, "PATCH", url, big, nil), http.StatusRequestEntityTooLarge)
	})
	t.Run("method not allowed", func(t *testing.T) {
		r := call(t, "POST", url, map[string]any{}, nil)
		wantDetail(t, r, http.StatusMethodNotAllowed)
		if allow := r.header.Get("Allow"); allow != "DELETE, GET, PATCH, PUT" {
			t.Errorf("Allow = %q", allow)
		}
	})
}

func TestDataSourceUpsert(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	path := srv.URL + "/api/assets/versions/data-source/" + url.PathEscape("clip 7/a") + "/"

	created := call(t, "PUT", path, map[string]any{"title": "Clip"}, nil)
	wantStatus(t, created, http.StatusCreated)
	if created.body["data_source_id"] != "clip 7/a" {
		t.Errorf("data_source_id = %v, want the escaped slash kept inside the id", created.body["data_source_id"])
	}
	updated := call(t, "PUT", strings.TrimSuffix(path, "/"), map[string]any{"title": "Clip v2",
		"data_source_id": "clip 7/a"}, nil)
	wantStatus(t, updated, http.StatusOK)
	if updated.body["uid"] != created.body["uid"] || updated.body["title"] != "Clip v2" {
		t.Errorf("update = %s", updated.raw)
	}
	got := call(t, "GET", path, nil, nil)
	wantStatus(t, got, http.StatusOK)
	if got.body["title"] != "Clip v2" {
		t.Errorf("GET = %s", got.raw)
	}

	mismatch := call(t, "PUT", path, map[string]any{"data_source_id": "other"}, nil)
	wantSkylarkError(t, mismatch, http.StatusBadRequest, "FORM_VALIDATION_ERRORS")
	if len(formErrors(mismatch, "data_source_id")) == 0 {
		t.Errorf("body %s", mismatch.raw)
	}
	tooLong := srv.URL + "/api/assets/versions/data-source/" + strings.Repeat("y", 256) + "/"
	wantSkylarkError(t, call(t, "PUT", tooLong, map[string]any{}, nil), http.StatusBadRequest, "FORM_VALIDATION_ERRORS")

	uid := created.body["uid"].(string)
	wantStatus(t, call(t, "DELETE", srv.URL+"/api/assets/"+uid+"/", nil, nil), http.StatusNoContent)
	wantDetail(t, call(t, "GET", path, nil, nil), http.StatusGone)
	recreated := call(t, "PUT", path, map[string]any{"title": "Again"}, nil)
	wantStatus(t, recreated, http.StatusCreated)
	if recreated.body["uid"] == uid {
		t.Error("PUT after DELETE reused the deleted uid")
	}
}

func TestLanguageVersions(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "Hello", "duration": "00:01:00"})
	url := srv.URL + "/api/assets/" + uid + "/"
	pt := map[string]string{"Accept-Language": "pt-PT;q=1.0, en;q=0.5"}

	r := call(t, "PATCH", url, map[string]any{"title": "Olá", "duration": "00:02:00"}, pt)
	wantStatus(t, r, http.StatusOK)
	if r.body["title"] != "Olá" || r.body["language"] != "pt-pt" {
		t.Errorf("pt-pt PATCH = %s", r.raw)
	}
	en := call(t, "GET", url, nil, nil)
	if en.body["title"] != "Hello" || en.body["language"] != "en-gb" {
		t.Errorf("default GET = %s", en.raw)
	}
	if en.body["duration"] != "00:02:00" {
		t.Errorf("duration = %v; global fields are shared by every language", en.body["duration"])
	}
	langs, _ := en.body["all_languages"].([]any)
	if fmt.Sprint(langs) != "[en-gb pt-pt]" {
		t.Errorf("all_languages = %v", langs)
	}
	fr := call(t, "GET", url, nil, map[string]string{"Accept-Language": "fr-fr"})
	if fr.body["title"] != "Hello" || fr.body["language"] != "en-gb" {
		t.Errorf("GET in a language without a version = %s; want the default version", fr.raw)
	}
}

func TestListAndCount(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	for i, title := range []string{"b", "a", "d", "c"} {
		srv.PutAsset(map[string]any{"title": title, "duration_in_seconds": (i + 1) * 10,
			"plan_urls": []string{fmt.Sprintf("/api/plans/p%d/", i%2)}})
	}
	titles := func(r result) string {
		objs, _ := r.body["objects"].([]any)
		var out []string
		for _, o := range objs {
			out = append(out, fmt.Sprint(o.(map[string]any)["title"]))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		query string
		want  string
	}{
		{"", "b,a,d,c"},
		{"start=1&limit=2", "a,d"},
		{"limit=0", "b,a,d,c"},
		{"start=9", ""},
		{"order=title", "a,b,c,d"},
		{"order=-duration_in_seconds", "c,d,a,b"},
		{"title=d", "d"},
		{"-title=d", "b,a,c"},
		{"title__in=a,c", "a,c"},
		{"title__contains=c", "c"},
		{"title__icontains=C", "c"},
		{"duration_in_seconds=20", "a"},
		{"plan_urls=/api/plans/p1/", "a,c"},
		{"all=true&title=a", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := call(t, "GET", srv.URL+"/api/assets/?"+tt.query, nil, nil)
			wantStatus(t, r, http.StatusOK)
			if got := titles(r); got != tt.want {
				t.Errorf("titles = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("fields", func(t *testing.T) {
		r := call(t, "GET", srv.URL+"/api/assets/?fields=title,plan_urls__slug&limit=1", nil, nil)
		obj := r.body["objects"].([]any)[0].(map[string]any)
		if len(obj) != 2 || obj["title"] != "b" || obj["plan_urls"] == nil {
			t.Errorf("object = %v, want only title and plan_urls", obj)
		}
	})
	t.Run("count", func(t *testing.T) {
		r := call(t, "GET", srv.URL+"/api/assets/count/?plan_urls=/api/plans/p0/", nil, nil)
		wantStatus(t, r, http.StatusOK)
		if r.body["count"] != float64(2) {
			t.Errorf("count = %v", r.body["count"])
		}
	})
	for _, bad := range []string{"start=-1", "limit=x", "nope=1", "title__regex=a", "order=nope"} {
		t.Run("bad "+bad, func(t *testing.T) {
			wantDetail(t, call(t, "GET", srv.URL+"/api/assets/?"+bad, nil, nil), http.StatusBadRequest)
		})
	}
}

func TestViewings(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	free := srv.PutAsset(map[string]any{"title": "Free", "ovps": []any{
		map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "pb", "asset_id": "ma"},
		map[string]any{"account_url": "https://skylark.example/api/accounts/tata", "stream_url": "https://cdn/x.m3u8?a=1"},
		map[string]any{"account_url": "/api/accounts/acco_1/"},
	}})
	paid := srv.PutAsset(map[string]any{"title": "Paid", "plan_urls": []string{"/api/plans/gold/"},
		"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "pp"}}})
	viewings := srv.URL + "/api/viewings/"

	t.Run("created", func(t *testing.T) {
		r := call(t, "POST", viewings, map[string]any{"asset_url": "/api/assets/" + free + "/",
			"user_identifier": "u1"}, nil)
		wantStatus(t, r, http.StatusCreated)
		objs, _ := r.body["objects"].([]any)
		if len(objs) != 3 {
			t.Fatalf("objects = %s", r.raw)
		}
		mux := objs[0].(map[string]any)["mux"].(map[string]any)
		tata := objs[1].(map[string]any)["tata"].(map[string]any)
		acco := objs[2].(map[string]any)["acco_1"].(map[string]any)
		if u, _ := mux["tokenised_url"].(string); !strings.HasPrefix(u, "https://stream.mux.com/pb.m3u8?token=") {
			t.Errorf("mux tokenised_url = %q", u)
		}
		if len(mux) != 1 {
			t.Errorf("mux = %v; want only tokenised_url, no stored ovps keys", mux)
		}
		if u, _ := tata["tokenised_url"].(string); !strings.HasPrefix(u, "https://cdn/x.m3u8?a=1&token=") {
			t.Errorf("tata tokenised_url = %q", u)
		}
		if u, _ := acco["tokenised_url"].(string); !strings.Contains(u, free) {
			t.Errorf("placeholder tokenised_url = %q", u)
		}
	})
	t.Run("tokens differ per viewing", func(t *testing.T) {
		body := map[string]any{"asset_url": "/api/assets/" + free + "/"}
		a := call(t, "POST", viewings, body, nil).raw
		b := call(t, "POST", viewings, body, nil).raw
		if string(a) == string(b) {
			t.Error("two viewings returned the same tokenised URLs")
		}
	})
	for name, body := range map[string]any{
		"no asset_url":      map[string]any{"user_identifier": "u1"},
		"unknown asset":     map[string]any{"asset_url": "/api/assets/asse_00000000000000000000000000000000/"},
		"not an asset path": map[string]any{"asset_url": "/api/episodes/epis_00000000000000000000000000000000/"},
		"channel_url":       map[string]any{"channel_url": "/api/channels/chan_1/"},
		"asset_url number":  map[string]any{"asset_url": 5},
	} {
		t.Run(name, func(t *testing.T) {
			wantSkylarkError(t, call(t, "POST", viewings, body, nil), http.StatusBadRequest,
				"NO_VIEWING_RECORD_PROVIDED")
		})
	}
	t.Run("not entitled", func(t *testing.T) {
		body := map[string]any{"asset_url": "/api/assets/" + paid + "/", "user_identifier": "u2"}
		wantSkylarkError(t, call(t, "POST", viewings, body, nil), http.StatusForbidden,
			"NO_VALID_ENTITLEMENT_FOR_CONTENT")
		srv.GrantEntitlement("u2", "/api/plans/gold/")
		wantStatus(t, call(t, "POST", viewings, body, nil), http.StatusCreated)
		other := map[string]any{"asset_url": "/api/assets/" + paid + "/", "user_identifier": "u3"}
		wantSkylarkError(t, call(t, "POST", viewings, other, nil), http.StatusForbidden,
			"NO_VALID_ENTITLEMENT_FOR_CONTENT")
	})
	t.Run("GET not allowed", func(t *testing.T) {
		wantDetail(t, call(t, "GET", viewings, nil, nil), http.StatusMethodNotAllowed)
	})
}

func TestSeed(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	err := srv.Seed([]byte(`{"assets":[{"uid":"asse_11111111111111111111111111111111","title":"S",
		"plan_urls":["/api/plans/p/"],"ovps":[{"account_url":"/api/accounts/mux/","playback_id":"x"}]}],
		"entitlements":[{"user_identifier":"u","plan_url":"/api/plans/p/"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, ok := srv.Asset("asse_11111111111111111111111111111111")
	if !ok || a["title"] != "S" {
		t.Fatalf("seeded asset = %v, %v", a, ok)
	}
	r := call(t, "POST", srv.URL+"/api/viewings/", map[string]any{
		"asset_url": "/api/assets/asse_11111111111111111111111111111111/", "user_identifier": "u"}, nil)
	wantStatus(t, r, http.StatusCreated)

	if err := srv.Seed([]byte(`[{"title":"array form"}]`)); err != nil {
		t.Errorf("array seed: %v", err)
	}
	for _, bad := range []string{`{"assets":[{"uid":"bad"}]}`, `"x"`, `{"assets":[null]}`,
		`{"entitlements":[{"user_identifier":"u"}]}`} {
		if err := srv.Seed([]byte(bad)); err == nil {
			t.Errorf("Seed(%s) succeeded", bad)
		}
	}
}

func TestPutAssetPanicsOnBadUID(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `"asse_X"`) {
			t.Errorf("recover() = %v, want a panic naming the uid", r)
		}
	}()
	srv.PutAsset(map[string]any{"uid": "asse_X"})
}

func TestConcurrentWrites(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := call(t, "PATCH", srv.URL+"/api/assets/"+uid+"/", map[string]any{"duration_in_seconds": i}, nil)
			if r.status != http.StatusOK {
				t.Errorf("PATCH %d: status %d", i, r.status)
			}
			call(t, "GET", srv.URL+"/api/assets/", nil, nil)
			srv.Asset(uid)
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 40 {
		t.Errorf("logged %d requests, want 40", n)
	}
}
