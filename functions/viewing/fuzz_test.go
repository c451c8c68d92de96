package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// fuzzAssetUID is the free asset the fuzz server holds.
const fuzzAssetUID = "asse_4e4a9d0e3c054790886684b924e1d13c"

// fuzzStatuses are the statuses the handler may return.
var fuzzStatuses = map[int]bool{
	http.StatusCreated: true, http.StatusNoContent: true, http.StatusBadRequest: true,
	http.StatusUnauthorized: true, http.StatusForbidden: true, http.StatusNotFound: true,
	http.StatusMethodNotAllowed: true, http.StatusTooManyRequests: true,
	http.StatusInternalServerError: true, http.StatusBadGateway: true,
	http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true,
}

// addSampleEvents seeds f with the sample API Gateway events in events/.
func addSampleEvents(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "events", "viewing-*.json"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no sample events found in events/: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// The samples name an asset uid; point them at the fuzz server's.
		f.Add([]byte(regexp.MustCompile(`asse_[0-9a-f]{32}`).ReplaceAllString(string(data), fuzzAssetUID)))
	}
}

// FuzzDecodeRequest feeds raw events to the payload detection, decoding,
// routing and body check. A routed uid that passes the handler's check must
// be an asset uid; nothing may panic.
func FuzzDecodeRequest(f *testing.F) {
	addSampleEvents(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		version, err := detectVersion(raw)
		if err != nil {
			return
		}
		req, err := decodeRequest(raw, version)
		if err != nil {
			return
		}
		_ = checkBody(req)
		_ = req.authorizer.subject()
		uid, ok := matchRoute(req)
		if !ok || skylark.ValidateAssetUID(uid) != nil {
			return
		}
		if !fuzzUIDPattern.MatchString(uid) {
			t.Fatalf("uid %q passed validation", uid)
		}
	})
}

// fuzzSkylark replaces Skylark in process, so that no server runs
// concurrently with the next input and coverage stays stable. It records
// every identifier the handler passes on that is not an asset uid, or an
// asset_url outside the asset URL space.
type fuzzSkylark struct {
	asset *skylark.Asset
	bad   []string // identifiers outside the URL space
}

func (s *fuzzSkylark) Get(_ context.Context, uid string, _ *skylark.RequestOptions) (*skylark.Asset, error) {
	if !fuzzUIDPattern.MatchString(uid) {
		s.bad = append(s.bad, "asset uid "+uid)
	}
	a := *s.asset
	return &a, nil
}

func (s *fuzzSkylark) Create(_ context.Context, req *skylark.ViewingRequest) (*skylark.Viewing, error) {
	if !fuzzAssetURL.MatchString(req.AssetURL) {
		s.bad = append(s.bad, "asset_url "+req.AssetURL)
	}
	if strings.ContainsFunc(req.UserIdentifier, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		s.bad = append(s.bad, "user_identifier "+req.UserIdentifier)
	}
	return &skylark.Viewing{Objects: []skylark.Playback{
		{OVP: "mux", TokenisedURL: "https://stream.mux.com/FuzzPlayback1.m3u8?token=t"},
	}}, nil
}

var (
	fuzzUIDPattern = regexp.MustCompile(`^asse_[0-9a-f]{32}$`)
	fuzzAssetURL   = regexp.MustCompile(`^/api/assets/asse_[0-9a-f]{32}/$`)
)

// FuzzHandle feeds raw events to the whole handler. Every event must get
// an HTTP response of the event's payload version, never a function error.
// The response has a JSON body and no CR or LF in a header, and only an
// asset uid and its self path may reach Skylark.
func FuzzHandle(f *testing.F) {
	addSampleEvents(f)
	var asset skylark.Asset
	if err := json.Unmarshal([]byte(`{"uid":"`+fuzzAssetUID+`","self":"/api/assets/`+fuzzAssetUID+`/",`+
		`"plan_urls":[],"ovps":[{"account_url":"/api/accounts/mux/"}]}`), &asset); err != nil {
		f.Fatal(err)
	}
	cfg, err := LoadConfig(func(name string) string {
		return map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example.com", "ASSET_CACHE_TTL": "0s"}[name]
	})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, raw []byte) {
		sky := &fuzzSkylark{asset: &asset}
		h := NewHandler(cfg, sky, sky, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		h.now = func() time.Time { return time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC) }
		out, err := h.Handle(context.Background(), raw)
		if err != nil {
			t.Fatalf("Handle returned an error, which API Gateway turns into a bare 502: %v", err)
		}
		status, headers, body := fuzzResponse(t, out)
		if !fuzzStatuses[status] {
			t.Fatalf("status %d is not one the handler documents", status)
		}
		for k, v := range headers {
			if strings.ContainsAny(k+v, "\r\n") {
				t.Fatalf("header %q: %q carries CR or LF", k, v)
			}
		}
		if status != http.StatusNoContent && !json.Valid([]byte(body)) {
			t.Fatalf("status %d body is not JSON: %q", status, body)
		}
		if len(sky.bad) > 0 {
			t.Fatalf("the handler passed identifiers outside Skylark's URL space: %q", sky.bad)
		}
	})
}

// fuzzResponse unpacks either payload version's response.
func fuzzResponse(t *testing.T, out any) (int, map[string]string, string) {
	switch r := out.(type) {
	case events.APIGatewayV2HTTPResponse:
		return r.StatusCode, r.Headers, r.Body
	case events.APIGatewayProxyResponse:
		return r.StatusCode, r.Headers, r.Body
	}
	t.Fatalf("Handle returned %T, not an API Gateway response", out)
	return 0, nil, ""
}
