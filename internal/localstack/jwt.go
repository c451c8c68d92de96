package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/streamkit/skylark-lambda/internal/jwks"
)

// jwksRefetchInterval limits how often an unknown key id triggers a new
// JWKS download, so a flood of forged tokens cannot turn into a flood of
// requests to the user pool.
const jwksRefetchInterval = 10 * time.Second

// ErrUnauthorized is returned by JWTAuthorizer.Authorize for a missing,
// malformed, expired or foreign token. The wrapping error names the cause.
var ErrUnauthorized = errors.New("localstack: unauthorized")

// JWTAuthorizer verifies bearer tokens the way an API Gateway HTTP API JWT
// authorizer does. The token comes from the Authorization header, with or
// without a "Bearer " prefix. It must be signed with an RSA algorithm by a
// key from the issuer's JSON Web Key Set, and "iss" must equal Issuer.
// Its "aud", or "client_id" when it has no "aud", must be one of Audience,
// and "exp" and "nbf" must hold. Its methods are safe for concurrent use.
type JWTAuthorizer struct {
	// Issuer is the expected "iss", such as the user pool's issuer URL.
	Issuer string

	// Audience lists the accepted app client ids.
	Audience []string

	// JWKSURL is the address of the key set. Default Issuer +
	// "/.well-known/jwks.json", the address Cognito serves it at.
	JWKSURL string

	// HTTPClient fetches the keys. Default a client with a 10 s timeout.
	HTTPClient *http.Client

	// Now is the clock. Default time.Now.
	Now func() time.Time

	once sync.Once
	keys *jwks.Set
}

// Authorize verifies the Authorization header value and returns the
// token's claims in the form API Gateway puts them in a payload 2.0 event
// (requestContext.authorizer.jwt.claims). A rejected token gives an error
// that wraps ErrUnauthorized.
func (a *JWTAuthorizer) Authorize(ctx context.Context, authorization string) (map[string]string, error) {
	raw := strings.TrimSpace(authorization)
	if raw == "" {
		return nil, fmt.Errorf("%w: no Authorization header", ErrUnauthorized)
	}
	if len(raw) > 7 && strings.EqualFold(raw[:7], "bearer ") {
		raw = strings.TrimSpace(raw[7:])
	}

	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}),
		jwt.WithIssuer(a.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(now),
		jwt.WithJSONNumber(),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, a.keySet().Keyfunc(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	if err := a.checkAudience(claims); err != nil {
		return nil, err
	}
	return GatewayClaims(claims), nil
}

// keySet returns the issuer's key set, built on first use from the fields.
// The key set's own clock is time.Now, so a test moving Now does not
// change when keys are refetched.
func (a *JWTAuthorizer) keySet() *jwks.Set {
	a.once.Do(func() {
		url := a.JWKSURL
		if url == "" {
			url = strings.TrimSuffix(a.Issuer, "/") + "/.well-known/jwks.json"
		}
		a.keys = jwks.New(url, jwks.Options{
			HTTPClient:      a.HTTPClient,
			RefetchInterval: jwksRefetchInterval,
		})
	})
	return a.keys
}

func (a *JWTAuthorizer) checkAudience(claims jwt.MapClaims) error {
	var audiences []string
	switch aud := claims["aud"].(type) {
	case string:
		audiences = []string{aud}
	case []any:
		for _, v := range aud {
			if s, ok := v.(string); ok {
				audiences = append(audiences, s)
			}
		}
	case nil:
		if id, ok := claims["client_id"].(string); ok {
			audiences = []string{id}
		}
	}
	for _, aud := range audiences {
		if slices.Contains(a.Audience, aud) {
			return nil
		}
	}
	return fmt.Errorf("%w: the token's audience %q is not an accepted app client", ErrUnauthorized, audiences)
}

// GatewayClaims renders token claims as strings the way an HTTP API JWT
// authorizer passes them to a payload 2.0 integration: strings as they
// are, numbers in decimal, booleans as true or false, arrays as
// "[a b c]" and objects as JSON.
func GatewayClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = claimString(v)
	}
	return out
}

func claimString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = claimString(item)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}
