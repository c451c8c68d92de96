package localstack

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

// endUserPool starts a local pool with a public app client and one user
// with a plans claim.
func endUserPool(t *testing.T, poolID, clientID string) *cognitotest.Server {
	t.Helper()
	pool := cognitotest.NewServer(t, cognitotest.Options{PoolID: poolID})
	if err := pool.AddClient(cognitotest.Client{ID: clientID}); err != nil {
		t.Fatal(err)
	}
	err := pool.AddUser(cognitotest.User{
		Username: "viewer", Password: "Viewer-Password-1",
		Attributes: map[string]string{"sub": "sub-1", "custom:plans": `["plan_a"]`},
	})
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

func signIn(t *testing.T, pool *cognitotest.Server) string {
	t.Helper()
	token, err := pool.SignIn(testenv.Context(t), "viewer", "Viewer-Password-1")
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	return token
}

func TestJWTAuthorizerAcceptsPoolToken(t *testing.T) {
	pool := endUserPool(t, "us-east-1_Viewers", "app-client")
	token := signIn(t, pool)
	a := &JWTAuthorizer{Issuer: pool.Issuer(), Audience: []string{"other-client", "app-client"}}

	for name, header := range map[string]string{"with Bearer": "Bearer " + token, "raw token": token} {
		t.Run(name, func(t *testing.T) {
			claims, err := a.Authorize(testenv.Context(t), header)
			if err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			want := map[string]string{
				"sub": "sub-1", "custom:plans": `["plan_a"]`, "aud": "app-client",
				"token_use": "id", "cognito:username": "viewer", "iss": pool.Issuer(),
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %q, want %q", k, claims[k], v)
				}
			}
			if exp := claims["exp"]; len(exp) < 10 || strings.ContainsAny(exp, ".e") {
				t.Errorf("exp = %q, want whole seconds in decimal", exp)
			}
		})
	}
}

func TestJWTAuthorizerRejects(t *testing.T) {
	pool := endUserPool(t, "us-east-1_Viewers", "app-client")
	other := endUserPool(t, "us-east-1_Others", "app-client")
	token := signIn(t, pool)
	foreign := signIn(t, other)
	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))

	tests := []struct {
		name, header string
		audience     []string
		now          time.Time
	}{
		{name: "no header", header: ""},
		{name: "not a JWT", header: "Bearer not-a-token"},
		{name: "bad signature", header: "Bearer " + tampered},
		{name: "other pool", header: "Bearer " + foreign},
		{name: "other audience", header: "Bearer " + token, audience: []string{"someone-else"}},
		{name: "expired", header: "Bearer " + token, now: time.Now().Add(2 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &JWTAuthorizer{Issuer: pool.Issuer(), Audience: []string{"app-client"}}
			if tt.audience != nil {
				a.Audience = tt.audience
			}
			if !tt.now.IsZero() {
				a.Now = func() time.Time { return tt.now }
			}
			claims, err := a.Authorize(testenv.Context(t), tt.header)
			if !errors.Is(err, ErrUnauthorized) {
				t.Errorf("Authorize error = %v, want ErrUnauthorized", err)
			}
			if claims != nil {
				t.Errorf("claims = %v, want none", claims)
			}
		})
	}
}

func TestGatewayClaims(t *testing.T) {
	var claims map[string]any
	raw := `{"s":"x","n":1767610700,"f":1.5,"b":true,"a":["admin","viewers"],"o":{"k":"v"},"z":null}`
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	got := GatewayClaims(claims)
	want := map[string]string{
		"s": "x", "n": "1767610700", "f": "1.5", "b": "true",
		"a": "[admin viewers]", "o": `{"k":"v"}`, "z": "",
	}
	for k, v := range want {
		t.Run(k, func(t *testing.T) {
			if got[k] != v {
				t.Errorf("GatewayClaims[%q] = %q, want %q", k, got[k], v)
			}
		})
	}
}
