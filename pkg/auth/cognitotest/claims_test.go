package cognitotest

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// verifiedClaims fetches the server's JWKS over HTTP, verifies the RS256
// signature, issuer and expiry of token, and returns its claims.
func verifiedClaims(t *testing.T, srv *Server, token string) jwt.MapClaims {
	t.Helper()
	keys := fetchJWKS(t, srv)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		key, ok := keys[kid]
		if !ok {
			t.Errorf("token kid %q is not in the JWKS", kid)
		}
		return key, nil
	},
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(srv.Issuer()),
		jwt.WithTimeFunc(srv.currentTime),
	)
	if err != nil {
		t.Fatalf("verify token: %v", err)
	}
	return claims
}

func fetchJWKS(t *testing.T, srv *Server) map[string]*rsa.PublicKey {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.JWKSURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", srv.JWKSURL(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", srv.JWKSURL(), resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kid, Kty, Alg, Use, N, E string
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatalf("decode JWKS: %v", err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || k.Alg != "RS256" || k.Use != "sig" {
			t.Errorf("JWK %s has kty %s alg %s use %s, want RSA RS256 sig", k.Kid, k.Kty, k.Alg, k.Use)
		}
		n, err := base64.RawURLEncoding.DecodeString(k.N)
		if err != nil {
			t.Fatalf("JWK n: %v", err)
		}
		e, err := base64.RawURLEncoding.DecodeString(k.E)
		if err != nil {
			t.Fatalf("JWK e: %v", err)
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out
}
