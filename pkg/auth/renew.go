package auth

import (
	"context"
	"errors"
	"time"
)

// renew gets new tokens: REFRESH_TOKEN_AUTH when there is a refresh token for
// the current user, and a full SRP sign-in when there is none or Cognito
// rejects it. until is the deadline of the caller that started the renewal
// (zero when it had none); retries do not wait past it.
func (s *TokenSource) renew(ctx context.Context, until time.Time) (*Token, error) {
	creds, err := s.credentials(ctx)
	if err != nil {
		return nil, err
	}

	s.mu.Lock()
	sess, failure := s.sess, s.lastFailure
	s.mu.Unlock()
	if failure != nil && failure.creds == creds && s.now().Before(failure.until) {
		return nil, failure.err
	}

	if sess.refreshToken != "" && sess.signedInAs == creds.Username {
		// Should Cognito reject the refresh token, the sign-in that follows
		// finds its SRP ephemeral computed during the refresh round trip.
		s.srp.prepare(creds)
		tok, next, err := s.refresh(ctx, creds, sess, until)
		if err == nil {
			s.setSession(next)
			return tok, nil
		}
		if !refreshRejected(err) {
			return nil, err
		}
		// One full sign-in replaces a rejected refresh token; it is not
		// tried again.
		s.setSession(session{})
	}

	tok, next, err := s.signIn(ctx, creds, until)
	if err != nil {
		s.holdFailure(creds, err)
		return nil, err
	}
	s.mu.Lock()
	s.sess = next
	s.lastFailure = nil
	s.mu.Unlock()
	return tok, nil
}

// credentials reads the credentials and checks that they are usable.
func (s *TokenSource) credentials(ctx context.Context) (Credentials, error) {
	const op = "Credentials"
	creds, err := s.creds.Credentials(ctx)
	if err != nil {
		if _, ok := asError(err); ok {
			return Credentials{}, err
		}
		if e := classifyTransport(op, err); e != nil {
			return Credentials{}, e
		}
		return Credentials{}, newError(ErrSecret, op, "", err, "read credentials: %s", sanitize(err.Error()))
	}
	if creds.Username == "" {
		return Credentials{}, newError(ErrSecret, op, "", nil, "credentials have an empty username")
	}
	if creds.Password == "" {
		return Credentials{}, newError(ErrSecret, op, "", nil,
			"credentials for user %q have an empty password", creds.Username)
	}
	return creds, nil
}

func (s *TokenSource) setSession(sess session) {
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
}

// holdFailure stores a permanent sign-in failure, which callers then get
// without a new attempt for failureHold. It also invalidates a caching
// credentials provider, so that a secret rotated to fix the failure is read
// by the next call.
func (s *TokenSource) holdFailure(creds Credentials, err error) {
	e, ok := asError(err)
	if !ok || e.Temporary() || errors.Is(err, context.Canceled) {
		return
	}
	s.mu.Lock()
	s.lastFailure = &heldFailure{creds: creds, err: err, until: s.now().Add(failureHold)}
	s.mu.Unlock()
	if inv, ok := s.creds.(credentialsInvalidator); ok {
		inv.Invalidate()
	}
}
