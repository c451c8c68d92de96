package cognitotest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Fixture values shared by the protocol tests.
const (
	testPoolID   = "eu-west-1_AbCdEf123"
	testClientID = "3n4clientid5example6"
	testSecretID = "7abcdexampleclientid0123"
	testSecret   = "s3cr3t-example-client-secret-value-0000000000000000"
	testPassword = "Correct-Horse-9"
	aliceID      = "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f0a7b13"
	aliceEmail   = "alice@example.com"
)

// fixture is a server with a client without secret (testClientID), a
// client with one (testSecretID), user "bob" and user aliceID with the
// e-mail alias aliceEmail, both with testPassword.
type fixture struct {
	srv *Server
	api *cip.Client
}

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	if opts.PoolID == "" {
		opts.PoolID = testPoolID
	}
	srv := NewServer(t, opts)
	mustOK(t, srv.AddClient(Client{ID: testClientID}))
	mustOK(t, srv.AddClient(Client{ID: testSecretID, Secret: testSecret}))
	mustOK(t, srv.AddUser(User{Username: "bob", Password: testPassword}))
	mustOK(t, srv.AddUser(User{
		Username:   aliceID,
		Password:   testPassword,
		Email:      aliceEmail,
		Attributes: map[string]string{"custom:plans": "gold,silver"},
	}))
	return &fixture{srv: srv, api: srv.NewSDKClient()}
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// secretFor returns the secret of a fixture client.
func secretFor(clientID string) string {
	if clientID == testSecretID {
		return testSecret
	}
	return ""
}

// initiate starts USER_SRP_AUTH with the test client's A.
func (f *fixture) initiate(t *testing.T, c *testClient, clientID, username string) (*cip.InitiateAuthOutput, error) {
	t.Helper()
	params := map[string]string{"USERNAME": username, "SRP_A": c.srpA()}
	if secret := secretFor(clientID); secret != "" {
		params["SECRET_HASH"] = testSecretHash(secret, username, clientID)
	}
	return f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: params,
	})
}

// mustChallenge starts USER_SRP_AUTH and fails the test unless a
// PASSWORD_VERIFIER challenge comes back.
func (f *fixture) mustChallenge(t *testing.T, c *testClient, clientID, username string) map[string]string {
	t.Helper()
	out, err := f.initiate(t, c, clientID, username)
	if err != nil {
		t.Fatalf("InitiateAuth(%s): %v", username, err)
	}
	if out.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("InitiateAuth(%s) challenge = %q, want PASSWORD_VERIFIER", username, out.ChallengeName)
	}
	return out.ChallengeParameters
}

// respond sends PASSWORD_VERIFIER challenge responses.
func (f *fixture) respond(t *testing.T, clientID string, responses map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	return f.respondTo(t, clientID, types.ChallengeNameTypePasswordVerifier, nil, responses)
}

func (f *fixture) respondTo(t *testing.T, clientID string, name types.ChallengeNameType, session *string,
	responses map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	return f.api.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ChallengeName:      name,
		ClientId:           aws.String(clientID),
		ChallengeResponses: responses,
		Session:            session,
	})
}

// signInWithTestClient runs a full sign-in with the independent test
// client, signing the canonical TIMESTAMP of the server clock.
func (f *fixture) signInWithTestClient(t *testing.T, clientID, username, password string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, clientID, username)
	ts := canonicalTimestamp(f.srv.currentTime())
	return f.respond(t, clientID, c.answer(t, params, password, ts, clientID, secretFor(clientID)))
}

// errorCode returns the API error code, message and HTTP status of err.
func errorCode(err error) (code, message string, status int) {
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr != nil {
		return apiErr.Code, apiErr.Message, apiErr.Status
	}
	var sdkErr smithy.APIError
	if errors.As(err, &sdkErr) {
		code, message = sdkErr.ErrorCode(), sdkErr.ErrorMessage()
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	return code, message, status
}

// assertCode fails unless err carries the given code and message. err may
// be an SDK error or an *apiError; a nil *apiError counts as no error.
func assertCode(t *testing.T, err error, code, message string) {
	t.Helper()
	if apiErr, ok := err.(*apiError); ok && apiErr == nil {
		err = nil
	}
	if err == nil {
		t.Fatalf("got no error, want %s %q", code, message)
	}
	gotCode, gotMessage, _ := errorCode(err)
	if gotCode != code {
		t.Errorf("error code = %q, want %q (error: %v)", gotCode, code, err)
	}
	if gotMessage != message {
		t.Errorf("error message = %q, want %q", gotMessage, message)
	}
}

// assertTokens fails unless out carries an AuthenticationResult.
func assertTokens(t *testing.T, out *cip.RespondToAuthChallengeOutput, err error) *types.AuthenticationResultType {
	t.Helper()
	if err != nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("got challenge %q, want tokens", out.ChallengeName)
	}
	if aws.ToString(out.AuthenticationResult.IdToken) == "" {
		t.Fatal("AuthenticationResult has no IdToken")
	}
	return out.AuthenticationResult
}

// fixedClock returns a clock reading t that tests can move.
type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time          { return c.now }
func (c *fixedClock) Advance(d time.Duration) { c.now = c.now.Add(d) }

var _ = http.StatusOK

func initiateInput(clientID, username, srpA, deviceKey string) *cip.InitiateAuthInput {
	params := map[string]string{"USERNAME": username, "SRP_A": srpA}
	if deviceKey != "" {
		params["DEVICE_KEY"] = deviceKey
	}
	return &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: params,
	}
}
