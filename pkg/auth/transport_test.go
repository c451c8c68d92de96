package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// apiRecorder is an httptest server standing in for Skylark. It records the
// requests and responds with 401 to the ID tokens listed in reject.
type apiRecorder struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []recordedRequest
	reject   map[string]bool
}

type recordedRequest struct {
	auth, cacheControl, body string
}

func newAPIRecorder(t *testing.T) *apiRecorder {
	t.Helper()
	a := &apiRecorder{reject: map[string]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a.mu.Lock()
		a.requests = append(a.requests, recordedRequest{
			auth: r.Header.Get("Authorization"), cacheControl: r.Header.Get("Cache-Control"), body: string(body),
		})
		rejected := a.reject[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		a.mu.Unlock()
		if rejected {
			http.Error(w, `{"detail":"token expired"}`, http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *apiRecorder) rejectToken(idToken string) {
	a.mu.Lock()
	a.reject[idToken] = true
	a.mu.Unlock()
}

func (a *apiRecorder) recorded() []recordedRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]recordedRequest(nil), a.requests...)
}

func TestTransportSetsHeadersTogether(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})
	api := newAPIRecorder(t)
	client := &http.Client{Transport: &Transport{Source: s}}

	req, err := http.NewRequest(http.MethodGet, api.srv.URL+"/api/assets/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en-GB")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	tok := mustToken(t, s, context.Background())
	got := api.recorded()
	if len(got) != 1 {
		t.Fatalf("server received %d requests, want 1", len(got))
	}
	if got[0].auth != "Bearer "+tok.IDToken {
		t.Errorf("Authorization header is not the current ID token")
	}
	if got[0].cacheControl != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got[0].cacheControl)
	}
	if req.Header.Get("Authorization") != "" || req.Header.Get("Cache-Control") != "" {
		t.Error("Transport modified the caller's request headers")
	}
	if len(req.Header) != 1 {
		t.Errorf("caller's request has headers %v, want only Accept-Language", req.Header)
	}
}

func TestTransportRetriesOnceAfter401(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})
	api := newAPIRecorder(t)
	client := &http.Client{Transport: &Transport{Source: s}}

	stale := mustToken(t, s, context.Background())
	api.rejectToken(stale.IDToken)

	const payload = `{"asset_url":"/api/assets/asse_0123456789abcdef0123456789abcdef/"}`
	req, err := http.NewRequest(http.MethodPost, api.srv.URL+"/api/viewings/", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200 after the retry", resp.StatusCode)
	}
	got := api.recorded()
	if len(got) != 2 {
		t.Fatalf("server received %d requests, want 2", len(got))
	}
	if got[0].auth == got[1].auth {
		t.Error("retry used the rejected token")
	}
	for i, r := range got {
		if r.body != payload {
			t.Errorf("request %d body = %q, want %q", i, r.body, payload)
		}
	}
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})
}

func TestTransportSecond401Returned(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})
	// A server that rejects every token.
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &Transport{Source: s}}

	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("server received %d requests, want 2 (one retry)", calls)
	}
}

// countingSource is a token source that hands out a numbered token and,
// unless sticky, a new one after each Invalidate.
type countingSource struct {
	mu          sync.Mutex
	n           int
	sticky      bool
	invalidated []string
	err         error
}

func (c *countingSource) Token(context.Context) (*Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	return &Token{IDToken: "token-" + string(rune('a'+c.n))}, nil
}

func (c *countingSource) Invalidate(idToken string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidated = append(c.invalidated, idToken)
	if !c.sticky {
		c.n++
	}
}

// trackedBody is a request body that records whether it was closed.
type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error {
	b.closed = true
	return nil
}

func TestTransportBodyNotReplayable(t *testing.T) {
	api := newAPIRecorder(t)
	api.rejectToken("token-a")
	src := &countingSource{}
	tr := &Transport{Source: src}

	body := &trackedBody{Reader: strings.NewReader("stream")}
	req, err := http.NewRequest(http.MethodPut, api.srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	req.GetBody = nil // a stream that cannot be read twice
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want the 401 returned", resp.StatusCode)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server received %d requests, want 1 (no retry)", n)
	}
	if len(src.invalidated) != 1 || src.invalidated[0] != "token-a" {
		t.Errorf("invalidated %v, want [token-a]", src.invalidated)
	}
	if !body.closed {
		t.Error("request body was not closed")
	}
}

func TestTransportSameTokenNotRetried(t *testing.T) {
	api := newAPIRecorder(t)
	api.rejectToken("token-a")
	src := &countingSource{sticky: true}
	client := &http.Client{Transport: &Transport{Source: src}}

	resp, err := client.Get(api.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)

	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
	if !strings.Contains(string(body), "token expired") {
		t.Errorf("401 body = %q, want the server's body intact", body)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server received %d requests, want 1", n)
	}
}

func TestTransportTokenError(t *testing.T) {
	api := newAPIRecorder(t)
	authErr := newError(ErrInvalidCredentials, "RespondToAuthChallenge", "NotAuthorizedException", nil,
		"Cognito rejected the credentials")
	src := &countingSource{err: authErr}
	client := &http.Client{Transport: &Transport{Source: src}}

	body := &trackedBody{Reader: bytes.NewReader([]byte("x"))}
	req, err := http.NewRequest(http.MethodPost, api.srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Do(req)

	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("client error %v does not wrap an *auth.Error", err)
	}
	if !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("errors.Is(%v, ErrInvalidCredentials) = false", err)
	}
	if n := len(api.recorded()); n != 0 {
		t.Errorf("server received %d requests, want 0", n)
	}
	if !body.closed {
		t.Error("request body was not closed")
	}
}

func TestTransportConcurrentUse(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})
	api := newAPIRecorder(t)
	client := &http.Client{Transport: &Transport{Source: s}}

	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Get(api.srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	assertStats(t, s, Stats{SignIns: 1})
	if n := len(api.recorded()); n != 20 {
		t.Errorf("server received %d requests, want 20", n)
	}
}
