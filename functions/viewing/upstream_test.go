package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// readyEnv returns an environment with the gold viewer signed in and
// entitled in Skylark.
func readyEnv(t *testing.T, configure ...func(*envOptions)) (*testEnv, endUser) {
	t.Helper()
	env := newTestEnv(t, configure...)
	user := env.signIn(t, "gold-viewer")
	env.grant(user, planGold)
	return env, user
}

// assertLogged checks that a failure was logged with its cause and the
// request ids, so operators can find what the caller only sees as a code.
func assertLogged(t *testing.T, env *testEnv, code, causeFragment string) {
	t.Helper()
	for _, line := range logLines(t, env.logs) {
		if line["code"] != code {
			continue
		}
		if line["request_id"] != lambdaRequestID {
			t.Errorf("log line has request_id %v, want %s", line["request_id"], lambdaRequestID)
		}
		if line["api_request_id"] == "" || line["api_request_id"] == nil {
			t.Error("log line has no api_request_id")
		}
		if cause, _ := line["error"].(string); !strings.Contains(cause, causeFragment) {
			t.Errorf("logged error %q does not contain %q", cause, causeFragment)
		}
		return
	}
	t.Errorf("no log line with code %q in:\n%s", code, env.logs.String())
}

func TestHandlerSkylarkThrottles(t *testing.T) {
	tests := []struct {
		name           string
		fault          skylarktest.Fault
		wantRetryAfter string
	}{
		{"viewing with Retry-After",
			skylarktest.Fault{Method: http.MethodPost, PathPrefix: "/api/viewings/", Status: 429, RetryAfter: "7"}, "7"},
		{"asset read without Retry-After",
			skylarktest.Fault{Method: http.MethodGet, PathPrefix: "/api/assets/", Status: 429}, "1"},
	}
	for _, p := range payloads {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				env, user := readyEnv(t)
				env.skylark.InjectFault(tt.fault)

				res := env.invoke(t, p.build(call{claims: user.claims}))

				assertError(t, res, http.StatusTooManyRequests, codeThrottled)
				assertHeader(t, res, "Retry-After", tt.wantRetryAfter)
				assertLogged(t, env, codeThrottled, "429")
			})
		}
	}
}

func TestHandlerCognitoThrottles(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			env, user := readyEnv(t)
			mustNoErr(t, env.service.InjectFault(cognitotest.OpAll, cognitotest.ThrottleFault(0)))

			res := env.invoke(t, p.build(call{claims: user.claims}))

			assertError(t, res, http.StatusTooManyRequests, codeThrottled)
			seconds, err := strconv.Atoi(res.header("Retry-After"))
			if err != nil || seconds < 1 {
				t.Errorf("Retry-After = %q, want a positive number of seconds", res.header("Retry-After"))
			}
			assertLogged(t, env, codeThrottled, "auth:")
		})
	}
}

func TestHandlerSignInFails(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*envOptions)
		fault     *cognitotest.Fault
		cause     string
	}{
		{name: "wrong password", configure: func(o *envOptions) { o.servicePass = "Wrong-Passw0rd!" },
			cause: "auth:"},
		{name: "unknown app client", configure: func(o *envOptions) { o.serviceClient = "no-such-client" },
			cause: "auth:"},
		{name: "Cognito failing", configure: func(*envOptions) {},
			fault: &cognitotest.Fault{Code: cognitotest.CodeInternalError}, cause: "auth:"},
		{name: "Skylark rejects the pool's tokens",
			configure: func(o *envOptions) { o.skylarkAud = "another-client" }, cause: "401"},
	}
	for _, p := range payloads {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				env, user := readyEnv(t, tt.configure)
				if tt.fault != nil {
					mustNoErr(t, env.service.InjectFault(cognitotest.OpAll, *tt.fault))
				}

				res := env.invoke(t, p.build(call{claims: user.claims}))

				assertError(t, res, http.StatusServiceUnavailable, codeSignInUnavailable)
				assertNoLeak(t, res, "Service-Passw0rd!", "Wrong-Passw0rd!", "no-such-client",
					"NotAuthorizedException", "ResourceNotFoundException")
				assertLogged(t, env, codeSignInUnavailable, tt.cause)
			})
		}
	}
}

func TestHandlerSkylarkFails(t *testing.T) {
	viewings := "/api/viewings/"
	tests := []struct {
		name  string
		fault skylarktest.Fault
	}{
		{"500 on viewing", skylarktest.Fault{PathPrefix: viewings, Status: 500}},
		{"502 from a load balancer", skylarktest.Fault{PathPrefix: viewings, Status: 502}},
		{"503 on asset read", skylarktest.Fault{PathPrefix: "/api/assets/", Status: 503}},
		{"403 without entitlement code", skylarktest.Fault{PathPrefix: viewings, Status: 403}},
		{"connection reset", skylarktest.Fault{PathPrefix: viewings, Reset: true}},
		{"truncated body", skylarktest.Fault{PathPrefix: viewings, Truncate: true}},
		{"HTML instead of JSON", skylarktest.Fault{PathPrefix: viewings, Status: 201,
			Body: "<html><body>Welcome</body></html>"}},
		{"objects not a list", skylarktest.Fault{PathPrefix: viewings, Status: 201,
			Body: `{"objects": "mux"}`}},
		{"empty objects", skylarktest.Fault{PathPrefix: viewings, Status: 201, Body: `{"objects": []}`}},
	}
	for _, p := range payloads {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				env, user := readyEnv(t)
				env.skylark.InjectFault(tt.fault)

				res := env.invoke(t, p.build(call{claims: user.claims}))

				assertError(t, res, http.StatusBadGateway, codeUpstreamError)
				assertNoLeak(t, res, "Welcome", "injected")
				if got := res.header("Retry-After"); got != "" {
					t.Errorf("Retry-After = %q on a 502, want none", got)
				}
			})
		}
	}
}

