package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandlerCreatesViewing(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")
			env.grant(user, planGold)

			res := env.invoke(t, p.build(call{claims: user.claims,
				headers: map[string]string{"Authorization": "Bearer " + user.idToken}}))

			assertStatus(t, res, http.StatusCreated)
			assertHeader(t, res, "Cache-Control", "no-store")
			assertHeader(t, res, "Content-Type", "application/json")
			body := decodeViewing(t, res)
			if body.AssetUID != assetUID {
				t.Errorf("asset_uid = %q, want %q", body.AssetUID, assetUID)
			}
			if got, want := body.ovps(), []string{"mux", "tata"}; !slices.Equal(got, want) {
				t.Fatalf("playback ovps = %q, want %q in Skylark's order", got, want)
			}
			muxURL, _ := body.Playback[0]["tokenised_url"].(string)
			if !strings.HasPrefix(muxURL, "https://stream.mux.com/GoldPlaybackId01.m3u8?token=") {
				t.Errorf("mux tokenised_url = %q", muxURL)
			}
			tataURL, _ := body.Playback[1]["tokenised_url"].(string)
			if !strings.HasPrefix(tataURL, "https://cdn.example.net/hls/master.m3u8?token=") {
				t.Errorf("tata tokenised_url = %q", tataURL)
			}

			posts := env.requestsTo(http.MethodPost, "/api/viewings/")
			if len(posts) != 1 {
				t.Fatalf("Skylark received %d viewing requests, want 1", len(posts))
			}
			var sent map[string]string
			mustNoErr(t, json.Unmarshal(posts[0].Body, &sent))
			if want := "/api/assets/" + assetUID + "/"; sent["asset_url"] != want {
				t.Errorf("asset_url = %q, want %q", sent["asset_url"], want)
			}
			if sent["user_identifier"] != user.claims["sub"] {
				t.Errorf("user_identifier = %q, want the user's sub %q", sent["user_identifier"], user.claims["sub"])
			}
			// Skylark gets the integration's token, never the end user's.
			authz := posts[0].Header.Get("Authorization")
			if !strings.HasPrefix(authz, "Bearer ") || strings.Contains(authz, user.idToken) {
				t.Errorf("Skylark Authorization is not the integration's token")
			}
		})
	}
}

func TestHandlerOpenAssetNeedsNoPlan(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "free-viewer")

			res := env.invoke(t, p.build(call{uid: freeAssetUID, claims: user.claims}))

			assertStatus(t, res, http.StatusCreated)
			if got := decodeViewing(t, res).ovps(); !slices.Equal(got, []string{"mux"}) {
				t.Errorf("playback ovps = %q, want [mux]", got)
			}
		})
	}
}

func TestHandlerRejectsUserWithoutPlan(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "basic-viewer")

			res := env.invoke(t, p.build(call{claims: user.claims}))

			assertError(t, res, http.StatusForbidden, codeNotEntitled)
			if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 0 {
				t.Errorf("Skylark received %d viewing requests for a user without the plan", n)
			}
		})
	}
}

func TestHandlerMatchesPlanURLClaims(t *testing.T) {
	// url-viewer's custom:plans is "plan_<basic>,/api/plans/plan_<gold>/".
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "url-viewer")
			env.grant(user, planGold)

			res := env.invoke(t, p.build(call{claims: user.claims}))

			assertStatus(t, res, http.StatusCreated)
		})
	}
}

func TestHandlerSkylarkEntitlementMissing(t *testing.T) {
	// The user's claim lists the plan, but Skylark holds no entitlement.
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")

			res := env.invoke(t, p.build(call{claims: user.claims}))

			assertError(t, res, http.StatusForbidden, codeNotEntitled)
			assertNoLeak(t, res, "NO_VALID_ENTITLEMENT_FOR_CONTENT")
		})
	}
}

func TestHandlerUnknownAsset(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")

			res := env.invoke(t, p.build(call{uid: unknownUID, claims: user.claims}))

			assertError(t, res, http.StatusNotFound, codeAssetNotFound)
			assertNoLeak(t, res)
		})
	}
}

