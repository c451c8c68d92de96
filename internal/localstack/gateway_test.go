package localstack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// startTestGateway serves the echo function on POST /assets/{uid}/viewings
// behind a JWT authorizer for pool tokens, and on GET /public, POST /fail
// and POST /slow without one.
func startTestGateway(t *testing.T, f Invoker, issuer string) string {
	t.Helper()
	g := &Gateway{
		Authorizer: &JWTAuthorizer{Issuer: issuer, Audience: []string{"app-client"}},
		Routes: []Route{
			{Method: "POST", Path: "/assets/{uid}/viewings", Function: f},
			{Method: "GET", Path: "/public", Function: f, Public: true},
			{Method: "POST", Path: "/fail", Function: f, Public: true},
			{Method: "POST", Path: "/slow", Function: f, Public: true},
		},
	}
	url, stop, err := StartGateway(g, "127.0.0.1:0")
	if err != nil {
		t.Fatalf("StartGateway: %v", err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	return url
}

func send(t *testing.T, method, url, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testenv.Context(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Add("X-Repeated", "a")
	req.Header.Add("X-Repeated", "b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

func TestGatewayInvokesWithVerifiedClaims(t *testing.T) {
	pool := endUserPool(t, "us-east-1_Viewers", "app-client")
	url := startTestGateway(t, startEcho(t, FunctionOptions{}), pool.Issuer())
	token := signIn(t, pool)

	resp, body := send(t, "POST", url+"/assets/asse_1/viewings?lang=en&lang=fr", token, `{"k":"v"}`)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, body %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Echo") != "yes" {
		t.Error("the function's response headers were not passed on")
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatalf("decode the echoed event: %v", err)
	}
	checks := map[string][2]string{
		"routeKey":     {ev.RouteKey, "POST /assets/{uid}/viewings"},
		"rawPath":      {ev.RawPath, "/assets/asse_1/viewings"},
		"uid":          {ev.PathParameters["uid"], "asse_1"},
		"query":        {ev.QueryStringParameters["lang"], "en,fr"},
		"header":       {ev.Headers["x-repeated"], "a,b"},
		"body":         {ev.Body, `{"k":"v"}`},
		"method":       {ev.RequestContext.HTTP.Method, "POST"},
		"sourceIp":     {ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		"stage":        {ev.RequestContext.Stage, "$default"},
		"requestId":    {ev.RequestContext.RequestID, resp.Header.Get("Apigw-Requestid")},
		"custom:plans": {jwtClaim(ev, "custom:plans"), `["plan_a"]`},
		"sub":          {jwtClaim(ev, "sub"), "sub-1"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func jwtClaim(ev events.APIGatewayV2HTTPRequest, name string) string {
	if ev.RequestContext.Authorizer == nil || ev.RequestContext.Authorizer.JWT == nil {
		return ""
	}
	return ev.RequestContext.Authorizer.JWT.Claims[name]
}

func TestGatewayErrors(t *testing.T) {
	pool := endUserPool(t, "us-east-1_Viewers", "app-client")
	url := startTestGateway(t, startEcho(t, FunctionOptions{Timeout: time.Second}), pool.Issuer())
	token := signIn(t, pool)

	tests := []struct {
		name, method, path, token, body string
		want                            int
		wantMessage                     string
	}{
		{"no token", "POST", "/assets/asse_1/viewings", "", "", 401, "Unauthorized"},
		{"bad token", "POST", "/assets/asse_1/viewings", "x.y.z", "", 401, "Unauthorized"},
		{"unknown route", "POST", "/assets/asse_1", token, "", 404, "Not Found"},
		{"wrong method", "GET", "/assets/asse_1/viewings", token, "", 404, "Not Found"},
		{"public route", "GET", "/public", "", "", 201, ""},
		{"function error", "POST", "/fail", "", "", 500, "Internal Server Error"},
		{"function timeout", "POST", "/slow", "", "", 503, "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := send(t, tt.method, url+tt.path, tt.token, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.want, body)
			}
			if tt.wantMessage == "" {
				return
			}
			var msg struct{ Message string }
			if err := json.Unmarshal(body, &msg); err != nil || msg.Message != tt.wantMessage {
				t.Errorf("body = %s, want message %q", body, tt.wantMessage)
			}
		})
	}
}

func TestWriteHTTPAPIResponse(t *testing.T) {
	tests := []struct {
		name, out  string
		wantStatus int
		wantBody   string
	}{
		{"structured", `{"statusCode":403,"headers":{"X-A":"1"},"body":"no"}`, 403, "no"},
		{"base64 body", `{"statusCode":200,"body":"aGk=","isBase64Encoded":true}`, 200, "hi"},
		{"plain JSON", `{"hello":"world"}`, 200, `{"hello":"world"}`},
		{"not JSON", `hello`, 500, `{"message":"Internal Server Error"}`},
		{"bad status", `{"statusCode":42}`, 500, `{"message":"Internal Server Error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{header: http.Header{}}
			status, _ := WriteHTTPAPIResponse(rec, []byte(tt.out))
			if status != tt.wantStatus || rec.status != tt.wantStatus {
				t.Errorf("status = %d (written %d), want %d", status, rec.status, tt.wantStatus)
			}
			if rec.body.String() != tt.wantBody {
				t.Errorf("body = %q, want %q", rec.body.String(), tt.wantBody)
			}
		})
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }

func TestStartGatewayRejectsOtherHosts(t *testing.T) {
	if _, _, err := StartGateway(&Gateway{}, "0.0.0.0:0"); err == nil {
		t.Error("StartGateway accepted an address off 127.0.0.1")
	}
}
