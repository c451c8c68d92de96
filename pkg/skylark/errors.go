package skylark

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Sentinel errors for errors.Is. An *ErrorResponse matches them by status or
// by Skylark's error code.
var (
	// ErrNotFound matches 404 Not Found and 410 Gone (a deleted object).
	ErrNotFound = errors.New("skylark: not found")

	// ErrUnauthorized matches 401: no token, or an invalid or expired one.
	ErrUnauthorized = errors.New("skylark: unauthorized")

	// ErrForbidden matches 403: the token is valid but lacks permission.
	ErrForbidden = errors.New("skylark: forbidden")

	// ErrNotEntitled matches the error code NO_VALID_ENTITLEMENT_FOR_CONTENT,
	// whatever the status: the user has no entitlement for the content.
	ErrNotEntitled = errors.New("skylark: no valid entitlement for content")

	// ErrInvalidArgument matches an *ArgumentError: a value the client
	// rejected before sending anything.
	ErrInvalidArgument = errors.New("skylark: invalid argument")

	// ErrResponseTooLarge matches a *ResponseTooLargeError.
	ErrResponseTooLarge = errors.New("skylark: response body too large")
)

// Skylark error codes (the skylark_error_code field) that this package
// handles specially.
const (
	CodeFormValidationErrors = "FORM_VALIDATION_ERRORS"
	CodeNoViewingRecord      = "NO_VIEWING_RECORD_PROVIDED"
	CodeNotEntitled          = "NO_VALID_ENTITLEMENT_FOR_CONTENT"
)

// ErrorResponse is a non-2xx response from Skylark, or a 2xx viewing
// response that carries an error message.
type ErrorResponse struct {
	// StatusCode is the HTTP status code.
	StatusCode int

	// Method and Path identify the request. Path is the escaped URL path
	// without the query.
	Method, Path string

	// Code is Skylark's skylark_error_code, such as "FORM_VALIDATION_ERRORS".
	Code string

	// Message is the body's "error" text, or its "detail" text for bodies in
	// the Django REST framework style.
	Message string

	// FormValidationErrors maps a field name to its messages. Errors that
	// belong to no field are under "non_field_errors".
	FormValidationErrors map[string][]string

	// Code, Message, the form errors and Location come from the response,
	// which may echo the request's token. The client redacts JWTs and
	// bearer credentials in them and cuts each text to 512 bytes, and
	// Error does the same to an ErrorResponse built by hand.

	// RetryAfterDelay is the wait the Retry-After header asked for, at
	// most 24 hours, and 0 when the header is absent or invalid.
	RetryAfterDelay time.Duration

	// Location is the target of a 3xx response's Location header, as
	// scheme, host and path without user information, query or fragment.
	// It is empty for other statuses and when the header is absent or
	// invalid. The client never follows redirects.
	Location string
}

// Error returns the method, path, status, code and messages on one line.
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	b.WriteString("skylark: ")
	if e.Method != "" {
		fmt.Fprintf(&b, "%s %s: ", e.Method, e.Path)
	}
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": " + sanitize(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": " + sanitize(e.Message))
	}
	if len(e.FormValidationErrors) > 0 {
		var form strings.Builder
		for i, field := range slices.Sorted(maps.Keys(e.FormValidationErrors)) {
			if i > 0 {
				form.WriteString("; ")
			}
			fmt.Fprintf(&form, "%s: %s", field, strings.Join(e.FormValidationErrors[field], " "))
		}
		b.WriteString(" (" + sanitize(form.String()) + ")")
	}
	if e.RetryAfterDelay > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfterDelay)
	}
	return b.String()
}

// Is reports whether e matches one of the package's sentinel errors.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotEntitled:
		return e.Code == CodeNotEntitled
	}
	return false
}

// Temporary reports whether the same request may succeed later: true for
// 429 and every 5xx status. A redirect (3xx) is permanent: the base URL has
// to change.
func (e *ErrorResponse) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// RetryAfter returns the wait the server asked for with Retry-After, or 0.
func (e *ErrorResponse) RetryAfter() time.Duration { return e.RetryAfterDelay }

// CheckResponse returns nil for a 2xx response and an *ErrorResponse for any
// other. It reads at most 1 MiB of the body and accepts Skylark's error body
// ({"error", "skylark_error_code", "form_validation_errors"}), a
// {"detail": ...} body, or a body that is not JSON at all. The caller still
// closes resp.Body.
func CheckResponse(resp *http.Response) error {
	return checkResponse(resp, time.Now())
}

func checkResponse(resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	e := &ErrorResponse{StatusCode: resp.StatusCode}
	if d, ok := parseRetryAfter(resp.Header, now); ok {
		e.RetryAfterDelay = d
	}
	if resp.Request != nil && resp.Request.URL != nil {
		e.Method = resp.Request.Method
		e.Path = resp.Request.URL.EscapedPath()
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		describeRedirect(e, resp)
		return e
	}
	if resp.Body != nil {
		// A read error leaves a partial body, which is parsed like any other.
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		parseErrorBody(e, data)
	}
	return e
}

// describeRedirect sets Location and a Message that asks the operator to
// fix the base URL. A redirect usually means the base URL uses http where
// the server wants https, names another host, or has a path the server
// rewrites.
func describeRedirect(e *ErrorResponse, resp *http.Response) {
	const fix = "redirects are not followed, so fix the base URL (SKYLARK_BASE_URL): " +
		"for example https instead of http, the host the redirect names, or a path " +
		"with a trailing slash"
	if len(resp.Header.Values("Location")) == 0 {
		e.Message = "Skylark redirected without a Location header; " + fix
		return
	}
	// Location resolves a relative target against the request URL.
	target, err := resp.Location()
	if err != nil || target.Host == "" {
		e.Message = "Skylark redirected to an invalid Location; " + fix
		return
	}
	e.Location = sanitize(target.Scheme + "://" + target.Host + target.EscapedPath())
	e.Message = "Skylark redirected to " + e.Location + "; " + fix
}

