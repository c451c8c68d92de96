package skylark_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func TestAssetsGet(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	uid := seedAsset(t, srv, "ds-1")
	deleted := seedAsset(t, srv, "ds-2")
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/api/assets/"+deleted+"/", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", resp, err)
	}

	t.Run("found", func(t *testing.T) {
		a, err := c.Assets.Get(ctx, uid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.UID != uid || a.Self != "/api/assets/"+uid+"/" || a.DataSourceID != "ds-1" ||
			a.Title != "The Joy of Winning" {
			t.Errorf("asset = %+v", a)
		}
		if len(a.OVPs) != 2 || a.OVPs[0].AccountURL != "/api/accounts/mux/" {
			t.Errorf("OVPs = %+v", a.OVPs)
		}
		if pb, _ := a.OVPs[0].GetString("playback_id"); pb != "pb1" {
			t.Errorf("playback_id = %q, want pb1", pb)
		}
		if v, ok := a.Get("duration"); !ok || string(v) != `"00:53:09"` {
			t.Errorf(`Get("duration") = %s, %v`, v, ok)
		}
	})
	t.Run("unknown uid", func(t *testing.T) {
		_, err := c.Assets.Get(ctx, "asse_00000000000000000000000000000000", nil)
		er := wantErrorResponse(t, err, http.StatusNotFound)
		if !errors.Is(err, skylark.ErrNotFound) {
			t.Errorf("errors.Is(ErrNotFound) = false for %v", err)
		}
		if er.Method != http.MethodGet || er.Path != "/api/assets/asse_00000000000000000000000000000000/" {
			t.Errorf("Method, Path = %q, %q", er.Method, er.Path)
		}
		if er.Message == "" {
			t.Errorf("Message is empty; want the body's detail")
		}
	})
	t.Run("deleted", func(t *testing.T) {
		_, err := c.Assets.Get(ctx, deleted, nil)
		wantErrorResponse(t, err, http.StatusGone)
		if !errors.Is(err, skylark.ErrNotFound) {
			t.Errorf("errors.Is(ErrNotFound) = false for 410: %v", err)
		}
	})
	t.Run("language", func(t *testing.T) {
		pt := &skylark.RequestOptions{Language: "pt-pt"}
		if _, err := c.Assets.Patch(ctx, uid, map[string]any{"title": "A Alegria"}, pt); err != nil {
			t.Fatal(err)
		}
		a, err := c.Assets.Get(ctx, uid, pt)
		if err != nil {
			t.Fatal(err)
		}
		if a.Title != "A Alegria" {
			t.Errorf("pt-pt title = %q", a.Title)
		}
		en, err := c.Assets.Get(ctx, uid, nil)
		if err != nil {
			t.Fatal(err)
		}
		if en.Title != "The Joy of Winning" {
			t.Errorf("default title = %q, want the en-gb one kept", en.Title)
		}
	})
}

