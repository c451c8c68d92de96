package setup

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// authRecorder is an httptest server that records the Authorization header
// of every request. Requests under /redirect/ get a 307 to redirectTo.
type authRecorder struct {
	srv        *httptest.Server
	redirectTo string

	mu   sync.Mutex
	auth []string
}

func newAuthRecorder(t *testing.T) *authRecorder {
	t.Helper()
	a := &authRecorder{}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.auth = append(a.auth, r.Header.Get("Authorization"))
		a.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/redirect/") {
			http.Redirect(w, r, a.redirectTo, http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"uid":"asse_4e4a9d0e3c054790886684b924e1d13c"}`))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authRecorder) received() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auth...)
}

// newTokens returns a token source signed in to a local user pool.
func newTokens(t *testing.T) *auth.TokenSource {
	t.Helper()
	pool := cognitotest.NewServer(t, cognitotest.Options{PoolID: "us-east-1_Local1"})
	if err := pool.AddClient(cognitotest.Client{ID: "setup-test-client"}); err != nil {
		t.Fatal(err)
	}
	if err := pool.AddUser(cognitotest.User{Username: "svc-skylark", Password: "Correct-Horse-9!"}); err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:  pool.PoolID,
		ClientID:    "setup-test-client",
		Cognito:     pool.NewSDKClient(),
		Credentials: auth.StaticCredentials{Username: "svc-skylark", Password: "Correct-Horse-9!"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

func TestHTTPClientTokenOnlyForBaseHost(t *testing.T) {
	tokens := newTokens(t)
	ctx := context.Background()
	tok, err := tokens.Token(ctx)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	other := newAuthRecorder(t)
	base := newAuthRecorder(t)
	// Another host name for the same loopback address, on another port.
	base.redirectTo = strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/api/assets/"
	hc := newHTTPClient(base.srv.URL, tokens)

	resp, err := hc.Get(base.srv.URL + "/api/assets/")
	if err != nil {
		t.Fatalf("GET to the base URL: %v", err)
	}
	resp.Body.Close()
	got := base.received()
	if len(got) != 1 {
		t.Fatalf("base host received %d requests, want 1", len(got))
	}
	if got[0] != "Bearer "+tok.IDToken {
		t.Error("base host did not receive the current ID token")
	}

	// http.Client follows the redirect by default, so only Transport.Host
	// keeps the token from the other host here.
	resp, err = hc.Get(base.srv.URL + "/redirect/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET through a redirect to %s succeeded with status %d", base.redirectTo, resp.StatusCode)
	}
	if !errors.Is(err, auth.ErrHostNotAllowed) {
		t.Errorf("error = %v, want one matching auth.ErrHostNotAllowed", err)
	}
	if strings.Contains(err.Error(), tok.IDToken) {
		t.Error("error contains the ID token")
	}
	if got := other.received(); len(got) != 0 {
		t.Errorf("other host received %d requests, want 0", len(got))
	}
}

func TestSkylarkClientStopsAtRedirect(t *testing.T) {
	tokens := newTokens(t)
	other := newAuthRecorder(t)
	base := newAuthRecorder(t)
	base.redirectTo = strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/api/assets/"

	client, err := skylark.NewClient(base.srv.URL+"/redirect/",
		skylark.WithHTTPClient(newHTTPClient(base.srv.URL+"/redirect/", tokens)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Assets.Patch(context.Background(), "asse_4e4a9d0e3c054790886684b924e1d13c",
		map[string]any{"slug": "s"}, nil)

	var er *skylark.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("Patch error = %v, want a 307 *skylark.ErrorResponse", err)
	}
	if got := other.received(); len(got) != 0 {
		t.Errorf("other host received %d requests, want 0", len(got))
	}
	if got := base.received(); len(got) != 1 {
		t.Errorf("base host received %d requests, want 1", len(got))
	}
}
