package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Fixtures shared with the sample events in events/.
const (
	assetUID     = "asse_4e4a9d0e3c054790886684b924e1d13c" // needs planGold
	freeAssetUID = "asse_0f5e9d8c7b6a45f3a2e1d0c9b8a7f6e5" // no plans
	unknownUID   = "asse_ffffffffffffffffffffffffffffffff"
	planGold     = "/api/plans/plan_5f0c2a9e7b1d4e3f8a6c0b2d4e6f8a1c/"
	planBasic    = "/api/plans/plan_0b1d9e4c2a7f4e6b8d3c5a1f7e9b2d40/"
	goldUID      = "plan_5f0c2a9e7b1d4e3f8a6c0b2d4e6f8a1c"
	basicUID     = "plan_0b1d9e4c2a7f4e6b8d3c5a1f7e9b2d40"

	lambdaRequestID = "lambda-req-0001"
	serviceClientID = "skylark-app-client"
	playerClientID  = "player-app-client"
	userPassword    = "Viewer-Passw0rd!"
)

// testEnv is a viewing handler wired to real local components. The service
// pool is Skylark's Cognito pool with the integration's user, and the fake
// Skylark API verifies that pool's ID tokens. The users pool is the end
// users' pool: its users carry custom:plans and sign in from the player app.
type testEnv struct {
	service *cognitotest.Server
	users   *cognitotest.Server
	skylark *skylarktest.Server
	tokens  *auth.TokenSource
	client  *skylark.Client
	handler *Handler
	logs    *testenv.Buffer

	mu       sync.Mutex
	signedIn map[string]endUser
}

// endUser is a signed-in end user: the ID token and its decoded claims.
type endUser struct {
	idToken string
	claims  map[string]any
}

type envOptions struct {
	config        Config
	retry         *skylark.RetryPolicy
	servicePass   string // password the token source signs in with
	serviceClient string // app client id the token source signs in with
	skylarkAud    string // app client id the fake Skylark accepts
}

func newTestEnv(t testing.TB, configure ...func(*envOptions)) *testEnv {
	t.Helper()
	opts := envOptions{
		config: Config{
			PlansClaim:         defaultPlansClaim,
			AssetCacheTTL:      time.Minute,
			AssetCacheSize:     100,
			CORSAllowedOrigins: []string{"https://app.example.com"},
		},
		retry:         &skylark.RetryPolicy{MaxAttempts: 1, MinDelay: time.Millisecond, MaxDelay: time.Millisecond},
		servicePass:   "Service-Passw0rd!",
		serviceClient: serviceClientID,
		skylarkAud:    serviceClientID,
	}
	for _, f := range configure {
		f(&opts)
	}

	env := &testEnv{logs: &testenv.Buffer{}, signedIn: map[string]endUser{}}
	env.service = cognitotest.NewServer(t, cognitotest.Options{PoolID: "us-east-1_Skylark1"})
	mustNoErr(t, env.service.AddClient(cognitotest.Client{ID: serviceClientID}))
	mustNoErr(t, env.service.AddUser(cognitotest.User{Username: "integration", Password: "Service-Passw0rd!"}))

	env.users = cognitotest.NewServer(t, cognitotest.Options{PoolID: "us-east-1_EndUsers1"})
	mustNoErr(t, env.users.AddClient(cognitotest.Client{ID: playerClientID}))
	for _, u := range []cognitotest.User{
		{Username: "gold-viewer", Attributes: map[string]string{"custom:plans": `["` + goldUID + `"]`}},
		{Username: "basic-viewer", Attributes: map[string]string{"custom:plans": basicUID}},
		{Username: "url-viewer", Attributes: map[string]string{"custom:plans": basicUID + "," + planGold}},
		{Username: "free-viewer"},
	} {
		u.Password = userPassword
		mustNoErr(t, env.users.AddUser(u))
	}

	env.skylark = skylarktest.NewServer(skylarktest.Options{
		Issuer: env.service.Issuer(), ClientID: opts.skylarkAud})
	t.Cleanup(env.skylark.Close)
	env.skylark.PutAsset(map[string]any{
		"uid": assetUID, "title": "Gold match highlights",
		"plan_urls": []string{planGold},
		"ovps": []map[string]any{
			{"account_url": "/api/accounts/mux/", "playback_id": "GoldPlaybackId01"},
			{"account_url": "/api/accounts/tata/", "stream_url": "https://cdn.example.net/hls/master.m3u8"},
		},
	})
	env.skylark.PutAsset(map[string]any{
		"uid": freeAssetUID, "title": "Free trailer",
		"ovps": []map[string]any{{"account_url": "/api/accounts/mux/", "playback_id": "FreePlaybackId01"}},
	})

	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:  env.service.PoolID,
		ClientID:    opts.serviceClient,
		Cognito:     env.service.NewSDKClient(),
		Credentials: auth.StaticCredentials{Username: "integration", Password: opts.servicePass},
	})
	mustNoErr(t, err)
	env.tokens = tokens
	httpClient := &http.Client{Transport: &auth.Transport{Source: tokens}}
	client, err := skylark.NewClient(env.skylark.URL,
		skylark.WithHTTPClient(httpClient), skylark.WithRetry(*opts.retry))
	mustNoErr(t, err)
	env.client = client

	logger := slog.New(slog.NewJSONHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.handler = NewHandler(opts.config, client.Assets, client.Viewings, logger)
	return env
}

