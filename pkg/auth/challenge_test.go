package auth

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// malformedChallenges are PASSWORD_VERIFIER parameter sets that a broken or
// hostile endpoint could send, each with a part of the expected error.
func malformedChallenges() []struct {
	name string
	edit func(map[string]string)
	hint string
} {
	nHex := strings.ToLower(srpGroupPrimeHex)
	return []struct {
		name string
		edit func(map[string]string)
		hint string
	}{
		{"empty SALT", func(p map[string]string) { p["SALT"] = "" }, "SALT is missing"},
		{"non-hex SALT", func(p map[string]string) { p["SALT"] = "c0ffeeZZ" }, "SALT \"c0ffeeZZ\" is not hexadecimal"},
		{"negative SALT", func(p map[string]string) { p["SALT"] = "-1f2e3d4c" }, "SALT \"-1f2e3d4c\" is negative"},
		{"huge SALT", func(p map[string]string) { p["SALT"] = strings.Repeat("a", 5000) }, "SALT has 5000 hex digits"},
		{"missing SRP_B", func(p map[string]string) { delete(p, "SRP_B") }, "SRP_B is missing"},
		{"SRP_B zero", func(p map[string]string) { p["SRP_B"] = "0" }, "SRP_B is 0 modulo N"},
		{"SRP_B zeros", func(p map[string]string) { p["SRP_B"] = "0000" }, "SRP_B is 0 modulo N"},
		{"SRP_B equal to N", func(p map[string]string) { p["SRP_B"] = nHex }, "SRP_B is 0 modulo N"},
		{"SRP_B equal to N upper case", func(p map[string]string) { p["SRP_B"] = srpGroupPrimeHex }, "SRP_B is 0 modulo N"},
		{"SRP_B non-hex", func(p map[string]string) { p["SRP_B"] = "12 34" }, "SRP_B \"12 34\" is not hexadecimal"},
		{"SRP_B with 0x prefix", func(p map[string]string) { p["SRP_B"] = "0x1234" }, "is not hexadecimal"},
		{"SRP_B negative", func(p map[string]string) { p["SRP_B"] = "-1234" }, "SRP_B \"-1234\" is negative"},
		{"SRP_B huge", func(p map[string]string) { p["SRP_B"] = strings.Repeat("f", 1<<20) }, "SRP_B has 1048576 hex digits"},
		{"SECRET_BLOCK missing", func(p map[string]string) { delete(p, "SECRET_BLOCK") }, "SECRET_BLOCK is missing"},
		{"SECRET_BLOCK not base64", func(p map[string]string) { p["SECRET_BLOCK"] = "not base64!" }, "SECRET_BLOCK is not standard base64"},
		{"SECRET_BLOCK huge", func(p map[string]string) { p["SECRET_BLOCK"] = strings.Repeat("QUFB", 50000) }, "SECRET_BLOCK is 200000 bytes long"},
		{"USER_ID_FOR_SRP missing", func(p map[string]string) { delete(p, "USER_ID_FOR_SRP") }, "USER_ID_FOR_SRP is missing"},
		{"USERNAME missing", func(p map[string]string) { delete(p, "USERNAME") }, "USERNAME is missing"},
		{"USERNAME huge", func(p map[string]string) { p["USERNAME"] = strings.Repeat("u", 4096) }, "USERNAME is 4096 bytes long"},
	}
}

func TestValidateChallenge(t *testing.T) {
	csrp, err := newSRP(Credentials{Username: testUser, Password: testPassword}, testPoolID, testClientID)
	if err != nil {
		t.Fatal(err)
	}
	srpA := csrp.GetAuthParams()["SRP_A"]

	if err := validateChallenge(validChallenge(), srpA); err != nil {
		t.Fatalf("valid challenge rejected: %v", err)
	}
	for _, tt := range malformedChallenges() {
		t.Run(tt.name, func(t *testing.T) {
			params := maps.Clone(validChallenge())
			tt.edit(params)
			err := validateChallenge(params, srpA)
			assertAuthError(t, err, nil, "PASSWORD_VERIFIER", false, "invalid PASSWORD_VERIFIER challenge", tt.hint)
		})
	}
}

// The checks above exist because the library panics on these values; the
// recover is the second line of defence.
func TestAnswerPasswordVerifierRecoversPanic(t *testing.T) {
	csrp, err := newSRP(Credentials{Username: testUser, Password: testPassword}, testPoolID, testClientID)
	if err != nil {
		t.Fatal(err)
	}
	params := validChallenge()
	params["SRP_B"] = "not-hex"

	answer, err := answerPasswordVerifier(csrp, params, time.Now())
	if answer != nil {
		t.Errorf("answer = %v, want nil", answer)
	}
	assertAuthError(t, err, nil, "", false, "cognito-srp panicked")
}

