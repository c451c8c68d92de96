// Package skylark is a client for the JSON REST API of Skylark, a video
// content management system, as served under /api/ by its classic
// (pre-GraphQL) installations.
//
// The client covers the calls an integration needs: reading and updating
// assets (by uid or by data-source id), merging the playback data that assets
// keep in their ovps list, and creating viewings.
//
// # Authentication
//
// Skylark expects "Authorization: Bearer <Cognito ID token>" on every write
// and on most reads. The client does not set Authorization or Cache-Control
// itself: give it an *http.Client whose Transport adds both (the auth
// package's Transport does), so token caching and renewal stay in one layer.
//
// # Errors
//
// A non-2xx response becomes an *ErrorResponse carrying the status, Skylark's
// skylark_error_code, its message and form validation errors. Use errors.Is
// with ErrNotFound, ErrUnauthorized, ErrForbidden and ErrNotEntitled, and the
// Temporary and RetryAfter methods to decide whether to try again later.
// Redirects are never followed, because a redirect to another host would
// carry the request and its token there: a 3xx response is a permanent
// *ErrorResponse whose Location names the target. Error text taken from a
// response has JWTs and bearer credentials replaced with "[redacted]" and
// is cut to 512 bytes, because a server may echo the request's token. A 2xx
// response whose body is not the expected JSON becomes a *DecodeError, and
// one whose body is longer than the client's limit (4 MiB for an asset or a
// viewing, 16 MiB for a page of assets, or WithMaxResponseBytes) becomes a
// permanent *ResponseTooLargeError (errors.Is ErrResponseTooLarge). An
// argument that would produce an invalid URL or request is rejected before
// anything is sent, with an *ArgumentError (errors.Is ErrInvalidArgument).
// Errors from the underlying http.Client, such as connection failures and
// errors from an auth RoundTripper, are returned wrapped. Their message
// leaves out the request's query. Use errors.As with their own types.
//
// # Retries
//
// Requests are retried on 429, 502, 503 and 504 responses and on connection
// failures, honouring Retry-After, with jittered exponential backoff, and never
// past the context's deadline. A POST is retried only when the server cannot
// have processed it: the connection failed before it was established, or the
// response was 429 or 503 with a Retry-After header. See RetryPolicy.
//
// # Concurrency
//
// A Client and its services are safe for concurrent use by multiple
// goroutines. Asset, OVP and Playback values are not: copy them (their Set
// and Delete methods never modify a map shared with a copy) or guard them.
package skylark
