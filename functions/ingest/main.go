// Command ingest is an SQS-triggered AWS Lambda function that turns
// content-pipeline messages (native update messages, S3 event notifications
// and MediaConvert job state changes) into updates of Skylark assets.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamkit/skylark-lambda/internal/setup"
)

func main() {
	h, err := newHandler(context.Background(), os.Getenv)
	if err != nil {
		// Failing init makes Lambda report the configuration error on the
		// first invocation instead of processing messages half-configured.
		setup.ExitOnInitError("ingest", err)
	}
	lambda.Start(h.Handle)
}

// newHandler reads the configuration and builds the clients once per
// execution environment, so warm invocations reuse the cached token and the
// HTTP connections.
func newHandler(ctx context.Context, getenv func(string) string) (*Handler, error) {
	// Both are read before either error is returned, so one failed start
	// names every invalid variable.
	common, errCommon := setup.LoadCommon(getenv)
	cfg, errOwn := LoadConfig(getenv)
	if err := errors.Join(errCommon, errOwn); err != nil {
		return nil, err
	}
	awsCfg, err := setup.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	client, _, err := setup.NewSkylark(ctx, common, awsCfg)
	if err != nil {
		return nil, err
	}
	return &Handler{
		Assets: client.Assets,
		Queue:  sqs.NewFromConfig(awsCfg),
		Config: cfg,
		Logger: setup.NewLogger(common.LogLevel),
	}, nil
}
