package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// Time limits of one invocation.
const (
	// defaultWorkTimeout stays under the 29-second default integration
	// timeout of REST APIs (HTTP APIs allow 30 seconds), so the caller gets
	// this function's 504 JSON and not the gateway's own error.
	defaultWorkTimeout = 28 * time.Second
	// defaultDeadlineMargin is kept free before the Lambda deadline to log
	// and return the response.
	defaultDeadlineMargin = 300 * time.Millisecond
)

// assetGetter reads a Skylark asset (skylark.AssetsService).
type assetGetter interface {
	Get(ctx context.Context, uid string, opts *skylark.RequestOptions) (*skylark.Asset, error)
}

// viewingCreator creates a Skylark viewing (skylark.ViewingsService).
type viewingCreator interface {
	Create(ctx context.Context, req *skylark.ViewingRequest) (*skylark.Viewing, error)
}

// Handler serves POST /assets/{uid}/viewings for API Gateway. It is built
// once per container and is safe for concurrent use.
type Handler struct {
	assets     assetGetter
	viewings   viewingCreator
	cache      *assetCache
	cors       corsPolicy
	plansClaim string
	logger     *slog.Logger
	now        func() time.Time

	workTimeout    time.Duration
	deadlineMargin time.Duration
}

// NewHandler returns a Handler that reads assets through assets and creates
// viewings through viewings, with the settings in cfg.
func NewHandler(cfg Config, assets assetGetter, viewings viewingCreator, logger *slog.Logger) *Handler {
	return &Handler{
		assets:         assets,
		viewings:       viewings,
		cache:          newAssetCache(cfg.AssetCacheTTL, cfg.AssetCacheSize, time.Now),
		cors:           newCORSPolicy(cfg),
		plansClaim:     cfg.PlansClaim,
		logger:         logger,
		now:            time.Now,
		workTimeout:    defaultWorkTimeout,
		deadlineMargin: defaultDeadlineMargin,
	}
}

// Handle serves one API Gateway proxy event of payload 2.0 or 1.0 and
// returns events.APIGatewayV2HTTPResponse or events.APIGatewayProxyResponse
// to match. Every outcome, a panic included, is an HTTP response with a nil
// error, because API Gateway turns a function error into a bare 502.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (out any, err error) {
	start := h.now()
	log := h.logger
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With("request_id", lc.AwsRequestID)
	}

	version, verr := detectVersion(raw)
	var req *request
	defer func() {
		if r := recover(); r != nil {
			stack := debug.Stack()
			log.Error("viewing: handler panicked", "panic", fmt.Sprint(r), "stack", string(stack))
			res := errorResponse(internalError(&panicError{value: r, stack: stack}),
				responseRequestID(ctx, req))
			if req != nil {
				h.cors.apply(res, req.header.Get("Origin"))
			}
			out, err = res.toPayload(version), nil
		}
	}()

	if verr == nil {
		req, verr = decodeRequest(raw, version)
	}
	if verr != nil {
		message := "The event is not an API Gateway proxy request."
		if errors.Is(verr, errNoMethod) {
			message = "The event is not an API Gateway proxy request: it has no valid HTTP method."
		}
		e := &apiError{status: http.StatusBadRequest, code: codeInvalidRequest,
			message: message, cause: verr}
		log.Warn("viewing: rejected event", "status", e.status, "code", e.code, "error", verr)
		return errorResponse(e, responseRequestID(ctx, nil)).toPayload(version), nil
	}

	log = log.With("api_request_id", req.apiRequestID, "payload_version", version.String())
	res, outcome := h.serve(ctx, req)
	h.cors.apply(res, req.header.Get("Origin"))
	outcome.log(log, res.status, h.now().Sub(start))
	return res.toPayload(version), nil
}

