package auth

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// maxDrain bounds how much of a 401 response body is read before the
// connection is reused for the retry.
const maxDrain = 64 << 10

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
