package localstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxPayload is the largest response Lambda returns for a synchronous
// invocation (6 MB). Invoke rejects larger ones.
const maxPayload = 6 << 20

// invokeGrace is added to the function timeout to bound every invocation.
// The emulator responds to a timed-out invocation itself shortly after the
// timeout; the grace covers a function that does not return at its
// deadline.
const invokeGrace = 10 * time.Second

// TimeoutErrorType is the errorType of a FunctionError for an invocation
// that ran past the function timeout, the same as Lambda reports.
const TimeoutErrorType = "Sandbox.Timedout"

// Response is the outcome of an invocation that reached the function.
type Response struct {
	// RequestID is the invocation's request id (X-Amzn-RequestId), which
	// the function receives in its lambdacontext.
	RequestID string
	// StatusCode is the emulator's HTTP status.
	StatusCode int
	// Payload is the function's response, or the error document when the
	// invocation failed.
	Payload []byte
	// Duration is the round trip through the emulator, including the
	// bootstrap's start-up on a cold start.
	Duration time.Duration
}

// FunctionError is a failed invocation: the handler returned an error (HTTP
// 200 with an error document), the bootstrap crashed or panicked (HTTP 502),
// or the invocation timed out (HTTP 200 with a plain-text message, and the
// emulator restarts the bootstrap).
type FunctionError struct {
	// Function is the function name.
	Function   string
	RequestID  string
	StatusCode int
	// Type is the errorType, such as "errorString" for errors.New, or
	// TimeoutErrorType.
	Type string
	// Message is the errorMessage, or the emulator's text.
	Message string
	// StackTrace is the stackTrace of the error document, if any.
	StackTrace json.RawMessage
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("localstack: function %s invocation %s failed (HTTP %d): %s: %s",
		e.Function, e.RequestID, e.StatusCode, e.Type, e.Message)
}

// Timeout reports whether the invocation ran past the function timeout.
func (e *FunctionError) Timeout() bool {
	return e.Type == TimeoutErrorType
}

// Invoke sends payload (the event JSON) to the function and returns its
// response. An empty requestID is replaced by a random one. Invocations are
// serialised because the emulator serves one at a time. When the function
// fails, Invoke returns the response together with a *FunctionError. The
// call is bounded by the function timeout plus a grace period.
func (f *Function) Invoke(ctx context.Context, requestID string, payload []byte) (*Response, error) {
	f.invokeMu.Lock()
	defer f.invokeMu.Unlock()
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("localstack: invoke %s after Close", f.Name)
	}
	if requestID == "" {
		requestID = newRequestID()
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout+invokeGrace)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("localstack: invoke %s: %w", requestID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", requestID)

	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		if exited, werr := f.proc.Exited(); exited {
			return nil, fmt.Errorf("localstack: invoke %s: emulator exited (%v): %w\n%s",
				requestID, werr, err, f.Logs())
		}
		return nil, fmt.Errorf("localstack: invoke %s: %w", requestID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
	if err != nil {
		return nil, fmt.Errorf("localstack: invoke %s: read response: %w", requestID, err)
	}
	if len(body) > maxPayload {
		return nil, fmt.Errorf("localstack: invoke %s: response larger than Lambda's %d-byte limit", requestID, maxPayload)
	}
	r := &Response{
		RequestID:  requestID,
		StatusCode: resp.StatusCode,
		Payload:    body,
		Duration:   time.Since(start),
	}
	f.trackRuntimes()

	if ferr := parseFunctionError(resp.StatusCode, body); ferr != nil {
		ferr.Function = f.Name
		ferr.RequestID = requestID
		return r, ferr
	}
	return r, nil
}

// parseFunctionError returns the failure that an emulator response
// describes, or nil for a successful invocation.
func parseFunctionError(status int, body []byte) *FunctionError {
	trimmed := bytes.TrimSpace(body)
	if status == http.StatusOK && bytes.HasPrefix(trimmed, []byte("Task timed out after")) {
		return &FunctionError{StatusCode: status, Type: TimeoutErrorType, Message: string(trimmed)}
	}
	if doc, ok := errorDocument(trimmed); ok {
		doc.StatusCode = status
		return doc
	}
	if status == http.StatusOK {
		return nil
	}
	text := truncate(trimmed, 500)
	if text == "" {
		text = "the emulator returned no body; see the function's log output"
	}
	return &FunctionError{StatusCode: status, Type: "Runtime.Unknown", Message: text}
}

// errorDocument decodes the error document that the Runtime API carries
// for a failed invocation: an object with a string errorType or
// errorMessage and no keys besides those and stackTrace. A successful
// response that merely contains such keys among others is not one.
func errorDocument(body []byte) (*FunctionError, bool) {
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, false
	}
	var doc FunctionError
	found := false
	for key, raw := range fields {
		switch key {
		case "errorType":
			if json.Unmarshal(raw, &doc.Type) != nil {
				return nil, false
			}
			found = true
		case "errorMessage":
			if json.Unmarshal(raw, &doc.Message) != nil {
				return nil, false
			}
			found = true
		case "stackTrace":
			doc.StackTrace = raw
		default:
			return nil, false
		}
	}
	return &doc, found
}

func truncate(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		return s[:n] + "..."
	}
	return strings.TrimSpace(s)
}

// newRequestID returns a random id in the UUID format Lambda uses.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
