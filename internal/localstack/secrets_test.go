package localstack

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func startSecrets(t *testing.T) *SecretsServer {
	t.Helper()
	s, err := StartSecretsServer(testenv.Region)
	if err != nil {
		t.Fatalf("StartSecretsServer: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func secretsClient(t *testing.T, endpoint, region string) *secretsmanager.Client {
	t.Helper()
	cfg := testenv.AWSConfig(t)
	cfg.Region = region
	return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.RetryMaxAttempts = 1
	})
}

func TestSecretsServerGetSecretValue(t *testing.T) {
	s := startSecrets(t)
	arn, err := s.PutSecret("skylark/integration", `{"username":"u","password":"p"}`)
	if err != nil {
		t.Fatalf("PutSecret: %v", err)
	}
	if !strings.HasPrefix(arn, "arn:aws:secretsmanager:us-east-1:"+DefaultAccountID+":secret:skylark/integration-") {
		t.Errorf("ARN = %q", arn)
	}
	client := secretsClient(t, s.URL, testenv.Region)
	ctx := testenv.Context(t)

	for name, id := range map[string]string{"by name": "skylark/integration", "by ARN": arn} {
		t.Run(name, func(t *testing.T) {
			out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
			if err != nil {
				t.Fatalf("GetSecretValue: %v", err)
			}
			if got := aws.ToString(out.SecretString); got != `{"username":"u","password":"p"}` {
				t.Errorf("SecretString = %q", got)
			}
			if aws.ToString(out.ARN) != arn || aws.ToString(out.Name) != "skylark/integration" {
				t.Errorf("ARN, Name = %q, %q", aws.ToString(out.ARN), aws.ToString(out.Name))
			}
			if out.CreatedDate == nil || out.CreatedDate.IsZero() {
				t.Error("CreatedDate is missing")
			}
		})
	}
}

func TestSecretsServerErrors(t *testing.T) {
	s := startSecrets(t)
	if _, err := s.PutSecret("known", "v"); err != nil {
		t.Fatal(err)
	}
	ctx := testenv.Context(t)
	tests := []struct {
		name, region, id, stage, wantCode string
	}{
		{"unknown secret", testenv.Region, "unknown", "", "ResourceNotFoundException"},
		{"unknown stage", testenv.Region, "known", "AWSPREVIOUS", "ResourceNotFoundException"},
		{"other region", "eu-west-1", "known", "", "InvalidSignatureException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(tt.id)}
			if tt.stage != "" {
				in.VersionStage = aws.String(tt.stage)
			}
			_, err := secretsClient(t, s.URL, tt.region).GetSecretValue(ctx, in)
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want an API error", err)
			}
			if apiErr.ErrorCode() != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", apiErr.ErrorCode(), tt.wantCode)
			}
		})
	}

	t.Run("typed not found", func(t *testing.T) {
		_, err := secretsClient(t, s.URL, testenv.Region).GetSecretValue(ctx,
			&secretsmanager.GetSecretValueInput{SecretId: aws.String("unknown")})
		var nf *smtypes.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("error = %v, want *types.ResourceNotFoundException", err)
		}
	})

	t.Run("other operation", func(t *testing.T) {
		_, err := secretsClient(t, s.URL, testenv.Region).ListSecrets(ctx, &secretsmanager.ListSecretsInput{})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
			t.Errorf("ListSecrets error = %v, want UnknownOperationException", err)
		}
	})

	t.Run("unsigned request", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(`{"SecretId":"known"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Amz-Target", getSecretValueTarget)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
			t.Errorf("status %d, error type %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
		}
	})
}

func TestPutSecretRejectsBadNames(t *testing.T) {
	s := startSecrets(t)
	for _, name := range []string{"", "arn:aws:secretsmanager:us-east-1:1:secret:x"} {
		if _, err := s.PutSecret(name, "v"); err == nil {
			t.Errorf("PutSecret(%q) succeeded", name)
		}
	}
}

func TestVisibilityServerRecordsChanges(t *testing.T) {
	s, err := StartVisibilityServer(testenv.Region)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	client := sqs.NewFromConfig(testenv.AWSConfig(t), func(o *sqs.Options) {
		o.BaseEndpoint = aws.String(s.URL)
		o.RetryMaxAttempts = 1
	})
	ctx := testenv.Context(t)
	queue := "https://sqs.us-east-1.amazonaws.com/123456789012/ingest"

	_, err = client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(queue), ReceiptHandle: aws.String("handle-1"), VisibilityTimeout: 30,
	})
	if err != nil {
		t.Fatalf("ChangeMessageVisibility: %v", err)
	}
	_, err = client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: aws.String(queue), ReceiptHandle: aws.String("handle-2"), VisibilityTimeout: 50000,
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("too long a timeout: error = %v, want InvalidParameterValue", err)
	}
	_, err = client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(queue), ReceiptHandle: aws.String("h")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnsupportedOperation" {
		t.Errorf("DeleteMessage: error = %v, want UnsupportedOperation", err)
	}

	changes := s.Changes()
	if len(changes) != 1 {
		t.Fatalf("Changes = %+v, want one", changes)
	}
	if c := changes[0]; c.QueueURL != queue || c.ReceiptHandle != "handle-1" || c.Timeout.Seconds() != 30 {
		t.Errorf("change = %+v", c)
	}
}
