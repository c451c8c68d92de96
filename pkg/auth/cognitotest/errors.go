package cognitotest

import (
	"fmt"
	"net/http"
)

// Error codes that the emulator returns, spelled as Cognito spells them in
// the "__type" field and the x-amzn-ErrorType header.
const (
	CodeNotAuthorized         = "NotAuthorizedException"
	CodeUserNotFound          = "UserNotFoundException"
	CodeUserNotConfirmed      = "UserNotConfirmedException"
	CodePasswordResetRequired = "PasswordResetRequiredException"
	CodeInvalidParameter      = "InvalidParameterException"
	CodeInvalidPassword       = "InvalidPasswordException"
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodeLimitExceeded         = "LimitExceededException"
	CodeInternalError         = "InternalErrorException"
	CodeCodeMismatch          = "CodeMismatchException"
	CodeUnknownOperation      = "UnknownOperationException"
	CodeSerialization         = "SerializationException"
)

// Messages that real Cognito returns and that clients match on.
const (
	msgIncorrectCredentials = "Incorrect username or password."
	msgAttemptsExceeded     = "Password attempts exceeded"
	msgUserDisabled         = "User is disabled."
	msgUserNotFound         = "User does not exist."
	msgUserNotConfirmed     = "User is not confirmed."
	msgResetRequired        = "Password reset required for the user"
	msgRefreshExpired       = "Refresh Token has expired"
	msgRefreshInvalid       = "Invalid Refresh Token"
	msgRefreshRevoked       = "Refresh Token has been revoked"
	msgRateExceeded         = "Rate exceeded"
	msgSessionExpired       = "Invalid session for the user, session is expired."
	msgCodeMismatch         = "Invalid code received for user"
	msgInternalError        = "An internal error occurred."
	msgLimitExceeded        = "Attempt limit exceeded, please try after some time."
)

// apiError is an error response in the AWS JSON 1.1 shape.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("cognitotest: %s: %s", e.Code, e.Message)
}

func newError(code, message string) *apiError {
	status := http.StatusBadRequest
	if code == CodeInternalError {
		status = http.StatusInternalServerError
	}
	return &apiError{Status: status, Code: code, Message: message}
}

func errNotAuthorized(message string) *apiError {
	return newError(CodeNotAuthorized, message)
}

func errInvalidParameter(format string, args ...any) *apiError {
	return newError(CodeInvalidParameter, fmt.Sprintf(format, args...))
}

func errMissingParameter(name string) *apiError {
	return errInvalidParameter("Missing required parameter %s", name)
}

func errSecretHashMissing(clientID string) *apiError {
	return errNotAuthorized(fmt.Sprintf(
		"Client %s is configured with secret but SECRET_HASH was not received", clientID))
}

func errSecretHashMismatch(clientID string) *apiError {
	return errNotAuthorized(fmt.Sprintf("Unable to verify secret hash for client %s", clientID))
}

func errClientNotFound(clientID string) *apiError {
	return newError(CodeResourceNotFound, fmt.Sprintf("User pool client %s does not exist.", clientID))
}

func errFlowNotEnabled(flow string) *apiError {
	return errInvalidParameter("%s flow not enabled for this client", flow)
}

// defaultMessage returns the message Cognito sends with code when a fault
// is injected without one.
func defaultMessage(code string) string {
	switch code {
	case CodeTooManyRequests:
		return msgRateExceeded
	case CodeInternalError:
		return msgInternalError
	case CodeLimitExceeded:
		return msgLimitExceeded
	case CodeNotAuthorized:
		return msgIncorrectCredentials
	}
	return code
}
