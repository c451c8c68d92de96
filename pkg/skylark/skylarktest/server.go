package skylarktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxBodyBytes bounds request bodies; a larger one gets 413.
const maxBodyBytes = 1 << 20

// Options configures a Server.
type Options struct {
	// Issuer is the Cognito user pool's issuer URL,
	// "https://cognito-idp.<region>.amazonaws.com/<pool id>" or a local
	// pool's equivalent. Tokens must carry it as "iss"; the signing keys are
	// fetched from Issuer + "/.well-known/jwks.json" when first needed.
	Issuer string

	// ClientID is the app client id that ID tokens must carry as "aud".
	ClientID string

	// NoAuth turns token checks off, for tests of a client alone: every
	// request is accepted whether or not it has a token. The Cache-Control
	// rule below still applies.
	NoAuth bool

	// AnonymousReads lets GET and HEAD requests on assets through without a
	// token. Writes and viewings always need one (unless NoAuth).
	AnonymousReads bool

	// AllowAnonymousNoCache turns off the rule that a request with
	// "Cache-Control: no-cache" but no Authorization header gets 401.
	AllowAnonymousNoCache bool

	// DefaultLanguage is the language version used when a request has no
	// Accept-Language header. The default is "en-gb".
	DefaultLanguage string

	// HTTPClient fetches the JSON Web Key Set. The default has a 10s timeout.
	HTTPClient *http.Client

	// Now is the clock for token expiry and timestamps. The default is
	// time.Now.
	Now func() time.Time
}

// Request is a request the server received, for assertions.
type Request struct {
	Method string

	// Path is the decoded URL path; EscapedPath is the path as sent.
	Path, EscapedPath string

	Query  url.Values
	Header http.Header

	// Body is the request body, at most 1 MiB of it.
	Body []byte
}

// Server is a fake Skylark API served over HTTP on a loopback address. It
// embeds the httptest.Server it runs on, so URL, Close, Client and, for an
// unstarted server, Listener and Start work as they do there. All methods
// are safe for concurrent use.
type Server struct {
	*httptest.Server

	opts     Options
	verifier *verifier

	mu           sync.Mutex
	assets       map[string]*record
	seq          int
	entitlements map[string]map[string]bool
	requests     []Request
	faults       []*faultState
}

// NewServer starts and returns a fake Skylark server. The caller should
// Close it. It panics when opts are inconsistent, as httptest.NewServer
// does when it cannot listen.
func NewServer(opts Options) *Server {
	s := NewUnstartedServer(opts)
	s.Start()
	return s
}

// NewUnstartedServer returns a server that is not started yet. Replace its
// Listener to choose the address, then call Start.
func NewUnstartedServer(opts Options) *Server {
	if opts.DefaultLanguage == "" {
		opts.DefaultLanguage = "en-gb"
	}
	opts.DefaultLanguage = strings.ToLower(opts.DefaultLanguage)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	s := &Server{
		opts:         opts,
		assets:       map[string]*record{},
		entitlements: map[string]map[string]bool{},
	}
	if !opts.NoAuth {
		if opts.Issuer == "" || opts.ClientID == "" {
			panic("skylarktest: Options.Issuer and Options.ClientID are required; " +
				"set them to the Cognito pool's issuer URL and app client id, or set NoAuth")
		}
		s.verifier = newVerifier(opts.Issuer, opts.ClientID, opts.HTTPClient, opts.Now)
	}
	s.Server = httptest.NewUnstartedServer(s)
	return s
}

// Requests returns a copy of the log of requests received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// ServeHTTP handles one request: it logs it, applies any injected fault,
// checks authentication and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		writeDetail(w, http.StatusBadRequest, "Could not read the request body.")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.logRequest(r, body)

	if f := s.takeFault(r); f != nil {
		if s.applyFault(w, r, f) {
			return
		}
	}
	if len(body) > maxBodyBytes {
		writeDetail(w, http.StatusRequestEntityTooLarge, "Request body is larger than 1 MiB.")
		return
	}
	if !s.authenticate(w, r) {
		return
	}
	s.route(w, r)
}

