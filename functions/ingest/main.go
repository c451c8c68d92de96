// Command ingest is an SQS-triggered AWS Lambda function that turns
// content-pipeline messages (native update messages, S3 event notifications
// and MediaConvert job state changes) into updates of Skylark assets.
package main

import (
	"context"
	"fmt"
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
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// newHandler reads the configuration and builds the clients once per
// execution environment, so warm invocations reuse the cached token and the
// HTTP connections.
func newHandler(ctx context.Context, getenv func(string) string) (*Handler, error) {
	common, err := setup.LoadCommon(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
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
