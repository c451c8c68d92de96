package lambdatest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
)

// A test builds a function for the host, runs it under the emulator and
// sends it an SQS event. The example has no output because it needs the
// functions' external services.
func ExampleStart() {
	var t *testing.T // the test's *testing.T

	bootstrap := lambdatest.Build(t, "./functions/ingest")
	fn := lambdatest.Start(t, bootstrap, lambdatest.Options{
		Env: map[string]string{
			"AWS_REGION":            "us-east-1",
			"AWS_ACCESS_KEY_ID":     "test",
			"AWS_SECRET_ACCESS_KEY": "test",
		},
		Timeout: 30 * time.Second,
	})

	event, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{
		MessageId: "m-1",
		Body:      `{"version":1}`,
	}}})
	resp, err := fn.Invoke(t.Context(), "", event)
	if err != nil {
		t.Fatalf("invoke failed: %v\n%s", err, fn.Logs())
	}
	var out events.SQSEventResponse
	if err := json.Unmarshal(resp.Payload, &out); err != nil {
		t.Fatal(err)
	}
}
