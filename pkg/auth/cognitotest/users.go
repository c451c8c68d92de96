package cognitotest

import (
	"fmt"
	"maps"
	"math/big"
	"strings"
	"time"
)

// User statuses, as Cognito names them.
const (
	StatusConfirmed           = "CONFIRMED"
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusResetRequired       = "RESET_REQUIRED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
)

// MFA challenges that a user can be made to require.
const (
	MFASoftwareToken = "SOFTWARE_TOKEN_MFA"
	MFASMS           = "SMS_MFA"
)

// DefaultMFACode is the code accepted for an MFA challenge when User.MFACode
// is empty.
const DefaultMFACode = "123456"

// Lockout after failed sign-ins, as Cognito documents it: five failures are
// free, then each failure locks the user out for 1 s, doubling up to about
// 15 minutes, and 15 minutes without attempts resets the count.
const (
	freeFailures     = 5
	firstLockout     = time.Second
	maxLockout       = 15 * time.Minute
	failureResetTime = 15 * time.Minute
)

// User is a user of the pool.
type User struct {
	// Username is the internal username: the "cognito:username" claim and
	// USER_ID_FOR_SRP. Required. For a pool where users sign in with their
	// e-mail address, use a UUID here and set Email.
	Username string

	// Password is used once to derive the salt and SRP verifier; the server
	// does not keep it.
	Password string

	// Email is the "email" attribute. The user can sign in with it as an
	// alias (matched without regard to case).
	Email string

	// Status is one of the Status constants. Default StatusConfirmed.
	Status string

	// Attributes become ID token claims, for example "custom:plans".
	// "sub" sets the subject; otherwise a random UUID is used.
	Attributes map[string]string

	// RequiredAttributes lists attributes that a NEW_PASSWORD_REQUIRED
	// response must set (as "userAttributes.<name>").
	RequiredAttributes []string

	// MFA, when set to MFASoftwareToken or MFASMS, makes every sign-in
	// return that challenge after a valid password proof.
	MFA string

	// MFACode is the code that completes the MFA challenge. Default
	// DefaultMFACode.
	MFACode string
}

// userRecord is the server's record of a user. It holds no password.
type userRecord struct {
	username   string
	sub        string
	email      string
	status     string
	attributes map[string]string
	required   []string
	mfa        string
	mfaCode    string
	disabled   bool
	salt       *big.Int
	verifier   *big.Int

	failures    int
	lastFailure time.Time
	lockedUntil time.Time
	recent      []time.Time
}

// AddUser adds or replaces a user and derives its salt and verifier.
func (s *Server) AddUser(u User) error {
	if u.Username == "" {
		return fmt.Errorf("cognitotest: username is empty: set User.Username (a UUID for e-mail sign-in)")
	}
	if u.Password == "" {
		return fmt.Errorf("cognitotest: password of user %q is empty: set User.Password", u.Username)
	}
	if u.Status == "" {
		u.Status = StatusConfirmed
	}
	switch u.Status {
	case StatusConfirmed, StatusUnconfirmed, StatusResetRequired, StatusForceChangePassword:
	default:
		return fmt.Errorf("cognitotest: invalid status %q for user %q: want CONFIRMED, UNCONFIRMED, RESET_REQUIRED or FORCE_CHANGE_PASSWORD",
			u.Status, u.Username)
	}
	switch u.MFA {
	case "", MFASoftwareToken, MFASMS:
	default:
		return fmt.Errorf("cognitotest: invalid MFA %q for user %q: want %q, %q or empty",
			u.MFA, u.Username, MFASoftwareToken, MFASMS)
	}
	attrs := maps.Clone(u.Attributes)
	if attrs == nil {
		attrs = map[string]string{}
	}
	email := u.Email
	if email == "" {
		email = attrs["email"]
	}
	if attrs["email"] != "" && !strings.EqualFold(attrs["email"], email) {
		return fmt.Errorf("cognitotest: user %q has Email %q and email attribute %q: set one of them",
			u.Username, u.Email, attrs["email"])
	}
	if email != "" {
		attrs["email"] = email
		if _, ok := attrs["email_verified"]; !ok {
			attrs["email_verified"] = "true"
		}
	}
	sub := attrs["sub"]
	if sub == "" {
		b, err := randomToken(16)
		if err != nil {
			return err
		}
		sub = formatUUID(b)
	}
	delete(attrs, "sub")

	rec := &userRecord{
		username:   u.Username,
		sub:        sub,
		email:      email,
		status:     u.Status,
		attributes: attrs,
		required:   append([]string(nil), u.RequiredAttributes...),
		mfa:        u.MFA,
		mfaCode:    u.MFACode,
	}
	if rec.mfaCode == "" {
		rec.mfaCode = DefaultMFACode
	}
	if err := s.setVerifier(rec, u.Password); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.Username]; ok && old.email != "" {
		delete(s.emails, strings.ToLower(old.email))
	}
	if email != "" {
		if other, ok := s.emails[strings.ToLower(email)]; ok && other != u.Username {
			return fmt.Errorf("cognitotest: e-mail %q already belongs to user %q", email, other)
		}
		s.emails[strings.ToLower(email)] = u.Username
	}
	s.users[u.Username] = rec
	return nil
}

