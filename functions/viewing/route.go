package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxBodyBytes caps the optional request body. The route needs no body, so
// anything large is a client bug or abuse.
const maxBodyBytes = 16 << 10

// matchRoute reports whether req is for /assets/{uid}/viewings and returns
// the uid. The path may carry one leading segment that is not part of the
// route: the stage name in a REST API's requestContext.path or an HTTP API's
// rawPath on a named stage, or a custom domain's base path. The uid from the
// gateway's path parameters is returned when present; checkPathParameter
// rejects a request whose path names another uid.
func matchRoute(req *request) (string, bool) {
	fromParams := req.pathParams["uid"]
	if req.path == "" {
		return fromParams, fromParams != ""
	}
	_, uid, ok := pathUID(req.path)
	if !ok {
		return "", false
	}
	if fromParams != "" {
		return fromParams, true
	}
	return uid, true
}

// pathUID returns the uid segment of path, as sent and unescaped, when path
// is /assets/{uid}/viewings with at most one leading segment. A segment that
// is not a valid escape sequence is returned as sent in both, so that the
// uid check rejects it with a 400.
func pathUID(path string) (segment, uid string, ok bool) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	n := len(segments)
	if n != 3 && n != 4 {
		return "", "", false
	}
	if segments[n-3] != "assets" || segments[n-1] != "viewings" {
		return "", "", false
	}
	segment = segments[n-2]
	uid, err := url.PathUnescape(segment)
	if err != nil {
		uid = segment
	}
	return segment, uid, true
}

// checkPathParameter returns a 400 error when the uid path parameter names
// another asset than the path does. API Gateway fills both from the same
// URL, so a mismatch comes from a changed event or a misconfigured
// integration, and neither uid can be trusted.
func checkPathParameter(req *request) *apiError {
	fromParams := req.pathParams["uid"]
	if fromParams == "" || req.path == "" {
		return nil
	}
	segment, uid, ok := pathUID(req.path)
	if !ok || fromParams == uid || fromParams == segment {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest,
		message: "The uid path parameter does not match the asset uid in the request path.",
		cause: fmt.Errorf("viewing: path parameter uid %q does not match uid %q in path %q",
			shortenForLog(fromParams), shortenForLog(uid), shortenForLog(req.path)),
		warn: true}
}

// checkBody accepts a missing or empty body, or a JSON object of at most
// maxBodyBytes. Its fields are ignored: nothing in the body can choose the
// user or the asset.
func checkBody(req *request) *apiError {
	body := []byte(req.body)
	if req.bodyIsBase64 {
		if len(body) > base64.StdEncoding.EncodedLen(maxBodyBytes)+4 {
			return invalidBody(fmt.Errorf("viewing: base64 body of %d bytes is over the limit", len(body)))
		}
		decoded, err := base64.StdEncoding.DecodeString(req.body)
		if err != nil {
			return invalidBody(fmt.Errorf("viewing: decode base64 body: %w", err))
		}
		body = decoded
	}

	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil
	case len(body) > maxBodyBytes:
		return invalidBody(fmt.Errorf("viewing: body of %d bytes is over the %d-byte limit",
			len(body), maxBodyBytes))
	case body[0] != '{' || !json.Valid(body):
		return invalidBody(errors.New("viewing: body is not a JSON object"))
	}
	return nil
}

func invalidBody(cause error) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeInvalidRequest,
		message: "The request body must be empty or a JSON object of at most 16 KiB.",
		cause:   cause}
}
