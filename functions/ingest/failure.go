package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// Error codes sent to the dead-letter queue in the error_code attribute of a
// permanently failed message. Skylark's own skylark_error_code is used when
// it sent one.
const (
	codeInvalidMessage     = "invalid_message"
	codeUnsupportedVersion = "unsupported_version"
	codeUnrecognised       = "unrecognised_body"
	codeNotConfigured      = "not_configured"
	codeUnmappedPath       = "unmapped_path"
	codeAssetNotFound      = "asset_not_found"
	codeInvalidArgument    = "invalid_argument"
)

// permanentError marks a failure that retrying cannot fix: the message goes
// to the dead-letter queue.
type permanentError struct {
	code string
	err  error
}

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// permanent wraps err as a permanent failure with a dead-letter error code.
func permanent(code string, err error) error {
	return &permanentError{code: code, err: err}
}

// classified is the verdict on a failed message.
type classified struct {
	permanent  bool
	code       string        // error_code for the dead-letter queue
	retryAfter time.Duration // at least this long before the next try
}

// classify decides whether err is permanent. Everything that may succeed
// later, or that a configuration change fixes without touching the message,
// is transient:
//
//   - Skylark 401, 408, 429 and 5xx responses, and 2xx responses whose body
//     did not decode;
//   - every auth error: throttling and outages, and also rejected credentials
//     or a misconfigured pool, because an integration misconfiguration must
//     not dead-letter content;
//   - timeouts, cancellations and connection failures;
//   - anything not recognised, so that an unexpected error is retried and
//     then moved by the redrive policy rather than dropped.
//
// Permanent are invalid messages, an asset that does not exist, identifiers
// the client rejects before sending, and other Skylark 4xx responses.
func classify(err error) classified {
	var perm *permanentError
	if errors.As(err, &perm) {
		return classified{permanent: true, code: perm.code}
	}

	var authErr *auth.Error
	if errors.As(err, &authErr) {
		return classified{retryAfter: authErr.RetryAfter()}
	}

	var resp *skylark.ErrorResponse
	if errors.As(err, &resp) {
		switch s := resp.StatusCode; {
		case s == http.StatusNotFound || s == http.StatusGone:
			return classified{permanent: true, code: codeAssetNotFound}
		case s == http.StatusUnauthorized || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests:
			return classified{retryAfter: resp.RetryAfter()}
		case s >= 400 && s < 500:
			code := resp.Code
			if code == "" {
				code = fmt.Sprintf("http_%d", s)
			}
			return classified{permanent: true, code: code}
		default:
			return classified{retryAfter: resp.RetryAfter()}
		}
	}

	if errors.Is(err, skylark.ErrInvalidArgument) {
		return classified{permanent: true, code: codeInvalidArgument}
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		return classified{retryAfter: ra.RetryAfter()}
	}
	return classified{}
}

// reasonText returns a one-line reason for logs and the dead-letter queue.
func reasonText(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out before the invocation's deadline: " + oneLine(err.Error())
	}
	return oneLine(err.Error())
}

// oneLine keeps reasons to a single, bounded log line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 1000)
}
