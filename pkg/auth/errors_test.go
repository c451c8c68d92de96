package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/smithy-go"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

func TestTemporaryFailuresRetried(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		fault cognitotest.Fault
		want  Stats
	}{
		{"throttled InitiateAuth", cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(2), Stats{SignIns: 3}},
		{"InternalErrorException", cognitotest.OpInitiateAuth, cognitotest.InternalErrorFault(1), Stats{SignIns: 2}},
		{"HTTP 503 without a known code", cognitotest.OpInitiateAuth,
			cognitotest.Fault{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable, Times: 1}, Stats{SignIns: 2}},
		// The answer's SECRET_BLOCK is single-use, so a retry starts again
		// from InitiateAuth with a new ephemeral.
		{"throttled RespondToAuthChallenge", cognitotest.OpRespondToAuthChallenge, cognitotest.ThrottleFault(1), Stats{SignIns: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, poolOptions{})
			must(t, p.srv.InjectFault(tt.op, tt.fault))
			s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

			mustToken(t, s, context.Background())
			assertStats(t, s, tt.want)
		})
	}
}

func TestThrottlingGivesUpAtDeadline(t *testing.T) {
	p := newPool(t, poolOptions{})
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(0)))
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Token(ctx)
	elapsed := time.Since(start)

	// The retry loop stops before a wait would run into the deadline, so
	// the caller gets the throttling error, not its own context's.
	e := assertAuthError(t, err, ErrThrottled, "TooManyRequestsException", true, "throttled")
	if e.RetryAfter() <= 0 {
		t.Errorf("RetryAfter() = %s, want > 0", e.RetryAfter())
	}
	if elapsed >= 400*time.Millisecond {
		t.Errorf("Token returned after %s, not before the 400 ms deadline", elapsed)
	}
	if n := s.Stats().SignIns; n < 1 || n > maxAttempts {
		t.Errorf("SignIns = %d, want 1..%d", n, maxAttempts)
	}
}

func TestLimitExceededNotRetried(t *testing.T) {
	p := newPool(t, poolOptions{})
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.Fault{Code: cognitotest.CodeLimitExceeded, Times: 1}))
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	_, err := s.Token(context.Background())
	e := assertAuthError(t, err, ErrThrottled, "LimitExceededException", true, "attempt limit")
	if e.RetryAfter() != limitRetryAfter {
		t.Errorf("RetryAfter() = %s, want %s", e.RetryAfter(), limitRetryAfter)
	}
	assertStats(t, s, Stats{SignIns: 1})
}

func TestConnectionFailureIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now

	s, err := NewTokenSource(Config{
		UserPoolID: testPoolID,
		ClientID:   testClientID,
		Cognito: cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
			Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1}),
		Credentials: StaticCredentials{Username: testUser, Password: testPassword},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Token(context.Background())
	assertAuthError(t, err, ErrUnavailable, "", true, "failed to reach the service")
	assertStats(t, s, Stats{SignIns: maxAttempts})
}

