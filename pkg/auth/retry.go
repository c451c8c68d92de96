package auth

import (
	"context"
	"math/rand/v2"
	"time"
)

// Retry policy for temporary Cognito failures (throttling, 5xx, connection
// errors). Cognito's per-user quota is 10 requests per second, so a first
// wait of up to 200 ms spreads a fleet of cold starts over a few quota
// periods while keeping the delay small against a Lambda timeout.
const (
	maxAttempts = 4
	backoffBase = 200 * time.Millisecond
	backoffMax  = 2 * time.Second
	// minAttemptTime is the least time left before the deadline for which
	// another attempt is worth starting: one exchange with Cognito is two
	// round trips.
	minAttemptTime = 100 * time.Millisecond
)

// backoffDelay returns the wait before retry number attempt (1 for the first
// retry): a random duration in [0, min(backoffMax, backoffBase*2^(attempt-1))],
// the "full jitter" scheme, so that callers that failed together do not
// retry together.
func backoffDelay(attempt int) time.Duration {
	ceiling := backoffBase << (attempt - 1)
	if ceiling > backoffMax || ceiling <= 0 {
		ceiling = backoffMax
	}
	return rand.N(ceiling + 1)
}

// withRetry calls fn until it succeeds or fails with an error that is not
// retryable, at most maxAttempts times. It returns the last error instead of
// starting a wait that would end less than minAttemptTime before until (when
// set) or before ctx's deadline. NotAuthorizedException and every other
// permanent error end the loop at once.
func withRetry[T any](ctx context.Context, until time.Time, fn func() (T, error)) (T, error) {
	if d, ok := ctx.Deadline(); ok && (until.IsZero() || d.Before(until)) {
		until = d
	}
	for attempt := 1; ; attempt++ {
		v, err := fn()
		if err == nil {
			return v, nil
		}
		e, ok := asError(err)
		if !ok || !e.retryable() || attempt >= maxAttempts {
			return v, err
		}
		wait := backoffDelay(attempt)
		if !until.IsZero() && time.Until(until) < wait+minAttemptTime {
			return v, err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return v, err
		case <-timer.C:
		}
	}
}
