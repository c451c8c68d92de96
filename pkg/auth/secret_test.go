package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

var secretSeq atomic.Int64

// secretsClient returns a Secrets Manager client for the shared moto_server.
func secretsClient(t *testing.T) *secretsmanager.Client {
	t.Helper()
	endpoint := testenv.Moto(t)
	return secretsmanager.NewFromConfig(testenv.AWSConfig(t), func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(endpoint)
	})
}

// createSecret creates a secret with a unique name and returns the name.
func createSecret(t *testing.T, sm *secretsmanager.Client, in secretsmanager.CreateSecretInput) string {
	t.Helper()
	name := fmt.Sprintf("skylark/test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), secretSeq.Add(1))
	in.Name = &name
	if _, err := sm.CreateSecret(context.Background(), &in); err != nil {
		t.Fatalf("CreateSecret %s: %v", name, err)
	}
	return name
}

// countingSecrets counts GetSecretValue calls and can fail them.
type countingSecrets struct {
	SecretsManagerAPI
	calls atomic.Int64
	delay time.Duration
	fail  atomic.Pointer[error]
}

func (c *countingSecrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput,
	opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c.calls.Add(1)
	time.Sleep(c.delay)
	if err := c.fail.Load(); err != nil {
		return nil, *err
	}
	return c.SecretsManagerAPI.GetSecretValue(ctx, in, opts...)
}

func TestSecretCredentialsParse(t *testing.T) {
	sm := secretsClient(t)
	tests := []struct {
		name string
		json string
		want Credentials
	}{
		{"with client secret", `{"username":"svc","password":"pw-1","client_secret":"cs-1"}`,
			Credentials{Username: "svc", Password: "pw-1", ClientSecret: "cs-1"}},
		{"without client secret", `{"username":"svc","password":"pw-1"}`,
			Credentials{Username: "svc", Password: "pw-1"}},
		{"empty client secret", `{"username":"svc","password":"pw-1","client_secret":""}`,
			Credentials{Username: "svc", Password: "pw-1"}},
		{"null client secret", `{"username":"svc","password":"pw-1","client_secret":null}`,
			Credentials{Username: "svc", Password: "pw-1"}},
		{"extra keys and spaces", ` {"engine":"x","username":"svc@example.com","password":" p w ","port":5432} `,
			Credentials{Username: "svc@example.com", Password: " p w "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := createSecret(t, sm, secretsmanager.CreateSecretInput{SecretString: aws.String(tt.json)})
			got, err := NewSecretCredentials(sm, id).Credentials(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Credentials() = %#v, want %#v", got, tt.want)
			}
			if (got.clientSecret() == nil) != (tt.want.ClientSecret == "") {
				t.Errorf("clientSecret() = %v, want nil exactly when there is no secret", got.clientSecret())
			}
		})
	}
}

func TestSecretCredentialsErrors(t *testing.T) {
	sm := secretsClient(t)
	const pw = "hunter2-secret-value"
	tests := []struct {
		name   string
		create *secretsmanager.CreateSecretInput // nil: the secret does not exist
		hints  []string
	}{
		{"missing secret", nil, []string{"not found", "check the secret name or ARN"}},
		{"plain text", &secretsmanager.CreateSecretInput{SecretString: aws.String(pw)},
			[]string{"is not a JSON object"}},
		{"broken JSON", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"username":"svc","password":"` + pw)},
			[]string{"is not valid JSON", "syntax error at byte"}},
		{"JSON array", &secretsmanager.CreateSecretInput{SecretString: aws.String(`["svc","` + pw + `"]`)},
			[]string{"is not a JSON object"}},
		{"binary only", &secretsmanager.CreateSecretInput{SecretBinary: []byte(`{"username":"svc","password":"` + pw + `"}`)},
			[]string{"only a binary value (SecretBinary)"}},
		{"missing username", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"password":"` + pw + `"}`)},
			[]string{`has no "username" key`}},
		{"missing password", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"username":"svc"}`)},
			[]string{`has no "password" key`}},
		{"empty password", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"username":"svc","password":""}`)},
			[]string{`the value of "password" is empty`}},
		{"numeric password", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"username":"svc","password":12345678}`)},
			[]string{`the value of "password" is not a JSON string`}},
		{"numeric client secret", &secretsmanager.CreateSecretInput{SecretString: aws.String(`{"username":"svc","password":"` + pw + `","client_secret":42}`)},
			[]string{`the value of "client_secret" is not a JSON string`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "skylark/does-not-exist-" + fmt.Sprint(secretSeq.Add(1))
			if tt.create != nil {
				id = createSecret(t, sm, *tt.create)
			}
			_, err := NewSecretCredentials(sm, id).Credentials(context.Background())
			e := assertAuthError(t, err, ErrSecret, errCodeFor(tt.create), false, append(tt.hints, fmt.Sprintf("%q", id))...)
			assertNoSecrets(t, e, pw, "hunter2", "12345678")
		})
	}
}

