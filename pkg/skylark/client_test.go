package skylark_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		name    string
		baseURL string
		wantErr string // "" means valid
	}{
		{"https", "https://api.env.acct.skylarkplatform.io", ""},
		{"https with path", "https://example.com/skylark", ""},
		{"http on 127.0.0.1", "http://127.0.0.1:8080", ""},
		{"http on 127.0.0.2", "http://127.0.0.2", ""},
		{"http on localhost", "http://localhost:9", ""},
		{"http on ::1", "http://[::1]:9", ""},
		{"http on a remote host", "http://api.example.com", "uses http on a host that is not loopback"},
		{"http on a private address", "http://10.0.0.1", "uses http on a host that is not loopback"},
		{"ftp", "ftp://example.com", `has scheme "ftp"`},
		{"relative", "/api/", "is not absolute"},
		{"empty", "", "is not absolute"},
		{"query", "https://example.com/?a=1", "must not have a query"},
		{"fragment", "https://example.com/#x", "must not have a query or fragment"},
		{"unparsable", "https://exa mple.com", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := skylark.NewClient(tt.baseURL)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient(%q) = %v, %v; want a client", tt.baseURL, c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewClient(%q) error = %v, want it to contain %q", tt.baseURL, err, tt.wantErr)
			}
		})
	}
}

func TestNewClientUserInfoNotEchoed(t *testing.T) {
	_, err := skylark.NewClient("https://svc:hunter2@example.com")
	if err == nil {
		t.Fatal("NewClient accepted a URL with user information")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestNewClientOptions(t *testing.T) {
	tests := []struct {
		name    string
		opt     skylark.Option
		wantErr string
	}{
		{"nil HTTP client", skylark.WithHTTPClient(nil), "client is nil"},
		{"empty user agent", skylark.WithUserAgent(""), "user agent"},
		{"user agent with newline", skylark.WithUserAgent("a\r\nX-Evil: 1"), "control characters"},
		{"zero attempts", skylark.WithRetry(skylark.RetryPolicy{}), "MaxAttempts"},
		{"negative delay", skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 1, MinDelay: -1}),
			"MinDelay"},
		{"max below min", skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 2,
			MinDelay: time.Second, MaxDelay: time.Millisecond}), "MaxDelay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := skylark.NewClient("https://example.com", tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewClient error = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRequestHeaders(t *testing.T) {
	c, srv := setup(t, skylark.WithUserAgent("ingest/1.0"))
	uid := seedAsset(t, srv, "ds-1")
	ctx := context.Background()

	if _, err := c.Assets.Get(ctx, uid, &skylark.RequestOptions{Language: "pt-pt"}); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if _, err := c.Assets.Patch(ctx, uid, map[string]any{"slug": "s"}, nil); err != nil {
		t.Fatalf("Patch: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("server got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		for _, h := range []string{"Authorization", "Cache-Control"} {
			if v := r.Header.Get(h); v != "" {
				t.Errorf("%s %s sent %s: %q; the client must leave it to its transport", r.Method, r.Path, h, v)
			}
		}
		if got := r.Header.Get("User-Agent"); got != "ingest/1.0" {
			t.Errorf("%s User-Agent = %q, want %q", r.Method, got, "ingest/1.0")
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("%s Accept = %q, want application/json", r.Method, got)
		}
	}
	if got := reqs[0].Header.Get("Accept-Language"); got != "pt-pt" {
		t.Errorf("GET Accept-Language = %q, want pt-pt", got)
	}
	if got := reqs[1].Header.Get("Accept-Language"); got != "" {
		t.Errorf("PATCH without a language sent Accept-Language %q", got)
	}
	if got := reqs[1].Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("PATCH Content-Type = %q, want application/json", got)
	}
	if !strings.HasSuffix(reqs[0].Path, "/") {
		t.Errorf("GET path %q has no trailing slash", reqs[0].Path)
	}
}

func TestLanguageWithControlCharacters(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	_, err := c.Assets.Get(context.Background(), uid, &skylark.RequestOptions{Language: "en\r\nX: y"})
	wantArgumentError(t, err, "en\r\nX: y")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestBaseURLPathPrefix(t *testing.T) {
	_, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	front := httptest.NewServer(http.StripPrefix("/skylark", srv))
	defer front.Close()

	c, err := skylark.NewClient(front.URL + "/skylark")
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Assets.Get(context.Background(), uid, nil)
	if err != nil {
		t.Fatalf("Get through a path prefix: %v", err)
	}
	if a.UID != uid {
		t.Errorf("UID = %q, want %q", a.UID, uid)
	}
}

func TestAuthRoundTripperAgainstVerifyingFake(t *testing.T) {
	issuer := newTestIssuer(t)
	srv := newAuthFake(t, issuer)
	uid := seedAsset(t, srv, "ds-1")
	ctx := context.Background()

	anon, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = anon.Assets.Get(ctx, uid, nil)
	wantErrorResponse(t, err, http.StatusUnauthorized)
	if !errors.Is(err, skylark.ErrUnauthorized) {
		t.Errorf("errors.Is(%v, ErrUnauthorized) = false", err)
	}

	hc := &http.Client{Transport: &bearerTransport{token: issuer.idToken(t, time.Hour),
		base: http.DefaultTransport}}
	authed, err := skylark.NewClient(srv.URL, skylark.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authed.Assets.Get(ctx, uid, nil); err != nil {
		t.Fatalf("Get with a valid ID token: %v", err)
	}

	expired := &http.Client{Transport: &bearerTransport{token: issuer.idToken(t, -time.Minute),
		base: http.DefaultTransport}}
	stale, err := skylark.NewClient(srv.URL, skylark.WithHTTPClient(expired))
	if err != nil {
		t.Fatal(err)
	}
	_, err = stale.Assets.Patch(ctx, uid, map[string]any{"slug": "x"}, nil)
	wantErrorResponse(t, err, http.StatusUnauthorized)
}
