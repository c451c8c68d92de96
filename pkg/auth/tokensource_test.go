package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

func TestSignInThroughSDK(t *testing.T) {
	tests := []struct {
		name     string
		secret   string // app client secret
		user     cognitotest.User
		signInAs string // Credentials.Username
		internal string // expected cognito:username
	}{
		{
			name:     "no client secret",
			signInAs: testUser,
			internal: testUser,
		},
		{
			name:     "client secret",
			secret:   testClientSecret,
			signInAs: testUser,
			internal: testUser,
		},
		{
			name:     "e-mail alias with client secret",
			secret:   testClientSecret,
			user:     cognitotest.User{Username: testUUIDUser, Password: testPassword, Email: testEmail},
			signInAs: testEmail,
			internal: testUUIDUser,
		},
		{
			name:     "internal username of alias user",
			secret:   testClientSecret,
			user:     cognitotest.User{Username: testUUIDUser, Password: testPassword, Email: testEmail},
			signInAs: testUUIDUser,
			internal: testUUIDUser,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPool(t, poolOptions{secret: tt.secret, user: tt.user})
			creds := StaticCredentials{Username: tt.signInAs, Password: testPassword, ClientSecret: tt.secret}
			s := p.source(t, creds)

			tok := mustToken(t, s, context.Background())
			claims, err := parseIDClaims(tok.IDToken)
			if err != nil {
				t.Fatalf("parse ID token: %v", err)
			}
			if claims.Username != tt.internal {
				t.Errorf("cognito:username = %q, want %q", claims.Username, tt.internal)
			}
			if tok.AccessToken == "" {
				t.Error("AccessToken is empty")
			}
			wantExpiry := p.clock.Now().Add(cognitotest.DefaultTokenLifetime)
			if !tok.Expiry.Equal(wantExpiry) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, wantExpiry)
			}
			assertCounts(t, p, 1, 1)
			assertStats(t, s, Stats{SignIns: 1})

			// The refresh's SECRET_HASH must be over the internal name: the
			// emulator rejects one over the alias.
			p.clock.Advance(cognitotest.DefaultTokenLifetime - time.Minute)
			tok2 := mustToken(t, s, context.Background())
			if tok2.IDToken == tok.IDToken {
				t.Error("token was not renewed after the clock passed its expiry")
			}
			assertCounts(t, p, 2, 1)
			assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})
		})
	}
}

func TestTokenCachedWhileValid(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	first := mustToken(t, s, context.Background())
	p.clock.Advance(30 * time.Minute)
	second := mustToken(t, s, context.Background())

	if second != first {
		t.Error("second Token call returned a different token while the first was valid")
	}
	assertCounts(t, p, 1, 1)
}

func TestTokenConcurrentColdCache(t *testing.T) {
	p := newPool(t, poolOptions{secret: testClientSecret})
	// Slow the challenge down so that all goroutines arrive while the
	// sign-in is in flight.
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.Fault{Latency: 50 * time.Millisecond, Times: 1}))
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword, ClientSecret: testClientSecret})

	const callers = 100
	var wg sync.WaitGroup
	tokens := make([]*Token, callers)
	errs := make([]error, callers)
	start := make(chan struct{})
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tokens[i], errs[i] = s.Token(context.Background())
		}()
	}
	close(start)
	wg.Wait()

	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if tokens[i] != tokens[0] {
			t.Fatalf("caller %d got a different token than caller 0", i)
		}
	}
	assertCounts(t, p, 1, 1)
	assertStats(t, s, Stats{SignIns: 1})
}

func TestRefreshThenSignInAfterRevoke(t *testing.T) {
	p := newPool(t, poolOptions{secret: testClientSecret})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword, ClientSecret: testClientSecret})
	ctx := context.Background()

	first := mustToken(t, s, ctx)
	assertStats(t, s, Stats{SignIns: 1})

	// Past the expiry minus the window: exactly one refresh.
	p.clock.Advance(56 * time.Minute)
	refreshed := mustToken(t, s, ctx)
	if refreshed.IDToken == first.IDToken {
		t.Fatal("token was not renewed")
	}
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})
	assertCounts(t, p, 2, 1)
	mustToken(t, s, ctx)
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})

	// The refresh response has no refresh token; the old one is kept and
	// used for the next refresh, which Cognito now rejects.
	if n := p.srv.RevokeRefreshTokens(testUser); n != 1 {
		t.Fatalf("RevokeRefreshTokens revoked %d tokens, want 1", n)
	}
	p.clock.Advance(56 * time.Minute)
	mustToken(t, s, ctx)
	assertStats(t, s, Stats{SignIns: 2, Refreshes: 2})
	assertCounts(t, p, 4, 2)
}