func TestPermanentErrorsClassified(t *testing.T) {
	tests := []struct {
		name   string
		client cognitotest.Client
		user   cognitotest.User
		setup  func(*testing.T, *cognitotest.Server)
		creds  Credentials
		config func(*Config)
		kind   error
		code   string
		hints  []string
	}{
		{
			name:  "unknown app client",
			creds: Credentials{Username: testUser, Password: testPassword},
			config: func(c *Config) {
				c.ClientID = "unknownclient0000000000000"
			},
			kind:  ErrMisconfigured,
			code:  "ResourceNotFoundException",
			hints: []string{"app client unknownclient0000000000000 not found", "check the pool id, the client id and the region"},
		},
		{
			name:   "USER_SRP_AUTH not enabled",
			client: cognitotest.Client{ID: testClientID, ExplicitAuthFlows: []string{cognitotest.FlowAllowRefreshTokenAuth}},
			creds:  Credentials{Username: testUser, Password: testPassword},
			kind:   ErrMisconfigured,
			code:   "InvalidParameterException",
			hints:  []string{"enable ALLOW_USER_SRP_AUTH on app client " + testClientID},
		},
		{
			name:  "unknown user",
			creds: Credentials{Username: "nobody", Password: testPassword},
			kind:  ErrInvalidCredentials,
			code:  "UserNotFoundException",
			hints: []string{`user "nobody" does not exist in user pool ` + testPoolID},
		},
		{
			name:  "user pool id of another pool",
			creds: Credentials{Username: testUser, Password: testPassword},
			config: func(c *Config) {
				c.UserPoolID = "us-east-1_OtherPool"
			},
			kind:  ErrInvalidCredentials,
			code:  "NotAuthorizedException",
			hints: []string{"password proof", "or the user pool id us-east-1_OtherPool"},
		},
		{
			name:  "disabled user",
			setup: func(t *testing.T, s *cognitotest.Server) { must(t, s.DisableUser(testUser)) },
			creds: Credentials{Username: testUser, Password: testPassword},
			kind:  ErrInvalidCredentials,
			code:  "NotAuthorizedException",
			hints: []string{"is disabled", "enable it"},
		},
		{
			name:  "password reset required",
			user:  cognitotest.User{Username: testUser, Password: testPassword, Status: cognitotest.StatusResetRequired},
			creds: Credentials{Username: testUser, Password: testPassword},
			kind:  ErrPasswordResetRequired,
			code:  "PasswordResetRequiredException",
			hints: []string{"must reset its password"},
		},
		{
			name:  "software token MFA",
			user:  cognitotest.User{Username: testUser, Password: testPassword, MFA: cognitotest.MFASoftwareToken},
			creds: Credentials{Username: testUser, Password: testPassword},
			kind:  ErrChallengeUnsupported,
			code:  "SOFTWARE_TOKEN_MFA",
			hints: []string{"MFA challenge (SOFTWARE_TOKEN_MFA)", "turn MFA off"},
		},
		{
			name:  "SMS MFA",
			user:  cognitotest.User{Username: testUser, Password: testPassword, MFA: cognitotest.MFASMS},
			creds: Credentials{Username: testUser, Password: testPassword},
			kind:  ErrChallengeUnsupported,
			code:  "SMS_MFA",
			hints: []string{"MFA challenge (SMS_MFA)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			srv := cognitotest.NewServer(t, cognitotest.Options{PoolID: testPoolID, Now: clock.Now})
			client := tt.client
			if client.ID == "" {
				client.ID = testClientID
			}
			must(t, srv.AddClient(client))
			user := tt.user
			if user.Username == "" {
				user = cognitotest.User{Username: testUser, Password: testPassword}
			}
			must(t, srv.AddUser(user))
			if tt.setup != nil {
				tt.setup(t, srv)
			}
			p := &pool{srv: srv, clock: clock}
			s := p.source(t, StaticCredentials(tt.creds), func(c *Config) {
				if tt.config != nil {
					tt.config(c)
				}
			})

			_, err := s.Token(context.Background())
			e := assertAuthError(t, err, tt.kind, tt.code, false, tt.hints...)
			if e.RetryAfter() != 0 {
				t.Errorf("RetryAfter() = %s, want 0", e.RetryAfter())
			}
			assertNoSecrets(t, e, testPassword)
			assertStats(t, s, Stats{SignIns: 1})
		})
	}
}

