package auth

import (
	"context"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

// When Cognito rejects the refresh token, the full sign-in that follows
// uses an SRP object whose A = g^a was computed while the refresh request
// was in flight.
func TestSRPEphemeralReadyAfterRejectedRefresh(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	mustToken(t, s, context.Background())
	if got := s.srp.built.Load(); got != 2 {
		t.Fatalf("SRP objects built after the first sign-in = %d, want 2 (one used, one spare)", got)
	}
	if got := s.srp.fromSpare.Load(); got != 0 {
		t.Fatalf("first sign-in used a spare (%d), want none: the credentials were new", got)
	}

	// Drop the spare left by the first sign-in, so that only the refresh
	// path can prepare one.
	s.srp.mu.Lock()
	s.srp.spare = nil
	s.srp.mu.Unlock()

	p.srv.RevokeRefreshTokens(testUser)
	// The refresh round trip takes 50 ms, far longer than computing A.
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.Fault{Latency: 50 * time.Millisecond, Times: 1}))
	p.clock.Advance(59 * time.Minute)
	mustToken(t, s, context.Background())

	assertStats(t, s, Stats{SignIns: 2, Refreshes: 1})
	if got := s.srp.fromSpare.Load(); got != 1 {
		t.Errorf("sign-ins that used a prepared SRP object = %d, want 1", got)
	}
	if got := s.srp.built.Load(); got != 4 {
		t.Errorf("SRP objects built = %d, want 4 (two used, two spares)", got)
	}
	if got := s.srp.readyOnTake.Load(); got != 1 {
		t.Errorf("prepared objects that were ready before the sign-in needed them = %d, want 1", got)
	}
}

// A retry after throttling starts with a prepared SRP object too.
func TestSRPEphemeralReadyForRetry(t *testing.T) {
	p := newPool(t, poolOptions{})
	must(t, p.srv.InjectFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(1)))
	s := p.source(t, StaticCredentials{Username: testUser, Password: testPassword})

	mustToken(t, s, context.Background())
	assertStats(t, s, Stats{SignIns: 2})
	if got := s.srp.fromSpare.Load(); got != 1 {
		t.Errorf("retries that used a prepared SRP object = %d, want 1", got)
	}
}

// A rotated secret naming another password must not reuse a spare built
// with the old one.
func TestSRPSpareNotReusedAcrossCredentials(t *testing.T) {
	f := &srpFactory{poolID: testPoolID, clientID: testClientID}
	old := Credentials{Username: testUser, Password: "old-password"}
	f.prepare(old)

	got, err := f.take(Credentials{Username: testUser, Password: "new-password"})
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("take returned nil")
	}
	if n := f.fromSpare.Load(); n != 0 {
		t.Errorf("take used the spare for other credentials (%d)", n)
	}
}