func TestTokenWaiterCancellation(t *testing.T) {
	p := newPool(t, poolOptions{})
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.Fault{Latency: 300 * time.Millisecond, Times: 1}))
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	// The first caller starts the sign-in and gives up after 50 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	leaderDone := make(chan error, 1)
	go func() {
		_, err := s.Token(ctx)
		leaderDone <- err
	}()
	time.Sleep(10 * time.Millisecond) // let the leader start the fetch

	var other *Token
	var otherErr error
	otherDone := make(chan struct{})
	go func() {
		defer close(otherDone)
		other, otherErr = s.Token(context.Background())
	}()

	select {
	case err := <-leaderDone:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("leader error = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(200 * time.Millisecond):
		t.Fatal("leader did not return within 200 ms of its 50 ms deadline")
	}

	<-otherDone
	if otherErr != nil {
		t.Fatalf("other caller: %v", otherErr)
	}
	if other == nil || other.IDToken == "" {
		t.Fatal("other caller got no token")
	}
	assertCounts(t, p, 1, 1)
	assertStats(t, s, Stats{SignIns: 1})
}

func TestTokenHonoursDeadlinePlusWindow(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword},
		func(c *Config) { c.ExpiryWindow = time.Minute })

	mustToken(t, s, context.Background())
	// The token was issued for 60 minutes. A caller without a deadline gets
	// it until 59 minutes have passed. A caller whose deadline is 2 minutes
	// away needs it to last 3 more minutes.
	p.clock.Advance(57*time.Minute + 30*time.Second)
	mustToken(t, s, context.Background())
	assertStats(t, s, Stats{SignIns: 1})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	mustToken(t, s, ctx)
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})
}

func TestInvalidateOncePerToken(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})
	ctx := context.Background()

	first := mustToken(t, s, ctx)
	s.Invalidate(first.IDToken)
	second := mustToken(t, s, ctx)
	if second.IDToken == first.IDToken {
		t.Fatal("Invalidate did not drop the token")
	}
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})

	// A late 401 for the old token must not drop the new one.
	s.Invalidate(first.IDToken)
	third := mustToken(t, s, ctx)
	if third != second {
		t.Error("Invalidate with a replaced token dropped the current one")
	}
	assertStats(t, s, Stats{SignIns: 1, Refreshes: 1})
}

func TestNewTokenSourceRejectsBadConfig(t *testing.T) {
	api := cognitotest.NewServer(t, cognitotest.Options{}).NewSDKClient()
	creds := StaticCredentials{Username: testUser, Password: testPassword}
	tests := []struct {
		name string
		cfg  Config
		hint string
	}{
		{"pool id without underscore", Config{UserPoolID: "Local1", ClientID: "c", Cognito: api, Credentials: creds}, `"Local1" is invalid`},
		{"empty pool id", Config{ClientID: "c", Cognito: api, Credentials: creds}, `user pool id "" is invalid`},
		{"empty client id", Config{UserPoolID: testPoolID, Cognito: api, Credentials: creds}, "app client id is empty"},
		{"nil Cognito", Config{UserPoolID: testPoolID, ClientID: "c", Credentials: creds}, "Config.Cognito is nil"},
		{"nil credentials", Config{UserPoolID: testPoolID, ClientID: "c", Cognito: api}, "Config.Credentials is nil"},
		{"negative window", Config{UserPoolID: testPoolID, ClientID: "c", Cognito: api, Credentials: creds, ExpiryWindow: -time.Second}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTokenSource(tt.cfg)
			assertAuthError(t, err, ErrMisconfigured, "", false, tt.hint)
		})
	}
}
