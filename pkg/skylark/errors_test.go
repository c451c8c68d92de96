package skylark_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func TestCheckResponse(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		wantCode  string
		wantMsg   string
		wantForm  map[string][]string
		wantWait  time.Duration
		wantTemp  bool
		wantIs    []error
		wantIsNot []error
	}{
		{
			name: "form validation", status: 400,
			body:     `{"error":"Form validation failed.","skylark_error_code":"FORM_VALIDATION_ERRORS","form_validation_errors":{"title":["Not a valid string."],"slug":"Required."}}`,
			wantCode: "FORM_VALIDATION_ERRORS", wantMsg: "Form validation failed.",
			wantForm:  map[string][]string{"title": {"Not a valid string."}, "slug": {"Required."}},
			wantIsNot: []error{skylark.ErrNotFound, skylark.ErrNotEntitled},
		},
		{
			name: "null fields", status: 400,
			body:     `{"error":null,"skylark_error_code":"NO_VIEWING_RECORD_PROVIDED","form_validation_errors":null}`,
			wantCode: "NO_VIEWING_RECORD_PROVIDED",
		},
		{
			name: "form errors as a list", status: 400,
			body:     `{"skylark_error_code":"FORM_VALIDATION_ERRORS","form_validation_errors":["bad",{"x":1}]}`,
			wantCode: "FORM_VALIDATION_ERRORS",
			wantForm: map[string][]string{"non_field_errors": {"bad", `{"x":1}`}},
		},
		{
			name: "not entitled", status: 403,
			body:     `{"error":"No valid entitlement.","skylark_error_code":"NO_VALID_ENTITLEMENT_FOR_CONTENT"}`,
			wantCode: "NO_VALID_ENTITLEMENT_FOR_CONTENT", wantMsg: "No valid entitlement.",
			wantIs: []error{skylark.ErrNotEntitled, skylark.ErrForbidden},
		},
		{
			name: "not entitled as 400", status: 400,
			body:     `{"skylark_error_code":"NO_VALID_ENTITLEMENT_FOR_CONTENT"}`,
			wantCode: "NO_VALID_ENTITLEMENT_FOR_CONTENT",
			wantIs:   []error{skylark.ErrNotEntitled}, wantIsNot: []error{skylark.ErrForbidden},
		},
		{
			name: "detail", status: 404, body: `{"detail":"Not found."}`, wantMsg: "Not found.",
			wantIs: []error{skylark.ErrNotFound},
		},
		{name: "gone", status: 410, body: ``, wantIs: []error{skylark.ErrNotFound}},
		{
			name: "unauthorized", status: 401, body: `{"detail":"Authentication credentials were not provided."}`,
			wantMsg: "Authentication credentials were not provided.", wantIs: []error{skylark.ErrUnauthorized},
		},
		{name: "forbidden", status: 403, body: `{}`, wantIs: []error{skylark.ErrForbidden}},
		{
			name: "HTML gateway page", status: 502, body: "<html><body>502 Bad Gateway</body></html>",
			wantTemp: true,
		},
		{name: "internal error", status: 500, body: "oops", wantTemp: true},
		{
			name: "throttled with seconds", status: 429, header: http.Header{"Retry-After": {"7"}},
			body: `{"detail":"Request was throttled."}`, wantMsg: "Request was throttled.",
			wantWait: 7 * time.Second, wantTemp: true,
		},
		{
			name: "unavailable with a past date", status: 503,
			header:   http.Header{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}},
			wantWait: 0, wantTemp: true,
		},
		{name: "error not a string", status: 400, body: `{"error":["a","b"]}`, wantMsg: `["a","b"]`},
		{name: "JSON array body", status: 400, body: `["x"]`},
		{name: "truncated JSON", status: 400, body: `{"error":"cut`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPatch, "https://x.example/api/assets/a/?token=secret", nil)
			resp := &http.Response{StatusCode: tt.status, Header: tt.header, Request: req,
				Body: io.NopCloser(strings.NewReader(tt.body))}
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			err := skylark.CheckResponse(resp)
			var er *skylark.ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("CheckResponse = %v, want *ErrorResponse", err)
			}
			if er.StatusCode != tt.status || er.Code != tt.wantCode || er.Message != tt.wantMsg {
				t.Errorf("got status %d code %q message %q, want %d %q %q",
					er.StatusCode, er.Code, er.Message, tt.status, tt.wantCode, tt.wantMsg)
			}
			if tt.wantForm != nil && !equalForms(er.FormValidationErrors, tt.wantForm) {
				t.Errorf("FormValidationErrors = %v, want %v", er.FormValidationErrors, tt.wantForm)
			}
			if er.Temporary() != tt.wantTemp {
				t.Errorf("Temporary() = %v, want %v", er.Temporary(), tt.wantTemp)
			}
			if er.RetryAfter() != tt.wantWait {
				t.Errorf("RetryAfter() = %v, want %v", er.RetryAfter(), tt.wantWait)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(err, %v) = false", target)
				}
			}
			for _, target := range tt.wantIsNot {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(err, %v) = true", target)
				}
			}
			if er.Method != http.MethodPatch || er.Path != "/api/assets/a/" {
				t.Errorf("Method, Path = %q, %q", er.Method, er.Path)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q contains the query", err)
			}
		})
	}
}

