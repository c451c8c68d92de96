package packaging

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// decodeStrict decodes data into v and rejects fields that v does not
// have, so a misspelt key in a sample event fails instead of vanishing.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailingData
	}
	return nil
}

var errTrailingData = errors.New("trailing data after the event")

// eventFiles returns the sample events in events/ by base name.
func eventFiles(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(repoPath(t, "events/*.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}

// payloadVersion returns the "version" of an API Gateway proxy event:
// "2.0" for HTTP API payload 2.0, "1.0" (or absent) for REST payload 1.0.
func payloadVersion(data []byte) string {
	var head struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(data, &head)
	if head.Version == "" {
		return "1.0"
	}
	return head.Version
}

func TestSampleEventsParse(t *testing.T) {
	files := eventFiles(t)
	counts := map[string]int{}
	for _, name := range sortedKeys(files) {
		data := files[name]
		t.Run(name, func(t *testing.T) {
			switch {
			case strings.HasPrefix(name, "ingest-"):
				counts["ingest"]++
				checkSQSEvent(t, data)
			case strings.HasPrefix(name, "viewing-"):
				counts["viewing"]++
				checkAPIGatewayEvent(t, data)
			default:
				t.Errorf("events/%s: name it ingest-*.json or viewing-*.json so that the tests "+
					"invoke it with the right function", name)
			}
		})
	}
	for _, fn := range []string{"ingest", "viewing"} {
		if counts[fn] == 0 {
			t.Errorf("events/ has no %s-*.json sample event", fn)
		}
	}
}

func checkSQSEvent(t *testing.T, data []byte) {
	t.Helper()
	var e events.SQSEvent
	if err := decodeStrict(data, &e); err != nil {
		t.Fatalf("not an SQS event: %v", err)
	}
	if len(e.Records) == 0 {
		t.Fatal("SQS event has no Records")
	}
	ids := map[string]bool{}
	for i, r := range e.Records {
		if r.MessageId == "" || r.ReceiptHandle == "" {
			t.Errorf("record %d lacks messageId or receiptHandle", i)
		}
		if ids[r.MessageId] {
			t.Errorf("record %d repeats messageId %s", i, r.MessageId)
		}
		ids[r.MessageId] = true
		if r.EventSource != "aws:sqs" {
			t.Errorf("record %d eventSource = %q, want aws:sqs", i, r.EventSource)
		}
		if !strings.HasPrefix(r.EventSourceARN, "arn:aws:sqs:") {
			t.Errorf("record %d eventSourceARN = %q, want an SQS queue ARN", i, r.EventSourceARN)
		}
		if r.Body == "" {
			t.Errorf("record %d has an empty body", i)
		}
	}
}

func checkAPIGatewayEvent(t *testing.T, data []byte) {
	t.Helper()
	switch v := payloadVersion(data); v {
	case "2.0":
		var e events.APIGatewayV2HTTPRequest
		if err := decodeStrict(data, &e); err != nil {
			t.Fatalf("not an HTTP API payload 2.0 event: %v", err)
		}
		if e.RequestContext.HTTP.Method == "" || e.RawPath == "" {
			t.Errorf("payload 2.0 event lacks requestContext.http.method or rawPath")
		}
		if !strings.HasSuffix(e.RouteKey, " /assets/{uid}/viewings") {
			t.Errorf("routeKey = %q, want the route of template.yaml, /assets/{uid}/viewings", e.RouteKey)
		}
	case "1.0":
		var e events.APIGatewayProxyRequest
		if err := decodeStrict(data, &e); err != nil {
			t.Fatalf("not a REST API payload 1.0 event: %v", err)
		}
		if e.HTTPMethod == "" || e.Path == "" {
			t.Errorf("payload 1.0 event lacks httpMethod or path")
		}
		if e.Resource != "/assets/{uid}/viewings" {
			t.Errorf("resource = %q, want /assets/{uid}/viewings", e.Resource)
		}
	default:
		t.Errorf("payload version %q, want 1.0 or 2.0", v)
	}
}