func TestHandlerInvalidAssetUID(t *testing.T) {
	uids := map[string]string{
		"upper case":     "asse_4E4A9D0E3C054790886684B924E1D13C",
		"wrong prefix":   "chan_4e4a9d0e3c054790886684b924e1d13c",
		"too short":      "asse_4e4a",
		"path traversal": "..%2F..%2Fapi%2Fassets",
	}
	for _, p := range payloads {
		for name, uid := range uids {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				env := newTestEnv(t)
				user := env.signIn(t, "gold-viewer")

				res := env.invoke(t, p.build(call{uid: uid, claims: user.claims}))

				assertError(t, res, http.StatusBadRequest, codeInvalidAssetUID)
				if n := len(env.skylark.Requests()); n != 0 {
					t.Errorf("Skylark received %d requests for an invalid uid, want 0", n)
				}
				if n := env.service.Count("InitiateAuth"); n != 0 {
					t.Errorf("Cognito received %d InitiateAuth requests for an invalid uid, want 0", n)
				}
			})
		}
	}
}

func TestHandlerWithoutClaims(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")

			// A valid token in the header is not enough: only the
			// authorizer's output counts.
			res := env.invoke(t, p.build(call{
				headers: map[string]string{"Authorization": "Bearer " + user.idToken}}))

			assertError(t, res, http.StatusUnauthorized, codeUnauthenticated)
			if n := len(env.skylark.Requests()); n != 0 {
				t.Errorf("Skylark received %d requests without claims, want 0", n)
			}
		})
	}
}

func TestHandlerClaimsWithoutSubject(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			res := env.invoke(t, p.build(call{claims: map[string]any{
				"custom:plans": goldUID, "token_use": "id"}}))
			assertError(t, res, http.StatusUnauthorized, codeUnauthenticated)
		})
	}
}

func TestHandlerIgnoresUserFromHeadersAndBody(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")
			other := env.signIn(t, "basic-viewer")
			env.grant(user, planGold)
			env.grant(other, planGold)
			otherSub := other.claims["sub"].(string)

			res := env.invoke(t, p.build(call{
				claims: user.claims,
				headers: map[string]string{
					"Authorization":        "Bearer " + other.idToken,
					"X-User-Sub":           otherSub,
					"X-Amzn-Oidc-Identity": otherSub,
				},
				cookies: []string{"sub=" + otherSub},
				body:    `{"sub":"` + otherSub + `","user_identifier":"` + otherSub + `","custom:plans":"` + basicUID + `"}`,
			}))

			assertStatus(t, res, http.StatusCreated)
			posts := env.requestsTo(http.MethodPost, "/api/viewings/")
			if len(posts) != 1 {
				t.Fatalf("Skylark received %d viewing requests, want 1", len(posts))
			}
			var sent map[string]string
			mustNoErr(t, json.Unmarshal(posts[0].Body, &sent))
			if sent["user_identifier"] != user.claims["sub"] {
				t.Errorf("user_identifier = %q, want the authorizer's sub %q", sent["user_identifier"], user.claims["sub"])
			}
		})
	}
}

func TestHandlerUnknownRoute(t *testing.T) {
	paths := []string{
		"/assets/" + assetUID,
		"/assets/" + assetUID + "/plays",
		"/viewings",
		"/a/b/assets/" + assetUID + "/viewings",
	}
	for _, p := range payloads {
		for _, path := range paths {
			t.Run(p.name+path, func(t *testing.T) {
				env := newTestEnv(t)
				res := env.invoke(t, p.build(call{path: path, noPathParams: true}))
				assertError(t, res, http.StatusNotFound, codeRouteNotFound)
			})
		}
	}
}

func TestHandlerStagePrefixInPath(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "free-viewer")
			res := env.invoke(t, p.build(call{
				path: "/prod/assets/" + freeAssetUID + "/viewings/", noPathParams: true, claims: user.claims}))
			assertStatus(t, res, http.StatusCreated)
			if got := decodeViewing(t, res).AssetUID; got != freeAssetUID {
				t.Errorf("asset_uid = %q, want %q", got, freeAssetUID)
			}
		})
	}
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	for _, p := range payloads {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, "PATCH"} {
			t.Run(p.name+"/"+method, func(t *testing.T) {
				env := newTestEnv(t)
				user := env.signIn(t, "gold-viewer")
				res := env.invoke(t, p.build(call{method: method, claims: user.claims}))
				assertError(t, res, http.StatusMethodNotAllowed, codeMethodNotAllowed)
				assertHeader(t, res, "Allow", "POST, OPTIONS")
			})
		}
	}
}

