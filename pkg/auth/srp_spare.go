package auth

import (
	"sync"
	"sync/atomic"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
)

// srpFactory hands out cognito-srp objects and keeps one spare ready.
//
// Why a spare: the costly client-side step before InitiateAuth is
// A = g^a mod N (a 1024-bit exponent modulo a 3072-bit prime). It does not
// depend on the password, so ideally it would run while the secret is being
// read. cognito-srp v4.1.0 does not allow that: NewCognitoSRP draws a,
// computes A and copies the password into the same object, with no way to
// supply a or A or to set the password later. Starting the ephemeral before
// the secret arrives would mean doing the SRP math outside the library.
//
// So the factory computes the next object as soon as credentials are known,
// concurrently with a network round trip. It starts one while a
// REFRESH_TOKEN_AUTH request is in flight, so that the fallback sign-in after
// a rejected refresh token starts with A ready. It also starts one right after
// an object is taken for a sign-in, so that a retry after throttling, or the
// sign-in that follows when the refresh token expires, starts with A ready.
// For the very first sign-in of a container, TokenSource.Prefetch reads the
// credentials and prepares a spare while the function initialises. Without
// it, that sign-in computes A on its own path, which costs a few
// milliseconds, close to half of the client's SRP work (compare
// BenchmarkSRPNew with BenchmarkSRPClient).
//
// One object serves one sign-in: a spare is handed out once and replaced.
type srpFactory struct {
	poolID, clientID string

	built     atomic.Int64 // objects created, for tests
	fromSpare atomic.Int64 // objects handed out that were prepared ahead
	// readyOnTake counts spares whose A was computed before the sign-in
	// asked for them, i.e. entirely off that sign-in's path.
	readyOnTake atomic.Int64

	mu    sync.Mutex
	spare *spareSRP
}

// spareSRP is an object being built, or built, for one set of credentials.
// obj and err are set before ready is closed.
type spareSRP struct {
	creds Credentials
	ready chan struct{}
	obj   *cognitosrp.CognitoSRP
	err   error
}

// prepare starts building an object for creds in the background, unless a
// spare for the same credentials exists already.
func (f *srpFactory) prepare(creds Credentials) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.spare != nil && f.spare.creds == creds {
		return
	}
	sp := &spareSRP{creds: creds, ready: make(chan struct{})}
	f.spare = sp
	f.built.Add(1)
	go func() {
		defer close(sp.ready)
		sp.obj, sp.err = f.build(creds)
	}()
}

// take returns an object for creds: the spare when one was prepared for the
// same credentials (waiting for it to finish, which is never longer than
// building a new one), or a new one.
func (f *srpFactory) take(creds Credentials) (*cognitosrp.CognitoSRP, error) {
	f.mu.Lock()
	sp := f.spare
	if sp != nil && sp.creds == creds {
		f.spare = nil
	} else {
		sp = nil
	}
	f.mu.Unlock()

	if sp != nil {
		select {
		case <-sp.ready:
			f.readyOnTake.Add(1)
		default:
			<-sp.ready
		}
		if sp.err == nil {
			f.fromSpare.Add(1)
			return sp.obj, nil
		}
	}
	f.built.Add(1)
	return f.build(creds)
}

func (f *srpFactory) build(creds Credentials) (*cognitosrp.CognitoSRP, error) {
	return newSRP(creds, f.poolID, f.clientID)
}
