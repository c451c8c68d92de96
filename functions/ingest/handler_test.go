package main

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// wantOutcome checks the logged outcome of a message.
func wantOutcome(t *testing.T, s *stack, messageID string, want outcome) logLine {
	t.Helper()
	line := s.messageLogs()[messageID]
	if line == nil {
		t.Fatalf("no log line for message %s", messageID)
	}
	if got := outcome(line["outcome"].(string)); got != want {
		t.Errorf("message %s: outcome %s (reason %v), want %s", messageID, got, line["reason"], want)
	}
	return line
}

func wantFailures(t *testing.T, resp events.SQSEventResponse, ids ...string) {
	t.Helper()
	got := failedIDs(resp)
	if len(got) == 0 && len(ids) == 0 {
		return
	}
	if !reflect.DeepEqual(got, ids) {
		t.Errorf("batch item failures = %v, want %v", got, ids)
	}
}

func TestTransientFailureFailsOnlyThatMessage(t *testing.T) {
	s := newStack(t, stackOptions{configure: func(c *Config) { c.BackoffBase = time.Second }})
	a, b, c := s.putAsset(map[string]any{"title": "a"}), s.putAsset(map[string]any{"title": "b"}), s.putAsset(map[string]any{"title": "c"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, PathPrefix: "/api/assets/" + b + "/", Status: 503})
	queueURL, ev := s.sourceBatch(false,
		nativeBody(a, map[string]any{"title": "A"}),
		nativeBody(b, map[string]any{"title": "B"}),
		nativeBody(c, map[string]any{"title": "C"}))

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[1].MessageId)
	if s.asset(a)["title"] != "A" || s.asset(c)["title"] != "C" {
		t.Errorf("titles a=%v c=%v, want both updated", s.asset(a)["title"], s.asset(c)["title"])
	}
	if s.asset(b)["title"] != "b" {
		t.Errorf("title b = %v, want it unchanged", s.asset(b)["title"])
	}
	line := wantOutcome(t, s, ev.Records[1].MessageId, outcomeTransient)
	if line["visibility_timeout_s"] != float64(1) {
		t.Errorf("visibility_timeout_s = %v, want 1", line["visibility_timeout_s"])
	}
	if !strings.Contains(line["reason"].(string), "503") {
		t.Errorf("reason = %v, want the 503", line["reason"])
	}

	// Lambda deletes the others; the failed one comes back after the one
	// second visibility timeout instead of the queue's 60 seconds.
	s.deleteSucceeded(queueURL, ev, resp)
	var again events.SQSEvent
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(again.Records) == 0; {
		time.Sleep(200 * time.Millisecond)
		again = s.receive(queueURL, ev.Records[0].EventSourceARN, 10)
	}
	if len(again.Records) != 1 || again.Records[0].MessageId != ev.Records[1].MessageId {
		t.Fatalf("received %d messages after the backoff, want the failed one", len(again.Records))
	}
	if got := again.Records[0].Attributes["ApproximateReceiveCount"]; got != "2" {
		t.Errorf("ApproximateReceiveCount = %s, want 2", got)
	}
}

func TestRetryAfterFromSkylarkHonoured(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: 429, RetryAfter: "120"})
	_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": "A"}))

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
	if line["visibility_timeout_s"] != float64(120) {
		t.Errorf("visibility_timeout_s = %v, want the 120 s Retry-After", line["visibility_timeout_s"])
	}
}

func TestUnauthorizedFromSkylarkIsTransient(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: 401})
	_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": "A"}))

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
	if dead := s.drain(s.dlqURL); len(dead) != 0 {
		t.Errorf("dead-letter queue holds %d messages, want none", len(dead))
	}
}