// signIn signs an end user in to the end-user pool through SRP once per
// environment and decodes the ID token's claims as the authorizer would.
func (e *testEnv) signIn(t testing.TB, username string) endUser {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if u, ok := e.signedIn[username]; ok {
		return u
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	idToken, err := e.users.SignIn(ctx, username, userPassword)
	mustNoErr(t, err)
	u := endUser{idToken: idToken, claims: decodeJWTClaims(t, idToken)}
	e.signedIn[username] = u
	return u
}

// grant records in the fake Skylark that the user may watch plan.
func (e *testEnv) grant(u endUser, planURL string) {
	e.skylark.GrantEntitlement(u.claims["sub"].(string), planURL)
}

// requestsTo returns the requests the fake Skylark received for method and
// a path prefix.
func (e *testEnv) requestsTo(method, prefix string) []skylarktest.Request {
	var out []skylarktest.Request
	for _, r := range e.skylark.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func decodeJWTClaims(t testing.TB, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("ID token has %d parts, want 3", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	mustNoErr(t, err)
	var claims map[string]any
	mustNoErr(t, json.Unmarshal(payload, &claims))
	return claims
}

// gatewayClaims converts JWT claims to strings the way HTTP API JWT
// authorizers do: numbers in decimal and arrays as "[a b]". REST API
// Cognito authorizers also send every claim as a string, so the tests use
// the same conversion for both payload versions.
func gatewayClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(v)
		case []any:
			items := make([]string, len(v))
			for i, item := range v {
				items[i] = strings.Trim(string(mustJSON(item)), `"`)
			}
			out[k] = "[" + strings.Join(items, " ") + "]"
		default:
			out[k] = string(mustJSON(v))
		}
	}
	return out
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// call describes one request to the function, independent of the payload
// version.
type call struct {
	method       string            // default POST
	path         string            // default /assets/<assetUID>/viewings
	uid          string            // pathParameters uid; default assetUID unless noPathParams
	noPathParams bool              // leave pathParameters out, as a {proxy+} route does
	headers      map[string]string // as the client sent them
	cookies      []string
	body         string
	base64       bool
	claims       map[string]any // JWT claims; nil means no authorizer
}

func (c call) withDefaults() call {
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.uid == "" {
		c.uid = assetUID
	}
	if c.path == "" {
		c.path = "/assets/" + c.uid + "/viewings"
	}
	return c
}

// payload builds and invokes events of one payload version.
type payload struct {
	name  string
	build func(c call) json.RawMessage
}

var payloads = []payload{
	{name: "v2", build: buildV2},
	{name: "v1", build: buildV1},
}

func buildV2(c call) json.RawMessage {
	c = c.withDefaults()
	ev := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "POST /assets/{uid}/viewings",
		RawPath:  c.path,
		Cookies:  c.cookies,
		Headers:  map[string]string{},
		Body:     c.body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "api-req-v2",
			Stage:     "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: c.method, Path: c.path, SourceIP: "198.51.100.7"},
		},
		IsBase64Encoded: c.base64,
	}
	// HTTP APIs deliver header names in lower case.
	for k, v := range c.headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	if !c.noPathParams {
		ev.PathParameters = map[string]string{"uid": c.uid}
	}
	if c.claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: gatewayClaims(c.claims)}}
	}
	return mustJSON(ev)
}

