package main

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/streamkit/skylark-lambda/internal/setup"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func tmpNewSkylark(ctx context.Context, c setup.Common, cfg aws.Config) (*skylark.Client, error) {
	return nil, errors.New("TODO")
}
