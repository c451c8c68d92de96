package skylark

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RetryPolicy sets how often and how long the client retries a request that
// failed with a 429, 502, 503 or 504 response, or with a connection failure.
type RetryPolicy struct {
	// MaxAttempts is the number of attempts including the first; 1 turns
	// retries off.
	MaxAttempts int

	// MinDelay is the backoff before the first retry when the response has
	// no Retry-After header. Each further retry doubles it, with jitter:
	// the wait is drawn from [d/2, d] for the doubled delay d.
	MinDelay time.Duration

	// MaxDelay caps the backoff. It is also the longest Retry-After the
	// client waits for: a longer one ends the retries at once and the error
	// carries it (see ErrorResponse.RetryAfter), so the caller can schedule
	// the request later.
	MaxDelay time.Duration
}

// DefaultRetryPolicy returns the policy NewClient uses: three attempts,
// backoff from 200ms, Retry-After honoured up to 10s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 3, MinDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 1:
		return &ArgumentError{Name: "RetryPolicy.MaxAttempts", Value: strconv.Itoa(p.MaxAttempts),
			Reason: "must be at least 1 (1 turns retries off)"}
	case p.MinDelay < 0:
		return &ArgumentError{Name: "RetryPolicy.MinDelay", Value: p.MinDelay.String(),
			Reason: "must not be negative"}
	case p.MaxDelay < p.MinDelay:
		return &ArgumentError{Name: "RetryPolicy.MaxDelay", Value: p.MaxDelay.String(),
			Reason: "must be at least MinDelay (" + p.MinDelay.String() + ")"}
	}
	return nil
}

// shouldRetry decides whether a failed attempt may be tried again. resp is
// the response (nil after a transport error) and err the error the attempt
// produced. Requests with a method that is not idempotent (POST) are retried
// only when the server cannot have processed them.
//
// PATCH counts as idempotent here because this client's PATCH bodies set
// fields to values; they never increment or append.
func shouldRetry(ctx context.Context, resp *http.Response, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if resp == nil {
		var re *requestError
		if !errors.As(err, &re) || !isConnectionFailure(re.err) {
			return false
		}
		return isIdempotent(re.method) || !re.connected
	}

	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if resp.Request != nil && !isIdempotent(resp.Request.Method) {
			// Both statuses with Retry-After mean "not processed, come back later".
			_, ok := parseRetryAfter(resp.Header, time.Now())
			return ok
		}
		return true
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return resp.Request == nil || isIdempotent(resp.Request.Method)
	}
	return false
}

// backoff returns how long to wait before retry number attempt+1. It reports
// false when the response's Retry-After requests more than MaxDelay.
func (p RetryPolicy) backoff(attempt int, resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header, now); ok {
			return d, d <= p.MaxDelay
		}
	}
	d := p.MinDelay
	for i := 0; i < attempt && d < p.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, p.MaxDelay)
	if d <= 1 {
		return d, true
	}
	half := d / 2
	return half + rand.N(d-half+1), true
}

// maxRetryAfter caps the wait a Retry-After header can request, so that a
// far-off date or a huge number cannot become a wait of years that callers
// pass on (for example as their own Retry-After).
const maxRetryAfter = 24 * time.Hour

// parseRetryAfter reads a Retry-After header given in seconds or as an
// HTTP-date. The result is between 0 (a date in the past) and
// maxRetryAfter.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		secs = min(secs, int64(maxRetryAfter/time.Second))
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	// Sub saturates at the largest Duration instead of overflowing.
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut,
		http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}

// isConnectionFailure reports whether err is a network failure that a new
// attempt may not meet again. Context errors, TLS certificate errors and
// errors from RoundTrippers (such as a failed sign-in) are not.
func isConnectionFailure(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	// shouldRetry has already checked the request's own context, so a
	// timeout here comes from the transport or http.Client.Timeout.
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE)
}
