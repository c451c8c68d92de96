package skylark_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func TestRetryHonoursRetryAfterSeconds(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1})

	start := time.Now()
	if _, err := c.Assets.Get(context.Background(), uid, nil); err != nil {
		t.Fatalf("Get after a 429: %v", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After asked for", waited)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
}

func TestRetryTransientStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, srv := setup(t)
			uid := seedAsset(t, srv, "ds-1")
			srv.InjectFault(skylarktest.Fault{Status: status, Times: 2})
			a, err := c.Assets.Get(context.Background(), uid, nil)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if a.UID != uid {
				t.Errorf("UID = %q", a.UID)
			}
			if n := len(srv.Requests()); n != 3 {
				t.Errorf("server got %d requests, want 3", n)
			}
		})
	}
}

func TestRetryGivesUpAfterMaxAttempts(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusBadGateway})
	_, err := c.Assets.Get(context.Background(), uid, nil)
	er := wantErrorResponse(t, err, http.StatusBadGateway)
	if !er.Temporary() {
		t.Error("502 reports Temporary() = false")
	}
	if n := len(srv.Requests()); n != fastRetry.MaxAttempts {
		t.Errorf("server got %d requests, want %d", n, fastRetry.MaxAttempts)
	}
}

func TestRetryNotOnPermanentErrors(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 500} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, srv := setup(t)
			uid := seedAsset(t, srv, "ds-1")
			srv.InjectFault(skylarktest.Fault{Status: status})
			_, err := c.Assets.Get(context.Background(), uid, nil)
			wantErrorResponse(t, err, status)
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
		})
	}
}

// TestRetryRespectsDeadline checks that a Retry-After reaching past the
// context's deadline returns the error at once, keeping the wait.
func TestRetryRespectsDeadline(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "2"})

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.Assets.Get(ctx, uid, nil)
	er := wantErrorResponse(t, err, http.StatusServiceUnavailable)
	if er.RetryAfter() != 2*time.Second {
		t.Errorf("RetryAfter() = %v, want 2s", er.RetryAfter())
	}
	if elapsed := time.Since(start); elapsed > 500*time.Millisecond {
		t.Errorf("returned after %v; want at once, as the wait passes the deadline", elapsed)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestRetryBackoffRespectsDeadline(t *testing.T) {
	_, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusBadGateway})
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 5,
		MinDelay: 2 * time.Second, MaxDelay: 4 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Assets.Get(ctx, uid, nil)
	wantErrorResponse(t, err, http.StatusBadGateway)
	if elapsed := time.Since(start); elapsed > 400*time.Millisecond {
		t.Errorf("returned after %v; want at once", elapsed)
	}
}

func TestRetryAfterAboveMaxDelayNotWaited(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "60"})
	_, err := c.Assets.Get(context.Background(), uid, nil)
	er := wantErrorResponse(t, err, http.StatusTooManyRequests)
	if er.RetryAfter() != time.Minute {
		t.Errorf("RetryAfter() = %v, want 1m0s", er.RetryAfter())
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestRetryReplaysBody(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: http.StatusServiceUnavailable, Times: 1})
	a, err := c.Assets.Patch(context.Background(), uid, map[string]any{"slug": "replayed"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := a.Get("slug"); string(v) != `"replayed"` {
		t.Errorf("slug = %s", v)
	}
	patches := requestsTo(srv, http.MethodPatch, "/api/assets/")
	if len(patches) != 2 || string(patches[0].Body) != string(patches[1].Body) ||
		string(patches[1].Body) != `{"slug":"replayed"}` {
		t.Errorf("PATCH bodies = %q", [][]byte{patches[0].Body, patches[len(patches)-1].Body})
	}
}

func TestGetRetriedAfterConnectionReset(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Method: http.MethodGet, Reset: true, Times: 1})
	if _, err := c.Assets.Get(context.Background(), uid, nil); err != nil {
		t.Fatalf("Get after a reset: %v", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("server got %d requests, want 2", n)
	}
}

// TestPostNotRetriedAfterConnectionDrop checks that a viewing whose
// connection dropped after the request was sent is not sent again: the
// server may have created it.
func TestPostNotRetriedAfterConnectionDrop(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Method: http.MethodPost, PathPrefix: "/api/viewings/", Reset: true, Times: 1})

	_, err := c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
	if err == nil {
		t.Fatal("Create succeeded although the connection was reset")
	}
	var er *skylark.ErrorResponse
	if errors.As(err, &er) {
		t.Fatalf("error = %v, want a transport error", err)
	}
	if n := len(requestsTo(srv, http.MethodPost, "/api/viewings/")); n != 1 {
		t.Errorf("server got %d viewing requests, want 1", n)
	}
}

func TestPostNotRetriedOnGatewayErrors(t *testing.T) {
	for _, f := range []skylarktest.Fault{
		{Status: http.StatusBadGateway, Times: 1},
		{Status: http.StatusGatewayTimeout, Times: 1},
		{Status: http.StatusServiceUnavailable, Times: 1},
		{Status: http.StatusTooManyRequests, Times: 1},
	} {
		t.Run(http.StatusText(f.Status), func(t *testing.T) {
			c, srv := setup(t)
			uid := seedAsset(t, srv, "ds-1")
			srv.InjectFault(f)
			_, err := c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
			wantErrorResponse(t, err, f.Status)
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("server got %d requests, want 1", n)
			}
		})
	}
}

func TestPostRetriedWhenRetryAfterSaysNotProcessed(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, srv := setup(t)
			uid := seedAsset(t, srv, "ds-1")
			srv.InjectFault(skylarktest.Fault{Status: status, RetryAfter: "0", Times: 1})
			v, err := c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Objects) != 2 {
				t.Errorf("Objects = %+v", v.Objects)
			}
			if n := len(srv.Requests()); n != 2 {
				t.Errorf("server got %d requests, want 2", n)
			}
		})
	}
}

// TestPostRetriedOnDialFailure checks that a POST is retried when the
// connection could not be made, so nothing reached the server.
func TestPostRetriedOnDialFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	var dials atomic.Int32
	dialer := &net.Dialer{Timeout: time.Second}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			dials.Add(1)
			return dialer.DialContext(ctx, network, a)
		},
	}}
	c, err := skylark.NewClient("http://"+addr, skylark.WithHTTPClient(hc), skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Viewings.Create(context.Background(), &skylark.ViewingRequest{AssetURL: "/api/assets/x/"})
	if err == nil {
		t.Fatal("Create succeeded with nothing listening")
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		t.Errorf("error = %v, want a dial *net.OpError", err)
	}
	if got := dials.Load(); got != int32(fastRetry.MaxAttempts) {
		t.Errorf("dialled %d times, want %d", got, fastRetry.MaxAttempts)
	}
}

func TestContextCanceledDuringBackoff(t *testing.T) {
	_, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Status: http.StatusServiceUnavailable})
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 5,
		MinDelay: 5 * time.Second, MaxDelay: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.Assets.Get(ctx, uid, nil)
	wantErrorResponse(t, err, http.StatusServiceUnavailable)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v, want soon after the cancel", elapsed)
	}
}
