package skylark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	defaultUserAgent = "skylark-lambda-go"

	// defaultMaxObjectBytes and defaultMaxListBytes bound the 2xx bodies
	// read for one asset or viewing and for a page of assets. They are far
	// above real assets and pages. A body and its decoded value are in
	// memory together, so by estimate a request needs up to about twice its
	// limit, or 80 MiB for ten concurrent asset requests.
	defaultMaxObjectBytes = 4 << 20
	defaultMaxListBytes   = 16 << 20

	// maxMaxResponseBytes is the largest limit WithMaxResponseBytes accepts.
	maxMaxResponseBytes = 1 << 30

	// maxErrorBodyBytes bounds how much of a non-2xx body is read.
	maxErrorBodyBytes = 1 << 20
)

// Client is a client for the Skylark REST API. Create one with NewClient.
// A Client is safe for concurrent use by multiple goroutines.
type Client struct {
	baseURL    *url.URL
	httpClient *http.Client
	userAgent  string
	retry      RetryPolicy

	// maxObjectBytes and maxListBytes bound the 2xx bodies read for one
	// object and for a list.
	maxObjectBytes, maxListBytes int64

	// now is the clock used to read Retry-After dates.
	now func() time.Time

	// Assets reads and updates assets under /api/assets/.
	Assets *AssetsService

	// Viewings creates viewings under /api/viewings/.
	Viewings *ViewingsService
}

type service struct {
	client *Client
}

// RequestOptions are per-request settings shared by the asset calls.
type RequestOptions struct {
	// Language selects the language version to read or write, sent as the
	// Accept-Language header (for example "en-gb"). Empty sends no header,
	// and Skylark uses the installation's default language.
	Language string
}

// Option configures a Client in NewClient.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client used for every request. Its Transport
// is where authentication belongs: the Skylark client never sets the
// Authorization or Cache-Control headers itself. The default is a new
// http.Client using http.DefaultTransport, which sends no credentials.
//
// NewClient uses a copy of hc whose CheckRedirect stops at the first
// response, so redirects are never followed (a 3xx response is an
// *ErrorResponse). hc itself is left as it is.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("skylark: WithHTTPClient: client is nil")
		}
		c.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		if ua == "" || strings.ContainsFunc(ua, isCTL) {
			return &ArgumentError{Name: "user agent", Value: ua,
				Reason: "must be non-empty and free of control characters"}
		}
		c.userAgent = ua
		return nil
	}
}

// WithRetry sets the retry policy. Use RetryPolicy{MaxAttempts: 1} to turn
// retries off.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithMaxResponseBytes sets the largest 2xx response body the client reads,
// in bytes, for every call. A longer body fails the call with a
// *ResponseTooLargeError instead of being read. The defaults are 4 MiB for an
// asset or a viewing and 16 MiB for a page of assets. n must be between 1
// and 1 GiB.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n < 1 || n > maxMaxResponseBytes {
			return &ArgumentError{Name: "max response bytes", Value: strconv.FormatInt(n, 10),
				Reason: "must be between 1 and 1073741824 (1 GiB)"}
		}
		c.maxObjectBytes, c.maxListBytes = n, n
		return nil
	}
}

// NewClient returns a client for the Skylark installation at baseURL, such
// as "https://api.myenvironment.myaccount.skylarkplatform.io". The URL must be
// absolute and use https; http is accepted only for loopback hosts
// (localhost, 127.0.0.0/8, ::1), for local fakes. A path in baseURL is kept
// as a prefix of every request path.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		baseURL:    u,
		httpClient: &http.Client{},
		userAgent:  defaultUserAgent,
		retry:      DefaultRetryPolicy(),
		now:        time.Now,

		maxObjectBytes: defaultMaxObjectBytes,
		maxListBytes:   defaultMaxListBytes,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	c.httpClient = withoutRedirects(c.httpClient)
	c.Assets = &AssetsService{client: c}
	c.Viewings = &ViewingsService{client: c}
	return c, nil
}

// withoutRedirects returns a copy of hc that returns 3xx responses instead
// of following them. A redirect to another host would otherwise carry the
// request there, and an authenticating Transport adds the token again on
// every hop. The caller's http.Client is not modified.
func withoutRedirects(hc *http.Client) *http.Client {
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	cp.Transport = locationGuard{base: hc.Transport}
	return &cp
}

// locationGuard blanks a 3xx response's Location header when it is not a
// valid URL. http.Client parses Location before it calls CheckRedirect, and
// on failure returns an error that quotes the whole header, query included.
// With the header blanked, the client returns the response and
// checkResponse reports the invalid Location without its text.
type locationGuard struct {
	base http.RoundTripper
}

