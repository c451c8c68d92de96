package cognitotest

import (
	"context"
	"strings"
	"testing"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// signInWithCognitoSRP runs a sign-in the way the Lambda does: the real SDK
// client and github.com/alexrudd/cognito-srp/v4, with the library's
// TIMESTAMP for the instant ts.
func signInWithCognitoSRP(t *testing.T, f *fixture, clientID, username, password string, ts time.Time) (*cip.RespondToAuthChallengeOutput, map[string]string, error) {
	t.Helper()
	var secret *string
	if s := secretFor(clientID); s != "" {
		secret = aws.String(s)
	}
	csrp, err := cognitosrp.NewCognitoSRP(username, password, f.srv.PoolID, clientID, secret)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	initOut, err := f.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: csrp.GetAuthParams(),
	})
	if err != nil {
		return nil, nil, err
	}
	responses, err := csrp.PasswordVerifierChallenge(initOut.ChallengeParameters, ts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           aws.String(clientID),
		ChallengeResponses: responses,
		Session:            initOut.Session,
	})
	return out, responses, err
}

func TestSignInWithSDKAndCognitoSRP(t *testing.T) {
	morning := time.Date(2024, 3, 5, 9, 7, 3, 0, time.UTC)
	afternoon := time.Date(2025, 1, 1, 15, 4, 5, 0, time.UTC)
	midnight := time.Date(2024, 2, 29, 0, 30, 0, 0, time.UTC)
	tests := []struct {
		name      string
		clientID  string
		username  string
		at        time.Time
		wantTS    string
		wantInner string
	}{
		{"internal name without secret", testClientID, "bob", morning, "Tue Mar 5 09:07:03 UTC 2024", "bob"},
		{"internal name with secret", testSecretID, "bob", morning, "Tue Mar 5 09:07:03 UTC 2024", "bob"},
		{"e-mail alias without secret", testClientID, aliceEmail, morning, "Tue Mar 5 09:07:03 UTC 2024", aliceID},
		{"e-mail alias with secret", testSecretID, aliceEmail, morning, "Tue Mar 5 09:07:03 UTC 2024", aliceID},
		{"upper-case e-mail alias", testSecretID, strings.ToUpper(aliceEmail), morning, "Tue Mar 5 09:07:03 UTC 2024", aliceID},
		{"UUID internal name with secret", testSecretID, aliceID, morning, "Tue Mar 5 09:07:03 UTC 2024", aliceID},
		// cognito-srp v4.1.0 formats 15:04:05 as "03:04:05".
		{"afternoon on a 12-hour clock", testSecretID, aliceEmail, afternoon, "Wed Jan 1 03:04:05 UTC 2025", aliceID},
		// and 00:30 as "12:30", on a leap day.
		{"midnight on a 12-hour clock", testSecretID, "bob", midnight, "Thu Feb 29 12:30:00 UTC 2024", "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fixedClock{now: tt.at}
			f := newFixture(t, Options{Now: clock.Now})
			out, responses, err := signInWithCognitoSRP(t, f, tt.clientID, tt.username, testPassword, tt.at)
			result := assertTokens(t, out, err)
			if got := responses["TIMESTAMP"]; got != tt.wantTS {
				t.Errorf("cognito-srp sent TIMESTAMP %q, want %q", got, tt.wantTS)
			}
			if got := responses["USERNAME"]; got != tt.wantInner {
				t.Errorf("answer USERNAME = %q, want internal name %q", got, tt.wantInner)
			}
			claims := verifiedClaims(t, f.srv, aws.ToString(result.IdToken))
			if got := claims["cognito:username"]; got != tt.wantInner {
				t.Errorf("cognito:username = %v, want %s", got, tt.wantInner)
			}
			if got := claims["aud"]; got != tt.clientID {
				t.Errorf("aud = %v, want %s", got, tt.clientID)
			}
			if got := int64(claims["auth_time"].(float64)); got != tt.at.Unix() {
				t.Errorf("auth_time = %d, want %d", got, tt.at.Unix())
			}
		})
	}
}

// A wrong password through the real client library gets Cognito's message.
func TestWrongPasswordWithCognitoSRP(t *testing.T) {
	f := newFixture(t, Options{})
	_, _, err := signInWithCognitoSRP(t, f, testSecretID, aliceEmail, "wrong-password", time.Now())
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}

