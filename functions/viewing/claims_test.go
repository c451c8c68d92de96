package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestHandlerReadsAuthorizerForms feeds the same user through every
// authorizer output the gateways and emulators deliver.
func TestHandlerReadsAuthorizerForms(t *testing.T) {
	const sub = "0d6f3a2b-8c1e-4f5a-9b7d-2e4c6a8b0d1f"
	path := "/assets/" + assetUID + "/viewings"

	v2 := func(authorizer string) json.RawMessage {
		return json.RawMessage(`{"version":"2.0","rawPath":"` + path + `",
			"requestContext":{"http":{"method":"POST"},"authorizer":` + authorizer + `}}`)
	}
	v1 := func(authorizer string) json.RawMessage {
		return json.RawMessage(`{"httpMethod":"POST","path":"` + path + `",
			"requestContext":{"authorizer":` + authorizer + `}}`)
	}

	tests := []struct {
		name string
		raw  json.RawMessage
		want int
	}{
		{"v2 JWT, plans as HTTP API array string",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":"[plan_other ` + goldUID + `]"}}}`), 201},
		{"v2 JWT, plans as JSON array string",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":"[\"` + goldUID + `\"]"}}}`), 201},
		{"v2 JWT, plans as real array and numeric exp (emulators)",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","exp":1767610700,"custom:plans":["` + planGold + `"]},"scopes":["openid"]}}`), 201},
		{"v2 JWT, plans space separated",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":"plan_other ` + goldUID + `"}}}`), 201},
		{"v2 Lambda authorizer context",
			v2(`{"lambda":{"sub":"` + sub + `","custom:plans":"` + goldUID + `"}}`), 201},
		{"v1 Cognito authorizer, comma separated",
			v1(`{"claims":{"sub":"` + sub + `","custom:plans":"plan_other,` + goldUID + `"}}`), 201},
		{"v1 Lambda authorizer with principalId only",
			v1(`{"principalId":"` + sub + `","custom:plans":"` + goldUID + `","integrationLatency":12}`), 201},
		{"v1 from an HTTP API Lambda authorizer",
			v1(`{"lambda":{"sub":"` + sub + `","custom:plans":"` + goldUID + `"}}`), 201},
		{"v1 from an HTTP API JWT authorizer",
			v1(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":"[` + goldUID + `]"},"scopes":null}}`), 201},
		{"v1 with jwt but no claims",
			v1(`{"jwt":{"scopes":null}}`), 401},
		{"v1 Lambda authorizer with sub in context",
			v1(`{"principalId":"someone-else","sub":"` + sub + `","custom:plans":"` + goldUID + `"}`), 201},
		{"v2 JWT, plan missing",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":"[plan_other]"}}}`), 403},
		{"v2 JWT, no plans claim",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `"}}}`), 403},
		{"v2 JWT, plans claim is a number",
			v2(`{"jwt":{"claims":{"sub":"` + sub + `","custom:plans":7}}}`), 403},
		{"v2 JWT, sub is not a string",
			v2(`{"jwt":{"claims":{"sub":42,"custom:plans":"` + goldUID + `"}}}`), 401},
	}
	env := newTestEnv(t)
	env.skylark.GrantEntitlement(sub, planGold)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.skylark.ClearRequests()
			res := env.invoke(t, tt.raw)
			assertStatus(t, res, tt.want)
			if tt.want != http.StatusCreated {
				return
			}
			posts := env.requestsTo(http.MethodPost, "/api/viewings/")
			if len(posts) != 1 || !strings.Contains(string(posts[0].Body), `"user_identifier":"`+sub+`"`) {
				t.Errorf("viewing requests %v do not carry user_identifier %s", posts, sub)
			}
		})
	}
}

