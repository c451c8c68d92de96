// Command hello is the smallest aws-lambda-go function: the baseline that
// the cold-start benchmark compares the real functions against.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

// handle returns a fixed greeting whatever the event, so an invocation
// measures only the runtime's own work.
func handle(_ context.Context, _ json.RawMessage) (map[string]string, error) {
	return map[string]string{"message": "hello"}, nil
}

func main() {
	lambda.Start(handle)
}
