package skylark

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func response(method string, status int, retryAfter string) *http.Response {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return &http.Response{StatusCode: status, Header: h,
		Request: httptest.NewRequest(method, "https://x.example/api/", nil)}
}

func transportErr(method string, connected bool, err error) error {
	return &requestError{method: method, path: "/api/", connected: connected, err: err}
}

func TestShouldRetry(t *testing.T) {
	dialErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	readErr := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		resp *http.Response
		err  error
		want bool
	}{
		{"GET 429", response("GET", 429, ""), nil, true},
		{"GET 502", response("GET", 502, ""), nil, true},
		{"GET 503", response("GET", 503, ""), nil, true},
		{"GET 504", response("GET", 504, ""), nil, true},
		{"GET 500", response("GET", 500, ""), nil, false},
		{"GET 400", response("GET", 400, ""), nil, false},
		{"GET 401", response("GET", 401, ""), nil, false},
		{"GET 404", response("GET", 404, ""), nil, false},
		{"PATCH 503", response("PATCH", 503, ""), nil, true},
		{"PUT 502", response("PUT", 502, ""), nil, true},
		{"POST 429 with Retry-After", response("POST", 429, "1"), nil, true},
		{"POST 503 with Retry-After date", response("POST", 503, "Wed, 21 Oct 2015 07:28:00 GMT"), nil, true},
		{"POST 429 without Retry-After", response("POST", 429, ""), nil, false},
		{"POST 503 without Retry-After", response("POST", 503, ""), nil, false},
		{"POST 503 with bad Retry-After", response("POST", 503, "soon"), nil, false},
		{"POST 502", response("POST", 502, "1"), nil, false},
		{"POST 504", response("POST", 504, ""), nil, false},
		{"GET dial failure", nil, transportErr("GET", false, dialErr), true},
		{"GET reset after connecting", nil, transportErr("GET", true, readErr), true},
		{"GET EOF", nil, transportErr("GET", true, io.EOF), true},
		{"GET unexpected EOF", nil, transportErr("GET", true, io.ErrUnexpectedEOF), true},
		{"POST dial failure", nil, transportErr("POST", false, dialErr), true},
		{"POST reset after connecting", nil, transportErr("POST", true, readErr), false},
		{"POST EOF after connecting", nil, transportErr("POST", true, io.EOF), false},
		{"GET canceled", nil, transportErr("GET", false, context.Canceled), false},
		{"GET DNS not found", nil, transportErr("GET", false,
			&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}), false},
		{"GET DNS timeout", nil, transportErr("GET", false,
			&net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}), true},
		{"GET RoundTripper error", nil, transportErr("GET", false, errors.New("auth: invalid credentials")), false},
		{"unknown error type", nil, errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shouldRetry(context.Background(), tt.resp, tt.err); got != tt.want {
				t.Errorf("shouldRetry = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("context done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if shouldRetry(ctx, response("GET", 503, ""), nil) {
			t.Error("retry after the context was canceled")
		}
	})
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, MinDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for attempt, full := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		full *= time.Millisecond
		for range 200 {
			d, ok := p.backoff(attempt, nil, now)
			if !ok || d < full/2 || d > full {
				t.Fatalf("backoff(%d) = %v, %v; want within [%v, %v]", attempt, d, ok, full/2, full)
			}
		}
	}
	t.Run("jitter varies", func(t *testing.T) {
		seen := map[time.Duration]bool{}
		for range 50 {
			d, _ := p.backoff(3, nil, now)
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("50 backoffs gave only %d distinct values", len(seen))
		}
	})
	t.Run("large attempt does not overflow", func(t *testing.T) {
		if d, ok := p.backoff(200, nil, now); !ok || d > time.Second || d < 500*time.Millisecond {
			t.Errorf("backoff(200) = %v, %v", d, ok)
		}
	})
	retryAfter := []struct {
		name   string
		header string
		want   time.Duration
		ok     bool
	}{
		{"seconds", "1", time.Second, true},
		{"zero", "0", 0, true},
		{"date", now.Add(time.Second).Format(http.TimeFormat), time.Second, true},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"above MaxDelay", "30", 30 * time.Second, false},
		{"date above MaxDelay", now.Add(time.Minute).Format(http.TimeFormat), time.Minute, false},
	}
	for _, tt := range retryAfter {
		t.Run("Retry-After "+tt.name, func(t *testing.T) {
			d, ok := p.backoff(0, response("GET", 429, tt.header), now)
			if d != tt.want || ok != tt.ok {
				t.Errorf("backoff = %v, %v; want %v, %v", d, ok, tt.want, tt.ok)
			}
		})
	}
	t.Run("Retry-After malformed falls back", func(t *testing.T) {
		d, ok := p.backoff(0, response("GET", 429, "-3"), now)
		if !ok || d < 50*time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("backoff = %v, %v; want the exponential backoff", d, ok)
		}
	})
}

// TestRetryAfterDate checks that an HTTP-date Retry-After is waited for,
// measured against the client's clock.
func TestRetryAfterDate(t *testing.T) {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"title": "x"})
	fixed := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	srv.InjectFault(skylarktest.Fault{Status: http.StatusServiceUnavailable, Times: 1,
		RetryAfter: fixed.Add(time.Second).Format(http.TimeFormat)})

	c, err := NewClient(srv.URL, WithRetry(RetryPolicy{MaxAttempts: 2, MaxDelay: 3 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return fixed }
	start := time.Now()
	if _, err := c.Assets.Get(context.Background(), uid, nil); err != nil {
		t.Fatalf("Get after a 503: %v", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, want at least the 1s the Retry-After date asked for", waited)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
}

// TestBodyWithoutGetBodyNotRetried checks that a request whose body cannot
// be replayed is sent once.
func TestBodyWithoutGetBodyNotRetried(t *testing.T) {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"title": "x"})
	srv.InjectFault(skylarktest.Fault{Status: http.StatusServiceUnavailable})
	c, err := NewClient(srv.URL, WithRetry(RetryPolicy{MaxAttempts: 3}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, err := c.newRequest(ctx, http.MethodPatch, assetPath(uid), nil, map[string]any{"slug": "s"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(strings.NewReader(`{"slug":"s"}`))
	req.GetBody = nil
	if _, err := c.do(ctx, req, "asset", c.maxObjectBytes, nil); err == nil {
		t.Fatal("do succeeded against a 503")
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}
