package skylark_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// assertNoToken fails when any of texts contains token or one of its
// segments, such as the signature alone.
func assertNoToken(t *testing.T, token string, texts map[string]string) {
	t.Helper()
	parts := append([]string{token}, strings.Split(token, ".")...)
	for what, text := range texts {
		for _, p := range parts {
			if len(p) >= 16 && strings.Contains(text, p) {
				t.Errorf("%s contains the token or a segment of it: %.120q", what, text)
				break
			}
		}
	}
}

// TestErrorTextRedactsTokens sends a real RS256 ID token in every place of a
// response that becomes error text and checks that no error field or
// message keeps it.
func TestErrorTextRedactsTokens(t *testing.T) {
	const uid = "asse_4e4a9d0e3c054790886684b924e1d13c"
	issuer := newTestIssuer(t)
	token := issuer.idToken(t, time.Hour)
	if n := strings.Count(token, "."); n != 2 || !strings.HasPrefix(token, "eyJ") {
		t.Fatalf("minted token has %d dots, want a three-segment JWT", n)
	}

	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		call        string // "get" or "viewing"
		location    string // Location header, sent when not empty
	}{
		{"detail", 400, "application/json", `{"detail":"` + token + `"}`, "get", ""},
		{"error with bearer", 401, "application/json",
			`{"error":"rejected Authorization: Bearer ` + token + `"}`, "get", ""},
		{"error code", 403, "application/json", `{"skylark_error_code":"` + token + `"}`, "get", ""},
		{"form field and message", 400, "application/json",
			`{"skylark_error_code":"FORM_VALIDATION_ERRORS","form_validation_errors":{"` +
				token + `":["bad ` + token + `"]}}`, "get", ""},
		{"form errors as text", 400, "application/json",
			`{"form_validation_errors":"` + token + `"}`, "get", ""},
		{"viewing error in a 201", 201, "application/json", `{"error":"` + token + `"}`, "viewing", ""},
		{"decode error quoting a key", 201, "application/json",
			`{"objects":[{"` + token + `":"not an object"}]}`, "viewing", ""},
		{"content type", 200, "text/" + token, `{}`, "get", ""},
		{"redirect path", 302, "text/html", ``, "get", "/login/" + token + "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				if tt.location != "" {
					w.Header().Set("Location", tt.location)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry))
			if err != nil {
				t.Fatal(err)
			}

			ctx := context.Background()
			switch tt.call {
			case "get":
				_, err = c.Assets.Get(ctx, uid, nil)
			case "viewing":
				_, err = c.Viewings.Create(ctx, &skylark.ViewingRequest{AssetURL: "/api/assets/" + uid + "/"})
			}
			if err == nil {
				t.Fatal("call succeeded, want an error")
			}

			texts := map[string]string{"Error()": err.Error()}
			var er *skylark.ErrorResponse
			if errors.As(err, &er) {
				texts["Message"] = er.Message
				texts["Code"] = er.Code
				texts["Location"] = er.Location
				for field, msgs := range er.FormValidationErrors {
					texts["form field"] = field
					texts["form messages"] = strings.Join(msgs, " ")
				}
			}
			var de *skylark.DecodeError
			if errors.As(err, &de) {
				texts["ContentType"] = de.ContentType
			}
			if er == nil && de == nil {
				t.Fatalf("error %v (%T) is neither *ErrorResponse nor *DecodeError", err, err)
			}
			assertNoToken(t, token, texts)
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("error %q does not show where the token was", err)
			}
		})
	}
}

func TestErrorTextRedactsOpaqueBearer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"detail":"bad header: bearer c2VjcmV0LW9wYXF1ZS10b2tlbg=="}`))
	}))
	defer srv.Close()
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Assets.Get(context.Background(), "asse_4e4a9d0e3c054790886684b924e1d13c", nil)
	er := wantErrorResponse(t, err, http.StatusUnauthorized)
	if want := "bad header: bearer [redacted]"; er.Message != want {
		t.Errorf("Message = %q, want %q", er.Message, want)
	}
}

func TestErrorMessageCapped(t *testing.T) {
	// 3-byte runes, so a cut at 512 bytes would split one.
	long := strings.Repeat("€", 100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"` + long + `","skylark_error_code":"` + long +
			`","form_validation_errors":{"title":["` + long + `"]}}`))
	}))
	defer srv.Close()
	c, err := skylark.NewClient(srv.URL, skylark.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Assets.Get(context.Background(), "asse_4e4a9d0e3c054790886684b924e1d13c", nil)
	er := wantErrorResponse(t, err, http.StatusBadRequest)

	for what, text := range map[string]string{
		"Message": er.Message, "Code": er.Code, "form message": er.FormValidationErrors["title"][0],
	} {
		if len(text) > 512 {
			t.Errorf("%s is %d bytes, want at most 512", what, len(text))
		}
		if !utf8.ValidString(text) {
			t.Errorf("%s is not valid UTF-8 after the cut", what)
		}
		if !strings.Contains(text, "cut from 300000 bytes") {
			t.Errorf("%s does not say it was cut: %.80q...", what, text[max(0, len(text)-60):])
		}
	}
	if n := len(err.Error()); n > 4<<10 {
		t.Errorf("Error() is %d bytes, want a few KiB at most", n)
	}
}

func TestHandBuiltErrorResponseRedacted(t *testing.T) {
	issuer := newTestIssuer(t)
	token := issuer.idToken(t, time.Hour)
	e := &skylark.ErrorResponse{StatusCode: 400, Message: "echo " + token, Code: token,
		FormValidationErrors: map[string][]string{"x": {token}}}
	assertNoToken(t, token, map[string]string{"Error()": e.Error()})

	d := &skylark.DecodeError{StatusCode: 200, Want: "asset", ContentType: token,
		Err: errors.New("key " + token)}
	assertNoToken(t, token, map[string]string{"DecodeError.Error()": d.Error()})
}
