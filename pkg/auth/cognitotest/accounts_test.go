package cognitotest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// After a wrong client secret was fixed, the right password still failed
// for a while: five failures are free, then lockouts start at 1 s and
// double, and attempts during a lockout are ignored.
func TestLockoutAfterFiveFailures(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now})
	for i := 1; i <= 8; i++ {
		_, err := f.signInWithTestClient(t, testClientID, "bob", "wrong-password")
		want := msgIncorrectCredentials
		if i > freeFailures {
			want = msgAttemptsExceeded
		}
		assertCode(t, err, CodeNotAuthorized, want)
	}

	clock.Advance(500 * time.Millisecond)
	_, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertCode(t, err, CodeNotAuthorized, msgAttemptsExceeded)

	// Failures 7 and 8 fell inside the first lockout and were ignored, so
	// it still ends 1 s after failure 6.
	clock.Advance(600 * time.Millisecond)
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)

	// Success resets the count: five more failures are free again.
	for i := 1; i <= freeFailures; i++ {
		_, err := f.signInWithTestClient(t, testClientID, "bob", "wrong-password")
		assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
	}
}

func TestLockoutDoubles(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now})
	for i := 0; i < freeFailures+1; i++ {
		_, _ = f.signInWithTestClient(t, testClientID, "bob", "wrong-password")
	}
	clock.Advance(1100 * time.Millisecond)
	_, err := f.signInWithTestClient(t, testClientID, "bob", "wrong-password")
	assertCode(t, err, CodeNotAuthorized, msgAttemptsExceeded)

	clock.Advance(1500 * time.Millisecond)
	_, err = f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertCode(t, err, CodeNotAuthorized, msgAttemptsExceeded)

	clock.Advance(600 * time.Millisecond)
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

// An unconfirmed user gets UserNotConfirmedException whatever the
// password, which AWS confirmed is intended.
func TestUnconfirmedUserRejectedWhateverPassword(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddUser(User{Username: "carol", Password: testPassword, Status: StatusUnconfirmed}))
	for _, password := range []string{testPassword, "wrong-password"} {
		_, err := f.srv.SignIn(t.Context(), "carol", password)
		assertCode(t, err, CodeUserNotConfirmed, "User is not confirmed.")
	}
}

func TestResetRequiredUser(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddUser(User{Username: "dave", Password: testPassword, Status: StatusResetRequired}))
	mustOK(t, f.srv.AddClient(Client{ID: "quiet", PreventUserExistenceErrors: true}))
	c := newTestClient(t, f.srv.PoolID, nil)
	_, err := f.initiate(t, c, testClientID, "dave")
	assertCode(t, err, CodePasswordResetRequired, "Password reset required for the user")
	_, err = f.initiate(t, c, "quiet", "dave")
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)

	mustOK(t, f.srv.SetPassword("dave", "New-Password-1"))
	out, err := f.signInWithTestClient(t, testClientID, "dave", "New-Password-1")
	assertTokens(t, out, err)
}

func TestDisabledUser(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	mustOK(t, f.srv.DisableUser("bob"))

	_, err := f.respond(t, testClientID, c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), testClientID, ""))
	assertCode(t, err, CodeNotAuthorized, "User is disabled.")
	_, err = f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "bob")
	assertCode(t, err, CodeNotAuthorized, "User is disabled.")

	mustOK(t, f.srv.EnableUser("bob"))
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

func TestSetPasswordReplacesVerifier(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.SetPassword("bob", "Second-Password-2"))
	_, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
	out, err := f.signInWithTestClient(t, testClientID, "bob", "Second-Password-2")
	assertTokens(t, out, err)
}

func TestUnknownUser(t *testing.T) {
	f := newFixture(t, Options{})
	_, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "nobody")
	assertCode(t, err, CodeUserNotFound, "User does not exist.")
}