func TestErrorOutputHidesEchoedSecrets(t *testing.T) {
	// An endpoint that echoes every parameter it received in its error
	// message, as a hostile or buggy proxy might.
	echo := func(params map[string]any) (int, any) {
		return scriptError("NotAuthorizedException", fmt.Sprint(params))
	}
	fake := newScriptedCognito(t, map[string]func(map[string]any) (int, any){"InitiateAuth": echo})
	s, err := NewTokenSource(Config{
		UserPoolID:  testPoolID,
		ClientID:    testClientID,
		Cognito:     fake.client(),
		Credentials: StaticCredentials{Username: testUser, Password: testPassword, ClientSecret: testClientSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Token(context.Background())
	if err == nil {
		t.Fatal("Token succeeded against an endpoint that rejects everything")
	}
	assertNoSecrets(t, err, testPassword, testClientSecret, secretHash(testClientSecret, testUser, testClientID))
	if !strings.Contains(err.Error(), redacted) {
		t.Errorf("error %q does not show that a value was removed", err)
	}
}

func TestErrorUnwrapsToSDKError(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: "wrong-password-4"})

	_, err := s.Token(context.Background())
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("errors.As(%v, smithy.APIError) = false", err)
	}
	if apiErr.ErrorCode() != "NotAuthorizedException" {
		t.Errorf("ErrorCode() = %q, want NotAuthorizedException", apiErr.ErrorCode())
	}
	var temp interface{ Temporary() bool }
	if !errors.As(err, &temp) || temp.Temporary() {
		t.Error("error does not report Temporary() = false through errors.As")
	}
}

func TestRedactedFormatting(t *testing.T) {
	creds := Credentials{Username: testUser, Password: testPassword, ClientSecret: testClientSecret}
	tok := &Token{IDToken: "eyJ.id-token-value.sig", AccessToken: "eyJ.access-token-value.sig",
		Expiry: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	secrets := []string{testPassword, testClientSecret, tok.IDToken, tok.AccessToken}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		outputs = append(outputs,
			fmt.Sprintf(verb, creds), fmt.Sprintf(verb, &creds), fmt.Sprintf(verb, StaticCredentials(creds)),
			fmt.Sprintf(verb, tok), fmt.Sprintf(verb, *tok))
	}
	var logged strings.Builder
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("values", "creds", creds, "token", tok)
	outputs = append(outputs, logged.String())

	for _, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("output %q contains a secret value", out)
			}
		}
	}
	if got := creds.String(); !strings.Contains(got, testUser) {
		t.Errorf("String() = %q, want the username in it", got)
	}
	if got := tok.String(); !strings.Contains(got, "2026-01-02T03:04:05Z") {
		t.Errorf("String() = %q, want the expiry in it", got)
	}
}

// credentialsFunc adapts a function to CredentialsProvider.
type credentialsFunc func(context.Context) (Credentials, error)

func (f credentialsFunc) Credentials(ctx context.Context) (Credentials, error) { return f(ctx) }

func TestCredentialsProviderFailures(t *testing.T) {
	tests := []struct {
		name      string
		provider  credentialsFunc
		kind      error
		temporary bool
		hint      string
	}{
		{"slow provider times out", func(ctx context.Context) (Credentials, error) {
			<-ctx.Done()
			return Credentials{}, ctx.Err()
		}, ErrUnavailable, true, "Credentials timed out"},
		{"plain error", func(context.Context) (Credentials, error) {
			return Credentials{}, errors.New("vault sealed")
		}, ErrSecret, false, "read credentials: vault sealed"},
		{"empty username", func(context.Context) (Credentials, error) {
			return Credentials{Password: testPassword}, nil
		}, ErrSecret, false, "empty username"},
		{"empty password", func(context.Context) (Credentials, error) {
			return Credentials{Username: testUser}, nil
		}, ErrSecret, false, `credentials for user "svc-skylark" have an empty password`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, poolOptions{})
			s := p.source(t, tt.provider, func(c *Config) { c.FetchTimeout = 50 * time.Millisecond })

			_, err := s.Token(context.Background())
			assertAuthError(t, err, tt.kind, "", tt.temporary, tt.hint)
			assertCounts(t, p, 0, 0)
		})
	}
}

func TestHandBuiltErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Op: "InitiateAuth", Code: "NotAuthorizedException"}, "auth: InitiateAuth NotAuthorizedException"},
		{&Error{Op: "GetSecretValue", Err: errors.New("boom")}, "auth: GetSecretValue: boom"},
		{&Error{}, "auth:"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if got := fmt.Sprintf("%v", tt.err); got != tt.want {
				t.Errorf("%%v = %q, want %q", got, tt.want)
			}
		})
	}
}
