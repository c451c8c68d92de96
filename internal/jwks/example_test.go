package jwks_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/streamkit/skylark-lambda/internal/jwks"
)

func Example() {
	// An issuer that serves one RSA key with id "key-1".
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kid": "key-1", "kty": "RSA",
			"n": base64.RawURLEncoding.EncodeToString(priv.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(priv.E)).Bytes()),
		}}})
	}))
	defer issuer.Close()

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": "user-1", "exp": time.Now().Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "key-1"
	raw, err := tok.SignedString(priv)
	if err != nil {
		panic(err)
	}

	keys := jwks.New(issuer.URL+"/.well-known/jwks.json", jwks.Options{})
	parsed, err := jwt.Parse(raw, keys.Keyfunc(context.Background()),
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired())
	if err != nil {
		panic(err)
	}
	sub, _ := parsed.Claims.GetSubject()
	fmt.Println(sub)
	// Output: user-1
}
