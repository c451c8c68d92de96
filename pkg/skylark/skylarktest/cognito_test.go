package skylarktest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// TestCognitoPoolTokens checks the fake against ID tokens issued by a local
// Cognito pool after a real SRP sign-in.
func TestCognitoPoolTokens(t *testing.T) {
	pool := cognitotest.NewServer(t, cognitotest.Options{PoolID: "us-east-1_Fake1"})
	for _, id := range []string{"skylarkclient", "otherclient"} {
		if err := pool.AddClient(cognitotest.Client{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pool.AddUser(cognitotest.User{Username: "svc", Password: "Fake-Passw0rd"}); err != nil {
		t.Fatal(err)
	}
	srv := newFake(t, skylarktest.Options{Issuer: pool.Issuer(), ClientID: "skylarkclient"})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	asset := srv.URL + "/api/assets/" + uid + "/"

	idToken, err := pool.SignIn(context.Background(), "svc", "Fake-Passw0rd")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	wantStatus(t, call(t, "PATCH", asset, map[string]any{"slug": "s"}, bearer(idToken)), http.StatusOK)

	// The pool signs tokens for every app client; only this one's are valid.
	other := newFake(t, skylarktest.Options{Issuer: pool.Issuer(), ClientID: "otherclient"})
	uid = other.PutAsset(map[string]any{"title": "x"})
	wantDetail(t, call(t, "GET", other.URL+"/api/assets/"+uid+"/", nil, bearer(idToken)),
		http.StatusUnauthorized)
}
