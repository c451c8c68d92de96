// Package auth signs in to an Amazon Cognito user pool with USER_SRP_AUTH and
// keeps the tokens fresh for AWS Lambda functions that call Skylark.
//
// The pieces:
//
//   - SecretCredentials reads the service user's username, password and
//     optional app client secret from a Secrets Manager secret (a JSON
//     SecretString) and caches them, reading again after a refresh interval
//     so that a rotated password is picked up.
//   - TokenSource signs in with the SRP protocol (the math is done by
//     github.com/alexrudd/cognito-srp/v4), caches the ID and access tokens,
//     renews them with REFRESH_TOKEN_AUTH, and falls back to a full sign-in
//     when Cognito rejects the refresh token. Create one per container,
//     outside the handler, and share it: it is safe for concurrent use and
//     lets one caller renew while the others wait.
//   - Transport is an http.RoundTripper that puts the ID token into the
//     Authorization header and retries once after a 401.
//
// # Errors
//
// Every failure is an *Error. Use errors.Is with the Err variables to tell
// what to fix (ErrInvalidCredentials, ErrMisconfigured, ...) and
// Error.Temporary to decide whether to try again later. Wrong credentials,
// unsupported challenges (NEW_PASSWORD_REQUIRED, MFA, device challenges) and
// configuration problems are permanent and never retried automatically:
// repeated failed sign-ins lock the Cognito user out. Throttling, Cognito 5xx
// errors and connection failures are retried with jittered exponential
// backoff, never past the deadline of the caller that started the renewal.
// No error message contains a password, client secret, secret hash or token.
//
// # Wiring the AWS SDK clients
//
// Build the Cognito client with the SDK's own retries off. TokenSource
// retries temporary failures itself within the caller's deadline, and two
// retry loops would multiply the attempts. The SDK's standard retryer makes
// up to three attempts per call and also retries LimitExceededException,
// which clears only after minutes.
//
//	cognito := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
//		o.RetryMaxAttempts = 1
//	})
//
// The Secrets Manager client can keep the SDK's default retryer: a secret is
// read once per refresh interval.
//
// # Requirements on the user pool
//
// The app client must allow ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH.
// The service user must be confirmed, have a permanent password, and have no
// MFA. Device tracking (remembered devices) must be off, because this package
// does not implement the device challenges.
package auth
