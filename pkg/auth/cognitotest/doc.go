// Package cognitotest provides a local Amazon Cognito user pool for tests,
// in the style of net/http/httptest.
//
// The Server speaks the AWS JSON 1.1 protocol of the cognito-idp service
// for InitiateAuth (USER_SRP_AUTH and REFRESH_TOKEN_AUTH) and
// RespondToAuthChallenge (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED,
// SMS_MFA and SOFTWARE_TOKEN_MFA), as the aws-sdk-go-v2 client and
// amazon-cognito-identity-js use it, and serves the pool's JWKS at
// Issuer()+"/.well-known/jwks.json". It checks SRP proofs for real: it
// stores a salt and verifier per user, never the password, and accepts
// only proofs that real Cognito would accept, including the quirks that
// clients trip over:
//
//   - TIMESTAMP is parsed strictly ("EEE MMM d HH:mm:ss z yyyy", English,
//     UTC) and the signature is checked over the canonical rendering of the
//     parsed instant, so a zero-padded day or a wrong weekday fails.
//     There is no freshness window, because github.com/alexrudd/cognito-srp
//     v4.1.0 sends the hour on a 12-hour clock.
//   - SECRET_HASH is checked at every step: over the typed name at
//     InitiateAuth and over the internal username afterwards and on refresh.
//   - Users can sign in with an e-mail alias; USER_ID_FOR_SRP and USERNAME
//     in the challenge are the internal username, and the challenge has no
//     Session.
//   - Five failed proofs are free, then the user is locked out for 1 s,
//     doubling with each failure ("Password attempts exceeded").
//
// Errors carry Cognito's codes and messages, for example
// NotAuthorizedException "Incorrect username or password.". InjectFault adds
// throttling, server errors and latency per operation, and Count reports
// requests per operation.
//
// Typical use:
//
//	srv := cognitotest.NewServer(t, cognitotest.Options{})
//	srv.AddClient(cognitotest.Client{ID: "client"})
//	srv.AddUser(cognitotest.User{Username: "alice", Password: "Correct-Horse-9"})
//	api := cognitoidentityprovider.New(cognitoidentityprovider.Options{
//		Region:       srv.Region(),
//		BaseEndpoint: aws.String(srv.URL),
//	})
//
// The command cmd/cognito-local runs the same server as a process.
package cognitotest
