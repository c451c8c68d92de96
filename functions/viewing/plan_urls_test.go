package main

// How the handler reads an asset's plan_urls from Skylark: entries that
// name no plan must never make a restricted asset free.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestHandlerInvalidPlanURLsFailClosed(t *testing.T) {
	tests := []struct {
		name     string
		planURLs any
	}{
		{"empty string", []string{""}},
		{"slash", []string{"/"}},
		{"blank", []string{"  "}},
		{"null entry", []any{nil}},
		{"double slash", []string{"//"}},
		{"empty segment", []string{"/api/plans//"}},
		{"several invalid entries", []any{"", nil, "/"}},
	}
	env := newTestEnv(t)
	free := env.signIn(t, "free-viewer")
	gold := env.signIn(t, "gold-viewer")
	for _, tt := range tests {
		uid := env.skylark.PutAsset(map[string]any{"title": "Bad plans: " + tt.name,
			"plan_urls": tt.planURLs,
			"ovps":      []map[string]any{{"account_url": "/api/accounts/mux/", "playback_id": "BadPlans01"}}})
		for _, user := range []endUser{free, gold} {
			// Were the request to reach it, the fake Skylark would create
			// the viewing: the handler is the only check.
			env.grant(user, "")
			env.grant(user, "/")
		}

		for _, p := range payloads {
			for name, user := range map[string]endUser{"user without plans": free, "user with plans": gold} {
				t.Run(tt.name+"/"+p.name+"/"+name, func(t *testing.T) {
					env.skylark.ClearRequests()

					res := env.invoke(t, p.build(call{uid: uid, claims: user.claims}))

					assertError(t, res, http.StatusForbidden, codeNotEntitled)
					assertNoLeak(t, res, "plan_urls")
					if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 0 {
						t.Errorf("Skylark received %d viewing requests, want 0", n)
					}
					line := lastRequestLog(t, env, uid)
					assertLogField(t, line, "level", "WARN")
					assertLogField(t, line, "code", codeNotEntitled)
					assertSameJSONText(t, line["invalid_plan_urls"], mustJSON(tt.planURLs))
					if msg, _ := line["error"].(string); !strings.Contains(msg, uid) {
						t.Errorf("log error %q does not name asset %s", msg, uid)
					}
				})
			}
		}
	}
}

func TestHandlerFreePlanURLsForms(t *testing.T) {
	// Only an absent, null or empty plan_urls makes an asset free.
	tests := []struct {
		name   string
		fields map[string]any
	}{
		{"absent", map[string]any{}},
		{"null", map[string]any{"plan_urls": nil}},
		{"empty list", map[string]any{"plan_urls": []string{}}},
	}
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	for _, tt := range tests {
		tt.fields["title"] = "Free: " + tt.name
		tt.fields["ovps"] = []map[string]any{{"account_url": "/api/accounts/mux/", "playback_id": "Free01"}}
		uid := env.skylark.PutAsset(tt.fields)
		for _, p := range payloads {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				res := env.invoke(t, p.build(call{uid: uid, claims: user.claims}))

				assertStatus(t, res, http.StatusCreated)
				line := lastRequestLog(t, env, uid)
				assertLogField(t, line, "level", "INFO")
				if v, ok := line["invalid_plan_urls"]; ok {
					t.Errorf("log line has invalid_plan_urls %v for a free asset", v)
				}
			})
		}
	}
}