func TestUnknownAssetDeadLettered(t *testing.T) {
	s := newStack(t, stackOptions{})
	_, ev := s.sourceBatch(false, nativeBody("no-such-asset", map[string]any{"title": "A"}))
	ev.Records[0].Attributes["ApproximateReceiveCount"] = "4"

	resp := s.handle(ev)
	wantFailures(t, resp)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomePermanent)
	if line["dead_lettered"] != true || line["error_code"] != codeAssetNotFound {
		t.Errorf("log line = %v, want dead_lettered and %s", line, codeAssetNotFound)
	}
	if line["receive_count"] != float64(4) {
		t.Errorf("receive_count = %v, want 4", line["receive_count"])
	}

	dead := s.drain(s.dlqURL)
	if len(dead) != 1 {
		t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
	}
	d := dead[0]
	if aws.ToString(d.Body) != ev.Records[0].Body {
		t.Errorf("dead-letter body = %s, want the original %s", aws.ToString(d.Body), ev.Records[0].Body)
	}
	wantAttr := func(name, dataType, value string) {
		t.Helper()
		a, ok := d.MessageAttributes[name]
		if !ok {
			t.Errorf("attribute %s missing", name)
			return
		}
		if aws.ToString(a.DataType) != dataType || !strings.Contains(aws.ToString(a.StringValue), value) {
			t.Errorf("attribute %s = %s %q, want %s containing %q", name, aws.ToString(a.DataType),
				aws.ToString(a.StringValue), dataType, value)
		}
	}
	wantAttr(attrReason, "String", "data_source_id no-such-asset not found")
	wantAttr(attrErrorCode, "String", codeAssetNotFound)
	wantAttr(attrSourceMessageID, "String", ev.Records[0].MessageId)
	wantAttr(attrReceiveCount, "Number", "4")
	wantAttr(attrSourceQueue, "String", ev.Records[0].EventSourceARN)
	wantAttr("origin", "String", "ingest-test")
}

func TestSkylarkValidationErrorDeadLettered(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: 400,
		Body: `{"error":null,"skylark_error_code":"FORM_VALIDATION_ERRORS","form_validation_errors":{"title":["Ensure this field has no more than 200 characters."]}}`})
	_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": strings.Repeat("x", 300)}))

	resp := s.handle(ev)
	wantFailures(t, resp)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomePermanent)
	if line["error_code"] != "FORM_VALIDATION_ERRORS" {
		t.Errorf("error_code = %v", line["error_code"])
	}
	dead := s.drain(s.dlqURL)
	if len(dead) != 1 || !strings.Contains(aws.ToString(dead[0].MessageAttributes[attrReason].StringValue), "no more than 200 characters") {
		t.Fatalf("dead-letter messages = %d, want 1 with Skylark's validation message", len(dead))
	}
}

func TestPermanentFailureWithoutDLQReported(t *testing.T) {
	s := newStack(t, stackOptions{noDLQ: true})
	_, ev := s.sourceBatch(false, `{"version":1,"uid":"`+testUID+`","titel":"x"}`)

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomePermanent)
	if line["dead_lettered"] != false || line["visibility_timeout_s"] == nil {
		t.Errorf("log line = %v, want a reported failure with a visibility timeout", line)
	}
}

func TestDeadLetterSendFailureReported(t *testing.T) {
	s := newStack(t, stackOptions{})
	s.handler.Config.DeadLetterQueueURL = strings.TrimSuffix(s.dlqURL, "/") + "-missing"
	_, ev := s.sourceBatch(false, `not json`)

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomePermanent)
	if line["level"] != "ERROR" || !strings.Contains(line["queue_error"].(string), "dead-letter queue") {
		t.Errorf("log line = %v, want an ERROR naming the failed send", line)
	}
}

func TestVisibilityChangeFailureStillReported(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: 503})
	rec := sqsRecord("m-1", nativeBody(uid, map[string]any{"title": "A"}), 1)
	rec.EventSourceARN = "arn:aws:sqs:us-east-1:123456789012:queue-that-does-not-exist"

	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{rec}})
	wantFailures(t, resp, "m-1")
	line := wantOutcome(t, s, "m-1", outcomeTransient)
	if line["level"] != "ERROR" || !strings.Contains(line["queue_error"].(string), "change visibility") {
		t.Errorf("log line = %v, want an ERROR naming the failed visibility change", line)
	}
	if line["visibility_timeout_s"] != nil {
		t.Errorf("visibility_timeout_s = %v logged although the change failed", line["visibility_timeout_s"])
	}
}

func TestCognitoOutageIsTransient(t *testing.T) {
	tests := []struct {
		name  string
		fault cognitotest.Fault
	}{
		{"throttled", cognitotest.ThrottleFault(0)},
		{"internal error", cognitotest.InternalErrorFault(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t, stackOptions{})
			uid := s.putAsset(map[string]any{"title": "a"})
			if err := s.cognito.InjectFault("*", tt.fault); err != nil {
				t.Fatal(err)
			}
			_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": "A"}))

			resp := s.handle(ev)
			wantFailures(t, resp, ev.Records[0].MessageId)
			wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
			if dead := s.drain(s.dlqURL); len(dead) != 0 {
				t.Errorf("dead-letter queue holds %d messages, want none", len(dead))
			}
		})
	}
}

