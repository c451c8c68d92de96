package skylark_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// benchFake is one fake shared by the GetAsset benchmarks, so both measure
// against the same server and asset. Authentication is off in the fake so
// that token verification, which costs the same for both, does not hide
// the difference between the clients.
var benchFake = sync.OnceValues(func() (*skylarktest.Server, string) {
	srv := skylarktest.NewServer(skylarktest.Options{NoAuth: true})
	uid := srv.PutAsset(map[string]any{
		"title": "The Joy of Winning", "slug": "the-joy-of-winning", "data_source_id": "joy",
		"duration": "00:53:09", "duration_in_seconds": 3189,
		"plan_urls":  []string{"/api/plans/gold/"},
		"image_urls": []string{"/api/images/imag_97107d1bcf0b4d88914450b4524bf111/"},
		"ovps": []any{
			map[string]any{"account_url": "/api/accounts/mux/", "asset_id": "a", "playback_id": "p",
				"duration": "3189.2"},
			map[string]any{"account_url": "/api/accounts/tata/", "stream_url": "https://cdn.example/m.m3u8"},
		},
	})
	return srv, uid
})

func benchTransport() http.RoundTripper {
	return &bearerTransport{token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJl",
		base: &http.Transport{MaxIdleConnsPerHost: 16}}
}

// BenchmarkGetAssetClient reads one asset with this package's client over
// an auth-like RoundTripper that adds a cached bearer token.
func BenchmarkGetAssetClient(b *testing.B) {
	srv, uid := benchFake()
	c, err := skylark.NewClient(srv.URL, skylark.WithHTTPClient(&http.Client{Transport: benchTransport()}))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, err := c.Assets.Get(ctx, uid, nil)
		if err != nil {
			b.Fatal(err)
		}
		if a.UID != uid {
			b.Fatalf("UID = %q", a.UID)
		}
	}
}

// BenchmarkGetAssetRawHTTP reads the same asset with net/http and decodes it
// into a map: the floor the client is compared against.
func BenchmarkGetAssetRawHTTP(b *testing.B) {
	srv, uid := benchFake()
	hc := &http.Client{Transport: benchTransport()}
	url := fmt.Sprintf("%s/api/assets/%s/", srv.URL, uid)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var asset map[string]any
		err = json.NewDecoder(resp.Body).Decode(&asset)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, decode: %v", resp.StatusCode, err)
		}
		if asset["uid"] != uid {
			b.Fatalf("uid = %v", asset["uid"])
		}
	}
}
