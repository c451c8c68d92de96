package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// The sample events in events/ are the ones `sam local invoke -e` uses.
// Their claims are fixed, so the fake Skylark is seeded to match them.
const eventSub = "9b2f6c1e-3f7a-4c55-9a9e-2b8d8d7e0f11"

func readEvent(t *testing.T, name string) json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "events", name))
	mustNoErr(t, err)
	return data
}

func TestSampleEvents(t *testing.T) {
	tests := []struct {
		file   string
		status int
		code   string // for errors
	}{
		{"viewing-v2.json", http.StatusCreated, ""},
		{"viewing-v1.json", http.StatusCreated, ""},
		{"viewing-preflight.json", http.StatusNoContent, ""},
		{"viewing-no-claims.json", http.StatusUnauthorized, codeUnauthenticated},
		{"viewing-not-entitled.json", http.StatusForbidden, codeNotEntitled},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			env := newTestEnv(t)
			env.skylark.GrantEntitlement(eventSub, planGold)

			res := env.invoke(t, readEvent(t, tt.file))

			if tt.code != "" {
				assertError(t, res, tt.status, tt.code)
			} else {
				assertStatus(t, res, tt.status)
			}
			switch tt.status {
			case http.StatusCreated:
				body := decodeViewing(t, res)
				if body.AssetUID != assetUID || len(body.Playback) != 2 {
					t.Errorf("body = %+v, want two playback entries for %s", body, assetUID)
				}
				assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
			case http.StatusNoContent:
				assertHeader(t, res, "Access-Control-Allow-Origin", appOrigin)
				assertHeader(t, res, "Access-Control-Allow-Methods", "POST, OPTIONS")
				assertNothingSent(t, env)
			default:
				if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 0 {
					t.Errorf("Skylark received %d viewing requests, want 0", n)
				}
			}
		})
	}
}

func TestSampleEventNoClaimsSpoofedSub(t *testing.T) {
	// viewing-no-claims.json carries the user's sub in a header and in the
	// body; neither may stand in for the authorizer.
	raw := readEvent(t, "viewing-no-claims.json")
	var ev map[string]any
	mustNoErr(t, json.Unmarshal(raw, &ev))
	if ev["body"] == "" || ev["headers"].(map[string]any)["X-User-Sub"] != eventSub {
		t.Fatal("viewing-no-claims.json no longer carries the sub in its body and headers")
	}

	env := newTestEnv(t)
	env.skylark.GrantEntitlement(eventSub, planGold)
	assertError(t, env.invoke(t, raw), http.StatusUnauthorized, codeUnauthenticated)
	if n := len(env.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests, want 0", n)
	}
}