// serve runs the request and returns the response with what to log about it.
func (h *Handler) serve(ctx context.Context, req *request) (*response, *outcome) {
	o := &outcome{method: req.method, sourceIP: req.sourceIP}
	fail := func(e *apiError) (*response, *outcome) {
		o.err = e
		return errorResponse(e, responseRequestID(ctx, req)), o
	}

	uid, ok := matchRoute(req)
	if !ok {
		return fail(&apiError{status: http.StatusNotFound, code: codeRouteNotFound,
			message: "No such route. Create viewings with POST /assets/{uid}/viewings."})
	}
	o.assetUID = uid
	if e := checkPathParameter(req); e != nil {
		return fail(e)
	}

	switch req.method {
	case http.MethodPost:
	case http.MethodOptions:
		return h.cors.preflight(req.header.Get("Origin")), o
	default:
		return fail(&apiError{status: http.StatusMethodNotAllowed, code: codeMethodNotAllowed,
			message: fmt.Sprintf("Method %s is not allowed on this route. Use POST.", req.method)})
	}

	// The user comes only from the authorizer's verified output; headers,
	// cookies and the body cannot choose it.
	sub := req.authorizer.subject()
	if sub == "" {
		return fail(&apiError{status: http.StatusUnauthorized, code: codeUnauthenticated,
			message: "No signed-in user. Send the user's token in the Authorization header " +
				"to the API Gateway endpoint."})
	}
	if reason := checkSubject(sub); reason != "" {
		// The claims are unusable, so nothing is sent to Skylark. The
		// authorizer verified them, so this is a warning about its setup.
		return fail(&apiError{status: http.StatusUnauthorized, code: codeUnauthenticated,
			message: "The signed-in user's id (the sub claim) is not usable: it " + reason +
				". Check the API Gateway authorizer's identity source.",
			cause: fmt.Errorf("viewing: %s authorizer's user id %q %s",
				req.authorizer.kind, shortenForLog(sub), reason),
			warn: true})
	}
	o.sub, o.authorizer = sub, req.authorizer.kind

	if e := checkBody(req); e != nil {
		return fail(e)
	}
	if err := skylark.ValidateAssetUID(uid); err != nil {
		return fail(&apiError{status: http.StatusBadRequest, code: codeInvalidAssetUID,
			message: "The asset uid in the path is not valid. Expected asse_ followed by " +
				"32 lower-case hexadecimal digits.",
			cause: err})
	}

	workCtx, cancel := h.workContext(ctx)
	defer cancel()

	info, cached, err := h.cache.Get(workCtx, uid, func(ctx context.Context) (assetInfo, error) {
		return h.fetchAsset(ctx, uid)
	})
	o.cached = cached
	if err != nil {
		return fail(classifyUpstream(err, stepGetAsset, workCtx.Err() != nil))
	}

	if info.InvalidPlanURLs != "" {
		o.invalidPlanURLs = info.InvalidPlanURLs
	}
	userPlans := parsePlans(req.authorizer.claims[h.plansClaim])
	if !entitled(info, userPlans) {
		e := notEntitled(req.authorizer, h.plansClaim)
		if len(info.Plans) == 0 {
			// Failing closed: entries that name no plan must not make a
			// restricted asset free.
			e.cause = fmt.Errorf("viewing: asset %s has plan_urls %s with no valid plan, "+
				"so no user is entitled; fix the asset's plan_urls in Skylark",
				uid, info.InvalidPlanURLs)
		}
		return fail(e)
	}

	viewing, err := h.viewings.Create(workCtx, &skylark.ViewingRequest{
		AssetURL:       info.Self,
		UserIdentifier: sub,
	})
	if err != nil {
		e := classifyUpstream(err, stepCreateViewing, workCtx.Err() != nil)
		if e.code == codeAssetNotFound {
			h.cache.Forget(uid)
		}
		return fail(e)
	}
	body, err := newViewingBody(uid, viewing)
	if err != nil {
		return fail(&apiError{status: http.StatusBadGateway, code: codeUpstreamError,
			message: "The video platform returned no playback data for this asset; " +
				"it may have no stream yet. Report it with the request_id if this persists.",
			cause: err})
	}
	o.playbacks = len(body.Playback)
	return jsonResponse(http.StatusCreated, body), o
}

// fetchAsset reads an asset from Skylark and keeps what the handler needs.
func (h *Handler) fetchAsset(ctx context.Context, uid string) (assetInfo, error) {
	asset, err := h.assets.Get(ctx, uid, nil)
	if err != nil {
		return assetInfo{}, err
	}
	if asset.Self == "" {
		return assetInfo{}, fmt.Errorf("viewing: asset %s has no self path", uid)
	}
	info := assetInfo{Self: asset.Self}
	invalid := false
	for _, ref := range asset.PlanURLs {
		key := planKey(ref)
		if key == "" {
			invalid = true
			continue
		}
		info.Plans = append(info.Plans, key)
	}
	if invalid {
		// The JSON shows what the entries were: a JSON null decodes as "".
		raw, ok := asset.Get("plan_urls")
		if !ok {
			raw = []byte(fmt.Sprintf("%q", asset.PlanURLs))
		}
		info.InvalidPlanURLs = shortenForLog(string(raw))
	}
	return info, nil
}

// workContext bounds the Skylark calls so that the caller gets a response
// before both the gateway's integration timeout and the Lambda deadline.
func (h *Handler) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := h.workTimeout
	if deadline, ok := ctx.Deadline(); ok {
		if remaining := time.Until(deadline) - h.deadlineMargin; remaining < timeout {
			timeout = remaining
		}
	}
	return context.WithTimeout(ctx, timeout)
}

func notEntitled(a *authorizerOutput, plansClaim string) *apiError {
	message := "The signed-in user has no plan that includes this asset."
	// Cognito access tokens carry no custom attributes, so claims from an
	// access token never contain the plans claim.
	if claimString(a.claims["token_use"]) == "access" {
		message += " The token is an access token, which has no " + plansClaim +
			" claim: send the user's ID token."
	}
	return &apiError{status: http.StatusForbidden, code: codeNotEntitled, message: message}
}

// responseRequestID returns the id the caller can quote: API Gateway's
// request id, which HTTP APIs also return in the apigw-requestid header, or
// else the Lambda request id. Both are logged with every request.
func responseRequestID(ctx context.Context, req *request) string {
	if req != nil && req.apiRequestID != "" {
		return req.apiRequestID
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		return lc.AwsRequestID
	}
	return ""
}
