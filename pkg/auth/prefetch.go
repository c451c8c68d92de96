package auth

import "context"

// Prefetch reads the credentials and starts computing the SRP ephemeral
// A = g^a for the first sign-in, without signing in. Run it in the
// background while the function initialises: the first Token call then finds
// the credentials cached and A computed, rather than doing both on the first
// invocation's path. Prefetch returns when the credentials are read and the
// computation has started. It reports no error, because the first Token call
// reads the credentials again and returns any error itself. It is safe to
// call concurrently with Token.
func (s *TokenSource) Prefetch(ctx context.Context) {
	creds, err := s.credentials(ctx)
	if err != nil {
		return
	}
	s.srp.prepare(creds)
}