// setVerifier draws a new salt and derives the verifier for password.
func (s *Server) setVerifier(rec *userRecord, password string) error {
	salt, err := newSalt()
	if err != nil {
		return err
	}
	rec.salt = salt
	rec.verifier = newVerifier(s.poolName, rec.username, password, salt)
	return nil
}

// SetPassword sets a new permanent password, as AdminSetUserPassword with
// Permanent = true does: a FORCE_CHANGE_PASSWORD or RESET_REQUIRED user
// becomes CONFIRMED and the failure count is cleared.
func (s *Server) SetPassword(username, password string) error {
	if password == "" {
		return fmt.Errorf("cognitotest: new password for user %q is empty", username)
	}
	s.mu.Lock()
	rec, ok := s.users[username]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("cognitotest: user %q not found: add it with AddUser", username)
	}
	salt, err := newSalt()
	if err != nil {
		return err
	}
	v := newVerifier(s.poolName, username, password, salt)

	s.mu.Lock()
	defer s.mu.Unlock()
	rec.salt, rec.verifier = salt, v
	if rec.status == StatusForceChangePassword || rec.status == StatusResetRequired {
		rec.status = StatusConfirmed
	}
	rec.failures, rec.lockedUntil = 0, time.Time{}
	return nil
}

// DisableUser disables a user: sign-in and refresh then fail with
// NotAuthorizedException "User is disabled.".
func (s *Server) DisableUser(username string) error {
	return s.setDisabled(username, true)
}

// EnableUser enables a user that DisableUser disabled.
func (s *Server) EnableUser(username string) error {
	return s.setDisabled(username, false)
}

func (s *Server) setDisabled(username string, disabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.users[username]
	if !ok {
		return fmt.Errorf("cognitotest: user %q not found: add it with AddUser", username)
	}
	rec.disabled = disabled
	return nil
}

// lookupUser finds a user by internal username or e-mail alias. The caller
// must hold s.mu.
func (s *Server) lookupUser(name string) *userRecord {
	if rec, ok := s.users[name]; ok {
		return rec
	}
	if username, ok := s.emails[strings.ToLower(name)]; ok {
		return s.users[username]
	}
	return nil
}

// lockedOut reports whether rec is in a lockout at now. The caller must
// hold s.mu.
func (rec *userRecord) lockedOut(now time.Time) bool {
	return now.Before(rec.lockedUntil)
}

// recordFailure counts a wrong proof and returns the error to send. The
// caller must hold s.mu and must have checked lockedOut first.
func (rec *userRecord) recordFailure(now time.Time) *apiError {
	if !rec.lastFailure.IsZero() && now.Sub(rec.lastFailure) >= failureResetTime {
		rec.failures = 0
	}
	rec.failures++
	rec.lastFailure = now
	if rec.failures <= freeFailures {
		return errNotAuthorized(msgIncorrectCredentials)
	}
	lockout := maxLockout
	if shift := rec.failures - freeFailures - 1; shift < 20 {
		lockout = min(firstLockout<<shift, maxLockout)
	}
	rec.lockedUntil = now.Add(lockout)
	return errNotAuthorized(msgAttemptsExceeded)
}

// recordSuccess clears the failure count. The caller must hold s.mu.
func (rec *userRecord) recordSuccess() {
	rec.failures, rec.lastFailure, rec.lockedUntil = 0, time.Time{}, time.Time{}
}

// throttle applies the optional per-user request rate. The caller must hold
// s.mu.
func (s *Server) throttle(rec *userRecord, now time.Time) *apiError {
	if s.userRate <= 0 {
		return nil
	}
	cutoff := now.Add(-time.Second)
	kept := rec.recent[:0]
	for _, t := range rec.recent {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	rec.recent = kept
	if len(rec.recent) >= s.userRate {
		return newError(CodeTooManyRequests, msgRateExceeded)
	}
	rec.recent = append(rec.recent, now)
	return nil
}
