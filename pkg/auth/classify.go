package auth

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Suggested waits returned by Error.RetryAfter.
const (
	// throttleRetryAfter: Cognito's per-user quotas are counted per second.
	throttleRetryAfter = time.Second
	// limitRetryAfter: Cognito's attempt counters (LimitExceededException)
	// clear after minutes, not seconds.
	// NOTE: AWS does not document the exact period; one minute is an estimate.
	limitRetryAfter       = time.Minute
	unavailableRetryAfter = time.Second
)

// maxMessage bounds how much of a service's error message goes into an
// *Error, so that a hostile endpoint cannot make errors arbitrarily large.
const maxMessage = 200

// classifyTransport classifies failures that happen before a service responds:
// connection errors, timeouts and cancellation. It returns nil for other
// errors.
func classifyTransport(op string, err error) *Error {
	if errors.Is(err, context.Canceled) {
		return newError(nil, op, "", err, "%s canceled", op)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return temporaryError(ErrUnavailable, op, "", err, unavailableRetryAfter,
			"%s timed out", op)
	}
	var sendErr *smithyhttp.RequestSendError
	if errors.As(err, &sendErr) {
		return temporaryError(ErrUnavailable, op, "", err, unavailableRetryAfter,
			"%s failed to reach the service: %s", op, sanitize(sendErr.Err.Error()))
	}
	var deserErr *smithy.DeserializationError
	if errors.As(err, &deserErr) {
		return temporaryError(ErrUnavailable, op, "", err, unavailableRetryAfter,
			"%s returned a response that is not valid JSON", op)
	}
	return nil
}

// classifyStatus classifies a service error by HTTP status when its code is
// not known: 429 is throttling and 5xx a service failure. It returns nil
// otherwise.
func classifyStatus(op, code string, err error) *Error {
	var withStatus interface{ HTTPStatusCode() int }
	if !errors.As(err, &withStatus) {
		return nil
	}
	status := withStatus.HTTPStatusCode()
	switch {
	case status == http.StatusTooManyRequests:
		return temporaryError(ErrThrottled, op, code, err, throttleRetryAfter,
			"%s was throttled (HTTP 429 %s)", op, code)
	case status >= 500:
		return temporaryError(ErrUnavailable, op, code, err, unavailableRetryAfter,
			"%s failed on the service side (HTTP %d %s)", op, status, code)
	}
	return nil
}

// sanitize prepares a message from a service for an error string: control
// characters become spaces and long text is cut. Values that the package
// itself sent are removed separately, by redact.
func sanitize(msg string) string {
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxMessage {
		cut := maxMessage
		for cut > 0 && !isRuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "..."
	}
	return msg
}

func isRuneStart(b byte) bool {
	return b&0xC0 != 0x80
}

// redact replaces every occurrence of the given sensitive values in msg. An
// endpoint that echoes a request parameter (a refresh token, a secret hash)
// in its error message must not get it into an error string.
func redact(msg string, values ...string) string {
	for _, v := range values {
		if len(v) >= 4 {
			msg = strings.ReplaceAll(msg, v, redacted)
		}
	}
	return msg
}

func itoa(n int64) string {
	return strconv.FormatInt(n, 10)
}
