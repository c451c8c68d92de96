package skylarktest_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/streamkit/skylark-lambda/pkg/skylark/internal/tokentest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func TestAuthentication(t *testing.T) {
	iss := tokentest.New(t)
	srv := newFake(t, skylarktest.Options{Issuer: iss.URL, ClientID: iss.ClientID})
	uid := srv.PutAsset(map[string]any{"title": "x", "ovps": []any{map[string]any{"account_url": "/api/accounts/mux/"}}})
	asset := srv.URL + "/api/assets/" + uid + "/"
	valid := iss.IDToken(t, time.Hour, nil)

	hs256, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": iss.URL, "aud": iss.ClientID,
		"token_use": "id", "exp": time.Now().Add(time.Hour).Unix()}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	other := tokentest.New(t) // another pool: its key is unknown here

	tests := []struct {
		name   string
		method string
		header map[string]string
		status int
	}{
		{"valid token GET", "GET", bearer(valid), http.StatusOK},
		{"valid token with no-cache", "GET", map[string]string{"Authorization": "Bearer " + valid,
			"Cache-Control": "no-cache"}, http.StatusOK},
		{"no token GET", "GET", nil, http.StatusUnauthorized},
		{"no token PATCH", "PATCH", nil, http.StatusUnauthorized},
		{"garbage", "GET", bearer("not.a.jwt"), http.StatusUnauthorized},
		{"empty bearer", "GET", map[string]string{"Authorization": "Bearer "}, http.StatusUnauthorized},
		{"wrong scheme", "GET", map[string]string{"Authorization": "JWT " + valid}, http.StatusUnauthorized},
		{"expired", "GET", bearer(iss.IDToken(t, -time.Minute, nil)), http.StatusUnauthorized},
		{"no exp", "GET", bearer(iss.IDToken(t, time.Hour, map[string]any{"exp": nil})), http.StatusUnauthorized},
		{"access token", "GET", bearer(iss.IDToken(t, time.Hour, map[string]any{"token_use": "access"})),
			http.StatusUnauthorized},
		{"wrong audience", "GET", bearer(iss.IDToken(t, time.Hour, map[string]any{"aud": "other"})),
			http.StatusUnauthorized},
		{"wrong issuer", "GET", bearer(iss.IDToken(t, time.Hour, map[string]any{"iss": "https://evil.example"})),
			http.StatusUnauthorized},
		{"issued in the future", "GET", bearer(iss.IDToken(t, 2*time.Hour,
			map[string]any{"iat": time.Now().Add(time.Hour).Unix()})), http.StatusUnauthorized},
		{"HS256", "GET", bearer(hs256), http.StatusUnauthorized},
		{"key of another pool", "GET", bearer(other.IDToken(t, time.Hour, map[string]any{"iss": iss.URL,
			"aud": iss.ClientID})), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.method == "PATCH" {
				body = map[string]any{"slug": "s"}
			}
			r := call(t, tt.method, asset, body, tt.header)
			if tt.status == http.StatusUnauthorized {
				wantDetail(t, r, http.StatusUnauthorized)
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				return
			}
			wantStatus(t, r, tt.status)
		})
	}

	t.Run("viewing needs a token", func(t *testing.T) {
		body := map[string]any{"asset_url": "/api/assets/" + uid + "/"}
		wantDetail(t, call(t, "POST", srv.URL+"/api/viewings/", body, nil), http.StatusUnauthorized)
		wantStatus(t, call(t, "POST", srv.URL+"/api/viewings/", body, bearer(valid)), http.StatusCreated)
	})
}

func TestAnonymousReads(t *testing.T) {
	iss := tokentest.New(t)
	srv := newFake(t, skylarktest.Options{Issuer: iss.URL, ClientID: iss.ClientID, AnonymousReads: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	asset := srv.URL + "/api/assets/" + uid + "/"

	wantStatus(t, call(t, "GET", asset, nil, nil), http.StatusOK)
	wantStatus(t, call(t, "GET", srv.URL+"/api/assets/", nil, nil), http.StatusOK)
	wantDetail(t, call(t, "PATCH", asset, map[string]any{"slug": "s"}, nil), http.StatusUnauthorized)
	wantDetail(t, call(t, "POST", srv.URL+"/api/viewings/", map[string]any{"asset_url": asset}, nil),
		http.StatusUnauthorized)
	// A bad token is rejected even where no token is needed.
	wantDetail(t, call(t, "GET", asset, nil, bearer("garbage")), http.StatusUnauthorized)
	// Cache-Control: no-cache without Authorization is rejected.
	wantDetail(t, call(t, "GET", asset, nil, map[string]string{"Cache-Control": "max-age=0, No-Cache"}),
		http.StatusUnauthorized)
}

func TestNoCacheRule(t *testing.T) {
	srv := newFake(t, skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	asset := srv.URL + "/api/assets/" + uid + "/"
	wantDetail(t, call(t, "GET", asset, nil, map[string]string{"Cache-Control": "no-cache"}), http.StatusUnauthorized)
	wantStatus(t, call(t, "GET", asset, nil, map[string]string{"Cache-Control": "no-cache",
		"Authorization": "Bearer anything"}), http.StatusOK)
	wantStatus(t, call(t, "GET", asset, nil, map[string]string{"Cache-Control": "no-store"}), http.StatusOK)

	lax := newFake(t, skylarktest.Options{NoAuth: true, AllowAnonymousNoCache: true})
	uid = lax.PutAsset(map[string]any{"title": "x"})
	wantStatus(t, call(t, "GET", lax.URL+"/api/assets/"+uid+"/", nil, map[string]string{"Cache-Control": "no-cache"}),
		http.StatusOK)
}

func TestKeyRotation(t *testing.T) {
	iss := tokentest.New(t)
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	srv := newFake(t, skylarktest.Options{Issuer: iss.URL, ClientID: iss.ClientID, Now: now})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	asset := srv.URL + "/api/assets/" + uid + "/"

	for range 3 {
		wantStatus(t, call(t, "GET", asset, nil, bearer(iss.IDToken(t, time.Hour, nil))), http.StatusOK)
	}
	if n := iss.Fetches(); n != 1 {
		t.Errorf("key set fetched %d times for one key, want 1 (cached)", n)
	}
	iss.Rotate(t)
	// A token signed with the new key is rejected while the key set was
	// fetched less than a second ago, then accepted once it is refetched.
	wantDetail(t, call(t, "GET", asset, nil, bearer(iss.IDToken(t, time.Hour, nil))), http.StatusUnauthorized)
	offset.Store(int64(2 * time.Second))
	wantStatus(t, call(t, "GET", asset, nil, bearer(iss.IDToken(t, time.Hour, nil))), http.StatusOK)
	if n := iss.Fetches(); n != 2 {
		t.Errorf("key set fetched %d times after rotation, want 2", n)
	}
}

func TestUnreachableKeySet(t *testing.T) {
	srv := newFake(t, skylarktest.Options{Issuer: "http://127.0.0.1:1/pool", ClientID: "c"})
	uid := srv.PutAsset(map[string]any{"title": "x"})
	iss := tokentest.New(t)
	r := call(t, "GET", srv.URL+"/api/assets/"+uid+"/", nil, bearer(iss.IDToken(t, time.Hour, nil)))
	wantDetail(t, r, http.StatusInternalServerError)
}

func TestNewServerRequiresIssuer(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewServer without Issuer and NoAuth did not panic")
		}
	}()
	skylarktest.NewServer(skylarktest.Options{})
}
