package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Token is a Cognito ID token and access token with the time they stop being
// valid. Skylark expects the ID token in "Authorization: Bearer <IDToken>".
// String, GoString, Format and LogValue print the expiry only.
type Token struct {
	IDToken     string
	AccessToken string
	Expiry      time.Time // the earlier of the ID token's exp claim and the ExpiresIn deadline

	// lifetime is Expiry minus the time the token was received; zero for a
	// Token built elsewhere.
	lifetime time.Duration
}

// String returns the expiry and hides the tokens.
func (t Token) String() string {
	return fmt.Sprintf("auth.Token{IDToken: %s, AccessToken: %s, Expiry: %s}",
		hide(t.IDToken), hide(t.AccessToken), t.Expiry.UTC().Format(time.RFC3339))
}

// GoString is String, so %#v hides the tokens too.
func (t Token) GoString() string {
	return t.String()
}

// Format writes String for every verb.
func (t Token) Format(f fmt.State, verb rune) {
	writeFormatted(f, verb, t.String())
}

// LogValue hides the tokens from log/slog.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.Time("expiry", t.Expiry))
}

// idClaims are the ID token claims the token source reads. The signature is
// not verified: the token came straight from Cognito over TLS, and the
// claims only decide when to renew and which name the refresh's SECRET_HASH
// uses.
type idClaims struct {
	Exp      json.Number `json:"exp"`
	Username string      `json:"cognito:username"`
}

// parseIDClaims decodes the payload of a JWT without verifying it.
func parseIDClaims(jwt string) (idClaims, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return idClaims{}, errors.New("not a JWT: expected three dot-separated parts")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return idClaims{}, errors.New("JWT payload is not base64url")
	}
	var c idClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return idClaims{}, errors.New("JWT payload is not a JSON object with numeric exp")
	}
	return c, nil
}

// expUnix returns the exp claim in Unix seconds, or false when it is missing
// or not a number.
func (c idClaims) expUnix() (int64, bool) {
	if c.Exp == "" {
		return 0, false
	}
	if n, err := c.Exp.Int64(); err == nil {
		return n, true
	}
	f, err := c.Exp.Float64()
	if err != nil {
		return 0, false
	}
	return int64(f), true
}

// tokenFromResult builds a Token from Cognito's AuthenticationResult received
// at now. The expiry is the earlier of the ID token's exp claim (Unix time, so
// the local time zone plays no part) and now + ExpiresIn. It also returns the
// cognito:username claim, or "" when the ID token does not carry it.
func tokenFromResult(op string, r *types.AuthenticationResultType, now time.Time) (*Token, string, error) {
	if r == nil || r.IdToken == nil || *r.IdToken == "" {
		return nil, "", newError(nil, op, "", nil,
			"%s returned no ID token", op)
	}
	tok := &Token{IDToken: *r.IdToken}
	if r.AccessToken != nil {
		tok.AccessToken = *r.AccessToken
	}

	var expiry time.Time
	if r.ExpiresIn > 0 {
		expiry = now.Add(time.Duration(r.ExpiresIn) * time.Second)
	}
	claims, err := parseIDClaims(tok.IDToken)
	if exp, ok := claims.expUnix(); err == nil && ok {
		if e := time.Unix(exp, 0); expiry.IsZero() || e.Before(expiry) {
			expiry = e
		}
	}
	if expiry.IsZero() {
		return nil, "", newError(nil, op, "", nil,
			"%s returned tokens without an expiry: the ID token has no exp claim and ExpiresIn is 0", op)
	}
	tok.Expiry = expiry
	tok.lifetime = expiry.Sub(now)
	return tok, claims.Username, nil
}