func equalForms(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestCheckResponseSuccess(t *testing.T) {
	for _, status := range []int{200, 201, 204} {
		if err := skylark.CheckResponse(&http.Response{StatusCode: status}); err != nil {
			t.Errorf("CheckResponse(%d) = %v, want nil", status, err)
		}
	}
}

func TestCheckResponseReadsAtMostOneMiB(t *testing.T) {
	body := &countingReader{r: strings.NewReader(`{"error":"` + strings.Repeat("x", 3<<20) + `"}`)}
	resp := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(body)}
	err := skylark.CheckResponse(resp)
	var er *skylark.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 500 {
		t.Fatalf("CheckResponse = %v", err)
	}
	if body.n > 1<<20 {
		t.Errorf("read %d bytes of the body, want at most 1 MiB", body.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestErrorMessageHasNoQuery(t *testing.T) {
	c, srv := setup(t)
	srv.InjectFault(skylarktest.Fault{Status: http.StatusBadRequest})
	_, err := c.Assets.List(context.Background(), &skylark.ListOptions{
		Filter: url.Values{"eid": {"secret-value"}}})
	wantErrorResponse(t, err, http.StatusBadRequest)
	if strings.Contains(err.Error(), "secret-value") {
		t.Errorf("error %q contains the query", err)
	}
	if !strings.Contains(err.Error(), "GET /api/assets/") {
		t.Errorf("error %q does not name the request", err)
	}
}

// TestMalformedSuccessBody checks that a 2xx response whose body is not the
// expected JSON is a *DecodeError, never a zero-valued success.
func TestMalformedSuccessBody(t *testing.T) {
	const uid = "asse_4e4a9d0e3c054790886684b924e1d13c"
	tests := []struct {
		name        string
		contentType string
		status      int
		body        string
		call        string // "get", "list" or "viewing"
	}{
		{"HTML", "text/html", 200, "<html>hello</html>", "get"},
		{"truncated", "application/json", 200, `{"uid":"` + uid, "get"},
		{"list instead of object", "application/json", 200, `[{"uid":"` + uid + `"}]`, "get"},
		{"null", "application/json", 200, `null`, "get"},
		{"missing uid", "application/json", 200, `{"title":"x"}`, "get"},
		{"empty", "application/json", 200, ``, "get"},
		{"no content", "", 204, ``, "get"},
		{"title of wrong type", "application/json", 200, `{"uid":"` + uid + `","title":5}`, "get"},
		{"ovps not a list", "application/json", 200, `{"uid":"` + uid + `","ovps":{}}`, "get"},
		{"ovps entry not an object", "application/json", 200, `{"uid":"` + uid + `","ovps":[1]}`, "get"},
		{"account_url not a string", "application/json", 200,
			`{"uid":"` + uid + `","ovps":[{"account_url":7}]}`, "get"},
		{"trailing garbage", "application/json", 200, `{"uid":"` + uid + `"} x`, "get"},
		{"list without objects", "application/json", 200, `{"results":[]}`, "list"},
		{"list element null", "application/json", 200, `{"objects":[null]}`, "list"},
		{"list element without uid", "application/json", 200, `{"objects":[{"title":"x"}]}`, "list"},
		{"viewing without objects", "application/json", 201, `{}`, "viewing"},
		{"viewing element a string", "application/json", 201, `{"objects":["mux"]}`, "viewing"},
		{"viewing data not an object", "application/json", 201, `{"objects":[{"mux":"u"}]}`, "viewing"},
		{"viewing URL not a string", "application/json", 201,
			`{"objects":[{"mux":{"tokenised_url":1}}]}`, "viewing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer ts.Close()
			c, err := skylark.NewClient(ts.URL, skylark.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var result any
			switch tt.call {
			case "get":
				result, err = c.Assets.Get(ctx, uid, nil)
			case "list":
				result, err = c.Assets.List(ctx, nil)
			case "viewing":
				result, err = c.Viewings.Create(ctx, &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
			}
			var de *skylark.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("result %+v, error %v; want *skylark.DecodeError", result, err)
			}
			if de.StatusCode != tt.status || de.Path == "" || !de.Temporary() {
				t.Errorf("DecodeError = %+v", de)
			}
			if !strings.Contains(err.Error(), "is not a valid") {
				t.Errorf("error %q does not say the body is invalid", err)
			}
		})
	}
}

func TestTruncatedBodyFromFake(t *testing.T) {
	c, srv := setup(t)
	uid := seedAsset(t, srv, "ds-1")
	srv.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Truncate: true, Times: 1})
	_, err := c.Assets.Patch(context.Background(), uid, map[string]any{"slug": "new"}, nil)
	var de *skylark.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error = %v, want *skylark.DecodeError", err)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v does not wrap io.ErrUnexpectedEOF", err)
	}
	// The write took effect although its response was cut.
	if a, _ := srv.Asset(uid); a["slug"] != "new" {
		t.Errorf("slug = %v, want the patch applied", a["slug"])
	}
}
