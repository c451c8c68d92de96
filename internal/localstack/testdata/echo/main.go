// Command echo is a Lambda function for the localstack tests. What it does
// depends on the event:
//
//   - an SQS event: every record whose body contains "fail" is reported in
//     batchItemFailures;
//   - an HTTP API payload 2.0 event: 201 with the event as the body, except
//     for the paths /fail (a handler error) and /slow (sleeps past the
//     deadline);
//   - {"action": "env"}: the function's environment as a JSON object;
//   - {"action": "error"}: a handler error;
//   - {"action": "panic"}: a panic;
//   - {"action": "sleep"}: sleeps until the invocation's deadline has passed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

type probe struct {
	Action  string            `json:"action"`
	Version string            `json:"version"`
	RawPath string            `json:"rawPath"`
	Records []json.RawMessage `json:"Records"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var p probe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	switch {
	case len(p.Records) > 0:
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, err
		}
		var resp events.SQSEventResponse
		for _, r := range ev.Records {
			if strings.Contains(r.Body, "fail") {
				resp.BatchItemFailures = append(resp.BatchItemFailures,
					events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
			}
		}
		return resp, nil
	case p.Version == "2.0" && p.RawPath == "/fail":
		return nil, errors.New("requested error")
	case p.Version == "2.0" && p.RawPath == "/slow":
		deadline, _ := ctx.Deadline()
		time.Sleep(time.Until(deadline) + 2*time.Second)
		return "late", nil
	case p.Version == "2.0":
		return events.APIGatewayV2HTTPResponse{
			StatusCode: 201,
			Headers:    map[string]string{"Content-Type": "application/json", "X-Echo": "yes"},
			Body:       string(raw),
		}, nil
	case p.Action == "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		return env, nil
	case p.Action == "error":
		return nil, errors.New("requested error")
	case p.Action == "panic":
		panic("requested panic")
	case p.Action == "sleep":
		deadline, _ := ctx.Deadline()
		time.Sleep(time.Until(deadline) + 2*time.Second)
		return "late", nil
	}
	return nil, errors.New("unknown event")
}

func main() {
	lambda.Start(handle)
}
