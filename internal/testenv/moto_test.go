package testenv_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func TestMotoServesSQSAndSecretsManager(t *testing.T) {
	endpoint := testenv.Moto(t)
	ctx := testenv.Context(t)
	cfg := testenv.AWSConfig(t)

	queues := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	created, err := queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("testenv-check")})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	if aws.ToString(created.QueueUrl) == "" {
		t.Fatal("CreateQueue returned an empty queue URL")
	}

	secrets := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err = secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String("testenv-check"),
		SecretString: aws.String(`{"username":"u"}`),
	})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	got, err := secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("testenv-check")})
	if err != nil {
		t.Fatalf("GetSecretValue: %v", err)
	}
	if want := `{"username":"u"}`; aws.ToString(got.SecretString) != want {
		t.Errorf("SecretString = %q, want %q", aws.ToString(got.SecretString), want)
	}
}

func TestMotoSharedWithinBinary(t *testing.T) {
	first := testenv.Moto(t)
	second := testenv.Moto(t)
	if first != second {
		t.Errorf("Moto returned %q then %q, want one shared server", first, second)
	}
}
