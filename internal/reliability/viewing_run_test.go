package reliability

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// viewingCase is the viewing part of a fault-matrix row. Each step sends
// POST /assets/{uid}/viewings for a free asset that has playback data, from
// a signed-in user, as an HTTP API with a JWT authorizer delivers it.
type viewingCase struct {
	env    func(w *world, env map[string]string)
	warm   bool // one successful request before inject
	inject func(w *world)
	steps  []viewingStep
	check  func(t *testing.T, w *world, run *viewingRun)
}

// viewingStep is one request and the response it must get.
type viewingStep struct {
	before   func(w *world)
	deadline time.Duration // zero means defaultDeadline
	status   int
	code     string // the error body's code; "" for a 201
	// retryAfter is the Retry-After header value; "" means none.
	retryAfter string
}

// viewingRun is what a row's requests produced.
type viewingRun struct {
	container *container
	uid       string
	responses []events.APIGatewayV2HTTPResponse
}

// ok is a step that must create the viewing.
var ok = viewingStep{status: http.StatusCreated}

// failWith is a step that must fail with status and code.
func failWith(status int, code string) viewingStep {
	return viewingStep{status: status, code: code}
}

// runViewingCase runs one viewing row and checks every response.
func runViewingCase(t *testing.T, w *world, c *viewingCase) *viewingRun {
	t.Helper()
	env := w.viewingEnv()
	if c.env != nil {
		c.env(w, env)
	}
	uid := playableAsset(w)
	// A cold container's fault is in place before it starts, because the
	// function reads its secret while it initialises. A warm container's
	// fault comes after its first invocation.
	if c.inject != nil && !c.warm {
		c.inject(w)
	}
	run := &viewingRun{container: w.start("viewing", env), uid: uid}
	if c.warm {
		res := invokeViewing(t, w, run.container, viewingEvent(run.uid, "user-warm-up"), defaultDeadline)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("warm-up request got %d: %s", res.StatusCode, res.Body)
		}
		if c.inject != nil {
			c.inject(w)
		}
	}
	for n, step := range c.steps {
		if step.before != nil {
			step.before(w)
		}
		user := fmt.Sprintf("user-%d-%s", n, randomText("", 4))
		deadline := firstNonZero(step.deadline, defaultDeadline)
		res := invokeViewing(t, w, run.container, viewingEvent(run.uid, user), deadline)
		run.responses = append(run.responses, res)
		checkViewingResponse(t, n, res, step)
	}
	if c.check != nil {
		c.check(t, w, run)
	}
	return run
}

// playableAsset seeds a free asset with one ovps entry and returns its uid.
func playableAsset(w *world) string {
	return w.sky.PutAsset(map[string]any{
		"title": "Reliability feature",
		"ovps": []map[string]any{{
			"account_url": "/api/accounts/mux/",
			"playback_id": "pb" + randomText("", 8),
		}},
	})
}

// endUserToken is the player's token in the events' Authorization header.
// The function must neither check nor repeat it: the gateway's authorizer
// verified it, and the claims carry the identity.
const endUserToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlbmQtdXNlci1yZWxpYWJpbGl0eSJ9." +
	"ZW5kLXVzZXItc2lnbmF0dXJlLW5vdC12ZXJpZmllZA"

// viewingEvent returns a payload 2.0 event for POST /assets/{uid}/viewings
// from the signed-in user sub, with the claims an HTTP API JWT authorizer
// passes on.
func viewingEvent(uid, sub string) []byte {
	path := "/assets/" + uid + "/viewings"
	ev := map[string]any{
		"version":        "2.0",
		"routeKey":       "POST /assets/{uid}/viewings",
		"rawPath":        path,
		"rawQueryString": "",
		"headers": map[string]string{
			"content-type":  "application/json",
			"authorization": "Bearer " + endUserToken,
			"origin":        "https://app.example.com",
		},
		"pathParameters": map[string]string{"uid": uid},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "reliability", "stage": "$default",
			"requestId": "api-" + randomText("", 6),
			"http":      map[string]any{"method": "POST", "path": path, "sourceIp": "198.51.100.7"},
			"authorizer": map[string]any{"jwt": map[string]any{"claims": map[string]any{
				"sub": sub, "token_use": "id", "custom:plans": "[]",
			}}},
		},
		"body":            "{}",
		"isBase64Encoded": false,
	}
	b, _ := json.Marshal(ev)
	return b
}

// invokeViewing invokes the viewing function and decodes its response.
func invokeViewing(t *testing.T, w *world, c *container, event []byte, deadline time.Duration) events.APIGatewayV2HTTPResponse {
	t.Helper()
	res, err := c.invoke(event, deadline)
	if err != nil {
		t.Fatal(err)
	}
	w.rec.add("viewing responses", append(res.payload, '\n'))
	if res.failed {
		t.Fatalf("the viewing handler failed the invocation, so API Gateway would return a bare 502: %s",
			res.payload)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.payload, &resp); err != nil {
		t.Fatalf("response %s is not an APIGatewayV2HTTPResponse: %v", res.payload, err)
	}
	return resp
}

// checkViewingResponse compares a response with the step's expectation.
func checkViewingResponse(t *testing.T, n int, res events.APIGatewayV2HTTPResponse, step viewingStep) {
	t.Helper()
	if res.StatusCode != step.status {
		t.Errorf("step %d: status %d, want %d; body %s", n, res.StatusCode, step.status, res.Body)
	}
	if got := res.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("step %d: Cache-Control %q, want no-store", n, got)
	}
	if got := res.Headers["Retry-After"]; got != step.retryAfter {
		t.Errorf("step %d: Retry-After %q, want %q", n, got, step.retryAfter)
	}
	var body struct {
		Code      string           `json:"code"`
		Message   string           `json:"message"`
		RequestID string           `json:"request_id"`
		Playback  []map[string]any `json:"playback"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
		t.Errorf("step %d: body is not JSON: %s", n, res.Body)
		return
	}
	if step.status == http.StatusCreated {
		if len(body.Playback) == 0 || body.Playback[0]["tokenised_url"] == nil {
			t.Errorf("step %d: 201 without playback data: %s", n, res.Body)
		}
		return
	}
	if body.Code != step.code {
		t.Errorf("step %d: code %q, want %q; message %q", n, body.Code, step.code, body.Message)
	}
	if body.Message == "" || body.RequestID == "" {
		t.Errorf("step %d: error body needs a message and a request_id: %s", n, res.Body)
	}
}
