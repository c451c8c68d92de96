package cognitotest

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"slices"
	"time"
)

// Challenge names of RespondToAuthChallenge.
const (
	challengePasswordVerifier = "PASSWORD_VERIFIER"
	challengeNewPassword      = "NEW_PASSWORD_REQUIRED"
	challengeDeviceSRP        = "DEVICE_SRP_AUTH"
	challengeDevicePassword   = "DEVICE_PASSWORD_VERIFIER"
)

var knownChallenges = []string{
	challengePasswordVerifier, challengeNewPassword, MFASMS, MFASoftwareToken, challengeDeviceSRP,
	challengeDevicePassword, "CUSTOM_CHALLENGE", "MFA_SETUP", "SELECT_MFA_TYPE", "ADMIN_NO_SRP_AUTH",
	"EMAIL_OTP", "SMS_OTP", "PASSWORD", "WEB_AUTHN", "SELECT_CHALLENGE",
}

type respondInput struct {
	ChallengeName      string
	ClientID           string `json:"ClientId"`
	ChallengeResponses map[string]string
	Session            string
}

func (s *Server) respondToAuthChallenge(_ context.Context, body []byte) (any, *apiError) {
	var in respondInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if in.ChallengeName == "" {
		return nil, errInvalidParameter(
			"1 validation error detected: Value null at 'challengeName' failed to satisfy constraint: Member must not be null")
	}
	if !slices.Contains(knownChallenges, in.ChallengeName) {
		return nil, errInvalidParameter(
			"1 validation error detected: Value '%s' at 'challengeName' failed to satisfy constraint: Member must satisfy enum value set",
			in.ChallengeName)
	}
	client, apiErr := s.client(in.ClientID)
	if apiErr != nil {
		return nil, apiErr
	}
	responses := in.ChallengeResponses
	if responses == nil {
		responses = map[string]string{}
	}
	switch in.ChallengeName {
	case challengePasswordVerifier:
		return s.answerPasswordVerifier(client, responses)
	case challengeNewPassword, MFASMS, MFASoftwareToken:
		return s.answerSessionChallenge(client, in.ChallengeName, in.Session, responses)
	case challengeDeviceSRP, challengeDevicePassword:
		// NOTE: the emulator issues DEVICE_SRP_AUTH so that clients can be
		// tested for it, but does not implement the device SRP exchange.
		return nil, errInvalidParameter("%s is not supported by this emulator", in.ChallengeName)
	}
	return nil, errInvalidParameter("challenge %s is not supported by this emulator", in.ChallengeName)
}

// answerPasswordVerifier checks the SRP password claim. It checks the
// parameters, the presence of SECRET_HASH and the TIMESTAMP format first, so
// an unparsable TIMESTAMP does not count as a failed sign-in. Then come the
// SECRET_BLOCK, the SECRET_HASH over the internal username, the lockout,
// and last the signature over the canonical rendering of TIMESTAMP.
func (s *Server) answerPasswordVerifier(client Client, r map[string]string) (any, *apiError) {
	for _, name := range []string{"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"} {
		if r[name] == "" {
			return nil, errMissingParameter(name)
		}
	}
	if err := client.requireSecretHashPresent(r); err != nil {
		return nil, err
	}
	if _, err := parseTimestamp(r["TIMESTAMP"]); err != nil {
		return nil, errInvalidParameter("%s", timestampFormatMessage)
	}
	block, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return nil, errNotAuthorized(msgSessionExpired)
	}

	s.mu.Lock()
	now := s.clock()
	// A SECRET_BLOCK is single use: any response consumes it.
	sess := s.srpSessions[string(block)]
	delete(s.srpSessions, string(block))
	// NOTE: Cognito's message for an unknown or expired SECRET_BLOCK is not
	// documented; the emulator uses its expired-session message.
	if sess == nil || now.After(sess.expires) || sess.clientID != client.ID {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgSessionExpired)
	}
	if err := client.verifySecretHash(r, sess.userID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	rec := s.users[sess.username]
	if sess.username == "" || rec == nil || s.lookupUser(r["USERNAME"]) != rec {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgIncorrectCredentials)
	}
	if err := s.throttle(rec, now); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if rec.disabled {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgUserDisabled)
	}
	if rec.lockedOut(now) {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgAttemptsExceeded)
	}
	s.mu.Unlock()

	key, keyErr := serverSessionKey(sess.bigA, sess.bigB, sess.b, sess.verifier)
	var claimErr *apiError
	if keyErr != nil {
		claimErr = errNotAuthorized(msgIncorrectCredentials)
	} else {
		claimErr = verifyPasswordClaim(key, s.poolName, sess.userID, block, r["TIMESTAMP"], r["PASSWORD_CLAIM_SIGNATURE"])
	}

	s.mu.Lock()
	if claimErr != nil {
		if claimErr.Code == CodeNotAuthorized {
			claimErr = rec.recordFailure(now)
		}
		s.mu.Unlock()
		return nil, claimErr
	}
	rec.recordSuccess()
	s.mu.Unlock()

	deviceKey := r["DEVICE_KEY"]
	if deviceKey == "" {
		deviceKey = sess.deviceKey
	}
	return s.nextStep(client, rec, flowState{deviceKey: deviceKey})
}

// verifyPasswordClaim checks PASSWORD_CLAIM_SIGNATURE against the signature
// over the canonical rendering of the instant that TIMESTAMP names, in
// constant time. A TIMESTAMP that does not parse gives
// InvalidParameterException. One that parses but is not canonical, such as a
// zero-padded day or a wrong weekday, cannot match and gives
// NotAuthorizedException.
func verifyPasswordClaim(key []byte, poolName, userID string, secretBlock []byte, timestamp, signature string) *apiError {
	instant, err := parseTimestamp(timestamp)
	if err != nil {
		return errInvalidParameter("%s", timestampFormatMessage)
	}
	want := claimSignature(key, poolName, userID, secretBlock, canonicalTimestamp(instant))
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(got, want) {
		return errNotAuthorized(msgIncorrectCredentials)
	}
	return nil
}

// flowState records the steps of a sign-in that are done.
type flowState struct {
	deviceKey string
	mfaDone   bool
}

// authSession is the server state behind a challenge Session.
type authSession struct {
	clientID  string
	username  string
	challenge string
	expires   time.Time
	flow      flowState
}
