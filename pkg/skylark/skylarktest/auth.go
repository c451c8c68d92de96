package skylarktest

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwksRefetchInterval limits how often an unknown key id triggers a new
// fetch of the key set, so a stream of forged tokens cannot hammer the pool.
const jwksRefetchInterval = time.Second

// authenticate applies the access rules and writes a 401 (or a 500 when the
// signing keys cannot be fetched) when the request may not proceed:
//
//   - "Cache-Control: no-cache" without Authorization is rejected, unless
//     Options.AllowAnonymousNoCache is set;
//   - with NoAuth, everything else is accepted;
//   - a request with Authorization needs a valid Cognito ID token;
//   - a request without it is accepted only for GET or HEAD on assets, and
//     only with Options.AnonymousReads.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	authz := r.Header.Get("Authorization")
	if authz == "" && !s.opts.AllowAnonymousNoCache && hasNoCache(r.Header) {
		writeUnauthorized(w, "Cache-Control: no-cache requires an Authorization header.")
		return false
	}
	if s.opts.NoAuth {
		return true
	}
	if authz == "" {
		anonymousRead := (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			strings.HasPrefix(r.URL.Path, "/api/assets")
		if anonymousRead && s.opts.AnonymousReads {
			return true
		}
		writeUnauthorized(w, "Authentication credentials were not provided.")
		return false
	}

	scheme, token, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		writeUnauthorized(w, "Authorization header must be \"Bearer <ID token>\".")
		return false
	}
	if err := s.verifier.verify(r.Context(), strings.TrimSpace(token)); err != nil {
		var fetchErr *jwksError
		if errors.As(err, &fetchErr) {
			writeDetail(w, http.StatusInternalServerError, fetchErr.Error())
			return false
		}
		writeUnauthorized(w, "Invalid token: "+err.Error())
		return false
	}
	return true
}

func hasNoCache(h http.Header) bool {
	for _, v := range h.Values("Cache-Control") {
		for _, directive := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(directive), "no-cache") {
				return true
			}
		}
	}
	return false
}

func writeUnauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	writeDetail(w, http.StatusUnauthorized, msg)
}

// verifier checks Cognito ID tokens against the pool's JSON Web Key Set.
type verifier struct {
	issuer, clientID, jwksURL string
	client                    *http.Client
	now                       func() time.Time

	mu        sync.Mutex
	keys      map[string]*rsa.PublicKey
	fetchedAt time.Time
}

// jwksError is a failure to fetch or read the key set: a fault of the
// test setup, not of the token.
type jwksError struct{ err error }

func (e *jwksError) Error() string {
	return "skylarktest: fetch signing keys: " + e.err.Error()
}

func (e *jwksError) Unwrap() error { return e.err }

func newVerifier(issuer, clientID string, client *http.Client, now func() time.Time) *verifier {
	issuer = strings.TrimSuffix(issuer, "/")
	return &verifier{
		issuer:   issuer,
		clientID: clientID,
		jwksURL:  issuer + "/.well-known/jwks.json",
		client:   client,
		now:      now,
	}
}

// verify checks an ID token's RS256 signature, issuer, audience (the app
// client id), expiry and token_use claim.
func (v *verifier) verify(ctx context.Context, raw string) error {
	var fetchErr error
	keyFunc := func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := v.key(ctx, kid)
		if err != nil {
			fetchErr = err
		}
		return key, err
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, keyFunc,
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.clientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
	)
	var jerr *jwksError
	if errors.As(fetchErr, &jerr) {
		return jerr
	}
	if err != nil {
		return err
	}
	if use, _ := claims["token_use"].(string); use != "id" {
		return fmt.Errorf("token_use is %q, want \"id\" (send the ID token, not the access token)", use)
	}
	return nil
}

// key returns the public key with the given id, fetching the key set when
// the id is unknown.
func (v *verifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if key, ok := v.keys[kid]; ok {
		return key, nil
	}
	if v.keys != nil && v.now().Sub(v.fetchedAt) < jwksRefetchInterval {
		return nil, fmt.Errorf("no signing key with kid %q", kid)
	}
	keys, err := v.fetch(ctx)
	if err != nil {
		return nil, &jwksError{err: err}
	}
	v.keys, v.fetchedAt = keys, v.now()
	if key, ok := keys[kid]; ok {
		return key, nil
	}
	return nil, fmt.Errorf("no signing key with kid %q", kid)
}

func (v *verifier) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", v.jwksURL, resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("GET %s: decode key set: %w", v.jwksURL, err)
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, errN := base64.RawURLEncoding.DecodeString(k.N)
		e, errE := base64.RawURLEncoding.DecodeString(k.E)
		if errN != nil || errE != nil || len(e) == 0 || len(e) > 4 {
			return nil, fmt.Errorf("GET %s: key %q has a malformed modulus or exponent", v.jwksURL, k.Kid)
		}
		keys[k.Kid] = &rsa.PublicKey{
			N: new(big.Int).SetBytes(n),
			E: int(new(big.Int).SetBytes(e).Int64()),
		}
	}
	return keys, nil
}
