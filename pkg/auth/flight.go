package auth

import (
	"context"
	"fmt"
	"time"
)

// flightCall is one shared fetch. The goroutine that runs it sets val and err
// and then closes done; waiters read them only after done is closed.
type flightCall[T any] struct {
	done chan struct{}
	val  T
	err  error
}

// startFlight runs fetch in a new goroutine under a context that keeps the
// values of ctx but not its cancellation, bounded by timeout. One caller
// giving up therefore does not fail the callers that wait for the same result.
// finish runs in that goroutine before done is closed and returns what the
// waiters receive. Owners use it to store the result and clear their in-flight
// pointer under their own lock, so that no caller sees neither the call nor
// its result.
func startFlight[T any](ctx context.Context, timeout time.Duration,
	fetch func(context.Context) (T, error), finish func(T, error) (T, error)) *flightCall[T] {
	c := &flightCall[T]{done: make(chan struct{})}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	go func() {
		defer close(c.done)
		defer cancel()
		c.val, c.err = finish(runRecovered(fctx, fetch))
	}()
	return c
}

// wait returns the result of c, or ctx.Err() as soon as ctx ends. The fetch
// goes on for the other waiters.
func (c *flightCall[T]) wait(ctx context.Context) (T, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// runRecovered turns a panic in fetch into an error, so that the waiters of a
// shared fetch are never left blocked.
func runRecovered[T any](ctx context.Context, fetch func(context.Context) (T, error)) (val T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			val, err = zero, newError(nil, "fetch", "", nil, "fetch panicked: %s", sanitize(fmt.Sprint(r)))
		}
	}()
	return fetch(ctx)
}