func TestHandlerSkylarkTooSlow(t *testing.T) {
	for _, p := range payloads {
		for _, prefix := range []string{"/api/assets/", "/api/viewings/"} {
			t.Run(p.name+prefix, func(t *testing.T) {
				t.Parallel()
				env, user := readyEnv(t)
				env.handler.deadlineMargin = 100 * time.Millisecond
				env.skylark.InjectFault(skylarktest.Fault{PathPrefix: prefix, Latency: 10 * time.Second})

				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				start := time.Now()
				res := invokeCtx(t, env.handler, ctx, p.build(call{claims: user.claims}))

				assertError(t, res, http.StatusGatewayTimeout, codeUpstreamTimeout)
				if elapsed := time.Since(start); elapsed > 1950*time.Millisecond {
					t.Errorf("handler answered after %s, want before the 2s Lambda deadline", elapsed)
				}
				assertLogged(t, env, codeUpstreamTimeout, "deadline")
			})
		}
	}
}

func TestHandlerGatewayTimeoutBoundsWork(t *testing.T) {
	// Without a close Lambda deadline, the work timeout still returns a
	// 504 before the gateway gives up.
	env, user := readyEnv(t)
	env.handler.workTimeout = 300 * time.Millisecond
	env.skylark.InjectFault(skylarktest.Fault{PathPrefix: "/api/viewings/", Latency: 10 * time.Second})

	res := env.invoke(t, buildV2(call{claims: user.claims}))

	assertError(t, res, http.StatusGatewayTimeout, codeUpstreamTimeout)
}

func TestHandlerAssetDeletedWhileCached(t *testing.T) {
	env, user := readyEnv(t)
	raw := buildV2(call{claims: user.claims})
	assertStatus(t, env.invoke(t, raw), http.StatusCreated)

	deleteAsset(t, env, assetUID)

	res := env.invoke(t, raw)
	assertError(t, res, http.StatusNotFound, codeAssetNotFound)
	if n := env.handler.cache.Len(); n != 0 {
		t.Errorf("cache holds %d entries after the asset vanished, want 0", n)
	}
	// The next request reads the asset again and gets Skylark's 404.
	assertError(t, env.invoke(t, raw), http.StatusNotFound, codeAssetNotFound)
	if n := len(env.requestsTo(http.MethodGet, "/api/assets/")); n != 2 {
		t.Errorf("Skylark received %d asset reads, want 2", n)
	}
}

// deleteAsset deletes an asset in the fake Skylark with the integration's
// token, as an editor would in the CMS.
func deleteAsset(t *testing.T, env *testEnv, uid string) {
	t.Helper()
	tok, err := env.tokens.Token(context.Background())
	mustNoErr(t, err)
	req, err := http.NewRequest(http.MethodDelete, env.skylark.URL+"/api/assets/"+uid+"/", nil)
	mustNoErr(t, err)
	req.Header.Set("Authorization", "Bearer "+tok.IDToken)
	resp, err := http.DefaultClient.Do(req)
	mustNoErr(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE asset: status %d, want 204", resp.StatusCode)
	}
}

// panickingViewings replaces the Skylark client so that the handler panics,
// because no real component panics on request.
type panickingViewings struct{}

func (panickingViewings) Create(context.Context, *skylark.ViewingRequest) (*skylark.Viewing, error) {
	panic("viewing: test panic")
}

type panickingAssets struct{}

func (panickingAssets) Get(context.Context, string, *skylark.RequestOptions) (*skylark.Asset, error) {
	panic(errors.New("viewing: test panic in asset read"))
}

func TestHandlerRecoversPanic(t *testing.T) {
	tests := []struct {
		name  string
		setup func(env *testEnv)
	}{
		{"in viewing create", func(env *testEnv) { env.handler.viewings = panickingViewings{} }},
		{"in asset read", func(env *testEnv) { env.handler.assets = panickingAssets{} }},
	}
	for _, p := range payloads {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				env, user := readyEnv(t)
				tt.setup(env)

				res := env.invoke(t, p.build(call{claims: user.claims,
					headers: map[string]string{"Origin": "https://app.example.com"}}))

				assertError(t, res, http.StatusInternalServerError, codeInternalError)
				assertNoLeak(t, res, "test panic")
				assertHeader(t, res, "Access-Control-Allow-Origin", "https://app.example.com")
				if !strings.Contains(env.logs.String(), "test panic") {
					t.Errorf("panic not logged:\n%s", env.logs.String())
				}
			})
		}
	}
}
