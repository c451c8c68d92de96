package auth

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// After Prefetch, the first sign-in of a container starts with the
// credentials read and A = g^a computed.
func TestPrefetchPreparesFirstSignIn(t *testing.T) {
	p := newPool(t, poolOptions{})
	creds := &countingCredentials{creds: Credentials{Username: testUser, Password: testPassword}}
	s := p.source(t, creds)

	s.Prefetch(context.Background())
	// Give the background computation of A time to finish, as the runtime's
	// start-up would before the first invocation arrives.
	deadline := time.Now().Add(5 * time.Second)
	for !spareReady(s) {
		if time.Now().After(deadline) {
			t.Fatal("the spare SRP object was not ready 5s after Prefetch")
		}
		time.Sleep(5 * time.Millisecond)
	}
	mustToken(t, s, context.Background())

	assertStats(t, s, Stats{SignIns: 1})
	if got := s.srp.readyOnTake.Load(); got != 1 {
		t.Errorf("first sign-in found A ready %d times, want 1", got)
	}
	if got := creds.calls.Load(); got != 2 {
		t.Errorf("credentials read %d times, want 2 (Prefetch and the sign-in, served from one cache in production)", got)
	}
}

// Prefetch without usable credentials does nothing, and the first Token call
// reports the error.
func TestPrefetchWithoutCredentials(t *testing.T) {
	p := newPool(t, poolOptions{})
	s := p.source(t, StaticCredentials{Username: testUser})

	s.Prefetch(context.Background())
	if got := s.srp.built.Load(); got != 0 {
		t.Errorf("SRP objects built = %d, want 0", got)
	}
	if _, err := s.Token(context.Background()); err == nil {
		t.Error("Token succeeded with an empty password, want an error")
	}
}

func spareReady(s *TokenSource) bool {
	s.srp.mu.Lock()
	sp := s.srp.spare
	s.srp.mu.Unlock()
	if sp == nil {
		return false
	}
	select {
	case <-sp.ready:
		return true
	default:
		return false
	}
}

// countingCredentials counts Credentials calls.
type countingCredentials struct {
	creds Credentials
	calls atomic.Int64
}

func (c *countingCredentials) Credentials(context.Context) (Credentials, error) {
	c.calls.Add(1)
	return c.creds, nil
}
