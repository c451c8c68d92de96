package auth

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors for errors.Is. Every error that the package returns for a
// failed sign-in, refresh or secret read is an *Error that matches at most one
// of them.
var (
	// ErrInvalidCredentials means Cognito rejected the username or password,
	// the user does not exist, is disabled or is locked out. It is never
	// retried automatically, because repeated failures extend the lockout.
	ErrInvalidCredentials = errors.New("auth: invalid credentials")

	// ErrUserNotConfirmed means the user has signed up but was never
	// confirmed.
	ErrUserNotConfirmed = errors.New("auth: user not confirmed")

	// ErrPasswordResetRequired means an administrator reset the password or
	// the user was imported and has to set a new one.
	ErrPasswordResetRequired = errors.New("auth: password reset required")

	// ErrChallengeUnsupported means Cognito asked for a challenge that a
	// service account cannot respond to: NEW_PASSWORD_REQUIRED, an MFA challenge
	// or a device challenge. The *Error's Code names the challenge.
	ErrChallengeUnsupported = errors.New("auth: challenge not supported")

	// ErrMisconfigured means the user pool, the app client or the client
	// secret do not fit together: an unknown pool or client, an auth flow
	// that is not enabled, or a wrong or missing client secret.
	ErrMisconfigured = errors.New("auth: misconfigured")

	// ErrSecret means the credentials secret could not be read or does not
	// contain the expected JSON keys.
	ErrSecret = errors.New("auth: secret missing or malformed")

	// ErrThrottled means Cognito or Secrets Manager rejected the request
	// because of a rate or attempt quota.
	ErrThrottled = errors.New("auth: throttled")

	// ErrUnavailable means the service failed (HTTP 5xx), could not be
	// reached, or did not respond in time.
	ErrUnavailable = errors.New("auth: service unavailable")
)

// Error is the error returned for a failed sign-in, token refresh or
// credentials read. Its message states what failed and what to change. It never
// contains a password, client secret, secret hash or token.
type Error struct {
	// Op is the operation that failed, such as "InitiateAuth",
	// "RespondToAuthChallenge" or "GetSecretValue".
	Op string

	// Code is the service's exception name (for example
	// "NotAuthorizedException"), or the challenge name for
	// ErrChallengeUnsupported. It is empty when neither applies.
	Code string

	// Err is the underlying error, usually from the AWS SDK, or nil.
	Err error

	kind       error
	msg        string
	temporary  bool
	noRetry    bool
	retryAfter time.Duration
}

// Error returns the message, prefixed with "auth: ". For an Error built by
// hand rather than by this package, the message is made of Op, Code and Err.
func (e *Error) Error() string {
	if e.msg != "" {
		return e.msg
	}
	msg := "auth:"
	for _, part := range []string{e.Op, e.Code} {
		if part != "" {
			msg += " " + part
		}
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error {
	return e.Err
}

// Is reports whether target is the sentinel error that classifies e.
func (e *Error) Is(target error) bool {
	return e.kind != nil && target == e.kind
}

// Temporary reports whether the same request may succeed later without a
// configuration change: throttling, service failures and timeouts.
func (e *Error) Temporary() bool {
	return e.temporary
}

// RetryAfter returns how long a caller should wait before trying again, or
// zero when the error is not temporary. The value is a suggestion: Cognito
// sends no Retry-After header.
func (e *Error) RetryAfter() time.Duration {
	if !e.temporary {
		return 0
	}
	return e.retryAfter
}

// Format writes the message for every verb, so that no verb (such as %+v or
// %d) prints the fields of the underlying SDK error.
func (e *Error) Format(f fmt.State, verb rune) {
	writeFormatted(f, verb, e.Error())
}

// retryable reports whether the token source may retry the operation itself,
// within the caller's deadline.
func (e *Error) retryable() bool {
	return e.temporary && !e.noRetry
}

// newError returns an *Error with a message built from format and args. The
// caller is responsible for leaving secret values out of args.
func newError(kind error, op, code string, err error, format string, args ...any) *Error {
	return &Error{
		Op:   op,
		Code: code,
		Err:  err,
		kind: kind,
		msg:  "auth: " + fmt.Sprintf(format, args...),
	}
}

// temporaryError is like newError for an error that may go away by itself.
func temporaryError(kind error, op, code string, err error, after time.Duration,
	format string, args ...any) *Error {
	e := newError(kind, op, code, err, format, args...)
	e.temporary = true
	e.retryAfter = after
	return e
}

// asError returns err as an *Error when it is one.
func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