func TestHandlerMixedPlanURLs(t *testing.T) {
	// A valid plan still grants the asset when another entry is invalid,
	// and the request is logged as a warning.
	env := newTestEnv(t)
	gold := env.signIn(t, "gold-viewer")
	basic := env.signIn(t, "basic-viewer")
	env.grant(gold, planGold)
	env.grant(basic, "")
	planURLs := []any{"", planGold, nil}
	uid := env.skylark.PutAsset(map[string]any{"title": "Mixed plans", "plan_urls": planURLs,
		"ovps": []map[string]any{{"account_url": "/api/accounts/mux/", "playback_id": "Mixed01"}}})

	for _, p := range payloads {
		t.Run(p.name+"/user with the plan", func(t *testing.T) {
			assertStatus(t, env.invoke(t, p.build(call{uid: uid, claims: gold.claims})), http.StatusCreated)
			line := lastRequestLog(t, env, uid)
			assertLogField(t, line, "level", "WARN")
			assertSameJSONText(t, line["invalid_plan_urls"], mustJSON(planURLs))
		})
		t.Run(p.name+"/user without the plan", func(t *testing.T) {
			env.skylark.ClearRequests()
			res := env.invoke(t, p.build(call{uid: uid, claims: basic.claims}))
			assertError(t, res, http.StatusForbidden, codeNotEntitled)
			if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 0 {
				t.Errorf("Skylark received %d viewing requests, want 0", n)
			}
		})
	}
}

func TestHandlerPlanURLsNotAList(t *testing.T) {
	tests := []struct {
		name     string
		planURLs any
	}{
		{"string", planGold},
		{"object", map[string]any{"url": planGold}},
		{"number", 7},
		{"boolean", true},
		{"list of numbers", []any{1}},
		{"list of lists", []any{[]string{planGold}}},
		{"list of objects", []any{map[string]any{"url": planGold}}},
	}
	env := newTestEnv(t)
	user := env.signIn(t, "free-viewer")
	for _, tt := range tests {
		uid := env.skylark.PutAsset(map[string]any{"title": "Broken plans: " + tt.name,
			"plan_urls": tt.planURLs,
			"ovps":      []map[string]any{{"account_url": "/api/accounts/mux/", "playback_id": "Broken01"}}})
		for _, p := range payloads {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				env.skylark.ClearRequests()

				res := env.invoke(t, p.build(call{uid: uid, claims: user.claims}))

				assertError(t, res, http.StatusBadGateway, codeUpstreamError)
				assertNoLeak(t, res, "plan_urls")
				if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 0 {
					t.Errorf("Skylark received %d viewing requests, want 0", n)
				}
				line := lastRequestLog(t, env, uid)
				assertLogField(t, line, "level", "ERROR")
				if msg, _ := line["error"].(string); !strings.Contains(msg, "plan_urls") ||
					!strings.Contains(msg, uid) {
					t.Errorf("log error %q does not name plan_urls and asset %s", msg, uid)
				}
			})
		}
	}
}

// lastRequestLog returns the last request log line about the asset uid.
func lastRequestLog(t testing.TB, env *testEnv, uid string) map[string]any {
	t.Helper()
	lines := logLines(t, env.logs)
	for i := len(lines) - 1; i >= 0; i-- {
		if lines[i]["asset_uid"] == uid {
			return lines[i]
		}
	}
	t.Fatalf("no log line names asset %s", uid)
	return nil
}

func assertLogField(t testing.TB, line map[string]any, key string, want any) {
	t.Helper()
	if got := line[key]; got != want {
		t.Errorf("log field %s = %v, want %v (line %v)", key, got, want, line)
	}
}

// assertSameJSONText checks that got is a string holding the same JSON as
// want, ignoring white space.
func assertSameJSONText(t testing.TB, got any, want []byte) {
	t.Helper()
	s, ok := got.(string)
	if !ok {
		t.Errorf("logged value = %v, want the JSON %s", got, want)
		return
	}
	var compactGot, compactWant bytes.Buffer
	if err := json.Compact(&compactGot, []byte(s)); err != nil {
		t.Errorf("logged value %q is not JSON: %v", s, err)
		return
	}
	mustNoErr(t, json.Compact(&compactWant, want))
	if compactGot.String() != compactWant.String() {
		t.Errorf("logged value = %s, want %s", compactGot.String(), compactWant.String())
	}
}
