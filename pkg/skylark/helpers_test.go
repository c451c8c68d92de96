package skylark_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/internal/tokentest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// fastRetry keeps retry tests quick: three attempts, millisecond backoff,
// Retry-After honoured up to 3s.
var fastRetry = skylark.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 3 * time.Second}

// setup starts a fake without authentication and a client for it.
func setup(t *testing.T, opts ...skylark.Option) (*skylark.Client, *skylarktest.Server) {
	t.Helper()
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	t.Cleanup(srv.Close)
	opts = append([]skylark.Option{skylark.WithRetry(fastRetry)}, opts...)
	c, err := skylark.NewClient(srv.URL, opts...)
	if err != nil {
		t.Fatalf("NewClient(%q): %v", srv.URL, err)
	}
	return c, srv
}

// seedAsset stores an asset with a title, a data-source id and two OVP
// entries that carry integration-specific keys.
func seedAsset(t *testing.T, srv *skylarktest.Server, dsid string) string {
	t.Helper()
	return srv.PutAsset(map[string]any{
		"title":          "The Joy of Winning",
		"slug":           "the-joy-of-winning",
		"data_source_id": dsid,
		"duration":       "00:53:09",
		"release_date":   nil,
		"ovps": []any{
			map[string]any{"account_url": "/api/accounts/mux/", "asset_id": "mux-asset",
				"playback_id": "pb1", "duration": 3189.2},
			map[string]any{"account_url": "/api/accounts/tata/",
				"stream_url": "https://cdn.example.net/hls/master.m3u8"},
		},
	})
}

// requestsTo returns the logged requests with this method and path prefix.
func requestsTo(srv *skylarktest.Server, method, prefix string) []skylarktest.Request {
	var out []skylarktest.Request
	for _, r := range srv.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// wantErrorResponse asserts that err is an *ErrorResponse with the status.
func wantErrorResponse(t *testing.T, err error, status int) *skylark.ErrorResponse {
	t.Helper()
	var er *skylark.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error = %v (%T), want *skylark.ErrorResponse", err, err)
	}
	if er.StatusCode != status {
		t.Fatalf("StatusCode = %d, want %d (error: %v)", er.StatusCode, status, err)
	}
	return er
}

// wantArgumentError asserts that err is an *ArgumentError naming value.
func wantArgumentError(t *testing.T, err error, value string) {
	t.Helper()
	var ae *skylark.ArgumentError
	if !errors.As(err, &ae) {
		t.Fatalf("error = %v (%T), want *skylark.ArgumentError", err, err)
	}
	if !errors.Is(err, skylark.ErrInvalidArgument) {
		t.Errorf("errors.Is(%v, ErrInvalidArgument) = false", err)
	}
	if ae.Value != value {
		t.Errorf("ArgumentError.Value = %q, want %q", ae.Value, value)
	}
}

// bearerTransport adds a fixed bearer token and Cache-Control: no-cache,
// as an authenticating RoundTripper does with its cached token.
type bearerTransport struct {
	token string
	base  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	r.Header.Set("Cache-Control", "no-cache")
	return t.base.RoundTrip(r)
}

// testIssuer wraps tokentest.Issuer with the shorthand the client tests use.
type testIssuer struct{ *tokentest.Issuer }

func newTestIssuer(t *testing.T) testIssuer { return testIssuer{tokentest.New(t)} }

func (i testIssuer) idToken(t *testing.T, ttl time.Duration) string {
	return i.IDToken(t, ttl, nil)
}

// newAuthFake starts a fake that verifies ID tokens from issuer.
func newAuthFake(t *testing.T, issuer testIssuer) *skylarktest.Server {
	t.Helper()
	srv := skylarktest.NewServer(skylarktest.Options{Issuer: issuer.URL, ClientID: issuer.ClientID})
	t.Cleanup(srv.Close)
	return srv
}
