package skylarktest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"
)

// Fault is a failure to inject into requests that match Method and
// PathPrefix. Set Status, Reset or Truncate to choose the failure; Latency
// alone only delays the request, which is then served normally.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string

	// PathPrefix matches the start of the decoded URL path, such as
	// "/api/viewings/"; "" matches any.
	PathPrefix string

	// Status, when not 0, is sent instead of serving the request. 502 and
	// 504 get an HTML body, as a load balancer sends. Other statuses get
	// {"detail": ...}.
	Status int

	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string

	// Body replaces the default body for Status, sent as JSON.
	Body string

	// Latency delays the request (or the failure) by this much.
	Latency time.Duration

	// Reset reads the request and then closes the connection without a
	// response, so the client cannot know whether it was processed.
	Reset bool

	// Truncate serves the request (with its effects), then sends the
	// headers with the full Content-Length but only half of the body, and
	// closes the connection.
	Truncate bool

	// Times is how many matching requests the fault affects; 0 means every
	// one until ClearFaults.
	Times int
}

type faultState struct {
	Fault
	left int // requests still to affect; -1 for no limit
}

// InjectFault adds a fault. Faults are tried in the order added; the first
// that matches a request and has uses left applies to it.
func (s *Server) InjectFault(f Fault) {
	left := f.Times
	if left <= 0 {
		left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f, left: left})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault for r and uses it up once, or nil.
func (s *Server) takeFault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left == 0 || (f.Method != "" && f.Method != r.Method) ||
			!strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.left > 0 {
			f.left--
		}
		fault := f.Fault
		return &fault
	}
	return nil
}

// applyFault carries out f and reports whether the response is complete. A
// fault with only Latency returns false after the delay.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Reset:
		resetConnection(w)
		return true
	case f.Truncate:
		s.serveTruncated(w, r)
		return true
	case f.Status != 0:
		writeFaultStatus(w, f)
		return true
	}
	return false
}

func writeFaultStatus(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	switch {
	case f.Body != "":
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte(f.Body))
	case f.Status == http.StatusBadGateway || f.Status == http.StatusGatewayTimeout:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><head><title>%[1]d %[2]s</title></head>"+
			"<body><h1>%[1]d %[2]s</h1></body></html>\n", f.Status, http.StatusText(f.Status))
	case f.Status == http.StatusTooManyRequests:
		writeDetail(w, f.Status, "Request was throttled.")
	default:
		writeDetail(w, f.Status, http.StatusText(f.Status)+" (injected fault).")
	}
}

// resetConnection closes the connection without writing a response. With
// SO_LINGER 0 the close sends a TCP RST.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// serveTruncated serves r into a buffer, then sends half the body under the
// full Content-Length. net/http closes a connection whose handler wrote
// less than it declared, so the client sees an unexpected EOF.
func (s *Server) serveTruncated(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	if s.authenticate(rec, r) {
		s.route(rec, r)
	}
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(rec.Code)
	_, _ = w.Write(bytes.Clone(body[:len(body)/2]))
}
