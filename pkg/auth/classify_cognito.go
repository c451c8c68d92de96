package auth

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// exchange describes the request that failed, for error messages. sensitive
// lists the values sent or held for it (password, client secret, secret
// hashes, refresh token) that must not appear in an error even when an
// endpoint echoes them.
type exchange struct {
	poolID    string
	clientID  string
	username  string
	flow      string // "USER_SRP_AUTH" or "REFRESH_TOKEN_AUTH"
	hasSecret bool
	sensitive []string
}

// classifyCognito turns an error from InitiateAuth or RespondToAuthChallenge
// into an *Error by what the caller can do about it.
func classifyCognito(op string, err error, x exchange) *Error {
	if e := classifyTransport(op, err); e != nil {
		e.msg = redact(e.msg, x.sensitive...)
		return e
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		msg := sanitize(redact(err.Error(), x.sensitive...))
		return newError(nil, op, "", err, "%s failed: %s", op, msg)
	}
	code := apiErr.ErrorCode()
	msg := sanitize(redact(apiErr.ErrorMessage(), x.sensitive...))
	if e := classifyCognitoCode(op, code, msg, err, x); e != nil {
		return e
	}
	if e := classifyStatus(op, code, err); e != nil {
		return e
	}
	return newError(nil, op, code, err, "%s for user %q failed: %s: %s", op, x.username, code, msg)
}

func classifyCognitoCode(op, code, msg string, err error, x exchange) *Error {
	switch code {
	case "NotAuthorizedException":
		return classifyNotAuthorized(op, code, msg, err, x)
	case "UserNotFoundException":
		return newError(ErrInvalidCredentials, op, code, err,
			"user %q does not exist in user pool %s (%s): fix the username in the credentials",
			x.username, x.poolID, msg)
	case "UserNotConfirmedException":
		return newError(ErrUserNotConfirmed, op, code, err,
			"user %q in user pool %s is not confirmed: confirm it, for example with "+
				"aws cognito-idp admin-confirm-sign-up", x.username, x.poolID)
	case "PasswordResetRequiredException":
		return newError(ErrPasswordResetRequired, op, code, err,
			"user %q in user pool %s must reset its password: set a new permanent password "+
				"(aws cognito-idp admin-set-user-password --permanent) and store it in the credentials",
			x.username, x.poolID)
	case "ResourceNotFoundException":
		return newError(ErrMisconfigured, op, code, err,
			"user pool %s or app client %s not found (%s): check the pool id, the client id "+
				"and the region", x.poolID, x.clientID, msg)
	case "InvalidParameterException":
		if mentionsFlow(msg) {
			return newError(ErrMisconfigured, op, code, err,
				"%s is not enabled for app client %s (%s): enable %s on app client %s",
				x.flow, x.clientID, msg, allowFlow(x.flow), x.clientID)
		}
		return newError(ErrMisconfigured, op, code, err,
			"Cognito rejected a parameter of %s for app client %s: %s", op, x.clientID, msg)
	case "InvalidUserPoolConfigurationException":
		return newError(ErrMisconfigured, op, code, err,
			"user pool %s is not configured for this sign-in: %s", x.poolID, msg)
	case "UserLambdaValidationException", "UnexpectedLambdaException",
		"InvalidLambdaResponseException":
		return newError(ErrMisconfigured, op, code, err,
			"a Lambda trigger of user pool %s failed or rejected user %q: %s",
			x.poolID, x.username, msg)
	case "ForbiddenException":
		return newError(ErrMisconfigured, op, code, err,
			"the AWS WAF web ACL of user pool %s blocked the request: %s", x.poolID, msg)
	case "RefreshTokenReuseException":
		return newError(ErrInvalidCredentials, op, code, err,
			"the refresh token was already used: %s", msg)
	case "TooManyRequestsException":
		return temporaryError(ErrThrottled, op, code, err, throttleRetryAfter,
			"%s for user %q was throttled by Cognito: %s", op, x.username, msg)
	case "LimitExceededException":
		e := temporaryError(ErrThrottled, op, code, err, limitRetryAfter,
			"%s for user %q hit a Cognito attempt limit: %s", op, x.username, msg)
		e.noRetry = true
		return e
	case "InternalErrorException", "InternalServerException":
		return temporaryError(ErrUnavailable, op, code, err, unavailableRetryAfter,
			"%s failed inside Cognito: %s", op, msg)
	}
	return nil
}

