package skylark_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// hostRecorder is an httptest server on another port that records every
// request it receives, with its Authorization header, and responds to each
// with a valid asset, so a client that followed a redirect there would
// succeed.
type hostRecorder struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path Authorization"
}

func newHostRecorder(t *testing.T) *hostRecorder {
	t.Helper()
	h := &hostRecorder{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.seen = append(h.seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization"))
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"uid":"asse_4e4a9d0e3c054790886684b924e1d13c","objects":[]}`))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hostRecorder) requests() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.seen...)
}

func TestRedirectNotFollowed(t *testing.T) {
	const uid = "asse_4e4a9d0e3c054790886684b924e1d13c"
	issuer := newTestIssuer(t)
	idToken := issuer.idToken(t, time.Hour)
	other := newHostRecorder(t)
	// localhost and 127.0.0.1 are different hosts to an http.Client, so Go
	// would strip the Authorization header it set itself, but not the one a
	// RoundTripper adds on each hop.
	otherBase := strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1)

	tests := []struct {
		name         string
		status       int
		location     string
		call         func(context.Context, *skylark.Client) error
		wantLocation string
	}{
		{
			name: "GET 302 to another host", status: http.StatusFound,
			location: otherBase + "/api/assets/" + uid + "/?token=leak",
			call: func(ctx context.Context, c *skylark.Client) error {
				_, err := c.Assets.Get(ctx, uid, nil)
				return err
			},
			wantLocation: otherBase + "/api/assets/" + uid + "/",
		},
		{
			name: "PATCH 307 to another host", status: http.StatusTemporaryRedirect,
			location: otherBase + "/api/assets/" + uid + "/",
			call: func(ctx context.Context, c *skylark.Client) error {
				_, err := c.Assets.Patch(ctx, uid, map[string]any{"slug": "s"}, nil)
				return err
			},
			wantLocation: otherBase + "/api/assets/" + uid + "/",
		},
		{
			name: "POST 307 to another host", status: http.StatusTemporaryRedirect,
			location: otherBase + "/api/viewings/",
			call: func(ctx context.Context, c *skylark.Client) error {
				_, err := c.Viewings.Create(ctx, &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
				return err
			},
			wantLocation: otherBase + "/api/viewings/",
		},
		{
			name: "PUT 308 to another host", status: http.StatusPermanentRedirect,
			location: otherBase + "/api/assets/versions/data-source/ds-1/",
			call: func(ctx context.Context, c *skylark.Client) error {
				_, err := c.Assets.PutByDataSource(ctx, "ds-1", &skylark.Asset{Title: "t"}, nil)
				return err
			},
			wantLocation: otherBase + "/api/assets/versions/data-source/ds-1/",
		},
		{
			name: "list 301 to another host", status: http.StatusMovedPermanently,
			location: otherBase + "/api/assets/#frag",
			call: func(ctx context.Context, c *skylark.Client) error {
				_, err := c.Assets.List(ctx, nil)
				return err
			},
			wantLocation: otherBase + "/api/assets/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", tt.location)
				w.WriteHeader(tt.status)
			}))
			defer origin.Close()
			hc := &http.Client{Transport: &bearerTransport{token: idToken, base: http.DefaultTransport}}
			c, err := skylark.NewClient(origin.URL, skylark.WithHTTPClient(hc), skylark.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}

			err = tt.call(context.Background(), c)

			if got := other.requests(); len(got) != 0 {
				t.Errorf("the redirect target received %d requests", len(got))
			}
			er := wantErrorResponse(t, err, tt.status)
			if er.Temporary() {
				t.Errorf("Temporary() = true for a %d, want false", tt.status)
			}
			if er.Location != tt.wantLocation {
				t.Errorf("Location = %q, want %q", er.Location, tt.wantLocation)
			}
			msg := err.Error()
			if !strings.Contains(msg, "redirected to "+tt.wantLocation) {
				t.Errorf("error %q does not name the redirect target %s", msg, tt.wantLocation)
			}
			if !strings.Contains(msg, "redirects are not followed") {
				t.Errorf("error %q does not say that redirects are not followed", msg)
			}
			if !strings.Contains(msg, "SKYLARK_BASE_URL") {
				t.Errorf("error %q does not point at SKYLARK_BASE_URL", msg)
			}
			if strings.Contains(msg, "leak") || strings.Contains(msg, "frag") {
				t.Errorf("error %q contains the query or fragment of the Location", msg)
			}
		})
	}
	for _, r := range other.requests() {
		if strings.Contains(r, idToken) {
			t.Errorf("the redirect target received the ID token in %q", strings.Fields(r)[:2])
		}
	}
}

func TestRedirectLocationVariants(t *testing.T) {
	const uid = "asse_4e4a9d0e3c054790886684b924e1d13c"
	tests := []struct {
		name         string
		location     string
		wantLocation string // "" means Location stays empty
		wantMsg      string
	}{
		{"relative path", "/moved/here/?q=1", "{origin}/moved/here/", "redirected to {origin}/moved/here/"},
		{"absent", "", "", "redirected without a Location header"},
		{"invalid", "http://[::1", "", "redirected to an invalid Location"},
		{"user information", "https://user:pw@example.com/api/", "https://example.com/api/",
			"redirected to https://example.com/api/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(http.StatusFound)
			}))
			defer origin.Close()
			c, err := skylark.NewClient(origin.URL, skylark.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}

			_, err = c.Assets.Get(context.Background(), uid, nil)

			er := wantErrorResponse(t, err, http.StatusFound)
			want := strings.ReplaceAll(tt.wantLocation, "{origin}", origin.URL)
			if er.Location != want {
				t.Errorf("Location = %q, want %q", er.Location, want)
			}
			wantMsg := strings.ReplaceAll(tt.wantMsg, "{origin}", origin.URL)
			if !strings.Contains(er.Message, wantMsg) {
				t.Errorf("Message = %q, want it to contain %q", er.Message, wantMsg)
			}
			if strings.Contains(err.Error(), "pw@") || strings.Contains(err.Error(), "q=1") {
				t.Errorf("error %q contains user information or a query", err)
			}
		})
	}
}

func TestNewClientLeavesCallerClient(t *testing.T) {
	hc := &http.Client{Timeout: time.Minute}
	if _, err := skylark.NewClient("https://example.com", skylark.WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("NewClient set CheckRedirect on the caller's http.Client")
	}
}

func TestRedirectNotRetried(t *testing.T) {
	const uid = "asse_4e4a9d0e3c054790886684b924e1d13c"
	var calls int
	var mu sync.Mutex
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		http.Redirect(w, r, "https://example.com/", http.StatusFound)
	}))
	defer origin.Close()
	c, err := skylark.NewClient(origin.URL, skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Assets.Get(context.Background(), uid, nil)
	wantErrorResponse(t, err, http.StatusFound)
	if errors.Is(err, skylark.ErrNotFound) {
		t.Errorf("errors.Is(%v, ErrNotFound) = true for a redirect", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("server got %d requests, want 1 (no retry)", calls)
	}
}
