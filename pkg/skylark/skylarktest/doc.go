// Package skylarktest provides a fake Skylark REST API for tests, in the
// style of net/http/httptest. NewServer starts a real HTTP server on a
// loopback port. It keeps assets in memory and follows the API's
// conventions closely enough to test clients against it.
//
// What it serves:
//
//   - GET and POST /api/assets/, GET /api/assets/count/, GET, PATCH, PUT and
//     DELETE /api/assets/<uid>/, and GET and PUT
//     /api/assets/versions/data-source/<id>/; trailing slashes are
//     optional. Lists honour start, limit, order, fields and filters
//     (field=value, -field=value, field__in, field__contains,
//     field__icontains).
//   - POST /api/viewings/, building playback data from the asset's ovps.
//
// Writes are validated against a list of known asset fields and their
// types; an unknown field or a wrong type gets 400 with
// skylark_error_code FORM_VALIDATION_ERRORS. Language fields (title, slug,
// synopsis and their variants) are stored per Accept-Language. A deleted
// asset answers 410.
//
// Authentication follows Skylark's: Cognito ID tokens, verified against the
// pool's JSON Web Key Set, in "Authorization: Bearer <token>". Set
// Options.NoAuth to test a client without tokens.
//
// InjectFault makes matching requests fail (statuses with or without
// Retry-After, latency, connection resets, truncated bodies) and Requests
// returns what the server received.
//
// Where Skylark's documentation is silent the fake makes assumptions, such
// as the OVP slug being the last path segment of account_url; each is
// described where it is implemented.
package skylarktest
