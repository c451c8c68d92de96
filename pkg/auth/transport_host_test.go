package auth

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestSameHost(t *testing.T) {
	tests := []struct {
		name string
		url  string
		host string
		want bool
	}{
		{"same host and port", "http://127.0.0.1:8080/api/", "127.0.0.1:8080", true},
		{"other port", "http://127.0.0.1:8081/api/", "127.0.0.1:8080", false},
		{"other name for loopback", "http://localhost:8080/api/", "127.0.0.1:8080", false},
		{"case of the name", "https://API.Example.com/api/", "api.example.com", true},
		{"default https port written out", "https://api.example.com:443/", "api.example.com", true},
		{"default https port in Host", "https://api.example.com/", "api.example.com:443", true},
		{"https port given, http request", "http://api.example.com/", "api.example.com:443", false},
		{"other https port", "https://api.example.com:8443/", "api.example.com", false},
		{"subdomain", "https://evil.api.example.com/", "api.example.com", false},
		{"suffix match", "https://api.example.com.evil.net/", "api.example.com", false},
		{"IPv6", "http://[::1]:9000/", "[::1]:9000", true},
		{"IPv6 other port", "http://[::1]:9001/", "[::1]:9000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if got := sameHost(u, tt.host); got != tt.want {
				t.Errorf("sameHost(%q, %q) = %v, want %v", tt.url, tt.host, got, tt.want)
			}
		})
	}
}

func TestTransportHostAllowsBaseHost(t *testing.T) {
	api := newAPIRecorder(t)
	src := &countingSource{}
	host := strings.TrimPrefix(api.srv.URL, "http://")
	client := &http.Client{Transport: &Transport{Source: src, Host: host}}

	resp, err := client.Get(api.srv.URL + "/api/assets/")
	if err != nil {
		t.Fatalf("GET to Transport.Host: %v", err)
	}
	resp.Body.Close()

	got := api.recorded()
	if len(got) != 1 {
		t.Fatalf("server received %d requests, want 1", len(got))
	}
	if got[0].auth != "Bearer token-a" {
		t.Errorf("Authorization = %q, want the token", got[0].auth)
	}
}

// TestTransportHostRedirectToOtherHost follows a redirect with Go's default
// policy. Go removes the Authorization header it copies to another host,
// but Transport would add its own again, so the Host check has to stop it.
func TestTransportHostRedirectToOtherHost(t *testing.T) {
	other := newAPIRecorder(t)
	// localhost resolves to the loopback address of the origin server but
	// is another host name, and the port differs as well.
	otherURL := strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1)
	origin := newRedirector(t, otherURL+"/api/assets/?leak=1")
	src := &countingSource{}
	host := strings.TrimPrefix(origin.URL, "http://")
	client := &http.Client{Transport: &Transport{Source: src, Host: host}}

	for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			body := &trackedBody{Reader: strings.NewReader(`{"slug":"s"}`)}
			req, err := http.NewRequest(method, origin.URL+"/api/assets/", body)
			if err != nil {
				t.Fatal(err)
			}
			req.GetBody = func() (io.ReadCloser, error) {
				return io.NopCloser(strings.NewReader(`{"slug":"s"}`)), nil
			}
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("%s through a redirect to %s succeeded with status %d",
					method, otherURL, resp.StatusCode)
			}
			if !errors.Is(err, ErrHostNotAllowed) {
				t.Errorf("error = %v, want one matching ErrHostNotAllowed", err)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Temporary() {
				t.Errorf("error %v is not a permanent *auth.Error", err)
			}
			if !strings.Contains(err.Error(), host) {
				t.Errorf("error %q does not name Transport.Host %s", err, host)
			}
			assertNoSecrets(t, err, "token-a", "token-b")
		})
	}
	if got := other.recorded(); len(got) != 0 {
		t.Errorf("the other host received %d requests", len(got))
	}
	for _, r := range other.recorded() {
		if r.auth != "" {
			t.Errorf("the other host received Authorization %q", r.auth)
		}
	}
}

func TestTransportHostRejectedBeforeToken(t *testing.T) {
	other := newAPIRecorder(t)
	src := &countingSource{err: errors.New("token source must not be called")}
	tr := &Transport{Source: src, Host: "127.0.0.1:1"}

	body := &trackedBody{Reader: strings.NewReader("x")}
	req, err := http.NewRequest(http.MethodPost, other.srv.URL+"/api/viewings/", body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.RoundTrip(req)
	if !errors.Is(err, ErrHostNotAllowed) {
		t.Fatalf("RoundTrip error = %v, want one matching ErrHostNotAllowed", err)
	}
	if n := len(other.recorded()); n != 0 {
		t.Errorf("server received %d requests, want 0", n)
	}
	if !body.closed {
		t.Error("request body was not closed")
	}
}

// newRedirector starts a server that responds to every request with a 307 to
// location, which keeps the method and body.
func newRedirector(t *testing.T, location string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	return srv
}
