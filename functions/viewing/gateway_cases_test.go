package main

// Behaviour of API Gateway and its local emulators that the handler must
// cope with: header spelling, cookies and repeated headers, preflights,
// missing authorizers and how a failure reaches the caller.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHeaderNamesMatchedInAnyCase(t *testing.T) {
	// Deployed HTTP APIs lower-case header names; sam local passes the
	// client's spelling; REST APIs keep the client's spelling too.
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	path := "/assets/" + freeAssetUID + "/viewings"
	claims := gatewayClaims(user.claims)

	v2 := func(headerName string) json.RawMessage {
		return mustJSON(map[string]any{
			"version": "2.0", "rawPath": path,
			"headers": map[string]string{headerName: appOrigin},
			"requestContext": map[string]any{
				"http":       map[string]any{"method": "POST", "path": path},
				"authorizer": map[string]any{"jwt": map[string]any{"claims": claims}},
			},
		})
	}
	v1MultiOnly := mustJSON(map[string]any{
		"httpMethod": "POST", "path": path,
		"multiValueHeaders": map[string][]string{"ORIGIN": {appOrigin}},
		"requestContext":    map[string]any{"authorizer": map[string]any{"claims": claims}},
	})

	tests := map[string]json.RawMessage{
		"v2 lower case (AWS)":            v2("origin"),
		"v2 client case (sam local)":     v2("Origin"),
		"v2 upper case":                  v2("ORIGIN"),
		"v1 only in multiValueHeaders":   v1MultiOnly,
		"v1 headers map in client case":  buildV1(call{uid: freeAssetUID, claims: user.claims, headers: map[string]string{"oRiGiN": appOrigin}}),
		"v1 headers map in Pascal case ": buildV1(call{uid: freeAssetUID, claims: user.claims, headers: map[string]string{"Origin": appOrigin}}),
	}
	for name, raw := range tests {
		t.Run(name, func(t *testing.T) {
			res := env.invoke(t, raw)
			assertStatus(t, res, http.StatusCreated)
			assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
		})
	}
}

