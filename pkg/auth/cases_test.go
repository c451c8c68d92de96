package auth

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

// rotatingCredentials is a CredentialsProvider whose value a test changes,
// like a rotated secret. It counts Invalidate calls.
type rotatingCredentials struct {
	mu          sync.Mutex
	creds       Credentials
	invalidated int
}

func (r *rotatingCredentials) Credentials(context.Context) (Credentials, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.creds, nil
}

func (r *rotatingCredentials) Invalidate() {
	r.mu.Lock()
	r.invalidated++
	r.mu.Unlock()
}

func (r *rotatingCredentials) set(c Credentials) {
	r.mu.Lock()
	r.creds = c
	r.mu.Unlock()
}

// A remembered-device flow follows PASSWORD_VERIFIER with DEVICE_SRP_AUTH.
// The client does not implement it, so the result is a typed error and the
// password step is not retried.
func TestDeviceChallengeNotRetried(t *testing.T) {
	fake := newScriptedCognito(t, map[string]func(map[string]any) (int, any){
		"InitiateAuth": challengeAnswer(validChallenge()),
		"RespondToAuthChallenge": func(map[string]any) (int, any) {
			return http.StatusOK, map[string]any{
				"ChallengeName":       "DEVICE_SRP_AUTH",
				"Session":             "session-after-password-verifier",
				"ChallengeParameters": map[string]string{},
			}
		},
	})
	s := newScriptedSource(t, fake)

	for range 3 {
		_, err := s.Token(context.Background())
		assertAuthError(t, err, ErrChallengeUnsupported, "DEVICE_SRP_AUTH", false,
			"device authentication (DEVICE_SRP_AUTH)", "turn device tracking off")
	}
	if n := fake.count("InitiateAuth"); n != 1 {
		t.Errorf("InitiateAuth sent %d times, want 1", n)
	}
	if n := fake.count("RespondToAuthChallenge"); n != 1 {
		t.Errorf("RespondToAuthChallenge sent %d times, want 1", n)
	}
}

// A wrong password is never retried automatically, so a warm container
// cannot push the user into a growing lockout.
func TestWrongPasswordNotRetried(t *testing.T) {
	p := newPool(t, poolOptions{})
	creds := &rotatingCredentials{creds: Credentials{Username: testUser, Password: "wrong-password-1"}}
	s := p.source(t, creds)

	for range 4 {
		_, err := s.Token(context.Background())
		e := assertAuthError(t, err, ErrInvalidCredentials, "NotAuthorizedException", false,
			`user "svc-skylark"`, "Incorrect username or password.", "not retried automatically")
		assertNoSecrets(t, e, "wrong-password-1")
	}
	assertCounts(t, p, 1, 1)
	assertStats(t, s, Stats{SignIns: 1})
	if creds.invalidated != 1 {
		t.Errorf("credentials invalidated %d times, want 1", creds.invalidated)
	}

	// After the hold, one more attempt per hold period.
	p.clock.Advance(failureHold)
	_, err := s.Token(context.Background())
	assertAuthError(t, err, ErrInvalidCredentials, "NotAuthorizedException", false)
	assertCounts(t, p, 2, 2)

	// A rotated secret is used at once.
	creds.set(Credentials{Username: testUser, Password: testPassword})
	mustToken(t, s, context.Background())
	assertCounts(t, p, 3, 3)
}

