package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Compare the warm handler with the HTTP traffic it stands for, in one run:
//
//	go test -run '^$' -bench 'HandlerWarm|RawHTTP' -benchmem ./functions/viewing/
//
// All three benchmarks talk to the same fake Skylark, which verifies the
// RS256 ID token on every request, over loopback keep-alive connections.

// benchEnv returns an environment whose token and asset are cached, as in a
// warm container after its first invocation, with logging discarded.
func benchEnv(b *testing.B) (*testEnv, json.RawMessage) {
	b.Helper()
	env := newTestEnv(b)
	env.handler.logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	user := env.signIn(b, "gold-viewer")
	env.grant(user, planGold)
	raw := buildV2(call{claims: user.claims, headers: map[string]string{"Origin": appOrigin}})

	out, err := env.handler.Handle(context.Background(), raw)
	if err != nil || out.(events.APIGatewayV2HTTPResponse).StatusCode != http.StatusCreated {
		b.Fatalf("warm-up invocation: %v %+v", err, out)
	}
	return env, raw
}

// BenchmarkHandlerWarm is one warm invocation: decode the event, check the
// claims, find the asset in the cache, POST the viewing (one HTTP call) and
// encode the response.
func BenchmarkHandlerWarm(b *testing.B) {
	env, raw := benchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := env.handler.Handle(ctx, raw)
		if err != nil || out.(events.APIGatewayV2HTTPResponse).StatusCode != http.StatusCreated {
			b.Fatalf("Handle: %v %+v", err, out)
		}
	}
	b.StopTimer()
	if n := len(env.requestsTo(http.MethodGet, "/api/assets/")); n != 1 {
		b.Errorf("Skylark received %d asset reads, want 1 (the warm-up)", n)
	}
}

// BenchmarkRawHTTPTwoCalls is the traffic of an uncached invocation, done
// directly with net/http: GET the asset and POST the viewing, reading both
// bodies, with the same cached ID token.
func BenchmarkRawHTTPTwoCalls(b *testing.B) {
	env, _ := benchEnv(b)
	get, post := rawRequests(b, env)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		get()
		post()
	}
}

// BenchmarkRawHTTPViewingOnly is the one call a warm handler with a cached
// asset makes, for comparison with BenchmarkHandlerWarm.
func BenchmarkRawHTTPViewingOnly(b *testing.B) {
	env, _ := benchEnv(b)
	_, post := rawRequests(b, env)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		post()
	}
}

// rawRequests returns functions that send the asset read and the viewing
// request the handler sends, and fail the benchmark on an unexpected status.
func rawRequests(b *testing.B, env *testEnv) (get, post func()) {
	b.Helper()
	tok, err := env.tokens.Token(context.Background())
	mustNoErr(b, err)
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	assetURL := env.skylark.URL + "/api/assets/" + assetUID + "/"
	viewingURL := env.skylark.URL + "/api/viewings/"
	viewingBody := mustJSON(map[string]string{
		"asset_url": "/api/assets/" + assetUID + "/", "user_identifier": "bench-user"})
	env.skylark.GrantEntitlement("bench-user", planGold)

	send := func(method, url string, body []byte, want int) {
		var reader io.Reader
		if body != nil {
			reader = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, url, reader)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok.IDToken)
		req.Header.Set("Cache-Control", "no-cache")
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("%s %s: status %d, want %d", method, url, resp.StatusCode, want)
		}
	}
	get = func() { send(http.MethodGet, assetURL, nil, http.StatusOK) }
	post = func() { send(http.MethodPost, viewingURL, viewingBody, http.StatusCreated) }
	return get, post
}
