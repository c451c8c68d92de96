package setup

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// LoadAWSConfig loads the SDK configuration from the Lambda environment:
// region, credentials and the standard endpoint variables (AWS_ENDPOINT_URL
// and AWS_ENDPOINT_URL_<SERVICE>), which is how local runs point the clients
// at emulators.
func LoadAWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("setup: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("setup: AWS_REGION is not set: set it to the region of the user pool and the queues, such as eu-west-1")
	}
	return cfg, nil
}
