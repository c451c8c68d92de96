package skylarktest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/streamkit/skylark-lambda/internal/jwks"
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
		// A key set that cannot be fetched is a fault of the test setup,
		// not of the token.
		var fetchErr *jwks.FetchError
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
	issuer, clientID string
	now              func() time.Time
	keys             *jwks.Set
}

func newVerifier(issuer, clientID string, client *http.Client, now func() time.Time) *verifier {
	issuer = strings.TrimSuffix(issuer, "/")
	return &verifier{
		issuer:   issuer,
		clientID: clientID,
		now:      now,
		keys: jwks.New(issuer+"/.well-known/jwks.json", jwks.Options{
			HTTPClient:      client,
			RefetchInterval: jwksRefetchInterval,
			Now:             now,
		}),
	}
}

// verify checks an ID token's RS256 signature, issuer, audience (the app
// client id), expiry and token_use claim. A key set that cannot be fetched
// gives a *jwks.FetchError.
func (v *verifier) verify(ctx context.Context, raw string) error {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, v.keys.Keyfunc(ctx),
		jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer(v.issuer),
		jwt.WithAudience(v.clientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
	)
	var fetchErr *jwks.FetchError
	if errors.As(err, &fetchErr) {
		return fetchErr
	}
	if err != nil {
		return err
	}
	if use, _ := claims["token_use"].(string); use != "id" {
		return fmt.Errorf("token_use is %q, want \"id\" (send the ID token, not the access token)", use)
	}
	return nil
}
