package skylark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
)

// fuzzRoundTripper returns a canned status, Retry-After and body for every
// request, in process. The fuzz targets then run the client's whole
// response path without a server running concurrently with the next input.
type fuzzRoundTripper struct {
	status     int
	retryAfter string
	body       []byte
}

func (rt *fuzzRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if rt.retryAfter != "" {
		h.Set("Retry-After", rt.retryAfter)
	}
	return &http.Response{StatusCode: rt.status, Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(rt.body)), ContentLength: int64(len(rt.body))}, nil
}

func fuzzClient(tb testing.TB, rt http.RoundTripper) *Client {
	tb.Helper()
	c, err := NewClient("http://127.0.0.1:1", WithHTTPClient(&http.Client{Transport: rt}),
		WithRetry(RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// checkClientError fails unless err is one of the package's documented
// error types with a "skylark: " message.
func checkClientError(t *testing.T, err error) {
	t.Helper()
	var resp *ErrorResponse
	var dec *DecodeError
	if !errors.As(err, &resp) && !errors.As(err, &dec) {
		t.Fatalf("error is %T, not *ErrorResponse or *DecodeError: %v", err, err)
	}
	if !strings.HasPrefix(err.Error(), "skylark: ") {
		t.Fatalf("error message %q lacks the skylark: prefix", err.Error())
	}
}

// FuzzAssetJSON decodes asset bodies. A decoded asset must encode again,
// and the encoding must decode to the same asset: a read-modify-write loses
// nothing.
func FuzzAssetJSON(f *testing.F) {
	f.Add([]byte(`{"uid":"asse_4e4a9d0e3c054790886684b924e1d13c","self":"/api/assets/asse_4e4a9d0e3c054790886684b924e1d13c/",` +
		`"title":"The Joy of Winning","plan_urls":["/api/plans/plan_1/"],"ovps":[{"account_url":"/api/accounts/mux/",` +
		`"playback_id":"x","extra":{"k":[1,2.5e300,null]}}],"duration_in_seconds":3189,"custom":{"a":"b"}}`))
	f.Add([]byte(`{"uid":"asse_4e4a9d0e3c054790886684b924e1d13c","title":null,"ovps":null,"plan_urls":[]}`))
	f.Add([]byte(`{"uid":1}`))
	f.Add([]byte(`{"ovps":[{"account_url":5}]}`))
	f.Add([]byte(`{"uid":"\ud800","title":"\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a Asset
		if err := json.Unmarshal(data, &a); err != nil {
			return
		}
		out, err := json.Marshal(&a)
		if err != nil {
			t.Fatalf("a decoded asset does not encode: %v", err)
		}
		var b Asset
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatalf("the encoding %s does not decode: %v", out, err)
		}
		again, err := json.Marshal(&b)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(out, again) {
			t.Fatalf("round trip changed the asset:\n%s\n%s", out, again)
		}
	})
}

// sameJSON reports whether a and b encode the same value. Numbers are
// compared as written, so values beyond float64's range compare too.
func sameJSON(a, b []byte) bool {
	decode := func(data []byte) (any, error) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		return v, err
	}
	x, errA := decode(a)
	y, errB := decode(b)
	return errA == nil && errB == nil && reflect.DeepEqual(x, y)
}

// FuzzViewingResponse feeds 201 bodies to Viewings.Create. Every body must
// give a viewing or a documented error, never a panic.
func FuzzViewingResponse(f *testing.F) {
	f.Add([]byte(`{"objects":[{"mux":{"tokenised_url":"https://stream.mux.com/x.m3u8?token=t"}}]}`))
	f.Add([]byte(`{"objects":[{"mux":{"tokenised_url":"a"},"tata":{"tokenised_url":"b","cdn":"x"}}]}`))
	f.Add([]byte(`{"objects":[]}`))
	f.Add([]byte(`{"objects":[[]]}`))
	f.Add([]byte(`{"objects":[{"mux":null}]}`))
	f.Add([]byte(`{"error":"No valid entitlement for content.","skylark_error_code":"NO_VALID_ENTITLEMENT_FOR_CONTENT"}`))
	f.Add([]byte(`{"objects":[{"mux":{"tokenised_url":"https://stream.mux.com/x.m3u8?tok`))
	f.Add([]byte(`<html>maintenance</html>`))
	rt := &fuzzRoundTripper{status: http.StatusCreated}
	c := fuzzClient(f, rt)
	f.Fuzz(func(t *testing.T, body []byte) {
		rt.body = body
		v, err := c.Viewings.Create(context.Background(), &ViewingRequest{
			AssetURL: "/api/assets/asse_4e4a9d0e3c054790886684b924e1d13c/", UserIdentifier: "user-1"})
		if err != nil {
			checkClientError(t, err)
			return
		}
		for _, p := range v.Objects {
			if _, err := json.Marshal(p); err != nil {
				t.Fatalf("playback %+v does not encode: %v", p, err)
			}
		}
	})
}

// FuzzErrorResponse feeds error statuses, Retry-After values and bodies to
// the client. The error must carry the status, classify by it, and keep
// Retry-After within [0, 24h].
func FuzzErrorResponse(f *testing.F) {
	f.Add(400, "", []byte(`{"error":"Invalid","skylark_error_code":"FORM_VALIDATION_ERRORS",`+
		`"form_validation_errors":{"title":["This field is required."]}}`))
	f.Add(429, "120", []byte(`{"detail":"Request was throttled."}`))
	f.Add(503, "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`<html>`))
	f.Add(502, "-1", []byte(``))
	f.Add(404, "99999999999999999999", []byte(`{"detail":{"nested":[1]}}`))
	f.Add(401, "1", []byte(`{"form_validation_errors":"oops"}`))
	rt := &fuzzRoundTripper{}
	c := fuzzClient(f, rt)
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		if status < 300 || status > 599 || strings.ContainsAny(retryAfter, "\r\n") {
			return
		}
		rt.status, rt.retryAfter, rt.body = status, retryAfter, body
		_, err := c.Assets.Get(context.Background(), "asse_4e4a9d0e3c054790886684b924e1d13c", nil)
		var resp *ErrorResponse
		if !errors.As(err, &resp) {
			t.Fatalf("status %d gave %T: %v", status, err, err)
		}
		if resp.StatusCode != status {
			t.Fatalf("StatusCode %d, want %d", resp.StatusCode, status)
		}
		if want := status == http.StatusTooManyRequests || status >= 500; resp.Temporary() != want {
			t.Fatalf("status %d: Temporary() = %v", status, resp.Temporary())
		}
		if d := resp.RetryAfter(); d < 0 || d > 24*time.Hour {
			t.Fatalf("Retry-After %q gave %s", retryAfter, d)
		}
		if !strings.HasPrefix(resp.Error(), "skylark: ") {
			t.Fatalf("message %q lacks the skylark: prefix", resp.Error())
		}
	})
}

// FuzzValidateDataSourceID checks that an accepted data-source id stays in
// its URL path segment, also after up to two rounds of percent-decoding.
func FuzzValidateDataSourceID(f *testing.F) {
	for _, id := range []string{"trailer-01", "promo clip 01", "a%2Fb", "a%252Fb", "%2E%2E", "%2e.", "a%00b",
		"..", "a/b", "a\x00b", "é", "%", "%zz", "a%25b"} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if err := ValidateDataSourceID(id); err != nil {
			if !errors.Is(err, ErrInvalidArgument) || !strings.HasPrefix(err.Error(), "skylark: invalid data source id") {
				t.Fatalf("rejection is not a clear *ArgumentError: %v", err)
			}
			return
		}
		v := id
		for round := 0; ; round++ {
			if v == "." || v == ".." || strings.Contains(v, "/") || strings.ContainsFunc(v, unicode.IsControl) {
				t.Fatalf("accepted id %q decodes (%d rounds) to %q", id, round, v)
			}
			dec, err := url.PathUnescape(v)
			if err != nil || dec == v || round == maxDecodeRounds {
				break
			}
			v = dec
		}
		u, err := url.Parse("https://skylark.example/" + dataSourcePath(id))
		if err != nil {
			t.Fatalf("accepted id %q gives an invalid URL: %v", id, err)
		}
		if got := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/api/assets/versions/data-source/"), "/"); got != id {
			t.Fatalf("accepted id %q comes back from the URL path as %q", id, got)
		}
	})
}

// TestValidateDataSourceIDRejectsEncodedPathChanges covers ids that only a
// second percent-decoding turns into a separator, a dot segment or a NUL.
func TestValidateDataSourceIDRejectsEncodedPathChanges(t *testing.T) {
	tests := []struct {
		id, reason string
	}{
		{"a%2Fb", `escaped "/"`},
		{"a%252Fb", `escaped "/"`},
		{"%2E%2E", `escaped "." or ".."`},
		{"%2e.", `escaped "." or ".."`},
		{"%2E", `escaped "." or ".."`},
		{"a%00b", "escaped control character"},
		{"a%250Ab", "escaped control character"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := ValidateDataSourceID(tt.id)
			if err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("ValidateDataSourceID(%q) = %v, want an error about an %s", tt.id, err, tt.reason)
			}
		})
	}
	for _, id := range []string{"a%25b", "100%", "season..1", "promo clip 01"} {
		if err := ValidateDataSourceID(id); err != nil {
			t.Errorf("ValidateDataSourceID(%q) = %v, want nil", id, err)
		}
	}
}
