// Package tokentest mints Cognito-style RS256 ID tokens for tests and
// serves the matching JSON Web Key Set from an httptest server, standing in
// for a user pool's issuer when a full local pool is not needed.
package tokentest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// PoolID is the user pool id in the issuer URL.
const PoolID = "us-east-1_Test1"

// Issuer serves a key set at URL + "/.well-known/jwks.json" and signs
// tokens with its current key. It is safe for concurrent use.
type Issuer struct {
	// URL is the issuer: the server's URL followed by "/" and PoolID.
	URL string

	// ClientID is the app client id put in "aud".
	ClientID string

	srv *httptest.Server

	mu      sync.Mutex
	keys    []*rsa.PrivateKey
	fetches int
}

// New starts an issuer with one signing key; it is closed when t ends.
func New(t testing.TB) *Issuer {
	t.Helper()
	iss := &Issuer{ClientID: "test-client-id"}
	iss.Rotate(t)
	iss.srv = httptest.NewServer(http.HandlerFunc(iss.serveJWKS))
	t.Cleanup(iss.srv.Close)
	iss.URL = iss.srv.URL + "/" + PoolID
	return iss
}

// Rotate adds a new signing key; tokens minted afterwards use it, and the
// key set lists it with the old ones.
func (iss *Issuer) Rotate(t testing.TB) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("tokentest: generate RSA key: %v", err)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.keys = append(iss.keys, key)
}

// Fetches returns how many times the key set was requested.
func (iss *Issuer) Fetches() int {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	return iss.fetches
}

func (iss *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/"+PoolID+"/.well-known/jwks.json" {
		http.NotFound(w, r)
		return
	}
	iss.mu.Lock()
	iss.fetches++
	var keys []map[string]string
	for i, k := range iss.keys {
		keys = append(keys, map[string]string{
			"kid": kid(i), "kty": "RSA", "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
		})
	}
	iss.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func kid(i int) string { return "key-" + string(rune('a'+i)) }

// IDToken returns an ID token for user "user-1" that expires after ttl (a
// negative ttl gives an expired token). Entries of override replace or,
// with a nil value, remove the standard claims.
func (iss *Issuer) IDToken(t testing.TB, ttl time.Duration, override map[string]any) string {
	t.Helper()
	now := time.Now()
	claims := jwt.MapClaims{
		"sub": "user-1", "iss": iss.URL, "aud": iss.ClientID, "token_use": "id",
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(ttl).Unix(),
		"cognito:username": "user-1",
	}
	for k, v := range override {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	iss.mu.Lock()
	i := len(iss.keys) - 1
	key := iss.keys[i]
	iss.mu.Unlock()

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = kid(i)
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("tokentest: sign token: %v", err)
	}
	return signed
}