func (g locationGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	base := g.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return resp, err
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		if _, perr := req.URL.Parse(loc); perr != nil {
			resp.Header.Set("Location", "")
		}
	}
	return resp, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("skylark: base URL is not a valid URL: %w", err)
	}
	if u.User != nil {
		// Not echoed: the user information may hold a password.
		return nil, errors.New("skylark: base URL must not contain user information; " +
			"credentials go in the HTTP client's transport")
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("skylark: base URL %q is not absolute; "+
			"want a URL like https://api.myenvironment.myaccount.skylarkplatform.io", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("skylark: base URL %q must not have a query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("skylark: base URL %q uses http on a host that is not "+
				"loopback; use https (http is accepted only for localhost, 127.0.0.0/8 and ::1)", raw)
		}
	default:
		return nil, fmt.Errorf("skylark: base URL %q has scheme %q; want https", raw, u.Scheme)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// newRequest builds a request for path, which is relative to the base URL and
// already escaped (for example "api/assets/asse_.../"). A non-nil body is
// encoded as JSON and can be replayed for retries through GetBody.
func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values,
	body any, opts *RequestOptions) (*http.Request, error) {
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("skylark: build URL for %s: %w", path, err)
	}
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}

	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("skylark: encode %s %s request body: %w", method, u.Path, err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), reader)
	if err != nil {
		return nil, fmt.Errorf("skylark: build %s request: %w", method, err)
	}

	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	if opts != nil && opts.Language != "" {
		if err := validateLanguage(opts.Language); err != nil {
			return nil, err
		}
		req.Header.Set("Accept-Language", opts.Language)
	}
	return req, nil
}

// do sends req, retrying as the client's RetryPolicy allows, and passes the
// body of the final 2xx response to decode (when decode is not nil). want
// names the expected body in a *DecodeError, such as "asset", and limit is
// the largest body read, in bytes.
func (c *Client) do(ctx context.Context, req *http.Request, want string, limit int64,
	decode func([]byte) error) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 && req.Body != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("skylark: replay %s %s request body: %w",
					req.Method, req.URL.EscapedPath(), err)
			}
			req.Body = body
		}

		resp, err := c.send(ctx, req)
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, c.decodeBody(resp, want, limit, decode)
		}
		if err == nil {
			err = checkResponse(resp, c.now())
			drainAndClose(resp.Body)
		}

		if attempt+1 >= c.retry.MaxAttempts || !shouldRetry(ctx, resp, err) {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, err
		}
		wait, ok := c.retry.backoff(attempt, resp, c.now())
		if !ok || !waitFits(ctx, wait) {
			return resp, err
		}
		if !sleep(ctx, wait) {
			return resp, err
		}
	}
}

// send performs one attempt. A transport error is returned as a
// *requestError, which records whether a connection was obtained (after
// which the server may have received the request) and leaves the query out
// of the message.
func (c *Client) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	connected := false
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected = true },
	}
	resp, err := c.httpClient.Do(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err == nil {
		return resp, nil
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return nil, &requestError{
		method:    req.Method,
		path:      req.URL.EscapedPath(),
		connected: connected,
		err:       err,
	}
}

func (c *Client) decodeBody(resp *http.Response, want string, limit int64,
	decode func([]byte) error) error {
	defer drainAndClose(resp.Body)
	if decode == nil {
		return nil
	}
	derr := func(err error) error {
		e := &DecodeError{StatusCode: resp.StatusCode, Want: want,
			ContentType: sanitize(resp.Header.Get("Content-Type")), Err: err}
		if resp.Request != nil {
			e.Method = resp.Request.Method
			e.Path = resp.Request.URL.EscapedPath()
		}
		return e
	}

	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return derr(errors.New("content type is not JSON"))
		}
	}
	data, err := readBody(resp, limit)
	if err != nil {
		var tooLarge *ResponseTooLargeError
		if errors.As(err, &tooLarge) {
			return err
		}
		return derr(fmt.Errorf("read body after %d bytes: %w", len(data), err))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return derr(errors.New("body is empty"))
	}
	if err := decode(data); err != nil {
		return derr(err)
	}
	return nil
}

// readBody reads resp.Body up to limit bytes. A body announced or found to
// be longer is a *ResponseTooLargeError, and is not read past limit+1
// bytes.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	tooLarge := func(size int64) error {
		e := &ResponseTooLargeError{StatusCode: resp.StatusCode, Size: size, Limit: limit}
		if resp.Request != nil {
			e.Method = resp.Request.Method
			e.Path = resp.Request.URL.EscapedPath()
		}
		return e
	}
	if resp.ContentLength > limit {
		return nil, tooLarge(resp.ContentLength)
	}

	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		// Room for the whole body and the final read that sees EOF, so the
		// buffer is allocated once.
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if int64(buf.Len()) > limit {
		return nil, tooLarge(-1)
	}
	return buf.Bytes(), err
}

// requestError is a failure of the HTTP client to complete one request.
type requestError struct {
	method, path string
	connected    bool
	err          error
}

// Error sanitizes the underlying error's text, which can quote response
// headers.
func (e *requestError) Error() string {
	return fmt.Sprintf("skylark: %s %s: %s", e.method, e.path, sanitize(e.err.Error()))
}

func (e *requestError) Unwrap() error { return e.err }

func drainAndClose(body io.ReadCloser) {
	// Reading a little lets the connection be reused for small leftovers.
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	_ = body.Close()
}

// waitFits reports whether waiting d still leaves time before ctx's deadline.
func waitFits(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || time.Until(deadline) > d
}

// sleep waits for d or until ctx is done, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func isCTL(r rune) bool { return r < 0x20 || r == 0x7f }

func validateLanguage(lang string) error {
	if strings.ContainsFunc(lang, isCTL) || len(lang) > 255 {
		return &ArgumentError{Name: "language", Value: lang,
			Reason: "must be an Accept-Language value such as \"en-gb\", without control characters"}
	}
	return nil
}
