package cognitotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Auth flows of InitiateAuth.
const (
	flowUserSRP          = "USER_SRP_AUTH"
	flowRefreshTokenAuth = "REFRESH_TOKEN_AUTH"
	flowRefreshToken     = "REFRESH_TOKEN"
)

// otherAuthFlows are valid AuthFlow values that the emulator does not
// implement.
var otherAuthFlows = []string{
	"USER_PASSWORD_AUTH", "CUSTOM_AUTH", "ADMIN_NO_SRP_AUTH", "ADMIN_USER_PASSWORD_AUTH", "USER_AUTH",
}

// secretBlockBytes is the size of a SECRET_BLOCK. Its content is random: it
// only keys the server-side state of the SRP exchange.
const secretBlockBytes = 96

type initiateAuthInput struct {
	AuthFlow       string
	ClientID       string `json:"ClientId"`
	AuthParameters map[string]string
}

// authOutput is the response of InitiateAuth and RespondToAuthChallenge.
type authOutput struct {
	AuthenticationResult *authResult `json:",omitempty"`
	ChallengeName        string      `json:",omitempty"`
	ChallengeParameters  map[string]string
	Session              string `json:",omitempty"`
}

type authResult struct {
	AccessToken       string
	ExpiresIn         int64
	IDToken           string `json:"IdToken"`
	RefreshToken      string `json:",omitempty"`
	TokenType         string
	NewDeviceMetadata *deviceMetadata `json:",omitempty"`
}

type deviceMetadata struct {
	DeviceGroupKey string
	DeviceKey      string
}

// srpSession is the server state behind one SECRET_BLOCK.
type srpSession struct {
	clientID  string
	username  string // internal username; empty for a simulated user
	userID    string // USER_ID_FOR_SRP sent to the client
	bigA      *big.Int
	b         *big.Int
	bigB      *big.Int
	verifier  *big.Int
	expires   time.Time
	deviceKey string
}

func (s *Server) initiateAuth(_ context.Context, body []byte) (any, *apiError) {
	var in initiateAuthInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case "":
		return nil, errInvalidParameter(
			"1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
	case flowUserSRP, flowRefreshTokenAuth, flowRefreshToken:
	default:
		if !slices.Contains(otherAuthFlows, in.AuthFlow) {
			return nil, errInvalidParameter(
				"1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
				in.AuthFlow, strings.Join(append([]string{flowUserSRP, flowRefreshTokenAuth, flowRefreshToken}, otherAuthFlows...), ", "))
		}
	}
	client, apiErr := s.client(in.ClientID)
	if apiErr != nil {
		return nil, apiErr
	}
	params := in.AuthParameters
	if params == nil {
		params = map[string]string{}
	}
	switch in.AuthFlow {
	case flowUserSRP:
		return s.startSRP(client, params)
	case flowRefreshTokenAuth, flowRefreshToken:
		return s.refresh(client, params)
	}
	if !client.allows("ALLOW_" + in.AuthFlow) {
		return nil, errFlowNotEnabled(in.AuthFlow)
	}
	return nil, errInvalidParameter("%s is not supported by this emulator; use USER_SRP_AUTH", in.AuthFlow)
}

// startSRP responds to USER_SRP_AUTH with a PASSWORD_VERIFIER challenge. As in
// Cognito, the challenge carries no Session: the SECRET_BLOCK identifies
// the exchange.
func (s *Server) startSRP(client Client, params map[string]string) (any, *apiError) {
	if !client.allows(FlowAllowUserSRPAuth) {
		return nil, errFlowNotEnabled(flowUserSRP)
	}
	name := params["USERNAME"]
	if name == "" {
		return nil, errMissingParameter("USERNAME")
	}
	if params["SRP_A"] == "" {
		return nil, errMissingParameter("SRP_A")
	}
	if err := client.requireSecretHashPresent(params); err != nil {
		return nil, err
	}
	// At this step the SECRET_HASH is computed over the name as typed,
	// which may be an e-mail alias.
	if err := client.verifySecretHash(params, name); err != nil {
		return nil, err
	}
	// NOTE: Cognito's message for an invalid SRP_A is not documented.
	bigA, err := parseSRPA(params["SRP_A"])
	if err != nil {
		return nil, errInvalidParameter("Invalid SRP_A: %v", err)
	}

	sess := &srpSession{clientID: client.ID, bigA: bigA, deviceKey: params["DEVICE_KEY"]}
	var salt *big.Int
	s.mu.Lock()
	now := s.clock()
	sess.expires = now.Add(s.authSessionValidity)
	rec := s.lookupUser(name)
	if rec == nil {
		s.mu.Unlock()
		if !client.PreventUserExistenceErrors {
			return nil, newError(CodeUserNotFound, msgUserNotFound)
		}
		sess.userID, salt, sess.verifier = s.simulatedUser(name)
	} else {
		if apiErr := s.checkCanSignIn(rec, client, now); apiErr != nil {
			s.mu.Unlock()
			return nil, apiErr
		}
		sess.username, sess.userID = rec.username, rec.username
		salt, sess.verifier = rec.salt, rec.verifier
		s.mu.Unlock()
	}

	b, bigB, ephErr := newServerEphemeral(sess.verifier)
	if ephErr != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	sess.b, sess.bigB = b, bigB
	block, tokErr := randomToken(secretBlockBytes)
	if tokErr != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}

	s.mu.Lock()
	s.pruneSRPSessions(now)
	s.srpSessions[string(block)] = sess
	s.mu.Unlock()

	return authOutput{
		ChallengeName: "PASSWORD_VERIFIER",
		ChallengeParameters: map[string]string{
			"SALT":            salt.Text(16),
			"SRP_B":           bigB.Text(16),
			"SECRET_BLOCK":    base64.StdEncoding.EncodeToString(block),
			"USER_ID_FOR_SRP": sess.userID,
			"USERNAME":        sess.userID,
		},
	}, nil
}