// Token lifetime 300 s, refresh token 1 h, invocations at t = 0, 200, 260,
// 400 s: sign-in, cache hit, refresh, cache hit; and a second refresh at
// 520 s with the refresh token kept from the sign-in.
func TestLifetimeRefreshTimeline(t *testing.T) {
	p := newPool(t, poolOptions{tokenLifetime: 300 * time.Second})
	p.srv.SetTokenLifetimes(0, time.Hour)
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword},
		func(c *Config) { c.ExpiryWindow = time.Minute })
	start := p.clock.Now()

	steps := []struct {
		at        time.Duration
		want      Stats
		newToken  bool
		expiresAt time.Duration
	}{
		{0, Stats{SignIns: 1}, true, 300 * time.Second},
		{200 * time.Second, Stats{SignIns: 1}, false, 300 * time.Second},
		{260 * time.Second, Stats{SignIns: 1, Refreshes: 1}, true, 560 * time.Second},
		{400 * time.Second, Stats{SignIns: 1, Refreshes: 1}, false, 560 * time.Second},
		{520 * time.Second, Stats{SignIns: 1, Refreshes: 2}, true, 820 * time.Second},
	}
	var prev *Token
	for _, step := range steps {
		p.clock.Advance(start.Add(step.at).Sub(p.clock.Now()))
		tok := mustToken(t, s, context.Background())
		now := p.clock.Now()
		if !tok.Expiry.After(now) {
			t.Errorf("t=%s: handed out a token that expired at %s", step.at, tok.Expiry.Sub(start))
		}
		if got := tok.Expiry.Sub(start); got != step.expiresAt {
			t.Errorf("t=%s: token expires at t=%s, want t=%s", step.at, got, step.expiresAt)
		}
		if renewed := tok != prev; renewed != step.newToken {
			t.Errorf("t=%s: renewed = %v, want %v", step.at, renewed, step.newToken)
		}
		assertStats(t, s, step.want)
		prev = tok
	}
	assertCounts(t, p, 3, 1)
}

// testJWT returns an unsigned JWT with the given payload, enough for the
// claim parser, which does not verify signatures.
func testJWT(payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString([]byte(payload)) + ".sig"
}

// Expiry comes from exp (Unix seconds, so no time zone is involved) or from
// the time of receipt plus ExpiresIn, whichever is earlier.
func TestExpiryFromExpOrExpiresIn(t *testing.T) {
	const iat, exp = 1_700_000_000, 1_700_003_600
	idToken := testJWT(`{"iat":1700000000,"exp":1700003600,"cognito:username":"svc-skylark"}`)
	tests := []struct {
		name      string
		now       time.Time
		expiresIn int32
		idToken   string
		want      time.Time
	}{
		{"clock at iat+100", time.Unix(iat+100, 0), 3600, idToken, time.Unix(exp, 0)},
		{"clock at exp-100", time.Unix(exp-100, 0), 3600, idToken, time.Unix(exp, 0)},
		{"clock behind, ExpiresIn earlier", time.Unix(iat-600, 0), 3600, idToken, time.Unix(exp-600, 0)},
		{"no ExpiresIn", time.Unix(iat, 0), 0, idToken, time.Unix(exp, 0)},
		{"local time zone", time.Unix(iat+100, 0).In(time.FixedZone("UTC+5", 5*3600)), 3600, idToken, time.Unix(exp, 0)},
		{"opaque ID token", time.Unix(iat, 0), 3600, "opaque", time.Unix(iat+3600, 0)},
		{"float exp", time.Unix(iat, 0), 7200, testJWT(`{"exp":1700003600.0}`), time.Unix(exp, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, user, err := tokenFromResult("InitiateAuth", &types.AuthenticationResultType{
				IdToken: &tt.idToken, ExpiresIn: tt.expiresIn,
			}, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if !tok.Expiry.Equal(tt.want) {
				t.Errorf("Expiry = %s, want %s", tok.Expiry.UTC(), tt.want.UTC())
			}
			if tt.idToken == idToken && user != testUser {
				t.Errorf("cognito:username = %q, want %q", user, testUser)
			}
		})
	}
}

// With the container clock an hour ahead of Cognito's, every token looks
// expired on arrival. Each invocation still makes at most one request and
// gets a token; nothing loops.
func TestClockAheadRefreshesOncePerCall(t *testing.T) {
	p := newPool(t, poolOptions{})
	ahead := func() time.Time { return p.clock.Now().Add(time.Hour) }
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword},
		func(c *Config) { c.Now = ahead })

	mustToken(t, s, context.Background())
	assertStats(t, s, Stats{SignIns: 1})
	for i := 1; i <= 3; i++ {
		mustToken(t, s, context.Background())
		assertStats(t, s, Stats{SignIns: 1, Refreshes: int64(i)})
	}
	assertCounts(t, p, 4, 1)
}

