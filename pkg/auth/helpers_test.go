package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Test fixtures. The values are made up.
const (
	testPoolID       = "us-east-1_Local1"
	testClientID     = "3n4clientid5example6"
	testClientSecret = "client-secret-7f3a9c2e5b1d8f4a6c0e9b7d5a3f1c8e"
	testUser         = "svc-skylark"
	testEmail        = "svc-skylark@example.com"
	testUUIDUser     = "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f0a7b13"
	testPassword     = "Correct-Horse-9!"
)

// fakeClock is a clock that tests move by hand. It starts at a fixed instant
// in the afternoon (UTC), when cognito-srp's 12-hour TIMESTAMP differs from
// the canonical one.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 5, 15, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// pool is an emulated user pool with one app client and one user.
type pool struct {
	srv   *cognitotest.Server
	clock *fakeClock
}

type poolOptions struct {
	secret        string // app client secret, "" for none
	tokenLifetime time.Duration
	user          cognitotest.User // Username "" means testUser/testPassword
}

func newPool(t *testing.T, o poolOptions) *pool {
	t.Helper()
	clock := newFakeClock()
	srv := cognitotest.NewServer(t, cognitotest.Options{
		PoolID:        testPoolID,
		Now:           clock.Now,
		TokenLifetime: o.tokenLifetime,
	})
	must(t, srv.AddClient(cognitotest.Client{ID: testClientID, Secret: o.secret}))
	u := o.user
	if u.Username == "" {
		u.Username, u.Password = testUser, testPassword
	}
	must(t, srv.AddUser(u))
	return &pool{srv: srv, clock: clock}
}

// source returns a TokenSource that signs in to p through the real SDK
// client with creds.
func (p *pool) source(t *testing.T, creds CredentialsProvider, edit ...func(*Config)) *TokenSource {
	t.Helper()
	cfg := Config{
		UserPoolID:  p.srv.PoolID,
		ClientID:    testClientID,
		Cognito:     p.srv.NewSDKClient(),
		Credentials: creds,
		Now:         p.clock.Now,
	}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := NewTokenSource(cfg)
	if err != nil {
		t.Fatalf("NewTokenSource: %v", err)
	}
	return s
}

// counts returns the emulator's request counts.
func (p *pool) counts() (initiate, respond int) {
	return p.srv.Count(cognitotest.OpInitiateAuth), p.srv.Count(cognitotest.OpRespondToAuthChallenge)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustToken(t *testing.T, s *TokenSource, ctx context.Context) *Token {
	t.Helper()
	tok, err := s.Token(ctx)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if tok == nil || tok.IDToken == "" {
		t.Fatalf("Token returned %v, want a token", tok)
	}
	return tok
}

func assertStats(t *testing.T, s *TokenSource, want Stats) {
	t.Helper()
	if got := s.Stats(); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}

func assertCounts(t *testing.T, p *pool, initiate, respond int) {
	t.Helper()
	gotI, gotR := p.counts()
	if gotI != initiate || gotR != respond {
		t.Errorf("emulator received %d InitiateAuth and %d RespondToAuthChallenge, want %d and %d",
			gotI, gotR, initiate, respond)
	}
}

// assertAuthError checks that err is an *Error of class kind with the given
// code and temporariness, whose message contains every hint.
func assertAuthError(t *testing.T, err error, kind error, code string, temporary bool, hints ...string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want %v", kind)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *auth.Error", err, err)
	}
	if kind != nil && !errors.Is(err, kind) {
		t.Errorf("errors.Is(%q, %v) = false", err, kind)
	}
	if e.Code != code {
		t.Errorf("Code = %q, want %q (error %q)", e.Code, code, err)
	}
	if e.Temporary() != temporary {
		t.Errorf("Temporary() = %v, want %v (error %q)", e.Temporary(), temporary, err)
	}
	for _, h := range hints {
		if !strings.Contains(err.Error(), h) {
			t.Errorf("error %q does not contain %q", err, h)
		}
	}
	return e
}

// assertNoSecrets checks every formatting of err for the given values.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		outputs = append(outputs, fmt.Sprintf(verb, err))
	}
	for _, out := range outputs {
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("error output %q contains a secret value", out)
			}
		}
	}
}

// cognitotestUserWithEmail is a user whose internal name is a UUID and who
// signs in with the e-mail alias.
func cognitotestUserWithEmail() cognitotest.User {
	return cognitotest.User{Username: testUUIDUser, Password: testPassword, Email: testEmail}
}