func TestAuthMisconfigurationNotDeadLettered(t *testing.T) {
	s := newStack(t, stackOptions{password: "Wrong-Password-1"})
	uid := s.putAsset(map[string]any{"title": "a"})
	_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": "A"}))

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
	if !strings.Contains(line["reason"].(string), "auth: ") {
		t.Errorf("reason = %v, want the auth error", line["reason"])
	}
	if strings.Contains(s.logs.String(), "Wrong-Password-1") {
		t.Error("the password appears in the logs")
	}
	if dead := s.drain(s.dlqURL); len(dead) != 0 {
		t.Errorf("dead-letter queue holds %d messages, want none", len(dead))
	}
}

func TestRedeliveredMessageIsNoOp(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"title": "a"})
	body := `{"version":1,"uid":"` + uid + `","fields":{"title":"A","duration_in_seconds":60},` +
		`"ovps":{"upsert":[{"account_url":"/acc/1/","stream_url":"https://cdn.example.com/a.m3u8"}]}}`

	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m-1", body, 1), sqsRecord("m-2", body, 1)}})
	wantFailures(t, resp)
	wantOutcome(t, s, "m-1", outcomeApplied)
	wantOutcome(t, s, "m-2", outcomeSkipped)
	resp = s.handle(events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m-1", body, 2)}})
	wantFailures(t, resp)
	if n := s.patches(); n != 1 {
		t.Errorf("Skylark received %d PATCH requests, want 1", n)
	}
}

func TestPatchSendsOnlyChangedFields(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"title": "Same", "duration_in_seconds": 60, "synopsis": "old"})
	body := `{"version":1,"uid":"` + uid + `","language":"pt-pt","fields":{"title":"Same","duration_in_seconds":60.0,"synopsis":"new"}}`

	s.handle(events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m-1", body, 1)}})
	var patch *skylarktest.Request
	for _, r := range s.skylark.Requests() {
		if r.Method == http.MethodPatch {
			patch = &r
		}
	}
	if patch == nil {
		t.Fatal("no PATCH sent")
	}
	if got := string(patch.Body); got != `{"synopsis":"new"}` {
		t.Errorf("PATCH body = %s, want only the changed field", got)
	}
	if got := patch.Header.Get("Accept-Language"); got != "pt-pt" {
		t.Errorf("Accept-Language = %q, want pt-pt", got)
	}
}

func TestOVPsMergeKeepsOtherAccounts(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"ovps": []any{
		map[string]any{"account_url": "/acc/mux/", "playback_id": "p1"},
		map[string]any{"account_url": "/acc/cdn/", "stream_url": "https://old", "drm": "widevine"},
		map[string]any{"account_url": "/acc/gone/", "stream_url": "https://gone"},
	}})
	body := `{"version":1,"uid":"` + uid + `","ovps":{"upsert":[{"account_url":"/acc/cdn/","stream_url":"https://new"},` +
		`{"account_url":"/acc/new/","stream_url":"https://added"}],"remove":["/acc/gone/"]}}`

	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m-1", body, 1)}})
	wantFailures(t, resp)
	ovps := ovpsOf(t, s.asset(uid))
	if len(ovps) != 3 || ovps["/acc/mux/"]["playback_id"] != "p1" || ovps["/acc/gone/"] != nil {
		t.Errorf("ovps = %v", ovps)
	}
	if cdn := ovps["/acc/cdn/"]; cdn["stream_url"] != "https://new" || cdn["drm"] != "widevine" {
		t.Errorf("cdn entry = %v, want the new stream_url and the kept drm key", cdn)
	}
	if ovps["/acc/new/"]["stream_url"] != "https://added" {
		t.Errorf("new entry = %v", ovps["/acc/new/"])
	}
}

func TestS3TestEventAcknowledged(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	body := `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-05T09:59:00.000Z","Bucket":"example-media-bucket","RequestId":"R","HostId":"H"}`
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", body, 1), sqsRecord("m-2", snsEnvelope(body), 1)}})
	wantFailures(t, resp)
	for _, id := range []string{"m-1", "m-2"} {
		line := wantOutcome(t, s, id, outcomeSkipped)
		if line["level"] != "INFO" {
			t.Errorf("%s logged at %v, want INFO", id, line["level"])
		}
	}
	if n := len(s.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests, want none", n)
	}
}

func TestUnmatchedKeySkippedWithReason(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", s3Body("ObjectCreated:Put", "thumbnails/poster+1.jpg", "01"), 1)}})
	wantFailures(t, resp)
	line := wantOutcome(t, s, "m-1", outcomeSkipped)
	if !strings.Contains(line["reason"].(string), `"thumbnails/poster 1.jpg" (raw "thumbnails/poster+1.jpg") does not match S3_KEY_PATTERN`) {
		t.Errorf("reason = %v", line["reason"])
	}
	if n := len(s.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests, want none", n)
	}
}