func TestInvalidUIDSendsNothing(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	bad := []string{"", "asse_", "ASSE_4e4a9d0e3c054790886684b924e1d13c",
		"asse_4E4A9D0E3C054790886684B924E1D13C", "epis_4e4a9d0e3c054790886684b924e1d13c",
		"asse_4e4a9d0e3c054790886684b924e1d13", "asse_4e4a9d0e3c054790886684b924e1d13cc",
		"asse_4e4a9d0e3c054790886684b924e1d13g", "asse_../../api/viewings",
		"asse_4e4a9d0e3c054790886684b924e1d1/c"}
	for _, uid := range bad {
		t.Run(uid, func(t *testing.T) {
			_, err := c.Assets.Get(ctx, uid, nil)
			wantArgumentError(t, err, uid)
			if !strings.Contains(err.Error(), `"`+uid+`"`) {
				t.Errorf("error %q does not quote the uid", err)
			}
			_, err = c.Assets.Patch(ctx, uid, map[string]any{"title": "x"}, nil)
			wantArgumentError(t, err, uid)
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestAssetsGetByDataSource(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	ids := []string{"plain-id", "with space", "q?x=1#frag", "percent%41", "ünïcödé", "a+b&c=d;e"}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			uid := seedAsset(t, srv, id)
			a, err := c.Assets.GetByDataSource(ctx, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.UID != uid || a.DataSourceID != id {
				t.Errorf("got uid %q data_source_id %q, want %q %q", a.UID, a.DataSourceID, uid, id)
			}
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			if want := "/api/assets/versions/data-source/" + id + "/"; last.Path != want {
				t.Errorf("decoded path = %q, want %q", last.Path, want)
			}
			if len(last.Query) != 0 {
				t.Errorf("query = %v, want none (the id must stay in the path)", last.Query)
			}
		})
	}
	t.Run("not found", func(t *testing.T) {
		_, err := c.Assets.GetByDataSource(ctx, "missing", nil)
		wantErrorResponse(t, err, http.StatusNotFound)
	})
}

func TestInvalidDataSourceIDSendsNothing(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	tests := []struct {
		name, id, reason string
	}{
		{"empty", "", "must not be empty"},
		{"slash", "a/b", `must not contain "/"`},
		{"escaped slash", "a%2Fb", "escaped"},
		{"escaped slash lower case", "a%2fb", "escaped"},
		{"dot", ".", `"." or ".."`},
		{"dot dot", "..", `"." or ".."`},
		{"NUL", "a\x00b", "control characters"},
		{"newline", "a\nb", "control characters"},
		{"DEL", "a\x7fb", "control characters"},
		{"too long", strings.Repeat("x", 256), "the maximum is 255"},
		{"invalid UTF-8", "a\xffb", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Assets.GetByDataSource(ctx, tt.id, nil)
			wantArgumentError(t, err, tt.id)
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
			_, err = c.Assets.PutByDataSource(ctx, tt.id, &skylark.Asset{Title: "x"}, nil)
			wantArgumentError(t, err, tt.id)
		})
	}
	if err := skylark.ValidateDataSourceID(strings.Repeat("é", 255)); err != nil {
		t.Errorf("255 two-byte characters rejected: %v", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestAssetsList(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	var uids []string
	for _, title := range []string{"Charlie", "Alpha", "Bravo", "Delta"} {
		uids = append(uids, srv.PutAsset(map[string]any{"title": title, "slug": strings.ToLower(title)}))
	}

	titles := func(list []*skylark.Asset) []string {
		var out []string
		for _, a := range list {
			out = append(out, a.Title)
		}
		return out
	}
	tests := []struct {
		name string
		opts *skylark.ListOptions
		want []string
	}{
		{"all", nil, []string{"Charlie", "Alpha", "Bravo", "Delta"}},
		{"page", &skylark.ListOptions{Start: 1, Limit: 2}, []string{"Alpha", "Bravo"}},
		{"start past end", &skylark.ListOptions{Start: 10}, nil},
		{"order", &skylark.ListOptions{Order: "title"}, []string{"Alpha", "Bravo", "Charlie", "Delta"}},
		{"order descending", &skylark.ListOptions{Order: "-title", Limit: 2},
			[]string{"Delta", "Charlie"}},
		{"filter", &skylark.ListOptions{Filter: url.Values{"slug": {"bravo"}}}, []string{"Bravo"}},
		{"negated filter", &skylark.ListOptions{Filter: url.Values{"-slug": {"bravo"}}, Order: "title"},
			[]string{"Alpha", "Charlie", "Delta"}},
		{"in filter", &skylark.ListOptions{Filter: url.Values{"slug__in": {"alpha,delta"}}},
			[]string{"Alpha", "Delta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := c.Assets.List(ctx, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(list); !slices.Equal(got, tt.want) {
				t.Errorf("titles = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("fields without uid", func(t *testing.T) {
		list, err := c.Assets.List(ctx, &skylark.ListOptions{Fields: []string{"title"}, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].UID != "" || list[0].Title != "Charlie" {
			t.Errorf("list = %+v", list)
		}
		last := srv.Requests()[len(srv.Requests())-1]
		if got := last.Query.Get("fields"); got != "title" {
			t.Errorf("fields parameter = %q", got)
		}
	})
	t.Run("query parameters", func(t *testing.T) {
		srv.ClearRequests()
		_, err := c.Assets.List(ctx, &skylark.ListOptions{Start: 2, Limit: 5, Order: "-title",
			Fields: []string{"uid", "title"}, FieldsToExpand: []string{"image_urls"},
			RequestOptions: skylark.RequestOptions{Language: "en-gb"}})
		if err != nil {
			t.Fatal(err)
		}
		r := srv.Requests()[0]
		want := url.Values{"start": {"2"}, "limit": {"5"}, "order": {"-title"},
			"fields": {"uid,title"}, "fields_to_expand": {"image_urls"}}
		if r.Query.Encode() != want.Encode() {
			t.Errorf("query = %s, want %s", r.Query.Encode(), want.Encode())
		}
		if r.Header.Get("Accept-Language") != "en-gb" {
			t.Errorf("Accept-Language = %q", r.Header.Get("Accept-Language"))
		}
	})
	t.Run("invalid options", func(t *testing.T) {
		srv.ClearRequests()
		for _, opts := range []*skylark.ListOptions{
			{Start: -1}, {Limit: -5},
			{Filter: url.Values{"limit": {"1"}}}, {Filter: url.Values{"-order": {"x"}}},
			{Filter: url.Values{"": {"x"}}},
		} {
			if _, err := c.Assets.List(ctx, opts); !errors.Is(err, skylark.ErrInvalidArgument) {
				t.Errorf("List(%+v) error = %v, want ErrInvalidArgument", opts, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("server got %d requests, want 0", n)
		}
	})
	t.Run("unsupported filter", func(t *testing.T) {
		_, err := c.Assets.List(ctx, &skylark.ListOptions{Filter: url.Values{"no_such_field": {"x"}}})
		wantErrorResponse(t, err, http.StatusBadRequest)
	})
	_ = uids
}

func TestAssetsPatch(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	uid := seedAsset(t, srv, "ds-1")

	t.Run("partial", func(t *testing.T) {
		a, err := c.Assets.Patch(ctx, uid, map[string]any{"duration_in_seconds": 3189}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := a.Get("duration_in_seconds"); string(v) != "3189" {
			t.Errorf("duration_in_seconds = %s", v)
		}
		if a.Title != "The Joy of Winning" || len(a.OVPs) != 2 {
			t.Errorf("fields not in the patch changed: %+v", a)
		}
	})
	t.Run("ovps replace the list", func(t *testing.T) {
		one := skylark.OVP{AccountURL: "/api/accounts/mux/"}
		a, err := c.Assets.Patch(ctx, uid, map[string]any{"ovps": []skylark.OVP{one}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.OVPs) != 1 || a.OVPs[0].Keys()[0] != "account_url" || len(a.OVPs[0].Keys()) != 1 {
			t.Errorf("ovps after patch = %+v", a.OVPs)
		}
	})
	tests := []struct {
		name   string
		fields map[string]any
		field  string
	}{
		{"unknown field", map[string]any{"colour": "red"}, "colour"},
		{"wrong type", map[string]any{"title": 12}, "title"},
		{"negative integer", map[string]any{"duration_in_seconds": -1}, "duration_in_seconds"},
		{"ovps not a list", map[string]any{"ovps": map[string]any{"account_url": "x"}}, "ovps"},
		{"ovps entry without account_url", map[string]any{"ovps": []any{map[string]any{"a": 1}}}, "ovps"},
		{"bad date", map[string]any{"release_date": "01/02/2024"}, "release_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Assets.Patch(ctx, uid, tt.fields, nil)
			er := wantErrorResponse(t, err, http.StatusBadRequest)
			if er.Code != skylark.CodeFormValidationErrors {
				t.Errorf("Code = %q, want %q", er.Code, skylark.CodeFormValidationErrors)
			}
			if len(er.FormValidationErrors[tt.field]) == 0 {
				t.Errorf("FormValidationErrors = %v, want an entry for %q", er.FormValidationErrors, tt.field)
			}
			if er.Temporary() {
				t.Error("a 400 reports Temporary() = true")
			}
		})
	}
	t.Run("unknown asset", func(t *testing.T) {
		_, err := c.Assets.Patch(ctx, "asse_11111111111111111111111111111111", map[string]any{"slug": "x"}, nil)
		wantErrorResponse(t, err, http.StatusNotFound)
	})
}

func TestAssetsPutByDataSource(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()

	created, err := c.Assets.PutByDataSource(ctx, "film 42", &skylark.Asset{Title: "Film 42",
		PlanURLs: []string{"/api/plans/gold/"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if created.UID == "" || created.DataSourceID != "film 42" || created.Title != "Film 42" {
		t.Errorf("created = %+v", created)
	}
	puts := requestsTo(srv, http.MethodPut, "/api/assets/versions/data-source/")
	if len(puts) != 1 || puts[0].EscapedPath != "/api/assets/versions/data-source/film%2042/" {
		t.Fatalf("PUT requests = %+v", puts)
	}

	// Read, change, write back: every key the server sent is sent back.
	read, err := c.Assets.GetByDataSource(ctx, "film 42", nil)
	if err != nil {
		t.Fatal(err)
	}
	read.Title = "Film 42 (restored)"
	if err := read.Set("synopsis", "A film."); err != nil {
		t.Fatal(err)
	}
	updated, err := c.Assets.PutByDataSource(ctx, "film 42", read, nil)
	if err != nil {
		t.Fatal(err)
	}
	if updated.UID != created.UID {
		t.Errorf("update created a new asset: %q != %q", updated.UID, created.UID)
	}
	if updated.Title != "Film 42 (restored)" || !slices.Equal(updated.PlanURLs, []string{"/api/plans/gold/"}) {
		t.Errorf("updated = %+v", updated)
	}
	if v, _ := updated.Get("synopsis"); string(v) != `"A film."` {
		t.Errorf("synopsis = %s", v)
	}

	t.Run("mismatched data_source_id", func(t *testing.T) {
		_, err := c.Assets.PutByDataSource(ctx, "film 42", &skylark.Asset{DataSourceID: "other"}, nil)
		wantArgumentError(t, err, "other")
	})
	t.Run("nil asset", func(t *testing.T) {
		_, err := c.Assets.PutByDataSource(ctx, "film 42", nil, nil)
		if !errors.Is(err, skylark.ErrInvalidArgument) {
			t.Errorf("error = %v, want ErrInvalidArgument", err)
		}
	})
	t.Run("validation error", func(t *testing.T) {
		a := &skylark.Asset{}
		if err := a.Set("release_date", "yesterday"); err != nil {
			t.Fatal(err)
		}
		_, err := c.Assets.PutByDataSource(ctx, "film 43", a, nil)
		er := wantErrorResponse(t, err, http.StatusBadRequest)
		if len(er.FormValidationErrors["release_date"]) == 0 {
			t.Errorf("FormValidationErrors = %v", er.FormValidationErrors)
		}
	})
}