func TestSignInReturnsVerifiableIDToken(t *testing.T) {
	f := newFixture(t, Options{})
	token, err := f.srv.SignIn(context.Background(), aliceEmail, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	claims := verifiedClaims(t, f.srv, token)
	if got := claims["email"]; got != aliceEmail {
		t.Errorf("email = %v, want %s", got, aliceEmail)
	}
	if _, err := f.srv.SignIn(context.Background(), aliceEmail, "wrong"); err == nil {
		t.Error("SignIn with a wrong password succeeded")
	}
}

func TestSignInWithoutClientFails(t *testing.T) {
	srv := NewServer(t, Options{})
	mustOK(t, srv.AddUser(User{Username: "bob", Password: testPassword}))
	_, err := srv.SignIn(context.Background(), "bob", testPassword)
	if err == nil || !strings.Contains(err.Error(), "AddClient") {
		t.Errorf("SignIn error = %v, want one that names AddClient", err)
	}
}

// An e-mail sign-in with a client secret failed at the second step when the
// client computed that step's SECRET_HASH over the typed e-mail (as
// cognito-srp v4.0.0 did): the hash must cover the internal USERNAME.
func TestAnswerSecretHashOverTypedEmailRejected(t *testing.T) {
	f := newFixture(t, Options{})
	csrp, err := cognitosrp.NewCognitoSRP(aliceEmail, testPassword, f.srv.PoolID, testSecretID, aws.String(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	attempt := func(hashName string) error {
		t.Helper()
		initOut, err := f.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
			AuthFlow:       types.AuthFlowTypeUserSrpAuth,
			ClientId:       aws.String(testSecretID),
			AuthParameters: csrp.GetAuthParams(),
		})
		if err != nil {
			t.Fatalf("InitiateAuth: %v", err)
		}
		responses, err := csrp.PasswordVerifierChallenge(initOut.ChallengeParameters, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		responses["SECRET_HASH"] = testSecretHash(testSecret, hashName, testSecretID)
		_, err = f.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ChallengeName:      types.ChallengeNameTypePasswordVerifier,
			ClientId:           aws.String(testSecretID),
			ChallengeResponses: responses,
		})
		return err
	}
	assertCode(t, attempt(aliceEmail), CodeNotAuthorized, "Unable to verify secret hash for client "+testSecretID)
	if err := attempt(aliceID); err != nil {
		t.Errorf("answer with SECRET_HASH over the internal name: %v", err)
	}
}

// A client that computed the password hash with the typed e-mail instead
// of USER_ID_FOR_SRP got "Incorrect username or password." for every e-mail
// sign-in, because the verifier is keyed on the internal username.
func TestProofWithTypedEmailRejected(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	params := f.mustChallenge(t, c, testClientID, aliceEmail)
	wrong := map[string]string{}
	for k, v := range params {
		wrong[k] = v
	}
	wrong["USER_ID_FOR_SRP"] = aliceEmail
	responses := c.answer(t, wrong, testPassword, canonicalTimestamp(time.Now()), testClientID, "")
	responses["USERNAME"] = aliceID
	_, err := f.respond(t, testClientID, responses)
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)

	out, err := f.signInWithTestClient(t, testClientID, aliceEmail, testPassword)
	assertTokens(t, out, err)
}

// The .NET client failed against an emulator whose challenge lacked
// USERNAME, and others returned a Session or echoed the typed name; Cognito
// returns exactly these five parameters, both names internal, no Session.
func TestChallengeParametersMatchCognito(t *testing.T) {
	f := newFixture(t, Options{})
	c := newTestClient(t, f.srv.PoolID, nil)
	out, err := f.initiate(t, c, testSecretID, aliceEmail)
	if err != nil {
		t.Fatal(err)
	}
	if out.Session != nil {
		t.Errorf("PASSWORD_VERIFIER challenge has a Session %q; Cognito sends none", aws.ToString(out.Session))
	}
	want := []string{"SALT", "SECRET_BLOCK", "SRP_B", "USERNAME", "USER_ID_FOR_SRP"}
	if len(out.ChallengeParameters) != len(want) {
		t.Errorf("challenge parameters = %v, want exactly %v", keys(out.ChallengeParameters), want)
	}
	for _, k := range want {
		if out.ChallengeParameters[k] == "" {
			t.Errorf("challenge parameter %s is missing", k)
		}
	}
	for _, k := range []string{"USERNAME", "USER_ID_FOR_SRP"} {
		if got := out.ChallengeParameters[k]; got != aliceID {
			t.Errorf("%s = %q, want internal name %q", k, got, aliceID)
		}
	}
	if got := out.ChallengeParameters["SRP_B"]; got != strings.ToLower(got) || strings.HasPrefix(got, "0") {
		t.Errorf("SRP_B %q is not unpadded lower-case hex", got[:8])
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestConcurrentSignIns(t *testing.T) {
	f := newFixture(t, Options{})
	errs := make(chan error, 8)
	for i := 0; i < cap(errs); i++ {
		name := "bob"
		if i%2 == 1 {
			name = aliceEmail
		}
		go func() {
			var err error
			for j := 0; j < 3 && err == nil; j++ {
				_, err = f.srv.SignIn(context.Background(), name, testPassword)
			}
			errs <- err
		}()
	}
	for i := 0; i < cap(errs); i++ {
		if err := <-errs; err != nil {
			t.Errorf("concurrent sign-in: %v", err)
		}
	}
	if got := f.srv.Count(OpRespondToAuthChallenge); got != 24 {
		t.Errorf("Count(RespondToAuthChallenge) = %d, want 24", got)
	}
}