func TestHandlerCustomPlansClaim(t *testing.T) {
	env := newTestEnv(t, func(o *envOptions) { o.config.PlansClaim = "custom:subscriptions" })
	claims := map[string]any{"sub": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
		"custom:subscriptions": goldUID, "custom:plans": basicUID}
	env.skylark.GrantEntitlement(claims["sub"].(string), planGold)

	assertStatus(t, env.invoke(t, buildV2(call{claims: claims})), http.StatusCreated)

	claims["custom:subscriptions"] = basicUID
	claims["custom:plans"] = goldUID
	assertError(t, env.invoke(t, buildV2(call{claims: claims})), http.StatusForbidden, codeNotEntitled)
}

func TestHandlerAccessTokenHint(t *testing.T) {
	env := newTestEnv(t)
	res := env.invoke(t, buildV2(call{claims: map[string]any{
		"sub": "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "token_use": "access",
		"scope": "openid", "client_id": playerClientID}}))

	body := assertError(t, res, http.StatusForbidden, codeNotEntitled)
	if !strings.Contains(body.Message, "ID token") {
		t.Errorf("message %q does not tell the player to send the ID token", body.Message)
	}
}

func TestHandlerRejectsUnusableSubject(t *testing.T) {
	tests := []struct {
		name   string
		sub    string
		reason string // in the log line's error
	}{
		{"CR LF inside", "3c4d5e6f-7a8b\r\nX-Injected: 1", "control characters"},
		{"trailing CR LF", "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f\r\n", "control characters"},
		{"leading LF", "\n3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "control characters"},
		{"NUL", "3c4d5e6f\x007a8b", "control characters"},
		{"tab", "3c4d5e6f\t7a8b", "control characters"},
		{"C1 control", "3c4d5e6f\u00857a8b", "control characters"},
		{"DEL", "3c4d5e6f\x7f7a8b", "control characters"},
		{"leading space", " 3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", "white space"},
		{"over 256 bytes", strings.Repeat("a", maxSubjectBytes+1), "257 bytes"},
	}
	env := newTestEnv(t)
	for _, tt := range tests {
		events := map[string]json.RawMessage{
			"v2 JWT": buildV2(call{uid: freeAssetUID,
				claims: map[string]any{"sub": tt.sub, "custom:plans": goldUID}}),
			"v1 Cognito": buildV1(call{uid: freeAssetUID,
				claims: map[string]any{"sub": tt.sub, "custom:plans": goldUID}}),
			"v1 Lambda principalId": mustJSON(map[string]any{
				"httpMethod": "POST", "path": "/assets/" + freeAssetUID + "/viewings",
				"requestContext": map[string]any{"authorizer": map[string]any{"principalId": tt.sub}}}),
		}
		for name, raw := range events {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				before := len(logLines(t, env.logs))

				res := env.invoke(t, raw)

				body := assertError(t, res, http.StatusUnauthorized, codeUnauthenticated)
				if !strings.Contains(body.Message, "sub claim") {
					t.Errorf("message %q does not name the sub claim", body.Message)
				}
				assertNothingSent(t, env)
				lines := logLines(t, env.logs)[before:]
				if len(lines) != 1 {
					t.Fatalf("handler wrote %d log lines, want 1: %v", len(lines), lines)
				}
				assertLogField(t, lines[0], "level", "WARN")
				assertLogField(t, lines[0], "code", codeUnauthenticated)
				if msg, _ := lines[0]["error"].(string); !strings.Contains(msg, tt.reason) {
					t.Errorf("log error %q does not contain %q", msg, tt.reason)
				}
			})
		}
	}
}

func TestHandlerAcceptsLongestSubject(t *testing.T) {
	env := newTestEnv(t)
	sub := strings.Repeat("a", maxSubjectBytes)

	res := env.invoke(t, buildV2(call{uid: freeAssetUID, claims: map[string]any{"sub": sub}}))

	assertStatus(t, res, http.StatusCreated)
	posts := env.requestsTo(http.MethodPost, "/api/viewings/")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Body), `"user_identifier":"`+sub+`"`) {
		t.Errorf("viewing requests %v do not carry the %d-byte user_identifier", posts, len(sub))
	}
}
