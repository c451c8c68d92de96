package reliability

import (
	"net/http"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Error codes of the viewing function's responses.
const (
	codeThrottled         = "throttled"
	codeSignInUnavailable = "signin_unavailable"
	codeUpstreamTimeout   = "upstream_timeout"
	codeUpstreamError     = "upstream_error"
)

// withRetryAfter returns step with a Retry-After header expected.
func withRetryAfter(step viewingStep, value string) viewingStep {
	step.retryAfter = value
	return step
}

// viewingsCreated counts the POST /api/viewings/ requests Skylark received.
func viewingsCreated(w *world) int {
	return countRequests(w, http.MethodPost, "/api/viewings/")
}

func viewingRows() []faultRow {
	return []faultRow{
		{
			name: "viewing-cognito-throttled-once", function: "viewing",
			fault:  "Cognito returns TooManyRequestsException to one InitiateAuth",
			expect: "sign-in retried within the request; 201 with the playback data",
			viewing: &viewingCase{
				inject: poolFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(1)),
				steps:  []viewingStep{ok},
			},
		},
		{
			name: "viewing-cognito-throttled", function: "viewing",
			fault:  "Cognito throttles every request",
			expect: "429 throttled with Retry-After: 1",
			viewing: &viewingCase{
				inject: poolFault(cognitotest.OpAll, cognitotest.Fault{Code: cognitotest.CodeTooManyRequests}),
				steps:  []viewingStep{withRetryAfter(failWith(http.StatusTooManyRequests, codeThrottled), "1")},
			},
		},
		{
			name: "viewing-cognito-5xx", function: "viewing",
			fault:  "Cognito returns HTTP 500 to every request",
			expect: "503 signin_unavailable with Retry-After: 1",
			viewing: &viewingCase{
				inject: poolFault(cognitotest.OpAll, cognitotest.Fault{Code: cognitotest.CodeInternalError}),
				steps: []viewingStep{withRetryAfter(
					failWith(http.StatusServiceUnavailable, codeSignInUnavailable), "1")},
			},
		},
		{
			name: "viewing-cognito-slow", function: "viewing",
			fault:  "Cognito responds after 3 s, past the 1.5 s invocation deadline",
			expect: "504 upstream_timeout before the deadline",
			viewing: &viewingCase{
				inject: poolFault(cognitotest.OpAll, cognitotest.Fault{Latency: 3 * time.Second}),
				steps: []viewingStep{{deadline: 1500 * time.Millisecond,
					status: http.StatusGatewayTimeout, code: codeUpstreamTimeout}},
			},
		},
		{
			name: "viewing-refresh-token-revoked", function: "viewing",
			fault:  "warm container; the refresh token is revoked and Skylark returns 401 once",
			expect: "a full SRP sign-in replaces the rejected refresh; 201",
			viewing: &viewingCase{
				warm:   true,
				inject: revokeAnd401,
				steps:  []viewingStep{ok},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					assertSignIns(t, w, 2, 3)
				},
			},
		},
		{
			name: "viewing-password-rotated", function: "viewing",
			fault:  "warm container; the password changes in the pool and the secret, the refresh token is revoked, Skylark returns 401 once",
			expect: "the new password is read from the secret and used; 201",
			viewing: &viewingCase{
				env:  setEnv("SECRET_REFRESH_INTERVAL", "1s"),
				warm: true,
				inject: func(w *world) {
					w.rotatePassword()
					revokeAnd401(w)
					time.Sleep(1100 * time.Millisecond)
				},
				steps: []viewingStep{ok},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					assertSignIns(t, w, 2, 3)
				},
			},
		},
		{
			name: "viewing-user-disabled", function: "viewing",
			fault:  "the service user is disabled in the pool",
			expect: "503 signin_unavailable without Retry-After; the second request does not ask Cognito again",
			viewing: &viewingCase{
				inject: func(w *world) {
					if err := w.pool.DisableUser(serviceUser); err != nil {
						w.t.Fatal(err)
					}
				},
				steps: []viewingStep{
					failWith(http.StatusServiceUnavailable, codeSignInUnavailable),
					failWith(http.StatusServiceUnavailable, codeSignInUnavailable),
				},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					assertSignIns(t, w, 0, 1)
				},
			},
		},
		{
			name: "viewing-secrets-manager-unavailable", function: "viewing",
			fault:  "the Secrets Manager endpoint is a closed port",
			expect: "503 signin_unavailable with Retry-After: 1",
			viewing: &viewingCase{
				env: func(w *world, env map[string]string) {
					env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = closedPort(w.t)
				},
				steps: []viewingStep{withRetryAfter(
					failWith(http.StatusServiceUnavailable, codeSignInUnavailable), "1")},
			},
		},
		{
			name: "viewing-secret-missing", function: "viewing",
			fault:  "SKYLARK_SECRET_ID names a secret that does not exist",
			expect: "503 signin_unavailable without Retry-After",
			viewing: &viewingCase{
				env: func(w *world, env map[string]string) {
					env["SKYLARK_SECRET_ID"] = "reliability/missing-" + w.name
				},
				steps: []viewingStep{failWith(http.StatusServiceUnavailable, codeSignInUnavailable)},
			},
		},
		{
			name: "viewing-secret-malformed", function: "viewing",
			fault:  "the secret's value is truncated JSON",
			expect: "503 signin_unavailable without Retry-After",
			viewing: &viewingCase{
				inject: func(w *world) {
					full := secretJSON(serviceUser, w.passwords[0], w.clientSecret)
					w.putSecret(full[:len(full)-20])
				},
				steps: []viewingStep{failWith(http.StatusServiceUnavailable, codeSignInUnavailable)},
			},
		},
		{
			name: "viewing-skylark-429-retry-after", function: "viewing",
			fault:  "Skylark returns 429 and Retry-After: 30 to every request",
			expect: "429 throttled with Retry-After: 30, at once",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "30"}),
				steps:  []viewingStep{withRetryAfter(failWith(http.StatusTooManyRequests, codeThrottled), "30")},
			},
		},
		{
			name: "viewing-skylark-429", function: "viewing",
			fault:  "Skylark returns 429 without Retry-After to every request",
			expect: "429 throttled with Retry-After: 1",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Status: http.StatusTooManyRequests}),
				steps:  []viewingStep{withRetryAfter(failWith(http.StatusTooManyRequests, codeThrottled), "1")},
			},
		},
		{
			name: "viewing-skylark-429-post-once", function: "viewing",
			fault:  "Skylark returns 429 and Retry-After: 1 to the viewing POST once",
			expect: "the POST is retried (429 with Retry-After means not processed); 201 and one viewing",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodPost, Status: http.StatusTooManyRequests,
					RetryAfter: "1", Times: 1}),
				steps: []viewingStep{ok},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					if n := viewingsCreated(w); n != 2 {
						t.Errorf("viewing POSTs = %d, want 2 (the throttled one and its retry)", n)
					}
				},
			},
		},
		{
			name: "viewing-skylark-500", function: "viewing",
			fault:  "Skylark returns 500 to the asset GET",
			expect: "502 upstream_error; no viewing created",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusInternalServerError}),
				steps:  []viewingStep{failWith(http.StatusBadGateway, codeUpstreamError)},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					if n := viewingsCreated(w); n != 0 {
						t.Errorf("viewing POSTs = %d, want 0", n)
					}
				},
			},
		},
		{
			name: "viewing-skylark-503-get-once", function: "viewing",
			fault:  "Skylark returns 503 to the asset GET once",
			expect: "the GET is retried; 201",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable,
					Times: 1}),
				steps: []viewingStep{ok},
			},
		},
		{
			name: "viewing-skylark-503-post", function: "viewing",
			fault:  "Skylark returns 503 without Retry-After to the viewing POST",
			expect: "the POST is not repeated (its outcome is unknown); 502 upstream_error",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodPost, Status: http.StatusServiceUnavailable}),
				steps:  []viewingStep{failWith(http.StatusBadGateway, codeUpstreamError)},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					if n := viewingsCreated(w); n != 1 {
						t.Errorf("viewing POSTs = %d, want 1", n)
					}
				},
			},
		},
		{
			name: "viewing-skylark-504-get-once", function: "viewing",
			fault:  "Skylark returns 504 (HTML body) to the asset GET once",
			expect: "the GET is retried; 201",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusGatewayTimeout,
					Times: 1}),
				steps: []viewingStep{ok},
			},
		},
		{
			name: "viewing-skylark-slow", function: "viewing",
			fault:  "Skylark responds after 3 s, past the 1.5 s invocation deadline",
			expect: "504 upstream_timeout before the deadline",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Latency: 3 * time.Second}),
				steps: []viewingStep{{deadline: 1500 * time.Millisecond,
					status: http.StatusGatewayTimeout, code: codeUpstreamTimeout}},
			},
		},
		{
			name: "viewing-skylark-reset-get-once", function: "viewing",
			fault:  "Skylark resets the connection on the asset GET once",
			expect: "the GET is retried; 201",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Reset: true, Times: 1}),
				steps:  []viewingStep{ok},
			},
		},
		{
			name: "viewing-skylark-reset-post", function: "viewing",
			fault:  "Skylark resets the connection on the viewing POST",
			expect: "the POST is not repeated; 502 upstream_error",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodPost, Reset: true, Times: 1}),
				steps:  []viewingStep{failWith(http.StatusBadGateway, codeUpstreamError)},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					if n := viewingsCreated(w); n != 1 {
						t.Errorf("viewing POSTs = %d, want 1", n)
					}
				},
			},
		},
		{
			name: "viewing-skylark-truncated-post", function: "viewing",
			fault:  "Skylark creates the viewing but sends half of the response body",
			expect: "502 upstream_error; the POST is not repeated",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodPost, Truncate: true}),
				steps:  []viewingStep{failWith(http.StatusBadGateway, codeUpstreamError)},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					if n := viewingsCreated(w); n != 1 {
						t.Errorf("viewing POSTs = %d, want 1", n)
					}
				},
			},
		},
		{
			name: "viewing-skylark-non-json-2xx", function: "viewing",
			fault:  "Skylark returns 200 and a body that is not JSON to the asset GET",
			expect: "502 upstream_error",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusOK,
					Body: "<html>maintenance</html>"}),
				steps: []viewingStep{failWith(http.StatusBadGateway, codeUpstreamError)},
			},
		},
		{
			name: "viewing-skylark-401-once", function: "viewing",
			fault:  "Skylark returns 401 once to a token that is still valid",
			expect: "the token is refreshed once and the request repeated; 201",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Status: http.StatusUnauthorized, Times: 1}),
				steps:  []viewingStep{ok},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					assertSignIns(t, w, 1, 2)
				},
			},
		},
		{
			name: "viewing-skylark-401", function: "viewing",
			fault:  "Skylark returns 401 to every request",
			expect: "503 signin_unavailable without Retry-After",
			viewing: &viewingCase{
				inject: skyFault(skylarktest.Fault{Status: http.StatusUnauthorized}),
				steps:  []viewingStep{failWith(http.StatusServiceUnavailable, codeSignInUnavailable)},
			},
		},
		{
			name: "viewing-short-deadline", function: "viewing",
			fault:  "a 300 ms invocation deadline, no more than the time kept free to respond",
			expect: "504 upstream_timeout before the deadline; Skylark not called",
			viewing: &viewingCase{
				steps: []viewingStep{{deadline: 300 * time.Millisecond,
					status: http.StatusGatewayTimeout, code: codeUpstreamTimeout}},
				check: func(t *testing.T, w *world, run *viewingRun) {
					if n := viewingsCreated(w); n != 0 {
						t.Errorf("viewing POSTs = %d, want 0", n)
					}
				},
			},
		},
		{
			name: "viewing-warm-past-token-lifetime", function: "viewing",
			fault:  "a warm container is invoked again after its 3 s ID token expired",
			expect: "the token is renewed with REFRESH_TOKEN_AUTH before Skylark sees it; 201 both times",
			viewing: &viewingCase{
				env: setEnv("TOKEN_EXPIRY_WINDOW", "1s"),
				inject: func(w *world) {
					w.pool.SetTokenLifetimes(3*time.Second, 0)
				},
				steps: []viewingStep{
					{deadline: time.Second, status: http.StatusCreated},
					{before: func(*world) { time.Sleep(3200 * time.Millisecond) },
						deadline: time.Second, status: http.StatusCreated},
				},
				check: func(t *testing.T, w *world, _ *viewingRun) {
					assertSignIns(t, w, 1, 2)
					if n := len(w.sky.Requests()); n != 4 {
						t.Errorf("Skylark requests = %d, want 4 (no 401 and repeat)", n)
					}
				},
			},
		},
	}
}