// classifyNotAuthorized separates the causes Cognito reports under
// NotAuthorizedException: secret-hash problems, lockout, a disabled user,
// rejected refresh tokens and wrong passwords.
func classifyNotAuthorized(op, code, msg string, err error, x exchange) *Error {
	lower := strings.ToLower(msg)
	switch {
	case strings.Contains(lower, "secret_hash was not received") ||
		strings.Contains(lower, "configured with secret"):
		return newError(ErrMisconfigured, op, code, err,
			"app client %s has a client secret but none was configured (%s): add %q to the "+
				"credentials", x.clientID, msg, keyClientSecret)
	case strings.Contains(lower, "secret hash") || strings.Contains(lower, "secrethash"):
		if !x.hasSecret {
			return newError(ErrMisconfigured, op, code, err,
				"app client %s rejected the request without a secret hash (%s): add %q to the "+
					"credentials", x.clientID, msg, keyClientSecret)
		}
		return newError(ErrMisconfigured, op, code, err,
			"app client %s rejected the secret hash (%s): check that %q in the credentials is "+
				"the secret of app client %s, or remove it if the client has no secret",
			x.clientID, msg, keyClientSecret, x.clientID)
	case mentionsFlow(msg):
		return newError(ErrMisconfigured, op, code, err,
			"%s is not enabled for app client %s (%s): enable %s on app client %s",
			x.flow, x.clientID, msg, allowFlow(x.flow), x.clientID)
	case strings.Contains(lower, "attempts exceeded"):
		return newError(ErrInvalidCredentials, op, code, err,
			"user %q is locked out after repeated failed sign-ins (%s): fix the password in the "+
				"credentials and wait for the lockout to end; not retried automatically",
			x.username, msg)
	case strings.Contains(lower, "disabled"):
		return newError(ErrInvalidCredentials, op, code, err,
			"user %q in user pool %s is disabled (%s): enable it", x.username, x.poolID, msg)
	case x.flow == flowRefresh:
		return newError(ErrInvalidCredentials, op, code, err,
			"Cognito rejected the refresh token of user %q: %s", x.username, msg)
	}
	if op == "RespondToAuthChallenge" {
		// The pool name is part of the SRP proof, so a user pool id that does
		// not belong to the app client fails here like a wrong password.
		return newError(ErrInvalidCredentials, op, code, err,
			"Cognito rejected the password proof of user %q (%s): fix the password in the "+
				"credentials, or the user pool id %s if it is not the pool of app client %s; "+
				"not retried automatically because repeated failures lock the user out",
			x.username, msg, x.poolID, x.clientID)
	}
	return newError(ErrInvalidCredentials, op, code, err,
		"Cognito rejected the credentials of user %q (%s): fix the username or password in the "+
			"credentials; not retried automatically because repeated failures lock the user out",
		x.username, msg)
}

// refreshRejected reports whether err means the refresh token is no longer
// accepted (expired, revoked, reused), so that a full sign-in may replace it.
// Secret-hash and flow problems are not included: a sign-in would fail the
// same way.
func refreshRejected(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	return e.Op == "InitiateAuth" && errors.Is(e, ErrInvalidCredentials) &&
		(e.Code == "NotAuthorizedException" || e.Code == "RefreshTokenReuseException")
}

func mentionsFlow(msg string) bool {
	lower := strings.ToLower(msg)
	return strings.Contains(lower, "flow") &&
		(strings.Contains(lower, "not enabled") || strings.Contains(lower, "not allowed") ||
			strings.Contains(lower, "not supported"))
}

// allowFlow names the app client setting that enables flow.
func allowFlow(flow string) string {
	if flow == flowRefresh {
		return "ALLOW_REFRESH_TOKEN_AUTH"
	}
	return "ALLOW_USER_SRP_AUTH"
}