func TestS3PlusKeyUpdatesDecodedAsset(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"data_source_id": "promo clip 01"})
	plus := s.putAsset(map[string]any{"data_source_id": "promo+clip+01"})
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", s3Body("ObjectCreated:Put", "uploads/promo+clip+01.mp4", "01"), 1)}})
	wantFailures(t, resp)
	line := wantOutcome(t, s, "m-1", outcomeApplied)
	if line["asset"] != uid || line["s3_raw_key"] != "uploads/promo+clip+01.mp4" {
		t.Errorf("asset %v raw key %v, want %s and the raw key", line["asset"], line["s3_raw_key"], uid)
	}
	if len(ovpsOf(t, s.asset(plus))) != 0 {
		t.Errorf("asset with the undecoded data_source_id was changed: %v", s.asset(plus))
	}
	for _, r := range s.skylark.Requests() {
		if r.Method == http.MethodGet && r.Path != "/api/assets/versions/data-source/promo clip 01/" {
			t.Errorf("GET %s, want the decoded data source id", r.Path)
		}
	}
}

func TestResponseNeverNullAndNoError(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	for _, ev := range []events.SQSEvent{{}, {Records: []events.SQSMessage{}}} {
		resp, err := s.handler.Handle(context.Background(), ev)
		if err != nil || resp.BatchItemFailures == nil {
			t.Errorf("Handle(%d records) = %+v, %v; want an empty list and no error", len(ev.Records), resp, err)
		}
	}
}

func TestLogsNeverContainToken(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.handle(loadEvent(t, "ingest-bad-message.json"))
	s.handle(events.SQSEvent{Records: []events.SQSMessage{sqsRecord("m-1", nativeBody(uid, map[string]any{"title": "A"}), 1)}})

	tok, err := s.tokens.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := s.logs.String() + s.metrics.String()
	for _, secret := range []string{tok.IDToken, tok.AccessToken, testPassword, "Bearer"} {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("logs contain %.12s...", secret)
		}
	}
	for _, dead := range s.drain(s.dlqURL) {
		for name, a := range dead.MessageAttributes {
			if strings.Contains(aws.ToString(a.StringValue), tok.IDToken) {
				t.Errorf("dead-letter attribute %s contains the token", name)
			}
		}
	}
}

func TestLogLineFields(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"title": "a"})
	ctx := lambdaContext("7f3c1b2a-request")
	_, err := s.handler.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", nativeBody(uid, map[string]any{"title": "A"}), 1)}})
	if err != nil {
		t.Fatal(err)
	}
	line := wantOutcome(t, s, "m-1", outcomeApplied)
	want := map[string]any{"request_id": "7f3c1b2a-request", "asset": uid, "kind": "native",
		"reason": uid + ": updated title", "level": "INFO", "receive_count": float64(1)}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
}

func TestEmbeddedMetricCounts(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	failing := s.putAsset(map[string]any{"title": "b"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, PathPrefix: "/api/assets/" + failing + "/", Status: 500})
	s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("applied", nativeBody(uid, map[string]any{"title": "A"}), 1),
		sqsRecord("skipped", nativeBody(uid, map[string]any{"title": "A"}), 1),
		sqsRecord("dead", "not json", 1),
		sqsRecord("transient", nativeBody(failing, map[string]any{"title": "B"}), 1),
	}})

	lines := strings.Split(strings.TrimSpace(s.metrics.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d metric lines, want 1 per invocation", len(lines))
	}
	var doc map[string]any
	if err := jsonUnmarshal(lines[0], &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"Applied": 1, "Skipped": 1, "PermanentFailures": 1, "DeadLettered": 1,
		"TransientFailures": 1, "NotStarted": 0, "BatchItemFailures": 1}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %v", k, doc[k], v)
		}
	}
	meta := doc["_aws"].(map[string]any)
	cw := meta["CloudWatchMetrics"].([]any)[0].(map[string]any)
	if cw["Namespace"] != metricsNamespace || len(cw["Metrics"].([]any)) != len(want) {
		t.Errorf("CloudWatchMetrics = %v", cw)
	}
	if _, ok := meta["Timestamp"].(float64); !ok {
		t.Errorf("Timestamp = %v, want milliseconds", meta["Timestamp"])
	}
	_, _ = s.sqs.PurgeQueue(context.Background(), &sqs.PurgeQueueInput{QueueUrl: aws.String(s.dlqURL)})
}

// systemAttr reads a system attribute of a received message.
func systemAttr(m types.Message, name string) string {
	return m.Attributes[name]
}