// An admin-created user with a temporary password gets
// NEW_PASSWORD_REQUIRED after a valid proof: a clear error, no retry.
func TestNewPasswordRequired(t *testing.T) {
	p := newPool(t, poolOptions{
		secret: testClientSecret,
		user: cognitotest.User{Username: testUUIDUser, Password: testPassword, Email: testEmail,
			Status: cognitotest.StatusForceChangePassword},
	})
	s := p.source(t, StaticCredentials{Username: testEmail, Password: testPassword, ClientSecret: testClientSecret})

	_, err := s.Token(context.Background())
	e := assertAuthError(t, err, ErrChallengeUnsupported, "NEW_PASSWORD_REQUIRED", false,
		"password change required", "admin-set-user-password --permanent")
	assertNoSecrets(t, e, testPassword, testClientSecret)
	assertCounts(t, p, 1, 1)
	assertStats(t, s, Stats{SignIns: 1})
}

// An unconfirmed user gets UserNotConfirmedException with the right and
// with a wrong password; both are permanent errors.
func TestUserNotConfirmed(t *testing.T) {
	for _, password := range []string{testPassword, "wrong-password-2"} {
		t.Run(password, func(t *testing.T) {
			p := newPool(t, poolOptions{user: cognitotest.User{
				Username: testUser, Password: testPassword, Status: cognitotest.StatusUnconfirmed,
			}})
			s := p.source(t, StaticCredentials{Username: testUser, Password: password})

			_, err := s.Token(context.Background())
			assertAuthError(t, err, ErrUserNotConfirmed, "UserNotConfirmedException", false,
				"is not confirmed", "admin-confirm-sign-up")
			assertStats(t, s, Stats{SignIns: 1})
		})
	}
}

// An expired refresh token leads to exactly one full SRP sign-in.
func TestExpiredRefreshTokenOneSignIn(t *testing.T) {
	p := newPool(t, poolOptions{})
	p.srv.SetTokenLifetimes(0, time.Hour)
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	mustToken(t, s, context.Background())
	p.clock.Advance(61 * time.Minute)
	mustToken(t, s, context.Background())

	assertStats(t, s, Stats{SignIns: 2, Refreshes: 1})
	assertCounts(t, p, 3, 2)
}

// When the sign-in after a rejected refresh token fails too, the source
// does not go back and forth between the two.
func TestRejectedRefreshThenWrongPassword(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	mustToken(t, s, context.Background())
	p.srv.RevokeRefreshTokens(testUser)
	must(t, p.srv.SetPassword(testUser, "changed-password-3"))
	p.clock.Advance(59 * time.Minute)

	_, err := s.Token(context.Background())
	assertAuthError(t, err, ErrInvalidCredentials, "NotAuthorizedException", false)
	_, err = s.Token(context.Background())
	assertAuthError(t, err, ErrInvalidCredentials, "NotAuthorizedException", false)
	assertStats(t, s, Stats{SignIns: 2, Refreshes: 1})
}

// An app client with a secret and credentials without client_secret end in
// a configuration error that names the missing key.
func TestClientSecretMissingFromCredentials(t *testing.T) {
	p := newPool(t, poolOptions{secret: testClientSecret})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	_, err := s.Token(context.Background())
	assertAuthError(t, err, ErrMisconfigured, "NotAuthorizedException", false,
		"app client "+testClientID+" has a client secret", `add "client_secret"`)
	assertStats(t, s, Stats{SignIns: 1})
}

func TestWrongClientSecret(t *testing.T) {
	p := newPool(t, poolOptions{secret: testClientSecret})
	const wrong = "wrong-client-secret-0123456789"
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword, ClientSecret: wrong})

	_, err := s.Token(context.Background())
	e := assertAuthError(t, err, ErrMisconfigured, "NotAuthorizedException", false,
		"rejected the secret hash", `check that "client_secret"`)
	assertNoSecrets(t, e, wrong, testPassword, secretHash(wrong, testUser, testClientID))
}
