package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// Error codes returned to callers in the "code" field. They are part of the
// API: player apps branch on them, so they never change meaning.
const (
	codeInvalidAssetUID   = "invalid_asset_uid"
	codeInvalidRequest    = "invalid_request"
	codeUnauthenticated   = "unauthenticated"
	codeNotEntitled       = "not_entitled"
	codeAssetNotFound     = "asset_not_found"
	codeRouteNotFound     = "route_not_found"
	codeMethodNotAllowed  = "method_not_allowed"
	codeThrottled         = "throttled"
	codeInternalError     = "internal_error"
	codeUpstreamError     = "upstream_error"
	codeSignInUnavailable = "signin_unavailable"
	codeUpstreamTimeout   = "upstream_timeout"
)

// defaultRetryAfter is sent with a 429 when the throttling error does not
// say how long to wait.
const defaultRetryAfter = time.Second

// apiError is an error response: what the caller sees (status, code,
// message, Retry-After) and the cause, which only goes to the log.
type apiError struct {
	status     int
	code       string
	message    string
	retryAfter time.Duration // sent as Retry-After when positive
	cause      error
	// warn marks an error logged at warn level, because the gateway or
	// Skylark sent data that the function cannot use and that needs fixing
	// at its source.
	warn bool
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("viewing: %s: %v", e.code, e.cause)
	}
	return "viewing: " + e.code
}

func (e *apiError) Unwrap() error { return e.cause }

// panicError carries a recovered panic value, and the stack where it
// happened, to the error response and the log.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("viewing: panic: %v", e.value) }

// retryAfterError is implemented by auth and skylark errors that know how
// long the caller should wait.
type retryAfterError interface{ RetryAfter() time.Duration }

// upstreamStep names the Skylark call that failed, because a 404 means
// different things for each.
type upstreamStep string

const (
	stepGetAsset      upstreamStep = "get asset"
	stepCreateViewing upstreamStep = "create viewing"
)

// classifyUpstream maps a failed Skylark call, including the Cognito sign-in
// its transport performs, to the response the caller gets. deadlineHit
// reports whether the handler's work deadline has passed.
func classifyUpstream(err error, step upstreamStep, deadlineHit bool) *apiError {
	wrapped := fmt.Errorf("%s: %w", step, err)

	var perr *panicError
	if errors.As(err, &perr) {
		return internalError(wrapped)
	}
	if deadlineHit || errors.Is(err, context.DeadlineExceeded) || isNetTimeout(err) {
		return &apiError{status: http.StatusGatewayTimeout, code: codeUpstreamTimeout,
			message: "The video platform did not respond in time. Retry the request.",
			cause:   wrapped}
	}

	var authErr *auth.Error
	if errors.As(err, &authErr) {
		if errors.Is(err, auth.ErrThrottled) {
			return throttled(err, wrapped)
		}
		return &apiError{status: http.StatusServiceUnavailable, code: codeSignInUnavailable,
			message: "The service could not sign in to the video platform. Retry later; " +
				"if this persists, report it with the request_id.",
			retryAfter: retryAfterOf(err), cause: wrapped}
	}

	var resp *skylark.ErrorResponse
	if errors.As(err, &resp) {
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			return throttled(err, wrapped)
		case errors.Is(err, skylark.ErrNotFound),
			step == stepCreateViewing && resp.Code == skylark.CodeNoViewingRecord:
			// A viewing for an asset read moments ago that no longer
			// resolves: the asset was deleted in between.
			return assetNotFound(wrapped)
		case errors.Is(err, skylark.ErrNotEntitled):
			// Skylark holds its own entitlements per user_identifier.
			return &apiError{status: http.StatusForbidden, code: codeNotEntitled,
				message: "The video platform has no entitlement for this user and asset.",
				cause:   wrapped}
		case errors.Is(err, skylark.ErrUnauthorized):
			// The transport already renewed the token once, so Skylark
			// rejects the integration's sign-in itself: wrong pool or
			// client, or a disabled service user.
			return &apiError{status: http.StatusServiceUnavailable, code: codeSignInUnavailable,
				message: "The video platform rejected the service's sign-in. Retry later; " +
					"if this persists, report it with the request_id.",
				cause: wrapped}
		}
	}
	return &apiError{status: http.StatusBadGateway, code: codeUpstreamError,
		message: "The video platform failed to create the viewing. Retry later; " +
			"if this persists, report it with the request_id.",
		cause: wrapped}
}

func throttled(err, cause error) *apiError {
	wait := retryAfterOf(err)
	if wait <= 0 {
		wait = defaultRetryAfter
	}
	return &apiError{status: http.StatusTooManyRequests, code: codeThrottled,
		message: "Too many requests. Retry after the number of seconds in the " +
			"Retry-After header.",
		retryAfter: wait, cause: cause}
}

func retryAfterOf(err error) time.Duration {
	var ra retryAfterError
	if errors.As(err, &ra) {
		return ra.RetryAfter()
	}
	return 0
}

func isNetTimeout(err error) bool {
	var nerr net.Error
	return errors.As(err, &nerr) && nerr.Timeout()
}

func assetNotFound(cause error) *apiError {
	return &apiError{status: http.StatusNotFound, code: codeAssetNotFound,
		message: "No asset exists with this uid. Check the uid in the path.", cause: cause}
}

func internalError(cause error) *apiError {
	return &apiError{status: http.StatusInternalServerError, code: codeInternalError,
		message: "Unexpected error. Report it with the request_id.", cause: cause}
}