func TestHostileChallengeEndsInError(t *testing.T) {
	for _, tt := range malformedChallenges() {
		t.Run(tt.name, func(t *testing.T) {
			params := maps.Clone(validChallenge())
			tt.edit(params)
			fake := newScriptedCognito(t, map[string]func(map[string]any) (int, any){
				"InitiateAuth": challengeAnswer(params),
			})
			s := newScriptedSource(t, fake)

			_, err := s.Token(context.Background())
			assertAuthError(t, err, nil, "PASSWORD_VERIFIER", false, tt.hint)
			if n := fake.count("InitiateAuth"); n != 1 {
				t.Errorf("InitiateAuth sent %d times, want 1 (no retry)", n)
			}
			if n := fake.count("RespondToAuthChallenge"); n != 0 {
				t.Errorf("RespondToAuthChallenge sent %d times, want 0", n)
			}
		})
	}
}

func TestHostileEndpointResponses(t *testing.T) {
	tests := []struct {
		name   string
		answer func(map[string]any) (int, any)
		kind   error
		code   string
		hint   string
	}{
		{"no challenge and no tokens", func(map[string]any) (int, any) {
			return http.StatusOK, map[string]any{}
		}, nil, "", "neither tokens nor a challenge"},
		{"unknown challenge", func(map[string]any) (int, any) {
			return http.StatusOK, map[string]any{"ChallengeName": "SOMETHING_NEW", "Session": "s"}
		}, ErrChallengeUnsupported, "SOMETHING_NEW", "challenge SOMETHING_NEW"},
		{"tokens without ID token", func(map[string]any) (int, any) {
			return http.StatusOK, map[string]any{"AuthenticationResult": map[string]any{"AccessToken": "x"}}
		}, nil, "", "no ID token"},
		{"tokens without expiry", func(map[string]any) (int, any) {
			return http.StatusOK, map[string]any{"AuthenticationResult": map[string]any{"IdToken": "not-a-jwt"}}
		}, nil, "", "without an expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newScriptedCognito(t, map[string]func(map[string]any) (int, any){"InitiateAuth": tt.answer})
			s := newScriptedSource(t, fake)
			_, err := s.Token(context.Background())
			assertAuthError(t, err, tt.kind, tt.code, false, tt.hint)
			if n := fake.count("InitiateAuth"); n != 1 {
				t.Errorf("InitiateAuth sent %d times, want 1", n)
			}
		})
	}
}

func newScriptedSource(t *testing.T, fake *scriptedCognito) *TokenSource {
	t.Helper()
	s, err := NewTokenSource(Config{
		UserPoolID:  testPoolID,
		ClientID:    testClientID,
		Cognito:     fake.client(),
		Credentials: StaticCredentials{Username: testUser, Password: testPassword},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzValidateChallenge checks that validation and the library call never
// panic, and that a challenge which passes validation goes through the library
// without falling back on the recover.
func FuzzValidateChallenge(f *testing.F) {
	valid := validChallenge()
	f.Add(valid["SALT"], valid["SRP_B"], valid["SECRET_BLOCK"], valid["USERNAME"])
	f.Add("-1f", "0", "!!", "")
	f.Add("", strings.ToLower(srpGroupPrimeHex), "QQ==", "u")
	f.Add("0x10", "ffff", "QUJD", "alice@example.com")

	csrp, err := newSRP(Credentials{Username: testUser, Password: testPassword}, testPoolID, testClientID)
	if err != nil {
		f.Fatal(err)
	}
	srpA := csrp.GetAuthParams()["SRP_A"]
	now := time.Date(2026, 3, 5, 15, 4, 5, 0, time.UTC)

	f.Fuzz(func(t *testing.T, salt, srpB, secretBlock, username string) {
		params := map[string]string{
			"SALT": salt, "SRP_B": srpB, "SECRET_BLOCK": secretBlock,
			"USERNAME": username, "USER_ID_FOR_SRP": username,
		}
		if err := validateChallenge(params, srpA); err != nil {
			return
		}
		answer, err := answerPasswordVerifier(csrp, params, now)
		if err != nil {
			t.Fatalf("validated challenge failed in cognito-srp: %v", err)
		}
		if answer["PASSWORD_CLAIM_SIGNATURE"] == "" {
			t.Fatal("answer has no PASSWORD_CLAIM_SIGNATURE")
		}
	})
}
