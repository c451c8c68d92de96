package reliability

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Dead-letter error codes the ingest function sets.
const (
	codeUnrecognised  = "unrecognised_body"
	codeAssetNotFound = "asset_not_found"
)

// natives returns n native updates on n assets, each expected to end as
// want.
func natives(n int, wnt want) func(w *world) []ingestMsg {
	return func(w *world) []ingestMsg {
		msgs := make([]ingestMsg, n)
		for i := range msgs {
			_, msgs[i] = nativeUpsert(w, "feature-"+strconv.Itoa(i))
			msgs[i].want = wnt
		}
		return msgs
	}
}

// withBad adds a body that no classifier accepts to msgs.
func withBad(msgs func(w *world) []ingestMsg, wnt want) func(w *world) []ingestMsg {
	return func(w *world) []ingestMsg {
		out := msgs(w)
		return append(out, ingestMsg{body: notJSON, want: wnt})
	}
}

func poolFault(op string, f cognitotest.Fault) func(w *world) {
	return func(w *world) {
		if err := w.pool.InjectFault(op, f); err != nil {
			w.t.Fatal(err)
		}
	}
}

func skyFault(faults ...skylarktest.Fault) func(w *world) {
	return func(w *world) {
		for _, f := range faults {
			w.sky.InjectFault(f)
		}
	}
}

func both(fs ...func(w *world)) func(w *world) {
	return func(w *world) {
		for _, f := range fs {
			f(w)
		}
	}
}

func setEnv(kv ...string) func(w *world, env map[string]string) {
	return func(_ *world, env map[string]string) {
		for i := 0; i+1 < len(kv); i += 2 {
			env[kv[i]] = kv[i+1]
		}
	}
}

