package cognitotest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestIDTokenClaims(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now, TokenLifetime: 10 * time.Minute})
	mustOK(t, f.srv.AddUser(User{
		Username: aliceID, Password: testPassword, Email: aliceEmail,
		Attributes: map[string]string{"sub": "0a1b2c3d-0000-4000-8000-000000000001", "custom:plans": "gold,silver"},
	}))
	out, err := f.signInWithTestClient(t, testClientID, aliceEmail, testPassword)
	result := assertTokens(t, out, err)
	if aws.ToString(result.TokenType) != "Bearer" || result.ExpiresIn != 600 {
		t.Errorf("TokenType %q ExpiresIn %d, want Bearer 600", aws.ToString(result.TokenType), result.ExpiresIn)
	}

	claims := verifiedClaims(t, f.srv, aws.ToString(result.IdToken))
	want := map[string]any{
		"sub":              "0a1b2c3d-0000-4000-8000-000000000001",
		"cognito:username": aliceID,
		"aud":              testClientID,
		"iss":              f.srv.URL + "/" + testPoolID,
		"token_use":        "id",
		"email":            aliceEmail,
		"email_verified":   true,
		"custom:plans":     "gold,silver",
		"auth_time":        float64(clock.now.Unix()),
		"iat":              float64(clock.now.Unix()),
		"exp":              float64(clock.now.Add(10 * time.Minute).Unix()),
	}
	for name, value := range want {
		if claims[name] != value {
			t.Errorf("ID token %s = %#v, want %#v", name, claims[name], value)
		}
	}
	for _, name := range []string{"jti", "origin_jti"} {
		if s, _ := claims[name].(string); len(s) != 36 {
			t.Errorf("ID token %s = %v, want a UUID", name, claims[name])
		}
	}
}

func TestAccessTokenClaims(t *testing.T) {
	f := newFixture(t, Options{})
	out, err := f.signInWithTestClient(t, testSecretID, aliceEmail, testPassword)
	result := assertTokens(t, out, err)
	claims := verifiedClaims(t, f.srv, aws.ToString(result.AccessToken))
	want := map[string]any{
		"username":  aliceID,
		"client_id": testSecretID,
		"token_use": "access",
		"scope":     "aws.cognito.signin.user.admin",
	}
	for name, value := range want {
		if claims[name] != value {
			t.Errorf("access token %s = %#v, want %#v", name, claims[name], value)
		}
	}
	if _, ok := claims["aud"]; ok {
		t.Error("access token has an aud claim; Cognito's has none")
	}
	if _, ok := claims["email"]; ok {
		t.Error("access token carries user attributes")
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	srv := NewServer(t, Options{})
	resp, err := http.Get(srv.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Issuer != srv.Issuer() || doc.JWKSURI != srv.JWKSURL() {
		t.Errorf("openid-configuration = %+v, want issuer %s and jwks_uri %s", doc, srv.Issuer(), srv.JWKSURL())
	}
	if keys := fetchJWKS(t, srv); len(keys) != 1 {
		t.Errorf("JWKS has %d keys, want 1", len(keys))
	}
}
