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
// gateway's path parameters wins over the one parsed from the path.
func matchRoute(req *request) (string, bool) {
	fromParams := req.pathParams["uid"]
	if req.path == "" {
		return fromParams, fromParams != ""
	}

	segments := strings.Split(strings.Trim(req.path, "/"), "/")
	n := len(segments)
	if n != 3 && n != 4 {
		return "", false
	}
	if segments[n-3] != "assets" || segments[n-1] != "viewings" {
		return "", false
	}
	if fromParams != "" {
		return fromParams, true
	}
	uid, err := url.PathUnescape(segments[n-2])
	if err != nil {
		// Not a valid escape sequence: keep it as sent so the uid check
		// rejects it with a 400.
		return segments[n-2], true
	}
	return uid, true
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
