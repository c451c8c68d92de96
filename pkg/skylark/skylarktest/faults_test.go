package skylarktest_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func TestFaultStatus(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	asset := srv.URL + "/api/assets/" + uid + "/"

	srv.InjectFault(skylarktest.Fault{Method: "GET", PathPrefix: "/api/assets/", Status: 429, RetryAfter: "3", Times: 1})
	r := call(t, "GET", asset, nil, nil)
	wantDetail(t, r, http.StatusTooManyRequests)
	if got := r.header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After = %q, want 3", got)
	}
	wantStatus(t, call(t, "GET", asset, nil, nil), http.StatusOK) // Times used up

	srv.InjectFault(skylarktest.Fault{Status: 502, Times: 1})
	r = call(t, "GET", asset, nil, nil)
	wantStatus(t, r, http.StatusBadGateway)
	if !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.raw), "<html>") {
		t.Errorf("502 body %q (%s), want an HTML page", r.raw, r.header.Get("Content-Type"))
	}

	srv.InjectFault(skylarktest.Fault{Status: 503, Body: `{"error":"maintenance"}`, Times: 1})
	r = call(t, "GET", asset, nil, nil)
	if r.status != 503 || r.body["error"] != "maintenance" || r.header.Get("Retry-After") != "" {
		t.Errorf("503 = %d %s %v", r.status, r.raw, r.header)
	}
}

func TestFaultMatching(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x", "ovps": []any{}})
	asset := srv.URL + "/api/assets/" + uid + "/"
	srv.InjectFault(skylarktest.Fault{Method: "POST", PathPrefix: "/api/viewings/", Status: 500})

	wantStatus(t, call(t, "GET", asset, nil, nil), http.StatusOK)
	wantStatus(t, call(t, "PATCH", asset, map[string]any{"slug": "s"}, nil), http.StatusOK)
	for range 3 {
		wantStatus(t, call(t, "POST", srv.URL+"/api/viewings/", map[string]any{"asset_url": asset}, nil), 500)
	}
	srv.ClearFaults()
	wantStatus(t, call(t, "POST", srv.URL+"/api/viewings/", map[string]any{"asset_url": asset}, nil), 201)

	// Faults apply in the order added.
	srv.InjectFault(skylarktest.Fault{Status: 503, Times: 1})
	srv.InjectFault(skylarktest.Fault{Status: 504, Times: 1})
	first := call(t, "GET", asset, nil, nil).status
	second := call(t, "GET", asset, nil, nil).status
	if first != 503 || second != 504 {
		t.Errorf("statuses = %d, %d; want 503, 504", first, second)
	}
}

func TestFaultLatency(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	srv.InjectFault(skylarktest.Fault{Latency: 200 * time.Millisecond, Times: 1})
	start := time.Now()
	wantStatus(t, call(t, "GET", srv.URL+"/api/assets/"+uid+"/", nil, nil), http.StatusOK)
	if elapsed := time.Since(start); elapsed < 200*time.Millisecond {
		t.Errorf("answered after %v, want at least 200ms", elapsed)
	}
}

func TestFaultReset(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	srv.InjectFault(skylarktest.Fault{Reset: true, Times: 1})
	req, _ := http.NewRequest("POST", srv.URL+"/api/viewings/", strings.NewReader(`{"asset_url":"x"}`))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("request succeeded with status %d, want a connection error", resp.StatusCode)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || string(reqs[0].Body) != `{"asset_url":"x"}` {
		t.Errorf("logged %+v; want the request read before the reset", reqs)
	}
}

func TestFaultTruncate(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	srv.InjectFault(skylarktest.Fault{Method: "PATCH", Truncate: true, Times: 1})
	req, _ := http.NewRequest("PATCH", srv.URL+"/api/assets/"+uid+"/", strings.NewReader(`{"slug":"cut"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
	data, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error = %v, want unexpected EOF", err)
	}
	if int64(len(data)) >= resp.ContentLength || len(data) == 0 {
		t.Errorf("read %d of %d bytes, want part of the body", len(data), resp.ContentLength)
	}
	if a, _ := srv.Asset(uid); a["slug"] != "cut" {
		t.Errorf("slug = %v; the request is served before the body is cut", a["slug"])
	}
}

func TestRequestLog(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	call(t, "GET", srv.URL+"/api/assets/versions/data-source/a%20b/?fields=title", nil,
		map[string]string{"Accept-Language": "de-de"})
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("logged %d requests", len(reqs))
	}
	r := reqs[0]
	if r.Method != "GET" || r.Path != "/api/assets/versions/data-source/a b/" ||
		r.EscapedPath != "/api/assets/versions/data-source/a%20b/" || r.Query.Get("fields") != "title" ||
		r.Header.Get("Accept-Language") != "de-de" {
		t.Errorf("logged %+v", r)
	}
	srv.ClearRequests()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after ClearRequests", n)
	}
}