// closedPort returns an endpoint on 127.0.0.1 where nothing listens.
func closedPort(t testing.TB) string {
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// revokeAnd401 revokes the service user's refresh tokens and makes Skylark
// reject the next request with 401, which makes the transport renew the
// token: the refresh fails, so a full sign-in follows.
func revokeAnd401(w *world) {
	w.pool.RevokeRefreshTokens(serviceUser)
	w.sky.InjectFault(skylarktest.Fault{Status: http.StatusUnauthorized, Times: 1})
}

// assertSignIns checks how many SRP sign-ins the pool completed
// (RespondToAuthChallenge requests) and how many InitiateAuth requests it
// got (sign-ins plus refreshes, retries included).
func assertSignIns(t *testing.T, w *world, signIns, initiates int) {
	t.Helper()
	if got := w.pool.Count(cognitotest.OpRespondToAuthChallenge); got != signIns {
		t.Errorf("RespondToAuthChallenge requests = %d, want %d", got, signIns)
	}
	if got := w.pool.Count(cognitotest.OpInitiateAuth); got != initiates {
		t.Errorf("InitiateAuth requests = %d, want %d", got, initiates)
	}
}

// assertLogged checks that some log line of the run contains text in key.
func assertLogged(t *testing.T, run *ingestRun, key, text string) {
	t.Helper()
	for _, s := range run.steps {
		for _, l := range s.logs {
			if containsFold(l.str(key), text) {
				return
			}
		}
	}
	t.Errorf("no log line has %s containing %q", key, text)
}

func ingestRows() []faultRow {
	return []faultRow{
		{
			name: "cognito-throttled-once", function: "ingest",
			fault:  "Cognito returns TooManyRequestsException to one InitiateAuth",
			expect: "sign-in retried with backoff within the invocation; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				inject:   poolFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(1)),
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 1, 2)
				},
			},
		},
		{
			name: "cognito-throttled", function: "ingest",
			fault:  "Cognito throttles every request (TooManyRequestsException)",
			expect: "every message retried later (batch item failure, visibility timeout set); nothing dead-lettered; Skylark not called",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   poolFault(cognitotest.OpAll, cognitotest.Fault{Code: cognitotest.CodeTooManyRequests}),
				check: func(t *testing.T, w *world, run *ingestRun) {
					assertVisibilitySet(t, run, 1)
					if n := len(w.sky.Requests()); n != 0 {
						t.Errorf("Skylark got %d requests without a token", n)
					}
				},
			},
		},
		{
			name: "cognito-5xx-once", function: "ingest",
			fault:  "Cognito returns HTTP 500 InternalErrorException to one InitiateAuth",
			expect: "sign-in retried; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				inject:   poolFault(cognitotest.OpInitiateAuth, cognitotest.InternalErrorFault(1)),
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 1, 2)
				},
			},
		},
		{
			name: "cognito-5xx", function: "ingest",
			fault:  "Cognito returns HTTP 500 to every request",
			expect: "every message retried later; nothing dead-lettered",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   poolFault(cognitotest.OpAll, cognitotest.Fault{Code: cognitotest.CodeInternalError}),
			},
		},
		{
			name: "cognito-slow", function: "ingest",
			fault:  "Cognito responds after 3 s, past the 1.5 s invocation deadline",
			expect: "the handler returns before the deadline; every message retried later",
			ingest: &ingestCase{
				messages: natives(2, retry),
				deadline: 1500 * time.Millisecond,
				inject:   poolFault(cognitotest.OpAll, cognitotest.Fault{Latency: 3 * time.Second}),
				check:    assertRespondedBeforeDeadline(1500 * time.Millisecond),
			},
		},
		{
			name: "refresh-token-revoked", function: "ingest",
			fault:  "warm container; the refresh token is revoked and Skylark returns 401 once",
			expect: "the transport renews the token: the refresh is rejected, a full SRP sign-in follows; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				warm:     true,
				inject:   revokeAnd401,
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 2, 3)
				},
			},
		},
		{
			name: "password-rotated", function: "ingest",
			fault:  "warm container; the password changes in the pool and the secret, the refresh token is revoked, Skylark returns 401 once",
			expect: "the secret is read again after SECRET_REFRESH_INTERVAL and the sign-in uses the new password; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				env:      setEnv("SECRET_REFRESH_INTERVAL", "1s"),
				warm:     true,
				inject: func(w *world) {
					w.rotatePassword()
					revokeAnd401(w)
					time.Sleep(1100 * time.Millisecond)
				},
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 2, 3)
				},
			},
		},
		{
			name: "password-stale-in-secret", function: "ingest",
			fault:  "warm container; the password changes in the pool only, then the secret catches up",
			expect: "while the secret is stale: messages retried, not dead-lettered, and the rejected password is not tried again; once the secret is updated and read again: applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				env:      setEnv("INGEST_WORKERS", "1", "SECRET_REFRESH_INTERVAL", "1s"),
				warm:     true,
				inject: func(w *world) {
					w.changePoolPassword()
					revokeAnd401(w)
				},
				steps: []ingestStep{
					{want: []want{retry, retry}},
					{want: []want{retry, retry}},
					{before: func(w *world) {
						w.mu.Lock()
						current := w.passwords[len(w.passwords)-1]
						w.mu.Unlock()
						w.putSecret(secretJSON(serviceUser, current, w.clientSecret))
						time.Sleep(1100 * time.Millisecond)
					}, want: []want{applied, applied}},
				},
				check: func(t *testing.T, w *world, run *ingestRun) {
					// Warm-up, the rejected sign-in, then one with the new
					// password: the second step must not try the stale one.
					assertSignIns(t, w, 3, 4)
					assertLogged(t, run, "reason", "Incorrect username or password")
				},
			},
		},
		{
			name: "user-disabled", function: "ingest",
			fault:  "the service user is disabled in the pool",
			expect: "every message retried, never dead-lettered; a second invocation does not ask Cognito again (no lockout)",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject: func(w *world) {
					if err := w.pool.DisableUser(serviceUser); err != nil {
						w.t.Fatal(err)
					}
				},
				steps: []ingestStep{{want: []want{retry, retry}}, {want: []want{retry, retry}}},
				check: func(t *testing.T, w *world, run *ingestRun) {
					// The pool rejects a disabled user at InitiateAuth.
					assertSignIns(t, w, 0, 1)
					assertLogged(t, run, "reason", "disabled")
				},
			},
		},
		{
			name: "secrets-manager-unavailable", function: "ingest",
			fault:  "the Secrets Manager endpoint is a closed port",
			expect: "every message retried later; nothing dead-lettered; Cognito not called",
			ingest: &ingestCase{
				messages: natives(2, retry),
				env: func(w *world, env map[string]string) {
					env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = closedPort(w.t)
				},
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 0, 0)
				},
			},
		},
		{
			name: "secret-missing", function: "ingest",
			fault:  "SKYLARK_SECRET_ID names a secret that does not exist",
			expect: "every message retried later with a reason naming the secret; nothing dead-lettered",
			ingest: &ingestCase{
				messages: natives(2, retry),
				env: func(w *world, env map[string]string) {
					env["SKYLARK_SECRET_ID"] = "reliability/missing-" + w.name
				},
				check: func(t *testing.T, w *world, run *ingestRun) {
					assertSignIns(t, w, 0, 0)
					assertLogged(t, run, "reason", "missing-"+w.name)
				},
			},
		},
		{
			name: "secret-malformed", function: "ingest",
			fault:  "the secret's value is truncated JSON",
			expect: "every message retried later with a reason saying the JSON is invalid, without quoting it",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject: func(w *world) {
					full := secretJSON(serviceUser, w.passwords[0], w.clientSecret)
					w.putSecret(full[:len(full)-20])
				},
				check: func(t *testing.T, w *world, run *ingestRun) {
					assertSignIns(t, w, 0, 0)
					assertLogged(t, run, "reason", "not valid JSON")
				},
			},
		},
		{
			name: "skylark-429-retry-after-short", function: "ingest",
			fault:  "Skylark returns 429 and Retry-After: 1 to one GET",
			expect: "the client waits 1 s and retries; every message applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusTooManyRequests,
					RetryAfter: "1", Times: 1}),
			},
		},
		{
			name: "skylark-429-retry-after-long", function: "ingest",
			fault:  "Skylark returns 429 and Retry-After: 120 to every request",
			expect: "no wait inside the invocation; every message retried with a visibility timeout of at least 120 s",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"}),
				check: func(t *testing.T, _ *world, run *ingestRun) {
					assertVisibilitySet(t, run, 120)
				},
			},
		},
		{
			name: "skylark-429", function: "ingest",
			fault:  "Skylark returns 429 without Retry-After to every request",
			expect: "the client backs off and gives up; every message retried later",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusTooManyRequests}),
				check: func(t *testing.T, _ *world, run *ingestRun) {
					assertVisibilitySet(t, run, 1)
				},
			},
		},
		{
			name: "skylark-500", function: "ingest",
			fault:  "Skylark returns 500 to every request",
			expect: "every message retried later; nothing dead-lettered",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusInternalServerError}),
			},
		},
		{
			name: "skylark-502-once", function: "ingest",
			fault:  "Skylark returns 502 (HTML body) to one PATCH",
			expect: "the PATCH is retried (it is idempotent); applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject: skyFault(skylarktest.Fault{Method: http.MethodPatch, Status: http.StatusBadGateway,
					Times: 1}),
			},
		},
		{
			name: "skylark-503-once", function: "ingest",
			fault:  "Skylark returns 503 to one GET",
			expect: "the GET is retried; applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable,
					Times: 1}),
			},
		},
		{
			name: "skylark-504-once", function: "ingest",
			fault:  "Skylark returns 504 (HTML body) to one GET",
			expect: "the GET is retried; applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusGatewayTimeout,
					Times: 1}),
			},
		},
		{
			name: "skylark-503", function: "ingest",
			fault:  "Skylark returns 503 to every request",
			expect: "retries exhausted; every message retried later",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusServiceUnavailable}),
			},
		},
		{
			name: "skylark-slow", function: "ingest",
			fault:  "Skylark responds after 3 s, past the 1.5 s invocation deadline",
			expect: "the handler returns before the deadline; every message retried later",
			ingest: &ingestCase{
				messages: natives(2, retry),
				deadline: 1500 * time.Millisecond,
				inject:   skyFault(skylarktest.Fault{Latency: 3 * time.Second}),
				check:    assertRespondedBeforeDeadline(1500 * time.Millisecond),
			},
		},
		{
			name: "skylark-reset-get-once", function: "ingest",
			fault:  "Skylark resets the connection on one GET",
			expect: "the GET is retried; applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject:   skyFault(skylarktest.Fault{Method: http.MethodGet, Reset: true, Times: 1}),
			},
		},
		{
			name: "skylark-reset-patch-once", function: "ingest",
			fault:  "Skylark resets the connection on one PATCH",
			expect: "the PATCH is retried (it is idempotent); applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject:   skyFault(skylarktest.Fault{Method: http.MethodPatch, Reset: true, Times: 1}),
			},
		},
		{
			name: "skylark-truncated-get", function: "ingest",
			fault:  "Skylark sends half of a GET response body (2xx)",
			expect: "the message is retried later, not dead-lettered",
			ingest: &ingestCase{
				messages: natives(1, retry),
				inject:   skyFault(skylarktest.Fault{Method: http.MethodGet, Truncate: true}),
			},
		},
		{
			name: "skylark-truncated-patch", function: "ingest",
			fault:  "Skylark applies a PATCH but sends half of the response body",
			expect: "the message is retried; its redelivery finds the change made and is skipped",
			ingest: &ingestCase{
				messages: natives(1, retry),
				inject:   skyFault(skylarktest.Fault{Method: http.MethodPatch, Truncate: true, Times: 1}),
				steps: []ingestStep{
					{want: []want{{outcome: "retry", effected: true}}},
					{want: []want{skipped}},
				},
				check: func(t *testing.T, w *world, _ *ingestRun) {
					if n := countRequests(w, http.MethodPatch, "/api/assets/"); n != 1 {
						t.Errorf("PATCH requests = %d, want 1", n)
					}
				},
			},
		},
		{
			name: "skylark-non-json-2xx", function: "ingest",
			fault:  "Skylark returns 200 with a body that is not JSON to a GET",
			expect: "the message is retried later, not dead-lettered",
			ingest: &ingestCase{
				messages: natives(1, retry),
				inject: skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusOK,
					Body: "<html>maintenance</html>"}),
			},
		},
		{
			name: "skylark-401-once", function: "ingest",
			fault:  "Skylark returns 401 once to a token that is still valid",
			expect: "the transport invalidates the token once, refreshes it and repeats the request; applied",
			ingest: &ingestCase{
				messages: natives(1, applied),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusUnauthorized, Times: 1}),
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 1, 2)
				},
			},
		},
		{
			name: "skylark-401", function: "ingest",
			fault:  "Skylark returns 401 to every request",
			expect: "one renewal per request, then every message retried later; nothing dead-lettered",
			ingest: &ingestCase{
				messages: natives(2, retry),
				inject:   skyFault(skylarktest.Fault{Status: http.StatusUnauthorized}),
			},
		},
		{
			name: "dead-letter-send-fails", function: "ingest",
			fault:  "DEAD_LETTER_QUEUE_URL names a queue that does not exist; one message is invalid",
			expect: "the invalid message is reported for retry instead of being dropped, with the queue error logged; the valid one applied",
			ingest: &ingestCase{
				messages: withBad(natives(1, applied), retry),
				env: func(w *world, env map[string]string) {
					env["DEAD_LETTER_QUEUE_URL"] = w.moto + "/123456789012/missing-dlq-" + w.name
				},
				check: func(t *testing.T, _ *world, run *ingestRun) {
					assertLogged(t, run, "queue_error", "dead-letter queue")
				},
			},
		},
		{
			name: "invalid-and-unknown-messages", function: "ingest",
			fault:  "a body that is not JSON and an update of an asset Skylark does not have",
			expect: "both dead-lettered with reason and error_code (unrecognised_body, asset_not_found); the valid message applied",
			ingest: &ingestCase{
				messages: func(w *world) []ingestMsg {
					msgs := withBad(natives(1, applied), dead(codeUnrecognised))(w)
					m := unknownAsset()
					m.want = dead(codeAssetNotFound)
					return append(msgs, m)
				},
			},
		},
		{
			name: "change-visibility-fails", function: "ingest",
			fault:  "ChangeMessageVisibility fails (the record names a queue that does not exist) while Skylark returns 503",
			expect: "the messages are still reported for retry; the failed visibility call is logged",
			ingest: &ingestCase{
				messages: func(w *world) []ingestMsg {
					msgs := natives(2, retry)(w)
					for i := range msgs {
						msgs[i].arn = missingQueueARN(w)
					}
					return msgs
				},
				inject: skyFault(skylarktest.Fault{Status: http.StatusServiceUnavailable}),
				check: func(t *testing.T, _ *world, run *ingestRun) {
					assertLogged(t, run, "queue_error", "change visibility")
				},
			},
		},
		{
			name: "duplicate-delivery", function: "ingest",
			fault:  "the same message is delivered twice, in two invocations and twice in one batch",
			expect: "applied once; every other copy skipped as a no-op; one PATCH per asset",
			ingest: &ingestCase{
				messages: natives(2, applied),
				steps: []ingestStep{
					{deliver: []int{0}, want: []want{applied}},
					{deliver: []int{0}, want: []want{skipped}},
					{deliver: []int{1, 1}, want: []want{applied, skipped}},
				},
				check: func(t *testing.T, w *world, _ *ingestRun) {
					if n := countRequests(w, http.MethodPatch, "/api/assets/"); n != 2 {
						t.Errorf("PATCH requests = %d, want 2", n)
					}
				},
			},
		},
		{
			name: "s3-events-out-of-order", function: "ingest",
			fault:  "S3 events for one object arrive out of order on a standard queue (newer sequencer first)",
			expect: "the newer event applied; the older create and the older delete skipped as stale",
			ingest: &ingestCase{
				messages: func(w *world) []ingestMsg {
					id, uid := s3Asset(w)
					newer := ingestMsg{body: s3Event(id, "ObjectCreated:Put", "0065A1B2C3D4E5F602"),
						effect: func() bool {
							e := s3Entry(w, uid)
							return e != nil && e["s3_sequencer"] == "0065A1B2C3D4E5F602"
						}}
					return []ingestMsg{
						newer,
						{body: s3Event(id, "ObjectCreated:Put", "0065A1B2C3D4E5F601")},
						{body: s3Event(id, "ObjectRemoved:Delete", "0065A1B2C3D4E5F601")},
					}
				},
				steps: []ingestStep{
					{deliver: []int{0}, want: []want{applied}},
					{deliver: []int{1, 2}, want: []want{skipped, skipped}},
				},
				check: func(t *testing.T, w *world, run *ingestRun) {
					if !run.msgs[0].effect() {
						t.Errorf("the newer S3 event's entry was overwritten or removed")
					}
				},
			},
		},
		{
			name: "short-deadline", function: "ingest",
			fault:  "a 400 ms invocation deadline while each Skylark request takes 150 ms, one worker",
			expect: "messages not finished are reported as failures before the deadline; none lost, none half-written",
			ingest: &ingestCase{
				// A write cut off by the deadline may have reached Skylark;
				// its redelivery is then skipped as a no-op.
				messages: natives(5, want{outcome: "applied|retry", effected: true}),
				env:      setEnv("INGEST_WORKERS", "1", "DEADLINE_MARGIN", "100ms"),
				warm:     true,
				deadline: 400 * time.Millisecond,
				inject:   skyFault(skylarktest.Fault{Latency: 150 * time.Millisecond}),
				check: func(t *testing.T, w *world, run *ingestRun) {
					assertRespondedBeforeDeadline(400*time.Millisecond)(t, w, run)
					if n := len(run.steps[0].response.BatchItemFailures); n == 0 {
						t.Errorf("every message finished within 400 ms; the row proves nothing")
					}
				},
			},
		},
		{
			name: "warm-past-token-lifetime", function: "ingest",
			fault:  "a warm container is invoked again after its 3 s ID token expired",
			expect: "the token is renewed with REFRESH_TOKEN_AUTH, not a new sign-in, before Skylark sees it; applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				env:      setEnv("TOKEN_EXPIRY_WINDOW", "1s"),
				deadline: time.Second,
				inject: func(w *world) {
					w.pool.SetTokenLifetimes(3*time.Second, 0)
				},
				steps: []ingestStep{
					{deliver: []int{0}, want: []want{applied}},
					{before: func(*world) { time.Sleep(3200 * time.Millisecond) },
						deliver: []int{1}, want: []want{applied}},
				},
				check: func(t *testing.T, w *world, _ *ingestRun) {
					assertSignIns(t, w, 1, 2)
					// A GET and a PATCH per message: an expired token would
					// have drawn a 401 and a repeated request.
					if n := len(w.sky.Requests()); n != 4 {
						t.Errorf("Skylark requests = %d, want 4", n)
					}
				},
			},
		},
		{
			name: "cognito-throttled-and-skylark-503", function: "ingest",
			fault:  "Cognito throttles one InitiateAuth and Skylark returns 503 to one GET",
			expect: "both retried within the invocation; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				inject: both(
					poolFault(cognitotest.OpInitiateAuth, cognitotest.ThrottleFault(1)),
					skyFault(skylarktest.Fault{Method: http.MethodGet, Status: http.StatusServiceUnavailable, Times: 1}),
				),
			},
		},
		{
			name: "skylark-429-and-dead-letter-fails", function: "ingest",
			fault:  "Skylark throttles every request and the dead-letter queue does not exist; one message is invalid",
			expect: "every message retried later, the invalid one included",
			ingest: &ingestCase{
				messages: withBad(natives(1, retry), retry),
				env: func(w *world, env map[string]string) {
					env["DEAD_LETTER_QUEUE_URL"] = w.moto + "/123456789012/missing-dlq-" + w.name
				},
				inject: skyFault(skylarktest.Fault{Status: http.StatusTooManyRequests}),
			},
		},
		{
			name: "secret-deleted-while-warm", function: "ingest",
			fault:  "warm container; the secret is deleted while the cached token is still valid",
			expect: "the cached token is used and the secret is not needed; every message applied",
			ingest: &ingestCase{
				messages: natives(2, applied),
				env:      setEnv("SECRET_REFRESH_INTERVAL", "1s"),
				warm:     true,
				inject: func(w *world) {
					deleteSecret(w)
					time.Sleep(1100 * time.Millisecond)
				},
			},
		},
	}
}

