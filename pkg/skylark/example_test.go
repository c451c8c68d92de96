package skylark_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func ExampleNewClient() {
	// In production the HTTP client's Transport adds the Cognito ID token
	// (see the auth package); the Skylark client never sets it itself.
	hc := &http.Client{Timeout: 10 * time.Second}
	c, err := skylark.NewClient("https://api.myenvironment.myaccount.skylarkplatform.io",
		skylark.WithHTTPClient(hc),
		skylark.WithUserAgent("my-ingest/1.0"),
		skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 4, MinDelay: 100 * time.Millisecond,
			MaxDelay: 5 * time.Second}))
	fmt.Println(c != nil, err)

	_, err = skylark.NewClient("http://api.example.com")
	fmt.Println(err)
	// Output:
	// true <nil>
	// skylark: base URL "http://api.example.com" uses http on a host that is not loopback; use https (http is accepted only for localhost, 127.0.0.0/8 and ::1)
}

func ExampleAssetsService_Get() {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"title": "The Joy of Winning",
		"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "p1"}}})

	c, err := skylark.NewClient(srv.URL)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	a, err := c.Assets.Get(ctx, uid, nil)
	if err != nil {
		panic(err)
	}
	playbackID, _ := a.OVPs[0].GetString("playback_id")
	fmt.Println(a.Title, a.OVPs[0].AccountURL, playbackID)

	_, err = c.Assets.Get(ctx, "asse_00000000000000000000000000000000", nil)
	fmt.Println(errors.Is(err, skylark.ErrNotFound))

	_, err = c.Assets.Get(ctx, "not-a-uid", nil)
	fmt.Println(err)
	// Output:
	// The Joy of Winning /api/accounts/mux/ p1
	// true
	// skylark: invalid asset uid "not-a-uid": want "asse_" followed by 32 lower-case hexadecimal digits
}

func ExampleMergeOVPs() {
	var current []skylark.OVP
	_ = json.Unmarshal([]byte(`[
		{"account_url": "/api/accounts/mux/", "playback_id": "p1", "asset_id": "a1"},
		{"account_url": "/api/accounts/tata/", "stream_url": "https://cdn.example/old.m3u8"}
	]`), &current)

	update := skylark.OVP{AccountURL: "/api/accounts/mux/"}
	_ = update.Set("playback_id", "p2")

	merged, changed := skylark.MergeOVPs(current, []skylark.OVP{update}, []string{"/api/accounts/tata/"})
	out, _ := json.Marshal(merged)
	fmt.Println(changed, string(out))

	// Applying the same update again changes nothing, so the write can be
	// skipped.
	_, changed = skylark.MergeOVPs(merged, []skylark.OVP{update}, []string{"/api/accounts/tata/"})
	fmt.Println(changed)
	// Output:
	// true [{"account_url":"/api/accounts/mux/","asset_id":"a1","playback_id":"p2"}]
	// false
}

func ExampleViewingsService_Create() {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"plan_urls": []string{"/api/plans/gold/"},
		"ovps": []any{map[string]any{"account_url": "/api/accounts/mux/", "playback_id": "p1"}}})

	c, err := skylark.NewClient(srv.URL)
	if err != nil {
		panic(err)
	}
	req := &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/", UserIdentifier: "user-1"}
	_, err = c.Viewings.Create(context.Background(), req)
	fmt.Println(errors.Is(err, skylark.ErrNotEntitled))

	srv.GrantEntitlement("user-1", "/api/plans/gold/")
	v, err := c.Viewings.Create(context.Background(), req)
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Objects[0].OVP, v.Objects[0].TokenisedURL != "")
	// Output:
	// true
	// mux true
}

func ExampleErrorResponse() {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	defer srv.Close()
	uid := srv.PutAsset(map[string]any{"title": "x"})
	c, _ := skylark.NewClient(srv.URL, skylark.WithRetry(skylark.RetryPolicy{MaxAttempts: 1}))

	_, err := c.Assets.Patch(context.Background(), uid, map[string]any{"duration_in_seconds": "long"}, nil)
	var er *skylark.ErrorResponse
	if errors.As(err, &er) {
		fmt.Println(er.StatusCode, er.Code, er.FormValidationErrors["duration_in_seconds"], er.Temporary())
	}
	// Output:
	// 400 FORM_VALIDATION_ERRORS [A valid non-negative integer is required.] false
}
