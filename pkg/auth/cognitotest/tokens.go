package cognitotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessTokenScope is the scope of access tokens from a user pool API
// sign-in.
const accessTokenScope = "aws.cognito.signin.user.admin"

// signingKey is an RSA key with its JWKS key id.
type signingKey struct {
	private *rsa.PrivateKey
	kid     string
}

// sharedSigningKey generates one 2048-bit RSA key per process, because key
// generation is slow (about 60 ms on a 2-core AMD EPYC test machine) and
// tests start many servers. All
// servers in a process therefore sign with the same key.
var sharedSigningKey = sync.OnceValues(func() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("cognitotest: generate RSA key: %w", err)
	}
	sum := sha256.Sum256(priv.N.Bytes())
	return &signingKey{private: priv, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}, nil
})

// tokenSet is an issued ID and access token pair.
type tokenSet struct {
	idToken, accessToken string
	expiresIn            int64
}

// tokenSubject is the part of a user record that goes into tokens, copied
// under the lock so that tokens can be signed without it.
type tokenSubject struct {
	username   string
	sub        string
	attributes map[string]string
}

// subject returns the token claims source for rec. The caller must hold
// s.mu. Attribute maps are replaced, never changed in place, so sharing the
// map is safe.
func (rec *userRecord) subject() tokenSubject {
	return tokenSubject{username: rec.username, sub: rec.sub, attributes: rec.attributes}
}

// issueTokens signs an ID and an access token for a user. authTime is the
// time of the original sign-in and originJTI identifies it; both stay the
// same across refreshes. The caller must not hold s.mu.
func (s *Server) issueTokens(user tokenSubject, clientID string, authTime time.Time, originJTI string) (tokenSet, error) {
	s.mu.Lock()
	now := s.clock()
	lifetime := s.tokenLifetime
	s.mu.Unlock()

	idJTI, err := newTokenID()
	if err != nil {
		return tokenSet{}, err
	}
	accessJTI, err := newTokenID()
	if err != nil {
		return tokenSet{}, err
	}
	common := map[string]any{
		"sub":        user.sub,
		"iss":        s.Issuer(),
		"auth_time":  authTime.Unix(),
		"iat":        now.Unix(),
		"exp":        now.Add(lifetime).Unix(),
		"origin_jti": originJTI,
	}

	id := jwt.MapClaims{}
	for name, value := range user.attributes {
		id[name] = value
	}
	for _, name := range []string{"email_verified", "phone_number_verified"} {
		if v, ok := user.attributes[name]; ok {
			id[name] = v == "true"
		}
	}
	for k, v := range common {
		id[k] = v
	}
	id["cognito:username"] = user.username
	id["aud"] = clientID
	id["token_use"] = "id"
	id["jti"] = idJTI

	access := jwt.MapClaims{}
	for k, v := range common {
		access[k] = v
	}
	access["username"] = user.username
	access["client_id"] = clientID
	access["token_use"] = "access"
	access["scope"] = accessTokenScope
	access["jti"] = accessJTI

	idToken, err := s.sign(id)
	if err != nil {
		return tokenSet{}, err
	}
	accessToken, err := s.sign(access)
	if err != nil {
		return tokenSet{}, err
	}
	return tokenSet{idToken: idToken, accessToken: accessToken, expiresIn: int64(lifetime / time.Second)}, nil
}

func (s *Server) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = s.key.kid
	signed, err := t.SignedString(s.key.private)
	if err != nil {
		return "", fmt.Errorf("cognitotest: sign token: %w", err)
	}
	return signed, nil
}

func newTokenID() (string, error) {
	b, err := randomToken(16)
	if err != nil {
		return "", err
	}
	return formatUUID(b), nil
}

// refreshRecord is the server state of an opaque refresh token.
type refreshRecord struct {
	username  string
	clientID  string
	expires   time.Time
	revoked   bool
	authTime  time.Time
	originJTI string
}

// newRefreshToken stores and returns a refresh token. The caller must not
// hold s.mu.
func (s *Server) newRefreshToken(username, clientID string, authTime time.Time, originJTI string) (string, error) {
	b, err := randomToken(48)
	if err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshTokens[token] = &refreshRecord{
		username:  username,
		clientID:  clientID,
		expires:   s.clock().Add(s.refreshTokenLifetime),
		authTime:  authTime,
		originJTI: originJTI,
	}
	return token, nil
}

// RevokeRefreshTokens revokes every refresh token of a user, as
// AdminUserGlobalSignOut does. It returns the number revoked.
func (s *Server) RevokeRefreshTokens(username string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.refreshTokens {
		if r.username == username && !r.revoked {
			r.revoked = true
			n++
		}
	}
	return n
}

// jwk is one RSA public key in JSON Web Key form.
type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

func (s *Server) serveJWKS(w http.ResponseWriter) {
	pub := s.key.private.PublicKey
	e := big.NewInt(int64(pub.E)).Bytes()
	keys := []jwk{{
		Alg: "RS256",
		E:   base64.RawURLEncoding.EncodeToString(e),
		Kid: s.key.kid,
		Kty: "RSA",
		N:   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		Use: "sig",
	}}
	writePlainJSON(w, map[string]any{"keys": keys})
}

func (s *Server) serveOpenIDConfiguration(w http.ResponseWriter) {
	writePlainJSON(w, map[string]any{
		"issuer":                                s.Issuer(),
		"jwks_uri":                              s.JWKSURL(),
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"subject_types_supported":               []string{"public"},
		"response_types_supported":              []string{"code", "token"},
	})
}

func writePlainJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode JSON", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body) // A failed write means the client has gone.
}
