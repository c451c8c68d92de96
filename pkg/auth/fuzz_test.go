package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
)

// Credentials of the fuzz targets. The password and client secret must
// never appear in an error.
const (
	fuzzUser         = "svc-fuzz"
	fuzzPassword     = "Fuzz-Passw0rd-Secret!"
	fuzzClientSecret = "fuzz-client-secret-8c1e5a"
	fuzzPoolID       = "us-east-1_Fuzz1"
	fuzzClientID     = "fuzzclient1"
)

// realisticSalt and realisticB have the shape of Cognito's values: 32 and
// 768 hex digits.
const (
	realisticSalt = "a2f0f3b4c5d6e7f8091a2b3c4d5e6f70"
	realisticB    = "6b1f" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef012345678"
	realisticBlock = "c2VjcmV0LWJsb2NrLWZyb20tY29nbml0by1vcGFxdWUtYnl0ZXM="
)

// fuzzNow is the fixed clock of the fuzz targets, so the TIMESTAMP and
// the coverage it produces do not change between runs.
var fuzzNow = time.Date(2026, 3, 5, 15, 4, 5, 0, time.UTC)

// checkNoSecret fails if msg contains the password or the client secret.
func checkNoSecret(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{fuzzPassword, fuzzClientSecret} {
		if strings.Contains(msg, s) {
			t.Fatalf("error message contains a secret: %q", msg)
		}
	}
}

// FuzzChallengeParameters feeds PASSWORD_VERIFIER parameters, with
// USER_ID_FOR_SRP and USERNAME apart, to the checks that run before
// cognito-srp, which panics on malformed values. A challenge that passes
// the checks must never make the library panic, and a rejected one must
// get an *Error that names the problem and no secret.
func FuzzChallengeParameters(f *testing.F) {
	f.Add(realisticSalt, realisticB, realisticBlock, fuzzUser, fuzzUser)
	f.Add("-1f2e3d4c", realisticB, realisticBlock, fuzzUser, fuzzUser)
	f.Add(realisticSalt, "0", realisticBlock, fuzzUser, fuzzUser)
	f.Add(realisticSalt, strings.ToLower(srpGroupPrimeHex), realisticBlock, fuzzUser, fuzzUser)
	f.Add(realisticSalt, "0x1234", "not base64!", "", fuzzUser)
	f.Add("", realisticB, realisticBlock, fuzzUser, "")
	csrp, err := newSRP(Credentials{Username: fuzzUser, Password: fuzzPassword, ClientSecret: fuzzClientSecret},
		fuzzPoolID, fuzzClientID)
	if err != nil {
		f.Fatal(err)
	}
	srpA := csrp.GetAuthParams()["SRP_A"]

	f.Fuzz(func(t *testing.T, salt, srpB, block, userID, username string) {
		params := map[string]string{"SALT": salt, "SRP_B": srpB, "SECRET_BLOCK": block,
			"USER_ID_FOR_SRP": userID, "USERNAME": username}
		err := validateChallenge(params, srpA)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), "auth: invalid PASSWORD_VERIFIER challenge") {
				t.Fatalf("rejection is not a clear *Error: %T %v", err, err)
			}
			checkNoSecret(t, err.Error())
			return
		}
		answer, err := answerPasswordVerifier(csrp, params, fuzzNow)
		if err != nil {
			checkNoSecret(t, err.Error())
			if strings.Contains(err.Error(), "panicked") {
				t.Fatalf("a challenge that passed validation made cognito-srp panic: %v", err)
			}
			return
		}
		if answer["PASSWORD_CLAIM_SIGNATURE"] == "" || answer["TIMESTAMP"] == "" {
			t.Fatalf("answer lacks the signature or timestamp: %v", answer)
		}
	})
}

// fuzzCognito returns a PASSWORD_VERIFIER challenge with the fuzz input's
// parameters to InitiateAuth and NotAuthorizedException to
// RespondToAuthChallenge, in process: a network server would run code
// concurrently with the next input and make coverage unstable.
type fuzzCognito struct {
	params map[string]string
}

func (c fuzzCognito) InitiateAuth(context.Context, *cip.InitiateAuthInput,
	...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	return &cip.InitiateAuthOutput{ChallengeName: types.ChallengeNameTypePasswordVerifier,
		ChallengeParameters: c.params}, nil
}

func (c fuzzCognito) RespondToAuthChallenge(context.Context, *cip.RespondToAuthChallengeInput,
	...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "NotAuthorizedException", Message: "Incorrect username or password."}
}

// FuzzSignInChallenge runs the exported sign-in path, TokenSource.Token,
// with the fuzz input, a JSON object, as the challenge's parameters. Every
// outcome must be an *Error without a secret in its message; nothing may
// panic, in this package or in cognito-srp.
func FuzzSignInChallenge(f *testing.F) {
	f.Add([]byte(`{"SALT":"` + realisticSalt + `","SRP_B":"` + realisticB + `","SECRET_BLOCK":"` +
		realisticBlock + `","USER_ID_FOR_SRP":"svc-fuzz","USERNAME":"svc-fuzz"}`))
	f.Add([]byte(`{"SALT":"-1","SRP_B":"zz","SECRET_BLOCK":"%%%","USER_ID_FOR_SRP":"","USERNAME":"x"}`))
	f.Add([]byte(`{"SALT":"00","SRP_B":"` + strings.ToLower(srpGroupPrimeHex) + `","SECRET_BLOCK":"QQ==",` +
		`"USER_ID_FOR_SRP":"a","USERNAME":"a"}`))
	f.Add([]byte(`{}`))

	f.Fuzz(func(t *testing.T, data []byte) {
		var params map[string]string
		if json.Unmarshal(data, &params) != nil {
			return
		}
		ts, err := NewTokenSource(Config{UserPoolID: fuzzPoolID, ClientID: fuzzClientID,
			Cognito: fuzzCognito{params: params},
			Credentials: StaticCredentials{Username: fuzzUser, Password: fuzzPassword,
				ClientSecret: fuzzClientSecret},
			Now: func() time.Time { return fuzzNow }})
		if err != nil {
			t.Fatal(err)
		}
		// Less than the least time for a retry (minAttemptTime), so each
		// input makes exactly one attempt.
		ctx, cancel := context.WithTimeout(context.Background(), minAttemptTime)
		defer cancel()
		tok, err := ts.Token(ctx)
		// Let the spare SRP object finish inside this run, for stable
		// coverage.
		ts.srp.mu.Lock()
		sp := ts.srp.spare
		ts.srp.mu.Unlock()
		if sp != nil {
			<-sp.ready
		}
		if err == nil {
			t.Fatalf("signed in without tokens: %v", tok)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error is %T, not *auth.Error: %v", err, err)
		}
		checkNoSecret(t, err.Error())
		if strings.Contains(err.Error(), "panicked") {
			t.Fatalf("sign-in panicked: %v", err)
		}
	})
}
