package skylark_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

const sizeTestUID = "asse_4e4a9d0e3c054790886684b924e1d13c"

// assetOfSize returns an asset body of exactly n bytes.
func assetOfSize(t *testing.T, n int) string {
	t.Helper()
	head := `{"uid":"` + sizeTestUID + `","title":"`
	tail := `"}`
	if n < len(head)+len(tail) {
		t.Fatalf("assetOfSize(%d): too small for an asset", n)
	}
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// writeJSON writes body with its Content-Length, as Skylark does.
func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = io.WriteString(w, body)
}

// countingTransport counts the response body bytes the client reads.
type countingTransport struct {
	read atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = &countingBody{ReadCloser: resp.Body, n: &c.read}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// wantTooLarge asserts that err is a permanent *ResponseTooLargeError with
// the size and limit, and that its message names both.
func wantTooLarge(t *testing.T, err error, size, limit int64) {
	t.Helper()
	var tl *skylark.ResponseTooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("error = %v (%T), want *skylark.ResponseTooLargeError", err, err)
	}
	if !errors.Is(err, skylark.ErrResponseTooLarge) {
		t.Errorf("errors.Is(%v, ErrResponseTooLarge) = false", err)
	}
	if tl.Size != size {
		t.Errorf("Size = %d, want %d", tl.Size, size)
	}
	if tl.Limit != limit {
		t.Errorf("Limit = %d, want %d", tl.Limit, limit)
	}
	if tl.Temporary() {
		t.Error("Temporary() = true, want false")
	}
	msg := err.Error()
	if !strings.Contains(msg, "exceeds the limit of "+strconv.FormatInt(limit, 10)+" bytes") {
		t.Errorf("error %q does not state the limit", msg)
	}
	if size >= 0 && !strings.Contains(msg, strconv.FormatInt(size, 10)+" bytes") {
		t.Errorf("error %q does not state the size", msg)
	}
}

func TestEndlessBodyStopsAtLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"uid":"`+sizeTestUID+`","title":"`)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	counter := &countingTransport{}
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry),
		skylark.WithHTTPClient(&http.Client{Transport: counter}))
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.Assets.Get(ctx, sizeTestUID, nil)

	const limit = 4 << 20
	wantTooLarge(t, err, -1, limit)
	if !strings.Contains(err.Error(), "length was not announced") {
		t.Errorf("error %q does not say the length was unknown", err)
	}
	// limit+1 bytes to detect the overflow, then at most 4 KiB of draining.
	if n := counter.read.Load(); n > limit+1+4<<10 {
		t.Errorf("client read %d bytes of the body, want at most %d", n, limit+1+4<<10)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("server got %d requests, want 1 (no retry)", n)
	}
}

func TestAnnouncedLengthOverLimitNotRead(t *testing.T) {
	const announced = 100 << 20
	part := assetOfSize(t, 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(announced))
		// Write only part of it: the client must fail on the header alone.
		_, _ = io.WriteString(w, part)
	}))
	defer srv.Close()
	counter := &countingTransport{}
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry),
		skylark.WithHTTPClient(&http.Client{Transport: counter}))
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.Assets.Patch(context.Background(), sizeTestUID, map[string]any{"slug": "s"}, nil)

	wantTooLarge(t, err, announced, 4<<20)
	if n := counter.read.Load(); n > 4<<10 {
		t.Errorf("client read %d bytes of the body, want at most the 4 KiB drain", n)
	}
}

func TestDefaultLimitsPerKind(t *testing.T) {
	const size = 5 << 20 // over the 4 MiB object limit, under the 16 MiB list limit
	asset := assetOfSize(t, size)
	list := `{"objects":[` + asset + `]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/assets/" {
			writeJSON(w, list)
			return
		}
		writeJSON(w, asset)
	}))
	defer srv.Close()
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	_, err = c.Assets.Get(ctx, sizeTestUID, nil)
	wantTooLarge(t, err, size, 4<<20)

	assets, err := c.Assets.List(ctx, nil)
	if err != nil {
		t.Fatalf("List of %d bytes: %v", len(list), err)
	}
	if len(assets) != 1 {
		t.Fatalf("List returned %d assets, want 1", len(assets))
	}
	wantTitle := size - len(`{"uid":"`+sizeTestUID+`","title":""}`)
	if got := len(assets[0].Title); got != wantTitle {
		t.Errorf("title is %d bytes, want the full %d", got, wantTitle)
	}
}

func TestWithMaxResponseBytes(t *testing.T) {
	const limit = 2048
	var mu sync.Mutex
	body := assetOfSize(t, limit)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/api/assets/" {
			writeJSON(w, `{"objects":[`+body+`]}`)
			return
		}
		writeJSON(w, body)
	}))
	defer srv.Close()
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry), skylark.WithMaxResponseBytes(limit))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if _, err := c.Assets.Get(ctx, sizeTestUID, nil); err != nil {
		t.Fatalf("Get of exactly the limit: %v", err)
	}
	_, err = c.Assets.List(ctx, nil)
	wantTooLarge(t, err, int64(len(body)+len(`{"objects":[]}`)), limit)

	mu.Lock()
	body = assetOfSize(t, limit+1)
	mu.Unlock()
	_, err = c.Assets.Get(ctx, sizeTestUID, nil)
	wantTooLarge(t, err, limit+1, limit)
}

func TestWithMaxResponseBytesInvalid(t *testing.T) {
	for _, n := range []int64{0, -1, 1<<30 + 1} {
		t.Run(strconv.FormatInt(n, 10), func(t *testing.T) {
			_, err := skylark.NewClient("https://example.com", skylark.WithMaxResponseBytes(n))
			wantArgumentError(t, err, strconv.FormatInt(n, 10))
		})
	}
}
