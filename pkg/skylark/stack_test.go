package skylark_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// newStack starts a local Cognito pool and a fake that verifies the pool's
// ID tokens, and returns a client that signs in with password through
// auth.Transport.
func newStack(t *testing.T, password string) (*skylark.Client, *skylarktest.Server, *cognitotest.Server) {
	t.Helper()
	pool := cognitotest.NewServer(t, cognitotest.Options{PoolID: "us-east-1_Stack1"})
	if err := pool.AddClient(cognitotest.Client{ID: "stackclient"}); err != nil {
		t.Fatal(err)
	}
	if err := pool.AddUser(cognitotest.User{Username: "svc-skylark", Password: "Stack-Passw0rd"}); err != nil {
		t.Fatal(err)
	}
	srv := skylarktest.NewServer(skylarktest.Options{Issuer: pool.Issuer(), ClientID: "stackclient"})
	t.Cleanup(srv.Close)

	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:  pool.PoolID,
		ClientID:    "stackclient",
		Cognito:     pool.NewSDKClient(),
		Credentials: auth.StaticCredentials{Username: "svc-skylark", Password: password},
	})
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &auth.Transport{Source: tokens}}
	c, err := skylark.NewClient(srv.URL, skylark.WithHTTPClient(hc), skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, pool
}

// TestStackWithCognitoPool runs the client through auth.Transport against a
// fake that checks tokens from a local Cognito pool.
func TestStackWithCognitoPool(t *testing.T) {
	c, srv, _ := newStack(t, "Stack-Passw0rd")
	ctx := context.Background()
	uid := seedAsset(t, srv, "ds-1")

	if _, err := c.Assets.Patch(ctx, uid, map[string]any{"slug": "signed-in"}, nil); err != nil {
		t.Fatalf("Patch: %v", err)
	}
	v, err := c.Viewings.Create(ctx, &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/",
		UserIdentifier: "user-1"})
	if err != nil {
		t.Fatalf("Viewings.Create: %v", err)
	}
	if len(v.Objects) != 2 {
		t.Errorf("Objects = %+v", v.Objects)
	}
	for _, r := range srv.Requests() {
		if r.Header.Get("Cache-Control") != "no-cache" || len(r.Header.Get("Authorization")) < 20 {
			t.Errorf("%s %s: Authorization %q, Cache-Control %q", r.Method, r.Path,
				r.Header.Get("Authorization"), r.Header.Get("Cache-Control"))
		}
	}
}

// TestStackSignInFailureNotRetried checks that a rejected sign-in reaches
// the caller as an *auth.Error and is not retried by the Skylark client.
func TestStackSignInFailureNotRetried(t *testing.T) {
	c, srv, pool := newStack(t, "wrong-password")
	uid := seedAsset(t, srv, "ds-1")

	_, err := c.Assets.Get(context.Background(), uid, nil)
	var authErr *auth.Error
	if !errors.As(err, &authErr) || !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Fatalf("error = %v, want an *auth.Error matching ErrInvalidCredentials", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Skylark got %d requests, want 0", n)
	}
	if n := pool.Count(cognitotest.OpInitiateAuth); n != 1 {
		t.Errorf("InitiateAuth called %d times, want 1", n)
	}
}