// checkCanSignIn rejects users that may not start a sign-in, before any
// password check: so an unconfirmed user gets UserNotConfirmedException
// whatever the password. The caller must hold s.mu.
//
// NOTE: Cognito may report UserNotConfirmedException for USER_SRP_AUTH at
// RespondToAuthChallenge instead; public reports do not say which.
func (s *Server) checkCanSignIn(rec *userRecord, client Client, now time.Time) *apiError {
	if err := s.throttle(rec, now); err != nil {
		return err
	}
	if rec.disabled {
		return errNotAuthorized(msgUserDisabled)
	}
	switch rec.status {
	case StatusUnconfirmed:
		return newError(CodeUserNotConfirmed, msgUserNotConfirmed)
	case StatusResetRequired:
		if client.PreventUserExistenceErrors {
			return errNotAuthorized(msgIncorrectCredentials)
		}
		return newError(CodePasswordResetRequired, msgResetRequired)
	}
	return nil
}

// simulatedUser returns a stable USER_ID_FOR_SRP, salt and verifier for an
// unknown user name, so that repeated requests for it look like those for
// a real user.
func (s *Server) simulatedUser(name string) (userID string, salt, verifier *big.Int) {
	derive := func(label string) []byte {
		mac := hmac.New(sha256.New, s.fakeSecret)
		mac.Write([]byte(label + "\x00" + strings.ToLower(name)))
		return mac.Sum(nil)
	}
	userID = formatUUID(derive("id")[:16])
	salt = new(big.Int).SetBytes(derive("salt")[:16])
	x := new(big.Int).SetBytes(derive("verifier"))
	return userID, salt, new(big.Int).Exp(generator, x, groupN)
}

// pruneSRPSessions drops expired SRP sessions once there are many. The
// caller must hold s.mu.
func (s *Server) pruneSRPSessions(now time.Time) {
	if len(s.srpSessions) < 1024 {
		return
	}
	for k, sess := range s.srpSessions {
		if now.After(sess.expires) {
			delete(s.srpSessions, k)
		}
	}
}

// refresh handles REFRESH_TOKEN_AUTH. It returns new ID and access tokens
// and no new refresh token. The SECRET_HASH is over the internal username of the
// token's user, whatever USERNAME the caller sends.
func (s *Server) refresh(client Client, params map[string]string) (any, *apiError) {
	if !client.allows(FlowAllowRefreshTokenAuth) {
		return nil, errFlowNotEnabled(flowRefreshTokenAuth)
	}
	token := params["REFRESH_TOKEN"]
	if token == "" {
		return nil, errMissingParameter("REFRESH_TOKEN")
	}
	if err := client.requireSecretHashPresent(params); err != nil {
		return nil, err
	}

	s.mu.Lock()
	now := s.clock()
	r := s.refreshTokens[token]
	if r == nil || r.clientID != client.ID {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgRefreshInvalid)
	}
	if err := client.verifySecretHash(params, r.username); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if r.revoked {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgRefreshRevoked)
	}
	if !now.Before(r.expires) {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgRefreshExpired)
	}
	rec := s.users[r.username]
	if rec == nil {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgRefreshInvalid)
	}
	if err := s.throttle(rec, now); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if rec.disabled {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgUserDisabled)
	}
	subject := rec.subject()
	authTime, originJTI := r.authTime, r.originJTI
	s.mu.Unlock()

	tokens, err := s.issueTokens(subject, client.ID, authTime, originJTI)
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	return authOutput{
		AuthenticationResult: &authResult{
			AccessToken: tokens.accessToken,
			ExpiresIn:   tokens.expiresIn,
			IDToken:     tokens.idToken,
			TokenType:   "Bearer",
		},
		ChallengeParameters: map[string]string{},
	}, nil
}