func TestHandlerRequestBody(t *testing.T) {
	large := `{"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`
	tests := []struct {
		name     string
		body     string
		base64   bool
		wantCode string // "" means 201
	}{
		{name: "empty", body: ""},
		{name: "whitespace", body: " \n"},
		{name: "empty object", body: "{}"},
		{name: "object with fields", body: `{"device":"tv","position":0}`},
		{name: "base64 object", body: base64.StdEncoding.EncodeToString([]byte(`{"device":"tv"}`)), base64: true},
		{name: "array", body: `[1,2]`, wantCode: codeInvalidRequest},
		{name: "string", body: `"play"`, wantCode: codeInvalidRequest},
		{name: "broken JSON", body: `{"device":`, wantCode: codeInvalidRequest},
		{name: "form data", body: "device=tv", wantCode: codeInvalidRequest},
		{name: "over 16 KiB", body: large, wantCode: codeInvalidRequest},
		{name: "base64 over 16 KiB", body: base64.StdEncoding.EncodeToString([]byte(large)), base64: true,
			wantCode: codeInvalidRequest},
		{name: "invalid base64", body: "!!!not base64", base64: true, wantCode: codeInvalidRequest},
	}
	for _, p := range payloads {
		env := newTestEnv(t)
		user := env.signIn(t, "free-viewer")
		for _, tt := range tests {
			t.Run(p.name+"/"+tt.name, func(t *testing.T) {
				res := env.invoke(t, p.build(call{uid: freeAssetUID, claims: user.claims,
					body: tt.body, base64: tt.base64}))
				if tt.wantCode == "" {
					assertStatus(t, res, http.StatusCreated)
					return
				}
				assertError(t, res, http.StatusBadRequest, tt.wantCode)
			})
		}
	}
}

func TestHandlerCachesAssetLookups(t *testing.T) {
	for _, p := range payloads {
		t.Run(p.name, func(t *testing.T) {
			env := newTestEnv(t)
			user := env.signIn(t, "gold-viewer")
			env.grant(user, planGold)

			for range 3 {
				assertStatus(t, env.invoke(t, p.build(call{claims: user.claims})), http.StatusCreated)
			}

			if n := len(env.requestsTo(http.MethodGet, "/api/assets/")); n != 1 {
				t.Errorf("Skylark received %d asset reads for 3 requests, want 1", n)
			}
			if n := len(env.requestsTo(http.MethodPost, "/api/viewings/")); n != 3 {
				t.Errorf("Skylark received %d viewing requests, want 3", n)
			}
			if st := env.tokens.Stats(); st.SignIns != 1 {
				t.Errorf("service sign-ins = %d, want 1 (token cached)", st.SignIns)
			}
		})
	}
}

func TestHandlerConcurrentRequestsShareAssetRead(t *testing.T) {
	env := newTestEnv(t)
	user := env.signIn(t, "gold-viewer")
	env.grant(user, planGold)
	raw := buildV2(call{claims: user.claims})

	const callers = 12
	outs := make(chan any, callers)
	for range callers {
		go func() {
			out, err := env.handler.Handle(context.Background(), raw)
			if err != nil {
				out = err
			}
			outs <- out
		}()
	}
	for range callers {
		out := <-outs
		res, ok := out.(events.APIGatewayV2HTTPResponse)
		if !ok || res.StatusCode != http.StatusCreated {
			t.Errorf("Handle returned %+v, want a 201 response", out)
		}
	}
	if n := len(env.requestsTo(http.MethodGet, "/api/assets/")); n != 1 {
		t.Errorf("Skylark received %d asset reads for %d concurrent requests, want 1", n, callers)
	}
}

func TestHandlerAssetCacheExpires(t *testing.T) {
	clock := &fakeClock{}
	env := newTestEnv(t)
	env.handler.cache.now = clock.Now
	user := env.signIn(t, "free-viewer")
	raw := buildV2(call{uid: freeAssetUID, claims: user.claims})

	assertStatus(t, env.invoke(t, raw), http.StatusCreated)
	clock.Advance(59 * time.Second)
	assertStatus(t, env.invoke(t, raw), http.StatusCreated)
	clock.Advance(time.Second)
	assertStatus(t, env.invoke(t, raw), http.StatusCreated)

	if n := len(env.requestsTo(http.MethodGet, "/api/assets/")); n != 2 {
		t.Errorf("Skylark received %d asset reads, want 2 (one per minute of TTL)", n)
	}
}
