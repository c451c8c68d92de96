package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// viewingRouteKey is the HTTP API route of the viewing function.
const viewingRouteKey = "POST /assets/{uid}/viewings"

// viewingCase is one request of the demo's viewing step.
type viewingCase struct {
	user   string // end user's username; empty sends no token through the gateway
	asset  string // uid or data source id of a seeded asset
	want   int
	reason string

	// playback, when set, is the start of a tokenised_url the response must
	// contain: the stream URL that the ingest step wrote.
	playback string
}

func viewingCases() []viewingCase {
	return []viewingCase{
		{user: "premium-viewer", asset: joyUID, want: http.StatusCreated, reason: "has the asset's plan",
			playback: expectedAfterIngest()[joyUID].ovps[ingestAccount]},
		{user: "basic-viewer", asset: joyUID, want: http.StatusForbidden, reason: "lacks the asset's plan"},
		{user: "free-viewer", asset: trailerDataSource, want: http.StatusCreated, reason: "free asset",
			playback: expectedAfterIngest()[trailerDataSource].ovps[ingestAccount]},
		{user: "", asset: joyUID, want: http.StatusUnauthorized, reason: "no token, through the gateway"},
	}
}

// viewingBody is the part of the viewing function's response body that the
// demo shows: playback entries on success, code and message on error.
type viewingBody struct {
	Playback []struct {
		OVP          string `json:"ovp"`
		TokenisedURL string `json:"tokenised_url"`
	} `json:"playback"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// runViewings signs the end users in, calls the viewing function for each
// case and prints the responses. It returns how many matched.
func (st *stack) runViewings(ctx context.Context, p *printer, gatewayURL string) (int, int, error) {
	p.section("Viewings: end users sign in with SRP -> JWT authorizer claims -> viewing function")
	users := map[string]endUser{}
	for _, u := range endUsers() {
		users[u.Username] = u
	}

	var rows [][]string
	good := 0
	for _, c := range viewingCases() {
		uid := st.assetUIDs[c.asset]
		var status int
		var body []byte
		var err error
		userLabel := c.user
		if c.user == "" {
			userLabel = "(no token)"
			status, body, err = postViewing(ctx, gatewayURL, uid, "")
		} else {
			status, body, err = st.viewingAs(ctx, users[c.user], uid)
		}
		if err != nil {
			return good, len(viewingCases()), fmt.Errorf("viewing as %s: %w", userLabel, err)
		}
		ok := status == c.want
		detail := describeViewing(status, body, c.reason)
		if ok && c.playback != "" && !hasPlayback(body, c.playback) {
			ok = false
			detail = "no playback with the ingested stream URL " + c.playback + "; " + detail
		}
		if ok {
			good++
		}
		rows = append(rows, []string{userLabel, assetLabel(c.asset, uid), fmt.Sprint(status), fmt.Sprint(c.want),
			verdict(ok), detail})
	}
	p.table([]string{"USER", "ASSET", "STATUS", "EXPECTED", "CHECK", "DETAIL"}, rows)
	return good, len(viewingCases()), nil
}

// viewingAs signs u in to the end-user pool with SRP, verifies the ID token
// as the HTTP API's JWT authorizer would, and invokes the viewing function
// with the payload 2.0 event carrying the verified claims.
func (st *stack) viewingAs(ctx context.Context, u endUser, uid string) (int, []byte, error) {
	token, err := st.endUserPool.SignIn(ctx, u.Username, u.Password)
	if err != nil {
		return 0, nil, err
	}
	claims, err := st.authorizer.Authorize(ctx, "Bearer "+token)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://127.0.0.1/assets/"+uid+"/viewings", nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.RemoteAddr = "127.0.0.1:0"
	event := localstack.NewHTTPAPIEvent(req, nil, viewingRouteKey, map[string]string{"uid": uid}, claims, time.Now())
	payload, err := json.Marshal(event)
	if err != nil {
		return 0, nil, err
	}
	out, err := st.viewing.Invoke(ctx, "", payload)
	if err != nil {
		return 0, nil, err
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return 0, nil, fmt.Errorf("viewing response is not an HTTP API response: %w", err)
	}
	return resp.StatusCode, []byte(resp.Body), nil
}

// postViewing sends POST /assets/{uid}/viewings to the local gateway, with
// the bearer token when it is not empty.
func postViewing(ctx context.Context, gatewayURL, uid, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gatewayURL+"/assets/"+uid+"/viewings", nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}

// hasPlayback reports whether a viewing response lists a tokenised_url
// that starts with streamURL.
func hasPlayback(body []byte, streamURL string) bool {
	var b viewingBody
	if json.Unmarshal(body, &b) != nil {
		return false
	}
	for _, pb := range b.Playback {
		if strings.HasPrefix(pb.TokenisedURL, streamURL) {
			return true
		}
	}
	return false
}

// describeViewing summarises a response body: the playback URLs without
// their tokens, or the error code and message.
func describeViewing(status int, body []byte, reason string) string {
	var b viewingBody
	if json.Unmarshal(body, &b) != nil {
		return reason
	}
	if status == http.StatusCreated {
		var urls []string
		for _, pb := range b.Playback {
			urls = append(urls, shorten(pb.OVP, 10)+" "+withoutQuery(pb.TokenisedURL))
		}
		return reason + "; " + shorten(strings.Join(urls, ", "), 90)
	}
	if b.Code != "" {
		return fmt.Sprintf("%s; %s: %s", reason, b.Code, shorten(b.Message, 60))
	}
	if b.Message != "" {
		return reason + "; " + b.Message
	}
	return reason
}
