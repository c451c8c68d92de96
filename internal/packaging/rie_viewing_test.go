package packaging

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
)

// Fixtures that the viewing sample events name.
const (
	viewerSub   = "9b2f6c1e-3f7a-4c55-9a9e-2b8d8d7e0f11" // viewer-0001, gold plan
	goldPlanURL = "/api/plans/plan_5f0c2a9e7b1d4e3f8a6c0b2d4e6f8a1c/"
	appOrigin   = "https://app.example.com"
)

// gatewayResponse covers both payload versions of an API Gateway proxy
// response.
type gatewayResponse struct {
	StatusCode        int                 `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// header looks a header up without regard to case, in either map.
func (r gatewayResponse) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, v := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func seedViewingAssets(s *localStack) {
	s.skylark.PutAsset(map[string]any{
		"uid": sampleUID, "title": "Gold match highlights",
		"plan_urls": []string{goldPlanURL},
		"ovps": []map[string]any{
			{"account_url": "/api/accounts/mux/", "playback_id": "GoldPlaybackId01"},
			{"account_url": "/api/accounts/tata/", "stream_url": "https://cdn.example.net/hls/master.m3u8"},
		},
	})
	s.skylark.GrantEntitlement(viewerSub, goldPlanURL)
}

func invokeViewing(t *testing.T, fn *lambdatest.Function, event []byte) gatewayResponse {
	t.Helper()
	resp, err := fn.Invoke(t.Context(), "", event)
	if err != nil {
		t.Fatalf("invoke viewing: %v", err)
	}
	var out gatewayResponse
	if err := decodeStrict(resp.Payload, &out); err != nil {
		t.Fatalf("viewing response %s is not an API Gateway proxy response: %v", resp.Payload, err)
	}
	return out
}

// errorCode returns the "code" of a JSON error body.
func errorCode(t *testing.T, res gatewayResponse) string {
	t.Helper()
	var body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Message == "" {
		t.Fatalf("error body %q is not JSON with code and message: %v", res.Body, err)
	}
	return body.Code
}

// viewingRequests returns the bodies of the viewings Skylark created.
func viewingRequests(t *testing.T, s *localStack) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range s.skylark.Requests() {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/viewings") {
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("viewing request body %s: %v", r.Body, err)
			}
			out = append(out, body)
		}
	}
	return out
}

func wantCreated(t *testing.T, s *localStack, res gatewayResponse) {
	t.Helper()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("status %d (%s), want 201", res.StatusCode, res.Body)
	}
	assertEqual(t, "Cache-Control", res.header("Cache-Control"), "no-store")
	assertEqual(t, "Access-Control-Allow-Origin", res.header("Access-Control-Allow-Origin"), appOrigin)

	var body struct {
		AssetUID string           `json:"asset_uid"`
		Playback []map[string]any `json:"playback"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Fatalf("201 body %q: %v", res.Body, err)
	}
	assertEqual(t, "asset_uid", body.AssetUID, sampleUID)
	if len(body.Playback) != 2 {
		t.Fatalf("playback = %v, want one entry per ovps entry", body.Playback)
	}
	for _, p := range body.Playback {
		if u, _ := p["tokenised_url"].(string); !strings.HasPrefix(u, "https://") {
			t.Errorf("playback entry %v has no https tokenised_url", p)
		}
	}
	if strings.Contains(res.Body, "Bearer") || strings.Contains(res.Body, "eyJ") {
		t.Errorf("201 body carries a token: %s", res.Body)
	}

	created := viewingRequests(t, s)
	if len(created) != 1 {
		t.Fatalf("Skylark received %d viewing requests, want 1", len(created))
	}
	assertEqual(t, "user_identifier", created[0]["user_identifier"], viewerSub)
	if u, _ := created[0]["asset_url"].(string); !strings.Contains(u, sampleUID) {
		t.Errorf("asset_url = %q, want the asset's self path", u)
	}
}

func wantNoViewing(t *testing.T, s *localStack) {
	t.Helper()
	if created := viewingRequests(t, s); len(created) > 0 {
		t.Errorf("Skylark received viewing requests %v, want none", created)
	}
}

func TestViewingSampleEventsUnderEmulator(t *testing.T) {
	bootstrap := lambdatest.Build(t, "./functions/viewing")

	tests := map[string]func(t *testing.T, s *localStack, res gatewayResponse){
		"viewing-v2.json": wantCreated,
		"viewing-v1.json": wantCreated,
		// sam local start-api sends no authorizer output: the caller is
		// not signed in, whatever the headers or body claim.
		"viewing-no-claims.json": func(t *testing.T, s *localStack, res gatewayResponse) {
			assertEqual(t, "status", res.StatusCode, http.StatusUnauthorized)
			assertEqual(t, "code", errorCode(t, res), "unauthenticated")
			wantNoViewing(t, s)
		},
		"viewing-not-entitled.json": func(t *testing.T, s *localStack, res gatewayResponse) {
			assertEqual(t, "status", res.StatusCode, http.StatusForbidden)
			assertEqual(t, "code", errorCode(t, res), "not_entitled")
			wantNoViewing(t, s)
		},
		"viewing-preflight.json": func(t *testing.T, s *localStack, res gatewayResponse) {
			assertEqual(t, "status", res.StatusCode, http.StatusNoContent)
			assertEqual(t, "Access-Control-Allow-Origin", res.header("Access-Control-Allow-Origin"), appOrigin)
			if m := res.header("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
				t.Errorf("Access-Control-Allow-Methods = %q, want POST among them", m)
			}
			wantNoViewing(t, s)
		},
	}

	files, err := filepath.Glob(repoPath(t, "events/viewing-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			check, ok := tests[name]
			if !ok {
				t.Fatalf("events/%s has no expected outcome in this test: add one", name)
			}
			s := newLocalStack(t)
			seedViewingAssets(s)
			fn := s.start(t, bootstrap, "viewing", map[string]string{"CORS_ALLOWED_ORIGINS": appOrigin})
			check(t, s, invokeViewing(t, fn, readEvent(t, name)))
		})
	}
}
