package main

import (
	"net/http"
	"testing"
)

const appOrigin = "https://app.example.com"

func TestCORSAllowedOrigin(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "free-viewer")

			res := env.invoke(t, p.build(call{uid: freeAssetUID, claims: user.claims,
				headers: map[string]string{"Origin": appOrigin}}))

			assertStatus(t, res, http.StatusCreated)
			assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
			assertHeader(t, res, "Vary", "Origin")
			assertHeader(t, res, "Access-Control-Expose-Headers", "Retry-After")
			assertHeader(t, res, "Access-Control-Allow-Credentials", "")
		})
	}
}

func TestCORSOnErrorResponses(t *testing.T) {
	// Browsers hide a response without CORS headers from the page, so the
	// player could not read the error code.
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			res := env.invoke(t, p.build(call{headers: map[string]string{"Origin": appOrigin}}))
			assertError(t, res, http.StatusUnauthorized, codeUnauthenticated)
			assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
		})
	}
}

func TestCORSRejectedOrigin(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "free-viewer")

			res := env.invoke(t, p.build(call{uid: freeAssetUID, claims: user.claims,
				headers: map[string]string{"Origin": "https://evil.example.net"}}))

			assertStatus(t, res, http.StatusCreated)
			assertHeader(t, res, "Access-Control-Allow-Origin", "")
			assertHeader(t, res, "Vary", "Origin")
		})
	}
}

func TestCORSWithCredentials(t *testing.T) {
	env := newTestEnv(t, func(o *envOptions) { o.config.CORSAllowCredentials = true })
	user := env.signIn(t, "free-viewer")

	res := env.invoke(t, buildV2(call{uid: freeAssetUID, claims: user.claims,
		headers: map[string]string{"Origin": appOrigin}}))

	assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
	assertHeader(t, res, "Access-Control-Allow-Credentials", "true")
}

func TestCORSWildcard(t *testing.T) {
	env := newTestEnv(t, func(o *envOptions) { o.config.CORSAllowedOrigins = []string{"*"} })
	user := env.signIn(t, "free-viewer")

	res := env.invoke(t, buildV2(call{uid: freeAssetUID, claims: user.claims,
		headers: map[string]string{"Origin": "https://any.example.org"}}))

	assertHeader(t, res, "Access-Control-Allow-Origin", "*")
	assertHeader(t, res, "Access-Control-Allow-Credentials", "")
	assertHeader(t, res, "Vary", "")
}

func TestCORSDisabled(t *testing.T) {
	env := newTestEnv(t, func(o *envOptions) { o.config.CORSAllowedOrigins = nil })
	user := env.signIn(t, "free-viewer")

	res := env.invoke(t, buildV2(call{uid: freeAssetUID, claims: user.claims,
		headers: map[string]string{"Origin": appOrigin}}))

	assertStatus(t, res, http.StatusCreated)
	assertHeader(t, res, "Access-Control-Allow-Origin", "")
	assertHeader(t, res, "Vary", "")
}

func TestCORSPreflight(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)

			res := env.invoke(t, p.build(call{method: http.MethodOptions, headers: map[string]string{
				"Origin":                         appOrigin,
				"Access-Control-Request-Method":  "POST",
				"Access-Control-Request-Headers": "authorization,content-type",
			}}))

			assertStatus(t, res, http.StatusNoContent)
			if res.body != "" {
				t.Errorf("preflight body = %q, want empty", res.body)
			}
			assertHeader(t, res, "Allow", "POST, OPTIONS")
			assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
			assertHeader(t, res, "Access-Control-Allow-Methods", "POST, OPTIONS")
			assertHeader(t, res, "Access-Control-Allow-Headers", "Authorization, Content-Type")
			assertHeader(t, res, "Access-Control-Max-Age", "600")
			assertHeader(t, res, "Vary", "Origin")
			assertNothingSent(t, env)
		})
	}
}

func TestCORSPreflightRejectedOrigin(t *testing.T) {
	env := newTestEnv(t)
	res := env.invoke(t, buildV1(call{method: http.MethodOptions, headers: map[string]string{
		"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"}}))

	assertStatus(t, res, http.StatusNoContent)
	assertHeader(t, res, "Access-Control-Allow-Origin", "")
	assertHeader(t, res, "Access-Control-Allow-Methods", "")
	assertNothingSent(t, env)
}

// assertNothingSent checks that neither Skylark nor the integration's
// Cognito pool was contacted.
func assertNothingSent(t *testing.T, env *testEnv) {
	t.Helper()
	if n := len(env.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests, want 0", n)
	}
	if n := env.service.Count("InitiateAuth"); n != 0 {
		t.Errorf("Cognito received %d InitiateAuth requests, want 0", n)
	}
}