// assertVisibilitySet checks that every retried message got a visibility
// timeout of at least minSeconds.
func assertVisibilitySet(t *testing.T, run *ingestRun, minSeconds float64) {
	t.Helper()
	for _, s := range run.steps {
		for _, l := range s.logs {
			if !l.bool("retry") {
				continue
			}
			if v := l.num("visibility_timeout_s"); v < minSeconds {
				t.Errorf("message %s: visibility timeout %v s, want at least %v s", l.str("message_id"), v, minSeconds)
			}
		}
	}
}

// assertRespondedBeforeDeadline checks that each invocation responded within
// its deadline plus a little scheduling slack.
func assertRespondedBeforeDeadline(deadline time.Duration) func(t *testing.T, w *world, run *ingestRun) {
	return func(t *testing.T, _ *world, run *ingestRun) {
		t.Helper()
		for i, s := range run.steps {
			if s.result.took > deadline+300*time.Millisecond {
				t.Errorf("step %d responded after %s, past the %s deadline", i, s.result.took, deadline)
			}
		}
	}
}

func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
}

// deleteSecret deletes the credentials secret at once, without a recovery
// window.
func deleteSecret(w *world) {
	w.t.Helper()
	_, err := w.secrets.DeleteSecret(waitCtx(w.t, 30*time.Second), &secretsmanager.DeleteSecretInput{
		SecretId: aws.String(w.secretID), ForceDeleteWithoutRecovery: aws.Bool(true)})
	if err != nil {
		w.t.Fatalf("DeleteSecret: %v", err)
	}
}
