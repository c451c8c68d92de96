package reliability

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// minSecretPart is the shortest part of a token the scan looks for alone.
// JWT headers are left out: they are the same for every token of a pool.
const minSecretPart = 16

// secretValue is a value that must never appear in output, with a label
// that names it without revealing it.
type secretValue struct {
	label string
	value string
}

// leak is a secret found in recorded output.
type leak struct {
	label  string // which secret
	form   string // raw, JSON-escaped, URL-escaped or a JWT part
	source string // which output
	offset int
}

// assertNoSecrets fails the test if a password, the client secret, a token
// the pool issued or an Authorization header value appears in anything the
// world recorded: log lines, error documents, responses and dead-letter
// attributes.
func assertNoSecrets(t *testing.T, w *world) {
	t.Helper()
	var values []secretValue
	for i, v := range w.secretValues() {
		values = append(values, secretValue{label: fmt.Sprintf("secret #%d (%s)", i, kindOf(v)), value: v})
	}
	if len(values) < 2 {
		t.Fatalf("the secret scan has only %d values to look for", len(values))
	}
	for _, l := range findLeaks(w.rec.snapshot(), values) {
		t.Errorf("%s found %s in %s at byte %d", l.label, l.form, l.source, l.offset)
	}
}

// kindOf names a secret's shape without showing it.
func kindOf(v string) string {
	switch {
	case strings.HasPrefix(v, "Bearer "):
		return "Authorization header"
	case strings.Count(v, ".") == 2 && strings.HasPrefix(v, "eyJ"):
		return "JWT"
	case strings.HasPrefix(v, "Pw"):
		return "password"
	case strings.HasPrefix(v, "cs"):
		return "client secret"
	}
	return "refresh token or other"
}

// findLeaks returns every occurrence of a secret, in any of the forms an
// encoder could give it, in the recorded output.
func findLeaks(entries []recorded, secrets []secretValue) []leak {
	var leaks []leak
	for _, s := range secrets {
		for form, needle := range secretForms(s.value) {
			for _, e := range entries {
				if i := bytes.Index(e.data, []byte(needle)); i >= 0 {
					leaks = append(leaks, leak{label: s.label, form: form, source: e.source, offset: i})
				}
			}
		}
	}
	return leaks
}

// secretForms returns the forms to look for: the value itself, as JSON and
// HTML-safe JSON escape it, as URLs escape it, and for a JWT its payload
// and signature alone.
func secretForms(v string) map[string]string {
	forms := map[string]string{"raw": v}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	_ = enc.Encode(v) // HTML-safe: < > & become \u003c \u003e \u0026
	forms["JSON-escaped"] = strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]
	b.Reset()
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	forms["JSON-escaped without HTML escaping"] = strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)[1:]
	forms["query-escaped"] = url.QueryEscape(v)
	forms["path-escaped"] = url.PathEscape(v)
	if parts := strings.Split(strings.TrimPrefix(v, "Bearer "), "."); len(parts) == 3 {
		for i, name := range []string{"", "JWT payload", "JWT signature"} {
			if i > 0 && len(parts[i]) >= minSecretPart {
				forms[name] = parts[i]
			}
		}
	}
	return forms
}

func TestFindLeaksCatchesEveryForm(t *testing.T) {
	password := `Pw<&>"/+c0ffee`
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEyMzQ1Njc4OTAifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2"
	secrets := []secretValue{{"password", password}, {"token", jwt}}
	tests := []struct {
		name   string
		output string
		form   string
	}{
		{"raw password", "login with " + password, "raw"},
		{"password in slog JSON", `{"msg":"x","password":"Pw\u003c\u0026\u003e\"/+c0ffee"}`, "JSON-escaped"},
		{"password in JSON without HTML escaping", `{"p":"Pw<&>\"/+c0ffee"}`, "JSON-escaped without HTML escaping"},
		{"password in a query", "GET /x?p=Pw%3C%26%3E%22%2F%2Bc0ffee", "query-escaped"},
		{"password in a path", "GET /x/Pw%3C&%3E%22%2F+c0ffee", "path-escaped"},
		{"token in a header", "Authorization: Bearer " + jwt, "raw"},
		{"token signature alone", "sig=c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2 cut", "JWT signature"},
		{"token payload alone", "claims eyJzdWIiOiJ1c2VyLTEyMzQ1Njc4OTAifQ", "JWT payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaks := findLeaks([]recorded{{source: "log", data: []byte(tt.output)}}, secrets)
			found := false
			for _, l := range leaks {
				found = found || l.form == tt.form
			}
			if !found {
				t.Errorf("no leak in form %q found in %q; found %+v", tt.form, tt.output, leaks)
			}
		})
	}
	if leaks := findLeaks([]recorded{{source: "log", data: []byte(`{"password":"[redacted]"}`)}}, secrets); len(leaks) != 0 {
		t.Errorf("clean output reported as a leak: %+v", leaks)
	}
}