func buildV1(c call) json.RawMessage {
	c = c.withDefaults()
	ev := events.APIGatewayProxyRequest{
		Resource:          "/assets/{uid}/viewings",
		Path:              c.path,
		HTTPMethod:        c.method,
		Headers:           map[string]string{},
		MultiValueHeaders: map[string][]string{},
		Body:              c.body,
		IsBase64Encoded:   c.base64,
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:  "api-req-v1",
			Stage:      "prod",
			Path:       "/prod" + c.path,
			HTTPMethod: c.method,
			Identity:   events.APIGatewayRequestIdentity{SourceIP: "198.51.100.7"},
		},
	}
	// REST APIs keep the client's spelling and fill both header maps.
	for k, v := range c.headers {
		ev.Headers[k] = v
		ev.MultiValueHeaders[k] = []string{v}
	}
	if len(c.cookies) > 0 {
		ev.Headers["Cookie"] = strings.Join(c.cookies, "; ")
		ev.MultiValueHeaders["Cookie"] = []string{ev.Headers["Cookie"]}
	}
	if !c.noPathParams {
		ev.PathParameters = map[string]string{"uid": c.uid}
	}
	if c.claims != nil {
		claims := map[string]any{}
		for k, v := range gatewayClaims(c.claims) {
			claims[k] = v
		}
		ev.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	return mustJSON(ev)
}

// result is a handler response of either payload version.
type result struct {
	status  int
	headers map[string]string
	multi   map[string][]string
	cookies []string
	body    string
	encoded []byte // the response as the Lambda runtime serialises it
}

func (r result) header(name string) string {
	for k, v := range r.headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// invoke runs the handler as the Lambda runtime would, with a deadline and a
// Lambda request id, and fails the test if it returns a Go error.
func (e *testEnv) invoke(t testing.TB, raw json.RawMessage) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return invokeCtx(t, e.handler, ctx, raw)
}

func invokeCtx(t testing.TB, h *Handler, ctx context.Context, raw json.RawMessage) result {
	t.Helper()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: lambdaRequestID})
	out, err := h.Handle(ctx, raw)
	if err != nil {
		t.Fatalf("Handle returned error %v; every outcome must be an HTTP response", err)
	}
	res := result{encoded: mustJSON(out)}
	switch out := out.(type) {
	case events.APIGatewayV2HTTPResponse:
		res.status, res.headers, res.multi, res.cookies, res.body =
			out.StatusCode, out.Headers, out.MultiValueHeaders, out.Cookies, out.Body
	case events.APIGatewayProxyResponse:
		res.status, res.headers, res.multi, res.body =
			out.StatusCode, out.Headers, out.MultiValueHeaders, out.Body
	default:
		t.Fatalf("Handle returned %T, want an API Gateway response type", out)
	}
	return res
}

func assertStatus(t testing.TB, res result, want int) {
	t.Helper()
	if res.status != want {
		t.Fatalf("status = %d, want %d; body %s", res.status, want, res.body)
	}
}

// assertError checks an error response: status, code, a message, the
// request id and the headers every response carries.
func assertError(t testing.TB, res result, status int, code string) errorBody {
	t.Helper()
	assertStatus(t, res, status)
	var body errorBody
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", res.body, err)
	}
	if body.Code != code {
		t.Errorf("code = %q, want %q (message %q)", body.Code, code, body.Message)
	}
	if body.Message == "" {
		t.Error("error message is empty")
	}
	if body.RequestID == "" {
		t.Error("request_id is empty")
	}
	assertHeader(t, res, "Content-Type", "application/json")
	assertHeader(t, res, "Cache-Control", "no-store")
	return body
}

func assertHeader(t testing.TB, res result, name, want string) {
	t.Helper()
	if got := res.header(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// assertNoLeak checks that nothing internal reaches the caller.
func assertNoLeak(t testing.TB, res result, secrets ...string) {
	t.Helper()
	for _, s := range append([]string{"skylark:", "auth:", "goroutine ", ".go:", "Bearer"}, secrets...) {
		if s != "" && strings.Contains(res.body, s) {
			t.Errorf("response body %q contains %q", res.body, s)
		}
	}
}

// decodeViewing decodes a 201 body.
func decodeViewing(t testing.TB, res result) viewingBodyJSON {
	t.Helper()
	var body viewingBodyJSON
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("viewing body %q is not JSON: %v", res.body, err)
	}
	return body
}

type viewingBodyJSON struct {
	AssetUID string           `json:"asset_uid"`
	Playback []map[string]any `json:"playback"`
}

func (b viewingBodyJSON) ovps() []string {
	var out []string
	for _, p := range b.Playback {
		s, _ := p["ovp"].(string)
		out = append(out, s)
	}
	return out
}

// logLines decodes the JSON log lines written so far.
func logLines(t testing.TB, b *testenv.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	dec := json.NewDecoder(strings.NewReader(b.String()))
	for {
		var line map[string]any
		if err := dec.Decode(&line); err == io.EOF {
			return lines
		} else if err != nil {
			t.Fatalf("log output is not JSON lines: %v", err)
		}
		lines = append(lines, line)
	}
}

func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
