package cognitotest

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A hand-rolled TIMESTAMP with a numeric offset got
// InvalidParameterException with this exact message, before any proof
// check, and such responses do not count toward the lockout.
func TestTimestampNumericOffsetRejected(t *testing.T) {
	f := newFixture(t, Options{})
	bad := []string{
		"Mon Feb 12 15:26:37 +05:30 2018",
		"Mon Feb 12 15:26:37 IST 2018",
		"Mon Feb 12 15:26:7 UTC 2018",
		"Tue Mar 5 24:07:03 UTC 2024",
	}
	for i := 0; i < 2; i++ {
		for _, ts := range bad {
			c := newTestClient(t, f.srv.PoolID, nil)
			params := f.mustChallenge(t, c, testClientID, "bob")
			_, err := f.respond(t, testClientID, c.answer(t, params, "wrong-password", ts, testClientID, ""))
			assertCode(t, err, CodeInvalidParameter, "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
		}
	}
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

// Challenge responses with a padded day or a wrong weekday parse, but
// neither matches the signature over the canonical TIMESTAMP.
func TestNonCanonicalTimestampAnswerRejected(t *testing.T) {
	clock := &fixedClock{now: time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now})
	for _, ts := range []string{"Tue Mar 05 09:07:03 UTC 2024", "Wed Mar 5 09:07:03 UTC 2024", "tue mar 5 09:07:03 UTC 2024"} {
		t.Run(ts, func(t *testing.T) {
			c := newTestClient(t, f.srv.PoolID, nil)
			params := f.mustChallenge(t, c, testClientID, "bob")
			_, err := f.respond(t, testClientID, c.answer(t, params, testPassword, ts, testClientID, ""))
			assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
		})
	}
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	out, err := f.respond(t, testClientID, c.answer(t, params, testPassword, "Tue Mar 5 09:07:03 UTC 2024", testClientID, ""))
	assertTokens(t, out, err)
}

// The server checks no freshness window: cognito-srp sends a time up to 12
// hours off, and Cognito is not known to check one.
func TestTimestampFarFromServerTimeAccepted(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	ts := canonicalTimestamp(time.Now().Add(-13 * time.Hour))
	out, err := f.respond(t, testClientID, c.answer(t, params, testPassword, ts, testClientID, ""))
	assertTokens(t, out, err)
}

// Fakes accepted any signature; a signature of 32 zero bytes must fail.
func TestZeroSignatureRejected(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	responses := c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
	responses["PASSWORD_CLAIM_SIGNATURE"] = base64.StdEncoding.EncodeToString(make([]byte, 32))
	_, err := f.respond(t, testClientID, responses)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

// A client with a secret must get SECRET_HASH at both steps; fakes ignored
// a missing one.
func TestMissingSecretHashRejected(t *testing.T) {
	f := newFixture(t, Options{})
	missing := "Client " + testSecretID + " is configured with secret but SECRET_HASH was not received"

	t.Run("InitiateAuth", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		_, err := f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
			AuthFlow:       types.AuthFlowTypeUserSrpAuth,
			ClientId:       aws.String(testSecretID),
			AuthParameters: map[string]string{"USERNAME": "bob", "SRP_A": c.srpA()},
		})
		assertCode(t, err, CodeNotAuthorized, missing)
	})
	t.Run("RespondToAuthChallenge", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		params := f.mustChallenge(t, c, testSecretID, "bob")
		responses := c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), testSecretID, "")
		_, err := f.respond(t, testSecretID, responses)
		assertCode(t, err, CodeNotAuthorized, missing)
	})
	t.Run("wrong hash at InitiateAuth", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		_, err := f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
			AuthFlow: types.AuthFlowTypeUserSrpAuth,
			ClientId: aws.String(testSecretID),
			AuthParameters: map[string]string{"USERNAME": "bob", "SRP_A": c.srpA(),
				"SECRET_HASH": testSecretHash("other-secret", "bob", testSecretID)},
		})
		assertCode(t, err, CodeNotAuthorized, "Unable to verify secret hash for client "+testSecretID)
	})
}

// A client library given a pointer to an empty secret sends an HMAC with an
// empty key to a client that has no secret. Whether Cognito rejects that is
// not documented; the emulator ignores the SECRET_HASH.
func TestSecretHashForClientWithoutSecretIgnored(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	out, err := f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserSrpAuth,
		ClientId: aws.String(testClientID),
		AuthParameters: map[string]string{"USERNAME": "bob", "SRP_A": c.srpA(),
			"SECRET_HASH": testSecretHash("", "bob", testClientID)},
	})
	if err != nil {
		t.Fatal(err)
	}
	responses := c.answer(t, out.ChallengeParameters, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
	responses["SECRET_HASH"] = testSecretHash("", "bob", testClientID)
	answerOut, answerErr := f.respond(t, testClientID, responses)
	assertTokens(t, answerOut, answerErr)
}

// SRP_A values that Cognito rejects, checked before heavy arithmetic; the
// .NET SDK's upper-case A with a leading zero is valid.
func TestSRPAValidation(t *testing.T) {
	f := newFixture(t, Options{})
	start := func(srpA string) (*cip.InitiateAuthOutput, error) {
		return f.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
			AuthFlow:       types.AuthFlowTypeUserSrpAuth,
			ClientId:       aws.String(testClientID),
			AuthParameters: map[string]string{"USERNAME": "bob", "SRP_A": srpA},
		})
	}
	for name, srpA := range map[string]string{
		"zero":             "0",
		"N":                groupHex,
		"2 million digits": strings.Repeat("7", 2_000_000),
		"not hex":          "xyz",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := start(srpA)
			code, _, _ := errorCode(err)
			if code != CodeInvalidParameter {
				t.Errorf("SRP_A %s: error %v, want InvalidParameterException", name, err)
			}
		})
	}
	t.Run("upper case with leading zero", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		out, err := start("0" + strings.ToUpper(c.srpA()))
		if err != nil {
			t.Fatal(err)
		}
		responses := c.answer(t, out.ChallengeParameters, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
		answerOut, answerErr := f.respond(t, testClientID, responses)
		assertTokens(t, answerOut, answerErr)
	})
}

func TestSecretBlockSingleUse(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	responses := c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
	answerOut, answerErr := f.respond(t, testClientID, responses)
	assertTokens(t, answerOut, answerErr)
	_, err := f.respond(t, testClientID, responses)
	assertCode(t, err, CodeNotAuthorized, msgSessionExpired)
}

func TestSecretBlockExpires(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now, AuthSessionValidity: 3 * time.Minute})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, "bob")
	clock.Advance(3*time.Minute + time.Second)
	responses := c.answer(t, params, testPassword, canonicalTimestamp(clock.now), testClientID, "")
	_, err := f.respond(t, testClientID, responses)
	assertCode(t, err, CodeNotAuthorized, msgSessionExpired)
}

func TestSecretBlockBoundToClientAndUser(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.AddClient(Client{ID: "other-client"}))

	t.Run("other client", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		params := f.mustChallenge(t, c, testClientID, "bob")
		responses := c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), "other-client", "")
		_, err := f.respond(t, "other-client", responses)
		assertCode(t, err, CodeNotAuthorized, msgSessionExpired)
	})
	t.Run("other user", func(t *testing.T) {
		c := newTestClient(t, f.srv.PoolID, nil)
		params := f.mustChallenge(t, c, testClientID, "bob")
		responses := c.answer(t, params, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
		responses["USERNAME"] = aliceID
		_, err := f.respond(t, testClientID, responses)
		assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
	})
}