func TestCookiesAndRepeatedHeadersCannotChooseUser(t *testing.T) {
	// HTTP APIs move cookies to a "cookies" list and join repeated headers
	// with commas; REST APIs keep a Cookie header and multiValueHeaders.
	// Neither may pick the user, and responses must not repeat a header.
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	other := env.signIn(t, "gold-viewer")
	otherSub := other.claims["sub"].(string)
	path := "/assets/" + freeAssetUID + "/viewings"

	v2 := buildV2(call{uid: freeAssetUID, claims: user.claims,
		cookies: []string{"sid=s-1", "sub=" + otherSub},
		headers: map[string]string{"Accept": "application/json", "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}})
	v1 := mustJSON(events.APIGatewayProxyRequest{
		HTTPMethod: "POST", Path: path,
		Headers: map[string]string{"Cookie": "sub=" + otherSub, "Origin": appOrigin},
		MultiValueHeaders: map[string][]string{
			"Cookie":          {"sid=s-1", "sub=" + otherSub},
			"X-Forwarded-For": {"198.51.100.7, 203.0.113.9"},
			"Origin":          {appOrigin},
		},
		RequestContext: events.APIGatewayProxyRequestContext{
			Authorizer: map[string]any{"claims": gatewayClaims(user.claims)}},
	})

	for name, raw := range map[string]json.RawMessage{"v2": v2, "v1": v1} {
		t.Run(name, func(t *testing.T) {
			env.skylark.ClearRequests()
			res := env.invoke(t, raw)

			assertStatus(t, res, http.StatusCreated)
			posts := env.requestsTo(http.MethodPost, "/api/viewings/")
			if len(posts) != 1 {
				t.Fatalf("Skylark received %d viewing requests, want 1", len(posts))
			}
			if !strings.Contains(string(posts[0].Body), `"user_identifier":"`+user.claims["sub"].(string)+`"`) {
				t.Errorf("viewing body %s does not name the authorizer's sub", posts[0].Body)
			}
			if len(res.multi) != 0 {
				t.Errorf("multiValueHeaders = %v, want every header in headers only", res.multi)
			}
			if len(res.cookies) != 0 {
				t.Errorf("cookies = %v, want none", res.cookies)
			}
		})
	}
}

func TestPreflightAnsweredWithoutAuthOrSkylark(t *testing.T) {
	// An "ANY /{proxy+}" route behind no authorizer delivers the browser's
	// OPTIONS request, without credentials, to the function.
	env := newTestEnv(t)
	preflight := func(path string) json.RawMessage {
		return mustJSON(map[string]any{
			"version": "2.0", "routeKey": "ANY /{proxy+}", "rawPath": path,
			"headers": map[string]string{
				"origin": appOrigin, "access-control-request-method": "POST"},
			"pathParameters": map[string]string{"proxy": strings.TrimPrefix(path, "/")},
			"requestContext": map[string]any{"http": map[string]any{"method": "OPTIONS", "path": path}},
		})
	}

	res := env.invoke(t, preflight("/assets/"+assetUID+"/viewings"))
	assertStatus(t, res, http.StatusNoContent)
	assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
	assertHeader(t, res, "Access-Control-Allow-Methods", "POST, OPTIONS")

	// Other paths behind the same route get 404, still without auth.
	res = env.invoke(t, preflight("/viewings"))
	assertError(t, res, http.StatusNotFound, codeRouteNotFound)

	assertNothingSent(t, env)
}

func TestMissingAuthorizerNeverGrantsAccess(t *testing.T) {
	// sam local does not run JWT authorizers, so events arrive without an
	// authorizer block even when the request carries a valid token.
	env := newTestEnv(t)
	user := env.signIn(t, "gold-viewer")
	env.grant(user, planGold)
	path := "/assets/" + assetUID + "/viewings"
	bearer := "Bearer " + user.idToken

	tests := []struct {
		name   string
		raw    string
		status int
		code   string
	}{
		{"v2 without path or authorizer",
			`{"version":"2.0","headers":{"authorization":"` + bearer + `"},"requestContext":{"http":{"method":"POST"}}}`,
			http.StatusNotFound, codeRouteNotFound},
		{"v2 without authorizer",
			`{"version":"2.0","rawPath":"` + path + `","headers":{"authorization":"` + bearer + `"},"requestContext":{"http":{"method":"POST"}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v2 with null jwt",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"method":"POST"},"authorizer":{"jwt":null}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v2 with empty claims",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"method":"POST"},"authorizer":{"jwt":{"claims":{}}}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v2 IAM authorizer",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"method":"POST"},"authorizer":{"iam":{"userId":"AIDAEXAMPLE"}}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v1 null authorizer",
			`{"httpMethod":"POST","path":"` + path + `","headers":{"Authorization":"` + bearer + `"},"requestContext":{"authorizer":null}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v1 empty authorizer",
			`{"httpMethod":"POST","path":"` + path + `","requestContext":{"authorizer":{}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
		{"v1 Cognito authorizer with empty claims",
			`{"httpMethod":"POST","path":"` + path + `","requestContext":{"authorizer":{"claims":{}}}}`,
			http.StatusUnauthorized, codeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.invoke(t, json.RawMessage(tt.raw))
			assertError(t, res, tt.status, tt.code)
		})
	}
	if n := len(env.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests without an authorizer, want 0", n)
	}
}

func TestFailuresReturnResponsesNotErrors(t *testing.T) {
	// A Go error or panic becomes a Lambda function error, which API
	// Gateway turns into a bare 502; a payload 2.0 result without
	// statusCode is sent as a 200 JSON document.
	env := newTestEnv(t)
	basic := env.signIn(t, "basic-viewer")

	tests := []struct {
		name   string
		raw    json.RawMessage
		status int
		code   string
	}{
		{"v2 not entitled", buildV2(call{claims: basic.claims}), http.StatusForbidden, codeNotEntitled},
		{"v1 not entitled", buildV1(call{claims: basic.claims}), http.StatusForbidden, codeNotEntitled},
		{"not JSON", json.RawMessage(`{"version":`), http.StatusBadRequest, codeInvalidRequest},
		{"JSON array", json.RawMessage(`[1,2,3]`), http.StatusBadRequest, codeInvalidRequest},
		{"empty object", json.RawMessage(`{}`), http.StatusBadRequest, codeInvalidRequest},
		{"SQS event", json.RawMessage(`{"Records":[{"messageId":"m-1","body":"{}"}]}`),
			http.StatusBadRequest, codeInvalidRequest},
		{"v2 with wrong field types", json.RawMessage(`{"version":"2.0","headers":[1],"requestContext":{"http":{"method":"POST"}}}`),
			http.StatusBadRequest, codeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.invoke(t, tt.raw) // fails the test on a Go error
			assertError(t, res, tt.status, tt.code)

			var encoded map[string]any
			mustNoErr(t, json.Unmarshal(res.encoded, &encoded))
			if got, _ := encoded["statusCode"].(float64); int(got) != tt.status {
				t.Errorf("serialised statusCode = %v, want %d", encoded["statusCode"], tt.status)
			}
		})
	}
}

func TestEventWithoutMethodRejected(t *testing.T) {
	// Only a hand-made or foreign event lacks the method: API Gateway
	// always sets it. Such an event must not pass for a request with an
	// unsupported method.
	env := newTestEnv(t)
	user := env.signIn(t, "gold-viewer")
	env.grant(user, planGold)
	path := "/assets/" + assetUID + "/viewings"
	claims := string(mustJSON(gatewayClaims(user.claims)))
	authorizer := `"authorizer":{"jwt":{"claims":` + claims + `}}`

	tests := []struct {
		name string
		raw  string
	}{
		{"v2 without requestContext",
			`{"version":"2.0","rawPath":"` + path + `"}`},
		{"v2 with empty requestContext",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{}}`},
		{"v2 without http.method",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"path":"` + path + `"},` + authorizer + `}}`},
		{"v2 with blank method",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"method":" "},` + authorizer + `}}`},
		{"v2 with CR LF in method",
			`{"version":"2.0","rawPath":"` + path + `","requestContext":{"http":{"method":"POST\r\nX: y"},` + authorizer + `}}`},
		{"v1 without requestContext",
			`{"version":"1.0","path":"` + path + `"}`},
		{"v1 with empty httpMethod",
			`{"version":"1.0","httpMethod":"","path":"` + path + `","requestContext":{"httpMethod":"","authorizer":{"claims":` + claims + `}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.skylark.ClearRequests()
			before := len(logLines(t, env.logs))

			res := env.invoke(t, json.RawMessage(tt.raw))

			body := assertError(t, res, http.StatusBadRequest, codeInvalidRequest)
			if !strings.Contains(body.Message, "HTTP method") {
				t.Errorf("message %q does not say the HTTP method is missing", body.Message)
			}
			if n := len(env.skylark.Requests()); n != 0 {
				t.Errorf("Skylark received %d requests, want 0", n)
			}
			lines := logLines(t, env.logs)[before:]
			if len(lines) != 1 {
				t.Fatalf("handler wrote %d log lines, want 1: %v", len(lines), lines)
			}
			assertLogField(t, lines[0], "level", "WARN")
			assertLogField(t, lines[0], "code", codeInvalidRequest)
			if msg, _ := lines[0]["error"].(string); !strings.Contains(msg, "method") {
				t.Errorf("log error %q does not name the missing method", msg)
			}
		})
	}
}

func TestPathParameterMismatchRejected(t *testing.T) {
	// The gold asset's uid in pathParameters, another uid in the path.
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	tests := []struct {
		name string
		path string
	}{
		{"free asset in path", "/assets/" + freeAssetUID + "/viewings"},
		{"with stage prefix", "/prod/assets/" + freeAssetUID + "/viewings"},
		{"invalid uid in path", "/assets/..%2Fapi%2Fassets/viewings"},
		{"upper case uid in path", "/assets/" + strings.ToUpper(assetUID) + "/viewings"},
	}
	for _, p := range payloads {
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				env.skylark.ClearRequests()
				before := len(logLines(t, env.logs))

				res := env.invoke(t, p.build(call{uid: assetUID, path: tt.path, claims: user.claims}))

				assertError(t, res, http.StatusBadRequest, codeInvalidRequest)
				assertNoLeak(t, res, assetUID)
				assertNothingSent(t, env)
				lines := logLines(t, env.logs)[before:]
				if len(lines) != 1 {
					t.Fatalf("handler wrote %d log lines, want 1: %v", len(lines), lines)
				}
				assertLogField(t, lines[0], "level", "WARN")
				assertLogField(t, lines[0], "code", codeInvalidRequest)
				msg, _ := lines[0]["error"].(string)
				if !strings.Contains(msg, assetUID) {
					t.Errorf("log error %q does not name the path parameter %s", msg, assetUID)
				}
				if !strings.Contains(msg, tt.path) {
					t.Errorf("log error %q does not name the path %s", msg, tt.path)
				}
			})
		}
	}
}

func TestPathParameterMatchesEscapedPath(t *testing.T) {
	// A client may percent-encode any character of the uid. The gateway
	// decodes the path parameter, and the path keeps the encoding.
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	escaped := strings.Replace(freeAssetUID, "asse_", "asse%5F", 1)
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			res := env.invoke(t, p.build(call{uid: freeAssetUID,
				path: "/assets/" + escaped + "/viewings", claims: user.claims}))

			assertStatus(t, res, http.StatusCreated)
			if got := decodeViewing(t, res).AssetUID; got != freeAssetUID {
				t.Errorf("asset_uid = %q, want %q", got, freeAssetUID)
			}
		})
	}
}
