package cognitotest

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"
)

// sessionBytes is the size of a challenge Session token.
const sessionBytes = 128

// nextStep continues a sign-in after a valid password proof or challenge
// response. The steps are NEW_PASSWORD_REQUIRED for a FORCE_CHANGE_PASSWORD user,
// DEVICE_SRP_AUTH for a remembered device, the user's MFA challenge, and
// finally tokens.
func (s *Server) nextStep(client Client, rec *userRecord, flow flowState) (any, *apiError) {
	s.mu.Lock()
	status, mfa := rec.status, rec.mfa
	subject := rec.subject()
	required := rec.required
	s.mu.Unlock()

	switch {
	case status == StatusForceChangePassword:
		userAttributes, err := json.Marshal(subject.attributes)
		if err != nil {
			return nil, newError(CodeInternalError, msgInternalError)
		}
		requiredNames := make([]string, 0, len(required))
		for _, name := range required {
			requiredNames = append(requiredNames, "userAttributes."+name)
		}
		requiredAttributes, err := json.Marshal(requiredNames)
		if err != nil {
			return nil, newError(CodeInternalError, msgInternalError)
		}
		return s.challenge(client, subject.username, challengeNewPassword, flow, map[string]string{
			"USER_ID_FOR_SRP":    subject.username,
			"userAttributes":     string(userAttributes),
			"requiredAttributes": string(requiredAttributes),
		})
	case client.DeviceTracking && flow.deviceKey != "":
		return s.challenge(client, subject.username, challengeDeviceSRP, flow, map[string]string{})
	case mfa != "" && !flow.mfaDone:
		params := map[string]string{"USER_ID_FOR_SRP": subject.username}
		if mfa == MFASMS {
			params["CODE_DELIVERY_DELIVERY_MEDIUM"] = "SMS"
			params["CODE_DELIVERY_DESTINATION"] = maskPhone(subject.attributes["phone_number"])
		}
		return s.challenge(client, subject.username, mfa, flow, params)
	}
	return s.signInResult(client, subject, flow)
}

// signInResult issues ID, access and refresh tokens for a completed sign-in.
func (s *Server) signInResult(client Client, subject tokenSubject, flow flowState) (any, *apiError) {
	authTime := s.currentTime()
	originJTI, err := newTokenID()
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	tokens, err := s.issueTokens(subject, client.ID, authTime, originJTI)
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	refresh, err := s.newRefreshToken(subject.username, client.ID, authTime, originJTI)
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	result := &authResult{
		AccessToken:  tokens.accessToken,
		ExpiresIn:    tokens.expiresIn,
		IDToken:      tokens.idToken,
		RefreshToken: refresh,
		TokenType:    "Bearer",
	}
	if client.DeviceTracking && flow.deviceKey == "" {
		deviceID, err := newTokenID()
		if err != nil {
			return nil, newError(CodeInternalError, msgInternalError)
		}
		groupID, err := randomToken(9)
		if err != nil {
			return nil, newError(CodeInternalError, msgInternalError)
		}
		result.NewDeviceMetadata = &deviceMetadata{
			DeviceGroupKey: "-" + base64.RawURLEncoding.EncodeToString(groupID),
			DeviceKey:      s.region + "_" + deviceID,
		}
	}
	return authOutput{AuthenticationResult: result, ChallengeParameters: map[string]string{}}, nil
}

// challenge stores a Session for the next challenge response and returns
// the challenge.
func (s *Server) challenge(client Client, username, name string, flow flowState, params map[string]string) (any, *apiError) {
	b, err := randomToken(sessionBytes)
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	token := base64.StdEncoding.EncodeToString(b)
	s.mu.Lock()
	now := s.clock()
	for k, as := range s.authSessions {
		if now.After(as.expires) {
			delete(s.authSessions, k)
		}
	}
	s.authSessions[token] = &authSession{
		clientID:  client.ID,
		username:  username,
		challenge: name,
		expires:   now.Add(s.authSessionValidity),
		flow:      flow,
	}
	s.mu.Unlock()
	return authOutput{ChallengeName: name, ChallengeParameters: params, Session: token}, nil
}

// answerSessionChallenge checks responses to NEW_PASSWORD_REQUIRED and MFA
// challenges.
// USERNAME must name the session's user and SECRET_HASH must be computed
// over the internal username, not an alias.
func (s *Server) answerSessionChallenge(client Client, name, session string, r map[string]string) (any, *apiError) {
	if r["USERNAME"] == "" {
		return nil, errMissingParameter("USERNAME")
	}
	if err := client.requireSecretHashPresent(r); err != nil {
		return nil, err
	}

	s.mu.Lock()
	now := s.clock()
	as := s.authSessions[session]
	if as == nil || now.After(as.expires) || as.clientID != client.ID || as.challenge != name {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgSessionExpired)
	}
	if err := client.verifySecretHash(r, as.username); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	rec := s.users[as.username]
	if rec == nil || s.lookupUser(r["USERNAME"]) != rec {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgIncorrectCredentials)
	}
	if rec.disabled {
		s.mu.Unlock()
		return nil, errNotAuthorized(msgUserDisabled)
	}
	flow, required, mfaCode := as.flow, rec.required, rec.mfaCode
	s.mu.Unlock()

	if name == challengeNewPassword {
		return s.answerNewPassword(client, rec, session, flow, required, r)
	}
	codeName := name + "_CODE"
	code := r[codeName]
	if code == "" {
		return nil, errMissingParameter(codeName)
	}
	if subtle.ConstantTimeCompare([]byte(code), []byte(mfaCode)) != 1 {
		return nil, newError(CodeCodeMismatch, msgCodeMismatch)
	}
	s.mu.Lock()
	delete(s.authSessions, session)
	s.mu.Unlock()
	flow.mfaDone = true
	return s.nextStep(client, rec, flow)
}

// answerNewPassword sets the new password and the attributes given as
// "userAttributes.<name>", then continues the sign-in.
//
// NOTE: a changed "email" attribute does not update the e-mail alias.
func (s *Server) answerNewPassword(client Client, rec *userRecord, session string, flow flowState,
	required []string, r map[string]string) (any, *apiError) {
	password := r["NEW_PASSWORD"]
	if password == "" {
		return nil, errMissingParameter("NEW_PASSWORD")
	}
	for _, name := range required {
		if r["userAttributes."+name] == "" {
			return nil, errInvalidParameter("Invalid attributes given, %s is missing", name)
		}
	}
	salt, err := newSalt()
	if err != nil {
		return nil, newError(CodeInternalError, msgInternalError)
	}
	verifier := newVerifier(s.poolName, rec.username, password, salt)

	s.mu.Lock()
	attrs := maps.Clone(rec.attributes)
	for key, value := range r {
		if attr, ok := strings.CutPrefix(key, "userAttributes."); ok && attr != "sub" && attr != "email" {
			attrs[attr] = value
		}
	}
	rec.attributes = attrs
	rec.salt, rec.verifier = salt, verifier
	rec.status = StatusConfirmed
	delete(s.authSessions, session)
	s.mu.Unlock()
	return s.nextStep(client, rec, flow)
}

// maskPhone hides all but the last four digits of a phone number, as
// Cognito does in CODE_DELIVERY_DESTINATION.
func maskPhone(phone string) string {
	if len(phone) < 4 {
		return "+*******0000"
	}
	return "+*******" + phone[len(phone)-4:]
}
