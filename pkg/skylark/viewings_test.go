package skylark_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func TestViewingsCreate(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	uid := seedAsset(t, srv, "ds-1")

	v, err := c.Viewings.Create(ctx, &skylark.ViewingRequest{
		AssetURL: "/api/assets/" + uid + "/", UserIdentifier: "user-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Objects) != 2 {
		t.Fatalf("Objects = %+v, want 2 playbacks", v.Objects)
	}
	mux, tata := v.Objects[0], v.Objects[1]
	if mux.OVP != "mux" || tata.OVP != "tata" {
		t.Errorf("OVP slugs = %q, %q; want mux, tata in ovps order", mux.OVP, tata.OVP)
	}
	if !strings.HasPrefix(mux.TokenisedURL, "https://stream.mux.com/pb1.m3u8?token=") {
		t.Errorf("mux tokenised_url = %q", mux.TokenisedURL)
	}
	if !strings.HasPrefix(tata.TokenisedURL, "https://cdn.example.net/hls/master.m3u8?token=") {
		t.Errorf("tata tokenised_url = %q", tata.TokenisedURL)
	}
	// The fake sends only tokenised_url, not the asset's stored ovps keys.
	// TestViewingElementWithSeveralOVPs covers keeping other keys.
	if keys := mux.Keys(); len(keys) != 1 || keys[0] != "tokenised_url" {
		t.Errorf("mux keys = %v, want only tokenised_url", keys)
	}

	// The request body carries both keys.
	posts := requestsTo(srv, http.MethodPost, "/api/viewings/")
	var body map[string]string
	if err := json.Unmarshal(posts[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body["asset_url"] != "/api/assets/"+uid+"/" || body["user_identifier"] != "user-1" {
		t.Errorf("request body = %v", body)
	}

	// A Playback encodes back to the element Skylark sent.
	data, err := json.Marshal(mux)
	if err != nil {
		t.Fatal(err)
	}
	var elem map[string]map[string]any
	if err := json.Unmarshal(data, &elem); err != nil {
		t.Fatal(err)
	}
	if elem["mux"]["tokenised_url"] != mux.TokenisedURL || len(elem["mux"]) != 1 {
		t.Errorf("encoded playback = %s", data)
	}
}

func TestViewingsEntitlement(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()
	uid := srv.PutAsset(map[string]any{"title": "Gold only", "plan_urls": []string{"/api/plans/gold/"},
		"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "p"}}})
	req := &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/", UserIdentifier: "user-9"}

	_, err := c.Viewings.Create(ctx, req)
	er := wantErrorResponse(t, err, http.StatusForbidden)
	if !errors.Is(err, skylark.ErrNotEntitled) || er.Code != skylark.CodeNotEntitled {
		t.Errorf("error = %v, want ErrNotEntitled", err)
	}
	if er.Temporary() {
		t.Error("not entitled reports Temporary() = true")
	}

	srv.GrantEntitlement("user-9", "/api/plans/gold/")
	v, err := c.Viewings.Create(ctx, req)
	if err != nil {
		t.Fatalf("after GrantEntitlement: %v", err)
	}
	if len(v.Objects) != 1 || v.Objects[0].OVP != "mux" {
		t.Errorf("Objects = %+v", v.Objects)
	}
}

func TestViewingsErrors(t *testing.T) {
	c, srv := setup(t)
	ctx := context.Background()

	t.Run("unresolvable asset_url", func(t *testing.T) {
		_, err := c.Viewings.Create(ctx, &skylark.ViewingRequest{
			AssetURL: "/api/assets/asse_00000000000000000000000000000000/"})
		er := wantErrorResponse(t, err, http.StatusBadRequest)
		if er.Code != skylark.CodeNoViewingRecord {
			t.Errorf("Code = %q, want %q", er.Code, skylark.CodeNoViewingRecord)
		}
	})
	for _, req := range []*skylark.ViewingRequest{nil, {}, {AssetURL: "/api/assets/x/\n"},
		{AssetURL: "/api/assets/x/", UserIdentifier: "a\x00"}} {
		srv.ClearRequests()
		_, err := c.Viewings.Create(ctx, req)
		if !errors.Is(err, skylark.ErrInvalidArgument) {
			t.Errorf("Create(%+v) error = %v, want ErrInvalidArgument", req, err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("Create(%+v) sent %d requests", req, n)
		}
	}
}

func TestViewingErrorInSuccessBody(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"error":"Playback is disabled.","skylark_error_code":"PLAYBACK_DISABLED"}`)
	}))
	defer ts.Close()
	c, err := skylark.NewClient(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/x/"})
	er := wantErrorResponse(t, err, http.StatusOK)
	if er.Message != "Playback is disabled." || er.Code != "PLAYBACK_DISABLED" || er.Path != "/api/viewings/" {
		t.Errorf("ErrorResponse = %+v", er)
	}
}

func TestViewingElementWithSeveralOVPs(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"objects":[{"zeta":{"tokenised_url":"z"},"alpha":{"tokenised_url":"a","drm":{"k":1}}}]}`)
	}))
	defer ts.Close()
	c, err := skylark.NewClient(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/x/"})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Objects) != 2 || v.Objects[0].OVP != "zeta" || v.Objects[1].OVP != "alpha" {
		t.Fatalf("Objects = %+v, want zeta then alpha as sent", v.Objects)
	}
	if drm, _ := v.Objects[1].Get("drm"); string(drm) != `{"k":1}` {
		t.Errorf("drm = %s", drm)
	}
}
