package reliability

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Dead-letter error code of a message the ingest function cannot read.
const codeInvalidMessage = "invalid_message"

// skylarkURLSpace is every path the functions may request: an asset by uid,
// an asset by data-source id (one path segment), and the viewings
// collection.
var skylarkURLSpace = regexp.MustCompile(
	`^/api/(assets/asse_[0-9a-f]{32}/|assets/versions/data-source/([^/]+)/|viewings/)$`)

// assertInURLSpace fails the test for a request outside skylarkURLSpace, or
// whose data-source id, decoded once as Skylark decodes it and once more as
// a careless proxy would, is "." or "..", holds a "/" or a control
// character.
func assertInURLSpace(t *testing.T, reqs []skylarktest.Request) {
	t.Helper()
	for _, r := range reqs {
		m := skylarkURLSpace.FindStringSubmatch(r.EscapedPath)
		if m == nil {
			t.Errorf("%s %q is outside Skylark's asset and viewing URL space", r.Method, r.EscapedPath)
			continue
		}
		if m[2] == "" {
			continue
		}
		id, err := url.PathUnescape(m[2])
		if err != nil {
			t.Errorf("%s %q: the data-source segment does not decode: %v", r.Method, r.EscapedPath, err)
			continue
		}
		for level, v := range []string{id, unescapeOrSame(id)} {
			if v == "." || v == ".." || strings.Contains(v, "/") || strings.ContainsFunc(v, unicode.IsControl) {
				t.Errorf("%s %q: the data-source id decodes (%d times) to %q, which leaves its path segment",
					r.Method, r.EscapedPath, level+1, v)
			}
		}
	}
}

