package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxDrain bounds how much of a 401 response body is read before the
// connection is reused for the retry.
const maxDrain = 64 << 10

// ErrHostNotAllowed matches the *Error that Transport returns for a request
// to a host other than Transport.Host. Nothing is sent for such a request.
var ErrHostNotAllowed = errors.New("auth: host not allowed")

// Transport is an http.RoundTripper that authenticates requests with a
// Cognito ID token. It sets "Authorization: Bearer <IDToken>" and
// "Cache-Control: no-cache" together on a copy of each request. Skylark
// returns 401 to a no-cache request that has no Authorization header, so the
// two are never sent apart. The caller's request is not modified.
//
// On a 401 response Transport invalidates the token it sent and, when the
// request body can be sent again (no body, or GetBody set, as
// http.NewRequest does for in-memory bodies), retries once with a new token.
// Otherwise the 401 response is returned.
//
// Set Host to keep the token on one host. Without it, Transport adds the
// token again to each request that http.Client sends after a redirect,
// including one to another host, where http.Client itself would have
// dropped the Authorization header.
//
// Errors from Source reach http.Client callers wrapped in *url.Error; use
// errors.As to get the *Error. Transport is safe for concurrent use if
// Source and Base are.
type Transport struct {
	// Source provides the tokens, usually a *TokenSource.
	Source interface {
		Token(ctx context.Context) (*Token, error)
		Invalidate(idToken string)
	}
	// Base sends the requests. Nil means http.DefaultTransport.
	Base http.RoundTripper

	// Host, when set, is the only host the ID token is sent to, written as
	// in a URL ("api.example.com" or "127.0.0.1:8080"). A request for any
	// other host fails with an *Error matching ErrHostNotAllowed before a
	// token is fetched or anything is sent, so a redirect or a URL taken
	// from a response cannot carry the token elsewhere. Names are compared
	// without regard to case, and a missing port means the default port of
	// the request's scheme (443 for https, 80 for http). Empty sends the
	// token to every host.
	Host string
}

// RoundTrip sends req with the ID token and retries once after a 401.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	bodyClosed := false
	if req.Body != nil {
		defer func() {
			if !bodyClosed {
				_ = req.Body.Close()
			}
		}()
	}
	if t.Source == nil {
		return nil, errors.New("auth: Transport.Source is nil")
	}
	if t.Host != "" && !sameHost(req.URL, t.Host) {
		return nil, newError(ErrHostNotAllowed, "RoundTrip", "", nil,
			"request to host %q rejected: Transport.Host is %q, and the ID token is sent "+
				"only there; build request URLs from the Skylark base URL", req.URL.Host, t.Host)
	}

	tok, err := t.Source.Token(req.Context())
	if err != nil {
		return nil, err
	}
	bodyClosed = true // the base RoundTripper closes it from here on
	resp, err := t.base().RoundTrip(withToken(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}

	t.Source.Invalidate(tok.IDToken)
	if !replayable(req) {
		return resp, nil
	}
	retry, err := t.Source.Token(req.Context())
	if err != nil {
		discard(resp)
		return nil, err
	}
	if retry.IDToken == tok.IDToken {
		return resp, nil
	}
	req2 := withToken(req, retry)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		req2.Body = body
	}
	discard(resp)
	return t.base().RoundTrip(req2)
}

// sameHost reports whether u is for host, comparing names without regard to
// case and filling in a missing port from u's scheme.
func sameHost(u *url.URL, host string) bool {
	allowed := &url.URL{Scheme: u.Scheme, Host: host}
	return strings.EqualFold(u.Hostname(), allowed.Hostname()) && port(u) == port(allowed)
}

// port returns u's port, or the default port of its scheme when it has none.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// withToken returns a copy of req with the authentication headers set.
func withToken(req *http.Request, tok *Token) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok.IDToken)
	r.Header.Set("Cache-Control", "no-cache")
	return r
}

// replayable reports whether req's body can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// discard reads a little of the body, so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	_ = resp.Body.Close()
}