func errCodeFor(create *secretsmanager.CreateSecretInput) string {
	if create == nil {
		return "ResourceNotFoundException"
	}
	return ""
}

func TestSecretCredentialsRefresh(t *testing.T) {
	sm := secretsClient(t)
	id := createSecret(t, sm, secretsmanager.CreateSecretInput{
		SecretString: aws.String(`{"username":"svc","password":"old-password"}`),
	})
	api := &countingSecrets{SecretsManagerAPI: sm}
	clock := newFakeClock()
	c := NewSecretCredentials(api, id, WithRefreshInterval(10*time.Minute), WithSecretClock(clock.Now))
	ctx := context.Background()

	assertPassword(t, c, "old-password")
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: &id, SecretString: aws.String(`{"username":"svc","password":"new-password"}`),
	}); err != nil {
		t.Fatal(err)
	}

	clock.Advance(9 * time.Minute)
	assertPassword(t, c, "old-password")
	if n := api.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue called %d times within the interval, want 1", n)
	}

	clock.Advance(time.Minute)
	assertPassword(t, c, "new-password")
	if n := api.calls.Load(); n != 2 {
		t.Errorf("GetSecretValue called %d times, want 2", n)
	}

	c.Invalidate()
	assertPassword(t, c, "new-password")
	if n := api.calls.Load(); n != 3 {
		t.Errorf("GetSecretValue called %d times after Invalidate, want 3", n)
	}
}

func TestSecretCredentialsSingleFlight(t *testing.T) {
	sm := secretsClient(t)
	id := createSecret(t, sm, secretsmanager.CreateSecretInput{
		SecretString: aws.String(`{"username":"svc","password":"pw"}`),
	})
	api := &countingSecrets{SecretsManagerAPI: sm, delay: 50 * time.Millisecond}
	c := NewSecretCredentials(api, id)

	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Credentials(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := api.calls.Load(); n != 1 {
		t.Errorf("GetSecretValue called %d times by 50 concurrent callers, want 1", n)
	}
}

func TestSecretCredentialsKeepsValueOnTemporaryFailure(t *testing.T) {
	sm := secretsClient(t)
	id := createSecret(t, sm, secretsmanager.CreateSecretInput{
		SecretString: aws.String(`{"username":"svc","password":"pw"}`),
	})
	api := &countingSecrets{SecretsManagerAPI: sm}
	clock := newFakeClock()
	c := NewSecretCredentials(api, id, WithRefreshInterval(time.Minute), WithSecretClock(clock.Now))

	assertPassword(t, c, "pw")
	var failure error = &smithy.GenericAPIError{Code: "InternalServiceError", Message: "try again"}
	api.fail.Store(&failure)
	clock.Advance(2 * time.Minute)
	assertPassword(t, c, "pw")
	// The next read is due after staleRetry, not the full interval.
	clock.Advance(staleRetry)
	assertPassword(t, c, "pw")
	if n := api.calls.Load(); n != 3 {
		t.Errorf("GetSecretValue called %d times, want 3", n)
	}

	// Without a value to fall back on, the error is returned.
	fresh := NewSecretCredentials(api, id)
	_, err := fresh.Credentials(context.Background())
	assertAuthError(t, err, ErrUnavailable, "InternalServiceError", true, fmt.Sprintf("%q", id))
}

func assertPassword(t *testing.T, c *SecretCredentials, want string) {
	t.Helper()
	got, err := c.Credentials(context.Background())
	if err != nil {
		t.Fatalf("Credentials: %v", err)
	}
	if got.Password != want {
		t.Errorf("password is the %s one, want the %s one", describe(got.Password), describe(want))
	}
}

// describe names the test passwords without printing them.
func describe(pw string) string {
	return strings.TrimSuffix(pw, "-password")
}

// End to end: credentials from Secrets Manager, sign-in against the
// emulator. A secret without client_secret for an app client that has one
// is a configuration error that names the missing key.
func TestSignInWithSecretsManagerCredentials(t *testing.T) {
	sm := secretsClient(t)
	tests := []struct {
		name    string
		secret  string
		wantErr bool
	}{
		{"complete secret", `{"username":"` + testEmail + `","password":"` + testPassword + `","client_secret":"` + testClientSecret + `"}`, false},
		{"client_secret missing", `{"username":"` + testEmail + `","password":"` + testPassword + `"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, poolOptions{
				secret: testClientSecret,
				user:   cognitotestUserWithEmail(),
			})
			id := createSecret(t, sm, secretsmanager.CreateSecretInput{SecretString: aws.String(tt.secret)})
			s := p.source(t, NewSecretCredentials(sm, id))

			tok, err := s.Token(context.Background())
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if tok.IDToken == "" {
					t.Fatal("empty ID token")
				}
				return
			}
			e := assertAuthError(t, err, ErrMisconfigured, "NotAuthorizedException", false, `add "client_secret"`)
			assertNoSecrets(t, e, testPassword, testClientSecret)
		})
	}
}