func unescapeOrSame(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// hostileIngestCases are message bodies an attacker or a broken producer
// could put on the queue, with the fate each must meet.
func hostileIngestCases(w *world) []struct {
	name string
	body string
	want want
} {
	uid := w.sky.PutAsset(map[string]any{"title": "hostile target"})
	native := func(fields string) string { return `{"version":1,` + fields + `}` }
	s3Key := func(key string) string {
		b, _ := json.Marshal(map[string]any{"Records": []map[string]any{{
			"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
			"s3": map[string]any{"bucket": map[string]any{"name": "example-media-bucket"},
				"object": map[string]any{"key": key, "sequencer": "01"}},
		}}})
		return string(b)
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	return []struct {
		name string
		body string
		want want
	}{
		{"oversized unknown field", native(`"uid":"` + uid + `","padding":"` + strings.Repeat("x", 200<<10) + `"`),
			dead(codeInvalidMessage)},
		// Go's JSON decoder stops at 10,000 levels, so the classifier
		// already rejects the body.
		{"deeply nested fields", native(`"uid":"` + uid + `","fields":{"metadata":` + deep + `}`),
			dead(codeUnrecognised)},
		{"deeply nested body", `{"a":` + deep + `}`, dead(codeUnrecognised)},
		{"SNS inside SNS inside SNS", snsWrap(snsWrap(snsWrap(native(`"uid":"` + uid + `","fields":{"title":"x"}`)))),
			dead(codeUnrecognised)},
		{"data_source_id with ../", native(`"data_source_id":"../../api/viewings","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id ..", native(`"data_source_id":"..","fields":{"title":"x"}`), dead(codeInvalidMessage)},
		{"data_source_id with %2F", native(`"data_source_id":"a%2Fb","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id with %2f", native(`"data_source_id":"a%2fb","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id with %252F", native(`"data_source_id":"a%252Fb","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id %2E%2E", native(`"data_source_id":"%2E%2E","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id with %00", native(`"data_source_id":"a%00b","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id with NUL", native(`"data_source_id":"a\u0000b","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"data_source_id with CR LF", native(`"data_source_id":"a\r\nX-Injected: 1","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"uid with ../", native(`"uid":"asse_../../api/viewings","fields":{"title":"x"}`), dead(codeInvalidMessage)},
		{"uid with NUL", native(`"uid":"asse_0000000000000000000000000000000\u0000","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		{"language with CR LF", native(`"uid":"` + uid + `","language":"en\r\nX-Injected: 1","fields":{"title":"x"}`),
			dead(codeInvalidMessage)},
		// The event is JSON, so invalid UTF-8 reaches the function as
		// U+FFFD: a valid character in one path segment.
		{"invalid UTF-8 in data_source_id", native(`"data_source_id":"hostile-` + "\xff\xfe" + `","fields":{"title":"x"}`),
			dead(codeAssetNotFound)},
		{"lone surrogate in data_source_id", native(`"data_source_id":"hostile-\udcff","fields":{"title":"x"}`),
			dead(codeAssetNotFound)},
		{"forbidden field self", native(`"uid":"` + uid + `","fields":{"self":"/api/viewings/"}`),
			dead(codeInvalidMessage)},
		{"S3 key with encoded CR LF", s3Key("uploads/a%0D%0AX-Injected%3A+1.mp4"), dead(codeInvalidMessage)},
		{"S3 key with ..", s3Key("uploads/...mp4"), dead(codeInvalidMessage)},
		{"S3 key with encoded slashes", s3Key("uploads/..%2F..%2Fadmin.mp4"), skipped},
		{"MediaConvert metadata with ../", mediaConvertWith(map[string]string{"skylark_data_source_id": "../x"}),
			dead(codeInvalidMessage)},
	}
}

func snsWrap(message string) string {
	b, _ := json.Marshal(map[string]any{"Type": "Notification", "MessageId": "m",
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": message})
	return string(b)
}

func mediaConvertWith(meta map[string]string) string {
	b, _ := json.Marshal(map[string]any{
		"detail-type": "MediaConvert Job State Change", "source": "aws.mediaconvert",
		"detail": map[string]any{"status": "COMPLETE", "jobId": "j1", "userMetadata": meta,
			"outputGroupDetails": []map[string]any{{"type": "HLS_GROUP",
				"playlistFilePaths": []string{"s3://example-media-bucket/output/j1/index.m3u8"}}}},
	})
	return string(b)
}

// TestHostileIngest sends hostile message bodies to the ingest function,
// one invocation each, and checks that each gets its fate with a reason and
// that nothing reaches Skylark outside its URL space.
func TestHostileIngest(t *testing.T) {
	w := newWorld(t, buildFunctions(t))
	dlq := w.createQueue("dlq", 30*time.Second, "", 0)
	c := w.start("ingest", w.ingestEnv(dlq.url))
	deadLettered := map[string]string{}
	for i, tc := range hostileIngestCases(w) {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.sky.Requests())
			rec := events.SQSMessage{
				MessageId: "hostile-" + randomText("", 6), ReceiptHandle: "rh", Body: tc.body,
				Attributes: map[string]string{"ApproximateReceiveCount": "1"},
				MessageAttributes: map[string]events.SQSMessageAttribute{
					attrIndex: {DataType: "Number", StringValue: aws.String("0")},
				},
				EventSource: "aws:sqs", EventSourceARN: missingQueueARN(w), AWSRegion: testenv.Region,
			}
			ev := events.SQSEvent{Records: []events.SQSMessage{rec}}
			sr := invokeIngest(t, w, c, ev, defaultDeadline)
			run := &ingestRun{msgs: []ingestMsg{{body: tc.body}}, records: ev.Records}
			checkStep(t, i, run, sr, ev, []want{tc.want}, deadLettered)
			reqs := w.sky.Requests()[before:]
			assertInURLSpace(t, reqs)
			if tc.want.code == codeInvalidMessage || tc.want.code == codeUnrecognised {
				for _, r := range reqs {
					t.Errorf("an invalid message reached Skylark: %s %s", r.Method, r.EscapedPath)
				}
			}
		})
	}
	checkDeadLetterQueue(t, w, dlq, deadLettered)
	assertNoSecrets(t, w)
}

// TestHostileViewing sends hostile API Gateway events to the viewing
// function and checks the status and error code of each, that no response
// header carries a CR or LF, and that nothing reaches Skylark outside its
// URL space.
func TestHostileViewing(t *testing.T) {
	w := newWorld(t, buildFunctions(t))
	env := w.viewingEnv()
	env["CORS_ALLOWED_ORIGINS"] = "https://app.example.com"
	c := w.start("viewing", env)
	uid := playableAsset(w)

	tests := []struct {
		name   string
		edit   func(ev map[string]any)
		raw    []byte // sent as it is instead of the edited event
		status int
		code   string
	}{
		{name: "valid request", edit: func(map[string]any) {}, status: http.StatusCreated},
		{name: "oversized body", edit: setBody(`{"x":"` + strings.Repeat("a", 20<<10) + `"}`),
			status: http.StatusBadRequest, code: "invalid_request"},
		// 16 KiB allow at most 8,000 levels, which JSON decoders accept;
		// the body is ignored.
		{name: "deeply nested body within the size limit",
			edit:   setBody(`{"a":` + strings.Repeat("[", 8000) + strings.Repeat("]", 8000) + `}`),
			status: http.StatusCreated},
		{name: "body not an object", edit: setBody(`[]`), status: http.StatusBadRequest, code: "invalid_request"},
		{name: "base64 body not base64", edit: func(ev map[string]any) {
			ev["body"], ev["isBase64Encoded"] = "%%%", true
		}, status: http.StatusBadRequest, code: "invalid_request"},
		{name: "uid parameter with ../", edit: setUID("../../api/viewings", "..%2F..%2Fapi%2Fviewings"),
			status: http.StatusBadRequest, code: "invalid_asset_uid"},
		{name: "path with encoded slashes", edit: setUID("", "asse_x%2F..%2F..%2Fapi"),
			status: http.StatusBadRequest, code: "invalid_asset_uid"},
		{name: "uid with NUL", edit: setUID("asse_\x00"+strings.Repeat("a", 31), "asse_%00"+strings.Repeat("a", 31)),
			status: http.StatusBadRequest, code: "invalid_asset_uid"},
		{name: "uid with CR LF", edit: setUID(uid+"\r\nX-Injected: 1", uid+"%0D%0AX-Injected:%201"),
			status: http.StatusBadRequest, code: "invalid_asset_uid"},
		{name: "origin with CR LF", edit: func(ev map[string]any) {
			ev["headers"].(map[string]any)["origin"] = "https://app.example.com\r\nSet-Cookie: a=b"
		}, status: http.StatusCreated},
		{name: "invalid UTF-8 in the path", raw: []byte(strings.Replace(string(viewingEvent(uid, "u")),
			uid, "asse_\xff\xfe"+strings.Repeat("a", 30), -1)),
			status: http.StatusBadRequest, code: "invalid_asset_uid"},
		{name: "sub with CR LF", edit: setSub("user\r\nX-Injected: 1"),
			status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "sub with NUL", edit: setSub("user\x00admin"), status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "no authorizer", edit: func(ev map[string]any) {
			delete(ev["requestContext"].(map[string]any), "authorizer")
		}, status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "not an API Gateway event", raw: []byte(`{"Records":[]}`),
			status: http.StatusBadRequest, code: "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(w.sky.Requests())
			event := tc.raw
			if event == nil {
				var ev map[string]any
				if err := json.Unmarshal(viewingEvent(uid, "user-"+randomText("", 4)), &ev); err != nil {
					t.Fatal(err)
				}
				tc.edit(ev)
				event, _ = json.Marshal(ev)
			}
			res := invokeViewing(t, w, c, event, defaultDeadline)
			if res.StatusCode != tc.status {
				t.Errorf("status %d, want %d; body %s", res.StatusCode, tc.status, res.Body)
			}
			var body struct{ Code, Message string }
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
				t.Errorf("body is not JSON: %q", res.Body)
			}
			if tc.code != "" && (body.Code != tc.code || body.Message == "") {
				t.Errorf("code %q (message %q), want %q with a message", body.Code, body.Message, tc.code)
			}
			for k, v := range res.Headers {
				if strings.ContainsAny(k+v, "\r\n") {
					t.Errorf("response header %q: %q carries CR or LF", k, v)
				}
			}
			reqs := w.sky.Requests()[before:]
			assertInURLSpace(t, reqs)
			if tc.status >= 400 && tc.status < 500 && len(reqs) > 0 {
				t.Errorf("a rejected request reached Skylark %d times, first %s %s",
					len(reqs), reqs[0].Method, reqs[0].EscapedPath)
			}
		})
	}
	assertNoSecrets(t, w)
}

func setBody(body string) func(ev map[string]any) {
	return func(ev map[string]any) { ev["body"] = body }
}

// setUID puts a uid into the path parameters (when not empty) and an
// escaped form into the raw path.
func setUID(param, escaped string) func(ev map[string]any) {
	return func(ev map[string]any) {
		if param == "" {
			delete(ev, "pathParameters")
		} else {
			ev["pathParameters"] = map[string]any{"uid": param}
		}
		path := "/assets/" + escaped + "/viewings"
		ev["rawPath"] = path
		ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = path
	}
}

func setSub(sub string) func(ev map[string]any) {
	return func(ev map[string]any) {
		claims := ev["requestContext"].(map[string]any)["authorizer"].(map[string]any)["jwt"].(map[string]any)["claims"]
		claims.(map[string]any)["sub"] = sub
	}
}