// With PreventUserExistenceErrors an unknown name gets a simulated
// challenge, stable for the name, and the challenge response fails like a
// wrong password.
func TestUnknownUserWithPreventUserExistenceErrors(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddClient(Client{ID: "quiet", PreventUserExistenceErrors: true}))
	c := newTestClient(t, f.srv.PoolID, nil)
	first := f.mustChallenge(t, c, "quiet", "nobody@example.com")
	second := f.mustChallenge(t, c, "quiet", "nobody@example.com")
	for _, k := range []string{"SALT", "USER_ID_FOR_SRP", "USERNAME"} {
		if first[k] != second[k] {
			t.Errorf("%s changed between challenges: %q, %q", k, first[k], second[k])
		}
	}
	if first["USER_ID_FOR_SRP"] == "nobody@example.com" || len(first["USER_ID_FOR_SRP"]) != 36 {
		t.Errorf("USER_ID_FOR_SRP = %q, want a UUID-like id", first["USER_ID_FOR_SRP"])
	}
	_, err := f.respond(t, "quiet", c.answer(t, second, "any-password", canonicalTimestamp(time.Now()), "quiet", ""))
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

func TestUnknownClientAndDisabledFlow(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddClient(Client{ID: "refresh-only", ExplicitAuthFlows: []string{FlowAllowRefreshTokenAuth}}))
	_, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), "no-such-client", "bob")
	assertCode(t, err, CodeResourceNotFound, "User pool client no-such-client does not exist.")
	_, err = f.initiate(t, newTestClient(t, f.srv.PoolID, nil), "refresh-only", "bob")
	assertCode(t, err, CodeInvalidParameter, "USER_SRP_AUTH flow not enabled for this client")
}

// Fakes handed tokens to admin-created users. Cognito returns
// NEW_PASSWORD_REQUIRED after a valid proof, and the challenge response must
// carry the internal USERNAME and a SECRET_HASH over it.
func TestForceChangePasswordChallenge(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddUser(User{
		Username:           "7d3c1b2a-1111-4222-8333-944455556666",
		Email:              "erin@example.com",
		Password:           "Temporary-1",
		Status:             StatusForceChangePassword,
		RequiredAttributes: []string{"name"},
	}))
	const internal = "7d3c1b2a-1111-4222-8333-944455556666"

	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testSecretID, "erin@example.com")
	out, err := f.respond(t, testSecretID, c.answer(t, params, "Temporary-1", canonicalTimestamp(time.Now()), testSecretID, testSecret))
	if err != nil {
		t.Fatal(err)
	}
	if out.AuthenticationResult != nil {
		t.Fatal("got tokens for a FORCE_CHANGE_PASSWORD user")
	}
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil {
		t.Fatalf("challenge = %q with Session %v, want NEW_PASSWORD_REQUIRED with a Session", out.ChallengeName, out.Session)
	}
	var attrs map[string]string
	if err := json.Unmarshal([]byte(out.ChallengeParameters["userAttributes"]), &attrs); err != nil {
		t.Fatalf("userAttributes: %v", err)
	}
	if attrs["email"] != "erin@example.com" {
		t.Errorf("userAttributes = %v, want the e-mail", attrs)
	}
	if got := out.ChallengeParameters["requiredAttributes"]; got != `["userAttributes.name"]` {
		t.Errorf("requiredAttributes = %s", got)
	}

	answer := func(username, hashName string, extra map[string]string) error {
		r := map[string]string{
			"USERNAME":     username,
			"NEW_PASSWORD": "Permanent-2",
			"SECRET_HASH":  testSecretHash(testSecret, hashName, testSecretID),
		}
		for k, v := range extra {
			r[k] = v
		}
		next, err := f.respondTo(t, testSecretID, types.ChallengeNameTypeNewPasswordRequired, out.Session, r)
		if err == nil {
			assertTokens(t, next, err)
		}
		return err
	}
	assertCode(t, answer("erin@example.com", "erin@example.com", map[string]string{"userAttributes.name": "Erin"}),
		CodeNotAuthorized, "Unable to verify secret hash for client "+testSecretID)
	assertCode(t, answer(internal, internal, nil), CodeInvalidParameter, "Invalid attributes given, name is missing")
	if err := answer(internal, internal, map[string]string{"userAttributes.name": "Erin"}); err != nil {
		t.Fatalf("answer with internal name: %v", err)
	}

	token, err := f.srv.SignIn(t.Context(), "erin@example.com", "Permanent-2")
	if err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
	if got := verifiedClaims(t, f.srv, token)["name"]; got != "Erin" {
		t.Errorf("name claim = %v, want Erin", got)
	}
}

