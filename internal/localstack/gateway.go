package localstack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// maxGatewayBodyBytes is the largest request body an HTTP API accepts
// (10 MB).
const maxGatewayBodyBytes = 10 << 20

// Route sends requests that match Method and Path to Function.
type Route struct {
	// Method is the HTTP method, such as POST.
	Method string

	// Path is the route path with {name} parameters, such as
	// /assets/{uid}/viewings.
	Path string

	// Function receives the payload 2.0 event.
	Function Invoker

	// Public turns the JWT authorizer off for the route.
	Public bool
}

// GatewayRequest is the record of one request the gateway served, for
// access logs.
type GatewayRequest struct {
	Method, Path string
	Status       int
	Subject      string // the token's sub, when the authorizer accepted it
	Duration     time.Duration
	Err          error // the reason the request was rejected or failed
}

// Gateway is a local stand-in for an API Gateway HTTP API with a JWT
// authorizer and Lambda proxy integrations (payload format 2.0). It
// matches a route, verifies the bearer token with Authorizer, invokes the
// route's function with the request and the verified claims, and turns the
// function's response into the HTTP response. Errors look like API
// Gateway's: 401 {"message":"Unauthorized"}, 404 {"message":"Not Found"},
// 500 {"message":"Internal Server Error"} and 503 when the function times
// out.
type Gateway struct {
	Authorizer *JWTAuthorizer
	Routes     []Route

	// Log, when set, is called after every request.
	Log func(GatewayRequest)

	// Now is the clock for the event's time fields. Default time.Now.
	Now func() time.Time
}

// ServeHTTP serves one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := GatewayRequest{Method: r.Method, Path: r.URL.Path}
	rec.Status, rec.Subject, rec.Err = g.serve(w, r)
	rec.Duration = time.Since(start)
	if g.Log != nil {
		g.Log(rec)
	}
}

func (g *Gateway) serve(w http.ResponseWriter, r *http.Request) (status int, subject string, err error) {
	requestID := newRequestID()
	w.Header().Set("Apigw-Requestid", requestID)

	route, params, ok := g.match(r.Method, r.URL.Path)
	if !ok {
		return writeGatewayMessage(w, http.StatusNotFound, "Not Found"), "", nil
	}
	var claims map[string]string
	if !route.Public {
		claims, err = g.Authorizer.Authorize(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("Www-Authenticate", `Bearer error="invalid_token"`)
			return writeGatewayMessage(w, http.StatusUnauthorized, "Unauthorized"), "", err
		}
		subject = claims["sub"]
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGatewayBodyBytes+1))
	if err != nil || len(body) > maxGatewayBodyBytes {
		return writeGatewayMessage(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large"), subject, err
	}

	event := NewHTTPAPIEvent(r, body, route.Method+" "+route.Path, params, claims, g.now())
	event.RequestContext.RequestID = requestID
	payload, err := json.Marshal(event)
	if err != nil {
		return writeGatewayMessage(w, http.StatusInternalServerError, "Internal Server Error"), subject, err
	}
	resp, err := route.Function.Invoke(r.Context(), requestID, payload)
	if err != nil {
		var ferr *FunctionError
		if errors.As(err, &ferr) && ferr.Timeout() {
			return writeGatewayMessage(w, http.StatusServiceUnavailable, "Service Unavailable"), subject, err
		}
		return writeGatewayMessage(w, http.StatusInternalServerError, "Internal Server Error"), subject, err
	}
	status, err = WriteHTTPAPIResponse(w, resp.Payload)
	return status, subject, err
}

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// match finds the route for method and path and returns its path
// parameters.
func (g *Gateway) match(method, path string) (Route, map[string]string, bool) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	for _, route := range g.Routes {
		if route.Method != method {
			continue
		}
		pattern := strings.Split(strings.Trim(route.Path, "/"), "/")
		if len(pattern) != len(segments) {
			continue
		}
		params := map[string]string{}
		matched := true
		for i, p := range pattern {
			if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") && segments[i] != "" {
				params[p[1:len(p)-1]] = segments[i]
				continue
			}
			if p != segments[i] {
				matched = false
				break
			}
		}
		if matched {
			return route, params, true
		}
	}
	return Route{}, nil, false
}

// NewHTTPAPIEvent builds the payload 2.0 event that an HTTP API sends to a
// Lambda integration for request r with the given body. routeKey is
// "METHOD /path/{param}"; claims, when not nil, are the JWT authorizer's
// verified claims. Header names are lower-cased and repeated headers joined
// with commas; cookies move to the cookies field; a body that is not valid
// UTF-8 is base64-encoded.
func NewHTTPAPIEvent(r *http.Request, body []byte, routeKey string, params, claims map[string]string,
	now time.Time) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for name, values := range r.Header {
		if strings.EqualFold(name, "Cookie") {
			continue
		}
		headers[strings.ToLower(name)] = strings.Join(values, ",")
	}
	headers["host"] = r.Host
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	var query map[string]string
	if values := r.URL.Query(); len(values) > 0 {
		query = map[string]string{}
		for k, v := range values {
			query[k] = strings.Join(v, ",")
		}
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}

	event := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              routeKey,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: query,
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     routeKey,
			AccountID:    DefaultAccountID,
			Stage:        "$default",
			RequestID:    newRequestID(),
			APIID:        "local",
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if claims != nil {
		event.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			event.Body = string(body)
		} else {
			event.Body = base64.StdEncoding.EncodeToString(body)
			event.IsBase64Encoded = true
		}
	}
	return event
}

// WriteHTTPAPIResponse writes a Lambda function's payload 2.0 response. A
// JSON object with a statusCode is a structured response; any other valid
// JSON becomes a 200 application/json body, as HTTP APIs do. It returns
// the status written.
func WriteHTTPAPIResponse(w http.ResponseWriter, out []byte) (int, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(out, &probe) != nil || probe["statusCode"] == nil {
		if !json.Valid(out) {
			return writeGatewayMessage(w, http.StatusInternalServerError, "Internal Server Error"),
				errors.New("localstack: the function's response is not JSON")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(out)
		return http.StatusOK, err
	}

	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		return writeGatewayMessage(w, http.StatusInternalServerError, "Internal Server Error"),
			fmt.Errorf("localstack: the function's response is not a valid HTTP API response: %s", truncate(out, 200))
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return writeGatewayMessage(w, http.StatusInternalServerError, "Internal Server Error"),
				fmt.Errorf("localstack: the function's base64 body does not decode: %w", err)
		}
		body = decoded
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, err := w.Write(body)
	return resp.StatusCode, err
}

// writeGatewayMessage writes API Gateway's own error shape and returns the
// status.
func writeGatewayMessage(w http.ResponseWriter, status int, msg string) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"message\":%q}", msg)
	return status
}

// StartGateway serves g on addr ("127.0.0.1:0" for a free port) and returns
// its base URL and a function that stops it.
func StartGateway(g *Gateway, addr string) (url string, stop func(context.Context) error, err error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil || (host != "127.0.0.1" && host != "localhost") {
		return "", nil, fmt.Errorf("localstack: gateway address %q must be on 127.0.0.1, such as 127.0.0.1:3000", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("localstack: listen for the gateway: %w", err)
	}
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Shutdown.
	return "http://" + ln.Addr().String(), srv.Shutdown, nil
}
