package main

import (
	"bufio"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// logRequests wraps next and logs one line per request after it has been
// served: method, escaped path, status and duration. Headers, query and
// body are left out, so the Authorization value never reaches the log.
func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)

		var status any = rec.statusCode()
		if rec.hijacked {
			// An injected connection reset closes the connection without
			// a response.
			status = "reset"
		}
		log.Info("request", "method", r.Method, "path", r.URL.EscapedPath(), "status", status,
			"duration", time.Since(start).Round(time.Microsecond))
	})
}

// statusRecorder records the status a handler sends.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	hijacked bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Hijack hands the connection to the handler, as the fake does for an
// injected connection reset, and notes that no status was sent.
func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err == nil {
		r.hijacked = true
	}
	return conn, rw, err
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// statusCode returns the status sent, or 200 when the handler sent
// nothing, which net/http then sends as an empty 200.
func (r *statusRecorder) statusCode() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
