package auth

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

// Keys of the credentials secret's JSON object.
const (
	keyUsername     = "username"
	keyPassword     = "password"
	keyClientSecret = "client_secret"
)

const secretShape = `the SecretString must be a JSON object such as ` +
	`{"username": "...", "password": "...", "client_secret": "..."} ` +
	`(client_secret only when the app client has a secret)`

// parseSecret extracts the credentials from a GetSecretValue result. Its
// errors name the secret and the key at fault, never a value: even the JSON
// decoder's own messages are left out, because a syntax error quotes a
// character of the secret.
func parseSecret(secretID string, out *secretsmanager.GetSecretValueOutput) (Credentials, error) {
	const op = "GetSecretValue"
	if out == nil || out.SecretString == nil {
		if out != nil && len(out.SecretBinary) > 0 {
			return Credentials{}, newError(ErrSecret, op, "", nil,
				"secret %q has only a binary value (SecretBinary): %s", secretID, secretShape)
		}
		return Credentials{}, newError(ErrSecret, op, "", nil,
			"secret %q has no SecretString: %s", secretID, secretShape)
	}

	raw := []byte(*out.SecretString)
	if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return Credentials{}, newError(ErrSecret, op, "", nil,
			"secret %q is not a JSON object: %s", secretID, secretShape)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Credentials{}, newError(ErrSecret, op, "", nil,
			"secret %q is not valid JSON (%s): %s", secretID, jsonErrorPosition(err), secretShape)
	}

	var creds Credentials
	var err error
	if creds.Username, err = secretField(secretID, fields, keyUsername, true); err != nil {
		return Credentials{}, err
	}
	if creds.Password, err = secretField(secretID, fields, keyPassword, true); err != nil {
		return Credentials{}, err
	}
	if creds.ClientSecret, err = secretField(secretID, fields, keyClientSecret, false); err != nil {
		return Credentials{}, err
	}
	return creds, nil
}

// secretField returns the string value of key. A missing key, null or ""
// is an error when required, and "" otherwise.
func secretField(secretID string, fields map[string]json.RawMessage, key string,
	required bool) (string, error) {
	const op = "GetSecretValue"
	raw, ok := fields[key]
	if !ok || string(raw) == "null" {
		if required {
			return "", newError(ErrSecret, op, "", nil,
				"secret %q has no %q key: %s", secretID, key, secretShape)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", newError(ErrSecret, op, "", nil,
			"secret %q: the value of %q is not a JSON string: %s", secretID, key, secretShape)
	}
	if s == "" && required {
		return "", newError(ErrSecret, op, "", nil,
			"secret %q: the value of %q is empty: %s", secretID, key, secretShape)
	}
	return s, nil
}

// jsonErrorPosition describes where the JSON is broken without quoting it.
func jsonErrorPosition(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return "syntax error at byte " + itoa(syntax.Offset)
	}
	return "unexpected end or structure"
}

// classifySecretsManager turns a GetSecretValue failure into an *Error that
// names the secret and states what to fix.
func classifySecretsManager(secretID string, err error) *Error {
	const op = "GetSecretValue"
	if e := classifyTransport(op, err); e != nil {
		return e
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return newError(nil, op, "", err, "read secret %q: %s", secretID, sanitize(err.Error()))
	}
	code := apiErr.ErrorCode()
	switch code {
	case "ResourceNotFoundException":
		return newError(ErrSecret, op, code, err,
			"secret %q not found: check the secret name or ARN and the region", secretID)
	case "AccessDeniedException", "AccessDenied":
		return newError(ErrSecret, op, code, err,
			"access to secret %q denied: allow secretsmanager:GetSecretValue on it "+
				"(and kms:Decrypt when it is encrypted with a customer managed key)", secretID)
	case "DecryptionFailure":
		return newError(ErrSecret, op, code, err,
			"secret %q cannot be decrypted: allow kms:Decrypt on its KMS key", secretID)
	case "InvalidRequestException", "InvalidParameterException":
		return newError(ErrSecret, op, code, err,
			"secret %q cannot be read (%s): check that it exists, is not scheduled for deletion "+
				"and has an AWSCURRENT version", secretID, sanitize(apiErr.ErrorMessage()))
	case "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded":
		return temporaryError(ErrThrottled, op, code, err, throttleRetryAfter,
			"reading secret %q was throttled: %s", secretID, code)
	case "InternalServiceError", "InternalFailure", "ServiceUnavailable":
		return temporaryError(ErrUnavailable, op, code, err, unavailableRetryAfter,
			"reading secret %q failed on the service side: %s", secretID, code)
	}
	if e := classifyStatus(op, code, err); e != nil {
		return e
	}
	return newError(nil, op, code, err, "read secret %q: %s: %s",
		secretID, code, sanitize(apiErr.ErrorMessage()))
}
