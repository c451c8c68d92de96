package skylarktest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// These tests talk to the fake with plain net/http, as a client written
// without this module would.

func newFake(t *testing.T, opts skylarktest.Options) *skylarktest.Server {
	t.Helper()
	srv := skylarktest.NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends a request and decodes a JSON object body when there is one.
func call(t *testing.T, method, url string, body any, header map[string]string) result {
	t.Helper()
	var reader io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		reader = bytes.NewBufferString(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, reader)
	if err != nil {
		t.Fatal(err)
	}
	if reader != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: decode body %s: %v", method, url, raw, err)
		}
	}
	return r
}

// wantStatus fails the test unless r has the status.
func wantStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
}

// wantSkylarkError checks Skylark's error body: the code, an "error" key
// and a "form_validation_errors" key.
func wantSkylarkError(t *testing.T, r result, status int, code string) {
	t.Helper()
	wantStatus(t, r, status)
	if r.body["skylark_error_code"] != code {
		t.Errorf("skylark_error_code = %v, want %q; body %s", r.body["skylark_error_code"], code, r.raw)
	}
	for _, k := range []string{"error", "form_validation_errors"} {
		if _, ok := r.body[k]; !ok {
			t.Errorf("body %s has no %q key", r.raw, k)
		}
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

// wantDetail checks a {"detail": "..."} error body.
func wantDetail(t *testing.T, r result, status int) {
	t.Helper()
	wantStatus(t, r, status)
	if d, _ := r.body["detail"].(string); d == "" {
		t.Errorf("body %s has no detail message", r.raw)
	}
}

// formErrors returns the messages for field from a FORM_VALIDATION_ERRORS body.
func formErrors(r result, field string) []any {
	form, _ := r.body["form_validation_errors"].(map[string]any)
	msgs, _ := form[field].([]any)
	return msgs
}