func TestMFAChallenges(t *testing.T) {
	for _, mfa := range []string{MFASoftwareToken, MFASMS} {
		t.Run(mfa, func(t *testing.T) {
			f := newFixture(t, Options{})
			mustOK(t, f.srv.AddUser(User{Username: "frank", Password: testPassword, MFA: mfa, MFACode: "654321",
				Attributes: map[string]string{"phone_number": "+15550001234"}}))
			out, err := f.signInWithTestClient(t, testClientID, "frank", testPassword)
			if err != nil {
				t.Fatal(err)
			}
			if string(out.ChallengeName) != mfa || out.Session == nil || out.AuthenticationResult != nil {
				t.Fatalf("got challenge %q, Session %v; want %s with a Session and no tokens", out.ChallengeName, out.Session, mfa)
			}
			if mfa == MFASMS && out.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******1234" {
				t.Errorf("CODE_DELIVERY_DESTINATION = %q", out.ChallengeParameters["CODE_DELIVERY_DESTINATION"])
			}
			codeKey := mfa + "_CODE"
			_, err = f.respondTo(t, testClientID, types.ChallengeNameType(mfa), out.Session,
				map[string]string{"USERNAME": "frank", codeKey: "000000"})
			assertCode(t, err, CodeCodeMismatch, "Invalid code received for user")
			next, err := f.respondTo(t, testClientID, types.ChallengeNameType(mfa), out.Session,
				map[string]string{"USERNAME": "frank", codeKey: "654321"})
			assertTokens(t, next, err)
		})
	}
}

// Once devices are remembered, Cognito follows PASSWORD_VERIFIER with
// DEVICE_SRP_AUTH; clients without device support must notice.
func TestDeviceSRPAuthChallenge(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddClient(Client{ID: "tracking", DeviceTracking: true}))

	first, err := f.signInWithTestClient(t, "tracking", "bob", testPassword)
	result := assertTokens(t, first, err)
	if result.NewDeviceMetadata == nil || aws.ToString(result.NewDeviceMetadata.DeviceKey) == "" {
		t.Fatal("first sign-in with device tracking returned no NewDeviceMetadata")
	}
	deviceKey := aws.ToString(result.NewDeviceMetadata.DeviceKey)

	signInWithDevice := func(clientID string) *types.ChallengeNameType {
		c := newTestClient(t, f.srv.PoolID, nil)
		initOut, err := f.api.InitiateAuth(t.Context(), initiateInput(clientID, "bob", c.srpA(), deviceKey))
		if err != nil {
			t.Fatal(err)
		}
		r := c.answer(t, initOut.ChallengeParameters, testPassword, canonicalTimestamp(time.Now()), clientID, "")
		r["DEVICE_KEY"] = deviceKey
		out, err := f.respond(t, clientID, r)
		if err != nil {
			t.Fatal(err)
		}
		if out.ChallengeName == "" {
			return nil
		}
		if out.Session == nil {
			t.Errorf("challenge %s has no Session", out.ChallengeName)
		}
		return &out.ChallengeName
	}
	if got := signInWithDevice("tracking"); got == nil || *got != types.ChallengeNameTypeDeviceSrpAuth {
		t.Errorf("challenge with DEVICE_KEY = %v, want DEVICE_SRP_AUTH", got)
	}
	if got := signInWithDevice(testClientID); got != nil {
		t.Errorf("client without device tracking returned challenge %s, want tokens", *got)
	}
}
