package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
)

// payloadVersion is the API Gateway Lambda proxy payload format of an event.
type payloadVersion int

const (
	// payloadV2 is the HTTP API payload 2.0 (events.APIGatewayV2HTTPRequest).
	payloadV2 payloadVersion = iota
	// payloadV1 is the REST API proxy payload 1.0 (events.APIGatewayProxyRequest),
	// which HTTP APIs can also send.
	payloadV1
)

func (v payloadVersion) String() string {
	if v == payloadV1 {
		return "1.0"
	}
	return "2.0"
}

// request is the part of either payload version the handler uses.
type request struct {
	version      payloadVersion
	method       string
	path         string               // as the caller sent it, may carry a stage prefix
	pathParams   map[string]string    // from the route template, when the gateway matched one
	header       textproto.MIMEHeader // canonical keys, so look-ups ignore case
	body         string
	bodyIsBase64 bool
	apiRequestID string
	sourceIP     string
	// authorizer holds the verified identity the gateway attached, or nil
	// when the event carries no authorizer output at all.
	authorizer *authorizerOutput
}

// authorizerOutput is the identity an API Gateway authorizer attached to
// the request.
type authorizerOutput struct {
	kind   string         // "jwt", "cognito" or "lambda", for logs
	claims map[string]any // claim or context values as the gateway delivered them
}

// v2Request decodes payload 2.0 with JWT claims as map[string]any, by
// shadowing the events type's request context. API Gateway sends every claim
// as a string, but events built by other tools may carry arrays and numbers,
// which map[string]string would reject.
type v2Request struct {
	events.APIGatewayV2HTTPRequest
	RequestContext v2RequestContext `json:"requestContext"`
}

type v2RequestContext struct {
	events.APIGatewayV2HTTPRequestContext
	Authorizer *v2Authorizer `json:"authorizer,omitempty"`
}

type v2Authorizer struct {
	JWT *struct {
		Claims map[string]any `json:"claims"`
		Scopes []string       `json:"scopes,omitempty"`
	} `json:"jwt,omitempty"`
	Lambda map[string]any `json:"lambda,omitempty"`
}

// errNotAnEvent reports input that is not an API Gateway proxy event.
var errNotAnEvent = errors.New("viewing: event is not an API Gateway proxy event (payload 1.0 or 2.0)")

// errNoMethod reports an event without a usable HTTP method, such as one
// without requestContext. API Gateway always sets the method.
var errNoMethod = errors.New("viewing: event has no valid HTTP method")

// maxMethodBytes caps the HTTP method. The methods of RFC 9110 are at most
// 7 bytes (CONNECT, OPTIONS), so this leaves room for extension methods.
const maxMethodBytes = 32