func (s *Server) logRequest(r *http.Request, body []byte) {
	req := Request{
		Method:      r.Method,
		Path:        r.URL.Path,
		EscapedPath: r.URL.EscapedPath(),
		Query:       r.URL.Query(),
		Header:      r.Header.Clone(),
		Body:        slices.Clone(body[:min(len(body), maxBodyBytes)]),
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
}

// route dispatches on the path below /api/. Trailing slashes are optional.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	segs, ok := pathSegments(r.URL.EscapedPath())
	if !ok || len(segs) < 2 || segs[0] != "api" {
		writeDetail(w, http.StatusNotFound, "Not found.")
		return
	}
	switch {
	case len(segs) == 2 && segs[1] == "viewings":
		s.routeMethods(w, r, map[string]http.HandlerFunc{http.MethodPost: s.createViewing})
	case segs[1] != "assets":
		writeDetail(w, http.StatusNotFound, "Not found.")
	case len(segs) == 2:
		s.routeMethods(w, r, map[string]http.HandlerFunc{
			http.MethodGet: s.listAssets, http.MethodPost: s.createAsset})
	case len(segs) == 3 && segs[2] == "count":
		s.routeMethods(w, r, map[string]http.HandlerFunc{http.MethodGet: s.countAssets})
	case len(segs) == 5 && segs[2] == "versions" && segs[3] == "data-source":
		id := segs[4]
		s.routeMethods(w, r, map[string]http.HandlerFunc{
			http.MethodGet: func(w http.ResponseWriter, r *http.Request) { s.getByDataSource(w, r, id) },
			http.MethodPut: func(w http.ResponseWriter, r *http.Request) { s.putByDataSource(w, r, id) },
		})
	case len(segs) == 3 && uidRE.MatchString(segs[2]):
		uid := segs[2]
		s.routeMethods(w, r, map[string]http.HandlerFunc{
			http.MethodGet:    func(w http.ResponseWriter, r *http.Request) { s.getAsset(w, r, uid) },
			http.MethodPatch:  func(w http.ResponseWriter, r *http.Request) { s.updateAsset(w, r, uid, true) },
			http.MethodPut:    func(w http.ResponseWriter, r *http.Request) { s.updateAsset(w, r, uid, false) },
			http.MethodDelete: func(w http.ResponseWriter, r *http.Request) { s.deleteAsset(w, r, uid) },
		})
	default:
		writeDetail(w, http.StatusNotFound, "Not found.")
	}
}

func (s *Server) routeMethods(w http.ResponseWriter, r *http.Request, handlers map[string]http.HandlerFunc) {
	h, ok := handlers[r.Method]
	if !ok && r.Method == http.MethodHead {
		h, ok = handlers[http.MethodGet]
	}
	if !ok {
		methods := slices.Sorted(maps.Keys(handlers))
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", r.Method))
		return
	}
	h(w, r)
}

// pathSegments splits an escaped path and unescapes each segment, so that
// an escaped "/" stays inside its segment. A trailing slash is optional.
func pathSegments(escaped string) ([]string, bool) {
	trimmed := strings.TrimSuffix(strings.TrimPrefix(escaped, "/"), "/")
	if trimmed == "" {
		return nil, false
	}
	parts := strings.Split(trimmed, "/")
	for i, p := range parts {
		seg, err := url.PathUnescape(p)
		if err != nil || seg == "" {
			return nil, false
		}
		parts[i] = seg
	}
	return parts, true
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "skylarktest: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// writeDetail writes a Django REST framework style error: {"detail": msg}.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// writeSkylarkError writes Skylark's error body.
func writeSkylarkError(w http.ResponseWriter, status int, code, msg string, form map[string][]string) {
	body := map[string]any{"error": nil, "skylark_error_code": code, "form_validation_errors": nil}
	if msg != "" {
		body["error"] = msg
	}
	if form != nil {
		body["form_validation_errors"] = form
	}
	writeJSON(w, status, body)
}

// readObject decodes the request body as a JSON object, writing a 400 and
// returning false when it is not one.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	data, _ := io.ReadAll(r.Body)
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		msg := "JSON parse error - the request body must be a JSON object."
		if err != nil {
			msg = "JSON parse error - " + err.Error()
		}
		writeDetail(w, http.StatusBadRequest, msg)
		return nil, false
	}
	return obj, true
}