// errorBody is the union of the error body shapes Skylark and Django REST
// framework send. Each field is kept raw because its type varies.
type errorBody struct {
	Error                json.RawMessage `json:"error"`
	Code                 json.RawMessage `json:"skylark_error_code"`
	FormValidationErrors json.RawMessage `json:"form_validation_errors"`
	Detail               json.RawMessage `json:"detail"`
}

func parseErrorBody(e *ErrorResponse, data []byte) {
	var body errorBody
	if json.Unmarshal(data, &body) != nil {
		return
	}
	e.Code = sanitize(jsonText(body.Code))
	e.Message = sanitize(jsonText(body.Error))
	if e.Message == "" {
		e.Message = sanitize(jsonText(body.Detail))
	}
	e.FormValidationErrors = parseFormErrors(body.FormValidationErrors)
}

// parseFormErrors reads {"field": ["message", ...]}, accepting a single
// string in place of a list and any other JSON as text. Field names and
// messages are sanitized.
func parseFormErrors(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 || isJSONNull(raw) {
		return nil
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return map[string][]string{"non_field_errors": messageList(raw)}
	}
	out := make(map[string][]string, len(fields))
	for name, v := range fields {
		name = sanitize(name)
		out[name] = append(out[name], messageList(v)...)
	}
	return out
}

func messageList(raw json.RawMessage) []string {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return []string{sanitize(jsonText(raw))}
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		out = append(out, sanitize(jsonText(item)))
	}
	return out
}

// jsonText returns a JSON string's value, "" for null or absent, and any
// other value as compact JSON.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || isJSONNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

func isJSONNull(raw []byte) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// DecodeError is a 2xx response whose body is not the JSON the call expects:
// not JSON, truncated, the wrong shape, or missing a required field. The
// operation may or may not have taken effect on the server.
type DecodeError struct {
	// Method and Path identify the request (Path without the query).
	Method, Path string

	// StatusCode and ContentType describe the response. ContentType is
	// sanitized like ErrorResponse.Message.
	StatusCode  int
	ContentType string

	// Want names the expected body, such as "asset" or "viewing".
	Want string

	// Err is the underlying parse or read error. Its text may quote keys
	// of the body, so Error redacts credentials in it and cuts it to 512
	// bytes. Err itself is kept as it is for errors.Is and errors.As.
	Err error
}

// Error names the request and the body it expected.
func (e *DecodeError) Error() string {
	ct := sanitize(e.ContentType)
	if ct == "" {
		ct = "none"
	}
	return fmt.Sprintf("skylark: %s %s: %d response (Content-Type %s) is not a valid %s: %s",
		e.Method, e.Path, e.StatusCode, ct, e.Want, sanitize(fmt.Sprint(e.Err)))
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// Temporary reports true: a malformed body is usually a proxy or transport
// fault, so the request is worth trying again later.
func (e *DecodeError) Temporary() bool { return true }

// ResponseTooLargeError is a 2xx response whose body is longer than the
// client's limit (see WithMaxResponseBytes). The body is not decoded. The
// operation may have taken effect on the server.
type ResponseTooLargeError struct {
	// Method and Path identify the request (Path without the query).
	Method, Path string

	// StatusCode is the response's HTTP status code.
	StatusCode int

	// Size is the body's length from Content-Length, or -1 when the length
	// was not announced and the body ran past Limit while it was read.
	Size int64

	// Limit is the largest body the client reads, in bytes.
	Limit int64
}

// Error states the size and the limit and how to raise the limit.
func (e *ResponseTooLargeError) Error() string {
	const hint = "raise the limit with WithMaxResponseBytes if such bodies are expected"
	if e.Size < 0 {
		return fmt.Sprintf("skylark: %s %s: %d response body exceeds the limit of %d bytes "+
			"(its length was not announced, and reading stopped at the limit); %s",
			e.Method, e.Path, e.StatusCode, e.Limit, hint)
	}
	return fmt.Sprintf("skylark: %s %s: %d response body of %d bytes exceeds the limit of %d bytes; %s",
		e.Method, e.Path, e.StatusCode, e.Size, e.Limit, hint)
}

// Is reports whether target is ErrResponseTooLarge.
func (e *ResponseTooLargeError) Is(target error) bool { return target == ErrResponseTooLarge }

// Temporary reports false: the same request is likely to return the same
// body again.
func (e *ResponseTooLargeError) Temporary() bool { return false }

// ArgumentError is a value rejected by the client before any request was
// sent, such as a malformed asset uid.
type ArgumentError struct {
	// Name describes the value, such as "asset uid".
	Name string

	// Value is the rejected value.
	Value string

	// Reason describes what is wrong and what is expected.
	Reason string
}

// Error names the value (quoted, shortened when long) and what is wrong.
func (e *ArgumentError) Error() string {
	return fmt.Sprintf("skylark: invalid %s %s: %s", e.Name, quoteValue(e.Value), e.Reason)
}

// Is reports whether target is ErrInvalidArgument.
func (e *ArgumentError) Is(target error) bool { return target == ErrInvalidArgument }

// quoteValue quotes v with %q, keeping at most 100 bytes of a long value.
func quoteValue(v string) string {
	const keep = 100
	if len(v) <= keep {
		return fmt.Sprintf("%q", v)
	}
	cut := keep
	for cut > 0 && !isRuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", v[:cut], len(v))
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