// detectVersion reads only the fields that tell the payload formats apart.
// Payload 2.0 has "version":"2.0". Payload 1.0 has "httpMethod", and also
// "version":"1.0" when an HTTP API sends it.
func detectVersion(raw json.RawMessage) (payloadVersion, error) {
	var probe struct {
		Version        string `json:"version"`
		HTTPMethod     string `json:"httpMethod"`
		RequestContext struct {
			HTTP json.RawMessage `json:"http"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return payloadV2, fmt.Errorf("%w: %w", errNotAnEvent, err)
	}
	switch {
	case probe.Version == "2.0":
		return payloadV2, nil
	case probe.Version == "1.0", probe.HTTPMethod != "":
		return payloadV1, nil
	case len(probe.RequestContext.HTTP) > 0:
		return payloadV2, nil
	}
	return payloadV2, errNotAnEvent
}

// decodeRequest decodes raw as the given payload version. It returns an
// error wrapping errNoMethod when the event has no valid HTTP method.
func decodeRequest(raw json.RawMessage, version payloadVersion) (*request, error) {
	var req *request
	methodField := "requestContext.http.method"
	if version == payloadV1 {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("viewing: decode payload 1.0 event: %w", err)
		}
		req = fromV1(&ev)
		methodField = "httpMethod or requestContext.httpMethod"
	} else {
		var ev v2Request
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("viewing: decode payload 2.0 event: %w", err)
		}
		req = fromV2(&ev)
	}

	if !validMethod(req.method) {
		return nil, fmt.Errorf("%w: payload %s event has %s %q, want a method such as POST",
			errNoMethod, version, methodField, shortenForLog(req.method))
	}
	return req, nil
}

// validMethod reports whether method is a non-empty HTTP token (RFC 9110,
// section 5.6.2) of at most maxMethodBytes.
func validMethod(method string) bool {
	if method == "" || len(method) > maxMethodBytes {
		return false
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

func fromV2(ev *v2Request) *request {
	rc := &ev.RequestContext
	req := &request{
		version:      payloadV2,
		method:       strings.ToUpper(rc.HTTP.Method),
		path:         ev.RawPath,
		pathParams:   ev.PathParameters,
		header:       make(textproto.MIMEHeader, len(ev.Headers)+1),
		body:         ev.Body,
		bodyIsBase64: ev.IsBase64Encoded,
		apiRequestID: rc.RequestID,
		sourceIP:     rc.HTTP.SourceIP,
	}
	if req.path == "" {
		req.path = rc.HTTP.Path
	}
	// Payload 2.0 joins repeated headers with commas and moves cookies to
	// their own list; the handler reads neither cookies nor repeated values.
	for name, value := range ev.Headers {
		req.header.Add(name, value)
	}

	if a := rc.Authorizer; a != nil {
		switch {
		case a.JWT != nil && a.JWT.Claims != nil:
			req.authorizer = &authorizerOutput{kind: "jwt", claims: a.JWT.Claims}
		case a.Lambda != nil:
			req.authorizer = &authorizerOutput{kind: "lambda", claims: a.Lambda}
		}
	}
	return req
}

func fromV1(ev *events.APIGatewayProxyRequest) *request {
	rc := &ev.RequestContext
	req := &request{
		version:      payloadV1,
		method:       strings.ToUpper(ev.HTTPMethod),
		path:         ev.Path,
		pathParams:   ev.PathParameters,
		header:       make(textproto.MIMEHeader, len(ev.Headers)+len(ev.MultiValueHeaders)),
		body:         ev.Body,
		bodyIsBase64: ev.IsBase64Encoded,
		apiRequestID: rc.RequestID,
		sourceIP:     rc.Identity.SourceIP,
	}
	if req.method == "" {
		req.method = strings.ToUpper(rc.HTTPMethod)
	}
	if req.path == "" {
		req.path = rc.Path
	}
	// REST APIs fill both maps: headers keeps the last value of a repeated
	// header, multiValueHeaders keeps them all. Prefer the complete list.
	for name, values := range ev.MultiValueHeaders {
		for _, value := range values {
			req.header.Add(name, value)
		}
	}
	for name, value := range ev.Headers {
		if _, ok := ev.MultiValueHeaders[name]; !ok && req.header.Get(name) == "" {
			req.header.Add(name, value)
		}
	}
	req.authorizer = v1Authorizer(rc.Authorizer)
	return req
}

// v1Authorizer reads requestContext.authorizer of payload 1.0. REST API
// Cognito authorizers, and HTTP API JWT authorizers sending payload 1.0, put
// the token's claims under "claims". A REST API Lambda authorizer puts
// principalId and its context values at the top level, and an HTTP API one
// puts its context under "lambda".
func v1Authorizer(a map[string]any) *authorizerOutput {
	if len(a) == 0 {
		return nil
	}
	if claims, ok := a["claims"].(map[string]any); ok {
		return &authorizerOutput{kind: "cognito", claims: claims}
	}
	if jwt, ok := a["jwt"].(map[string]any); ok {
		claims, _ := jwt["claims"].(map[string]any)
		return &authorizerOutput{kind: "jwt", claims: claims}
	}
	if lambdaContext, ok := a["lambda"].(map[string]any); ok {
		return &authorizerOutput{kind: "lambda", claims: lambdaContext}
	}
	return &authorizerOutput{kind: "lambda", claims: a}
}

// maxSubjectBytes caps the user id. A Cognito sub is a 36-byte UUID, and
// Lambda authorizers that set their own id have room to spare.
const maxSubjectBytes = 256

// subject returns the verified user id exactly as the authorizer sent it:
// the "sub" claim, or for a Lambda authorizer without one, its principalId.
// It returns "" when there is none or it is blank. Check the id with
// checkSubject before using it.
func (a *authorizerOutput) subject() string {
	if a == nil {
		return ""
	}
	if sub, _ := a.claims["sub"].(string); strings.TrimSpace(sub) != "" {
		return sub
	}
	if a.kind == "lambda" {
		if id, _ := a.claims["principalId"].(string); strings.TrimSpace(id) != "" {
			return id
		}
	}
	return ""
}

// checkSubject returns why sub cannot identify a user to Skylark, or ""
// when it can. The id is sent as user_identifier unchanged, so an id with
// surrounding white space is rejected rather than trimmed into another
// user's id.
func checkSubject(sub string) string {
	switch {
	case len(sub) > maxSubjectBytes:
		return fmt.Sprintf("is %d bytes long; the maximum is %d", len(sub), maxSubjectBytes)
	case strings.ContainsFunc(sub, unicode.IsControl):
		return "contains control characters"
	case strings.TrimSpace(sub) != sub:
		return "has leading or trailing white space"
	}
	return ""
}

// claimString returns a string claim value, or "" for anything else
// (missing, number, object, array).
func claimString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}
