package main

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Headers of CORS preflight responses. Player apps send the user's token in
// Authorization and may send a JSON body.
const (
	corsAllowMethods = "POST, OPTIONS"
	corsAllowHeaders = "Authorization, Content-Type"
	corsExposeHeader = "Retry-After"
	// corsMaxAge lets browsers reuse a preflight response for ten minutes,
	// so a changed origin list takes effect soon.
	corsMaxAge = "600"
)

// allowedMethods is the Allow header of 405 and OPTIONS responses.
const allowedMethods = "POST, OPTIONS"

// response is an HTTP response before it is put in the payload version's
// response type. Header names are canonical.
type response struct {
	status int
	header map[string]string
	body   string
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

func newResponse(status int) *response {
	return &response{status: status, header: map[string]string{
		"Cache-Control": "no-store",
	}}
}

func jsonResponse(status int, v any) *response {
	res := newResponse(status)
	body, err := json.Marshal(v)
	if err != nil {
		// Only the handler's own types reach here, and they always encode.
		panic("viewing: encode response: " + err.Error())
	}
	res.header["Content-Type"] = "application/json"
	res.body = string(body)
	return res
}

func errorResponse(e *apiError, requestID string) *response {
	res := jsonResponse(e.status, errorBody{Code: e.code, Message: e.message, RequestID: requestID})
	if e.retryAfter > 0 {
		res.header["Retry-After"] = retryAfterSeconds(e.retryAfter)
	}
	if e.status == http.StatusMethodNotAllowed {
		res.header["Allow"] = allowedMethods
	}
	return res
}

// toPayload returns res as the response type of the event's payload
// version. Every header goes in Headers only: a REST API that finds a header
// in both Headers and MultiValueHeaders sends it twice.
func (res *response) toPayload(version payloadVersion) any {
	if version == payloadV1 {
		return events.APIGatewayProxyResponse{
			StatusCode: res.status,
			Headers:    res.header,
			Body:       res.body,
		}
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: res.status,
		Headers:    res.header,
		Body:       res.body,
	}
}

// corsPolicy decides the CORS headers of a response.
type corsPolicy struct {
	origins     []string // normalised origins, or the single entry "*"
	anyOrigin   bool
	credentials bool
}

func newCORSPolicy(cfg Config) corsPolicy {
	p := corsPolicy{origins: cfg.CORSAllowedOrigins, credentials: cfg.CORSAllowCredentials}
	p.anyOrigin = len(p.origins) == 1 && p.origins[0] == "*"
	return p
}

func (p corsPolicy) enabled() bool { return len(p.origins) > 0 }

// allowOrigin returns the Access-Control-Allow-Origin value for a request
// from origin, or "" when origin is not allowed.
func (p corsPolicy) allowOrigin(origin string) string {
	if origin == "" || !p.enabled() {
		return ""
	}
	if p.anyOrigin {
		return "*"
	}
	normalised := strings.ToLower(strings.TrimSuffix(origin, "/"))
	for _, o := range p.origins {
		if o == normalised {
			return origin
		}
	}
	return ""
}

// apply adds the CORS headers for a request from origin to res.
func (p corsPolicy) apply(res *response, origin string) {
	if !p.enabled() {
		return
	}
	if !p.anyOrigin {
		// The response depends on Origin, so shared caches must key on it
		// even when this origin is rejected.
		res.header["Vary"] = "Origin"
	}
	allowed := p.allowOrigin(origin)
	if allowed == "" {
		return
	}
	res.header["Access-Control-Allow-Origin"] = allowed
	res.header["Access-Control-Expose-Headers"] = corsExposeHeader
	if p.credentials {
		res.header["Access-Control-Allow-Credentials"] = "true"
	}
}

// preflight returns the response to an OPTIONS request. It needs no
// signed-in user because browsers send preflights without credentials.
func (p corsPolicy) preflight(origin string) *response {
	res := newResponse(http.StatusNoContent)
	res.header["Allow"] = allowedMethods
	p.apply(res, origin)
	if _, ok := res.header["Access-Control-Allow-Origin"]; ok {
		res.header["Access-Control-Allow-Methods"] = corsAllowMethods
		res.header["Access-Control-Allow-Headers"] = corsAllowHeaders
		res.header["Access-Control-Max-Age"] = corsMaxAge
	}
	return res
}

// retryAfterSeconds formats d as a whole number of seconds, rounded up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}
