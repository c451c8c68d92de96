package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// Dummy credentials that the functions and the SDK clients sign with. The
// local endpoints accept any.
const (
	dummyAccessKeyID     = "AKIALOCALSTACKDEMO01"
	dummySecretAccessKey = "local-stack-dummy-secret-access-key"
)

// startAWS starts the Secrets Manager and SQS endpoints: moto_server when
// it is used, otherwise the built-in endpoints.
func (st *stack) startAWS(ctx context.Context, secret string) error {
	p := st.opts.progress
	if !st.opts.useMoto {
		var err error
		st.secretsServer, err = localstack.StartSecretsServer(region)
		if err != nil {
			return err
		}
		st.closers = append(st.closers, func() { st.secretsServer.Close() })
		if _, err := st.secretsServer.PutSecret(secretName, secret); err != nil {
			return err
		}
		st.secretsURL = st.secretsServer.URL
		p.step("Secrets Manager", "built-in endpoint %s  secret %s", st.secretsURL, secretName)

		// The ingest function changes the visibility timeout of a message
		// it reports for retry. This endpoint keeps that call on this
		// machine and records it.
		st.visibility, err = localstack.StartVisibilityServer(region)
		if err != nil {
			return err
		}
		st.closers = append(st.closers, func() { st.visibility.Close() })
		st.sqsURL = st.visibility.URL
		p.skip("SQS", "not available without moto_server, so the ingest function is invoked",
			"directly and a failed message shows as a batch item failure.",
			"For queues: python3 -m pip install 'moto[server]'")
		return nil
	}

	start := time.Now()
	moto, err := localstack.StartMoto(ctx, st.opts.motoPath, newLineWriter("moto_server", st.opts.logs, nil))
	if err != nil {
		return err
	}
	st.moto = moto
	st.closers = append(st.closers, moto.Stop)
	st.secretsURL, st.sqsURL = moto.URL, moto.URL
	p.step("moto_server", "%s  pid %d  (%s)", moto.URL, moto.Pid(), seconds(time.Since(start)))

	cfg := awsConfig()
	secrets := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	if _, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(secretName), SecretString: aws.String(secret),
	}); err != nil {
		return fmt.Errorf("create secret %s in moto_server: %w", secretName, err)
	}
	p.step("Secrets Manager", "moto_server  secret %s", secretName)

	st.queues = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	if err := st.createQueues(ctx); err != nil {
		return err
	}
	p.step("SQS", "moto_server  %s -> dead-letter queue %s", ingestQueueName, deadLetterQueueName)
	return nil
}

// createQueues creates the dead-letter queue and the ingest queue with a
// redrive policy, like the queues in template.yaml.
func (st *stack) createQueues(ctx context.Context) error {
	dlq, err := st.queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(deadLetterQueueName)})
	if err != nil {
		return fmt.Errorf("create queue %s: %w", deadLetterQueueName, err)
	}
	st.dlqURL = aws.ToString(dlq.QueueUrl)
	dlqARN, err := st.queueAttribute(ctx, st.dlqURL, "QueueArn")
	if err != nil {
		return err
	}
	redrive, _ := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": "5"})
	q, err := st.queues.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(ingestQueueName),
		Attributes: map[string]string{
			"RedrivePolicy":     string(redrive),
			"VisibilityTimeout": "180",
		},
	})
	if err != nil {
		return fmt.Errorf("create queue %s: %w", ingestQueueName, err)
	}
	st.queueURL = aws.ToString(q.QueueUrl)
	st.queueARN, err = st.queueAttribute(ctx, st.queueURL, "QueueArn")
	return err
}

func (st *stack) queueAttribute(ctx context.Context, queueURL, name string) (string, error) {
	out, err := st.queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeName(name)},
	})
	if err != nil {
		return "", fmt.Errorf("read %s of %s: %w", name, queueURL, err)
	}
	return out.Attributes[name], nil
}

// awsConfig returns the SDK configuration of the command's own clients:
// dummy static credentials and the stack's region, nothing read from the
// environment or ~/.aws.
func awsConfig() aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, ""),
	}
}
