package localstack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// newQueue creates a queue in moto and returns its URL and ARN.
func newQueue(t *testing.T, client *sqs.Client, name string) (string, string) {
	t.Helper()
	ctx := testenv.Context(t)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(name),
		Attributes: map[string]string{"VisibilityTimeout": "60"},
	})
	if err != nil {
		t.Fatalf("CreateQueue: %v", err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return aws.ToString(q.QueueUrl), attrs.Attributes["QueueArn"]
}

func TestSQSPollerDeletesAllButFailures(t *testing.T) {
	moto := startMoto(t)
	client := sqs.NewFromConfig(testenv.AWSConfig(t), func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	queueURL, queueARN := newQueue(t, client, "poller-test")
	ctx := testenv.Context(t)

	for _, body := range []string{"ok 1", "please fail", "ok 2"} {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: aws.String(queueURL), MessageBody: aws.String(body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				"origin": {DataType: aws.String("String"), StringValue: aws.String("test")},
			},
		})
		if err != nil {
			t.Fatalf("SendMessage: %v", err)
		}
	}

	p := &SQSPoller{
		Client: client, Function: startEcho(t, FunctionOptions{}),
		QueueURL: queueURL, QueueARN: queueARN, Region: testenv.Region,
	}
	batch, err := p.PollOnce(ctx)
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	if batch == nil || batch.Err != nil {
		t.Fatalf("batch = %+v", batch)
	}
	if len(batch.Records) != 3 {
		t.Fatalf("batch has %d records, want 3", len(batch.Records))
	}
	r := batch.Records[0]
	if r.EventSourceARN != queueARN || r.AWSRegion != testenv.Region || r.EventSource != "aws:sqs" {
		t.Errorf("record source = %s %s %s", r.EventSource, r.EventSourceARN, r.AWSRegion)
	}
	if r.Attributes["ApproximateReceiveCount"] != "1" {
		t.Errorf("ApproximateReceiveCount = %q, want 1", r.Attributes["ApproximateReceiveCount"])
	}
	if a := r.MessageAttributes["origin"]; a.StringValue == nil || *a.StringValue != "test" {
		t.Errorf("message attribute origin = %+v", a)
	}
	var failing string
	for _, rec := range batch.Records {
		if rec.Body == "please fail" {
			failing = rec.MessageId
		}
	}
	if !slices.Equal(batch.Failed, []string{failing}) {
		t.Errorf("Failed = %v, want [%s]", batch.Failed, failing)
	}
	if batch.Deleted != 2 {
		t.Errorf("Deleted = %d, want 2", batch.Deleted)
	}

	// The failed message stays on the queue, invisible until its
	// visibility timeout passes; the others are gone.
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, nv := attrs.Attributes["ApproximateNumberOfMessages"], attrs.Attributes["ApproximateNumberOfMessagesNotVisible"]; v != "0" || nv != "1" {
		t.Errorf("visible %s, in flight %s; want 0 and 1", v, nv)
	}

	empty, err := p.PollOnce(ctx)
	if err != nil || empty != nil {
		t.Errorf("PollOnce on an empty queue = %+v, %v; want nil, nil", empty, err)
	}
}

// invokerFunc adapts a function to Invoker, for responses a real function
// would have to be written wrongly to give.
type invokerFunc func(ctx context.Context, requestID string, event []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, requestID string, event []byte) (*Response, error) {
	payload, err := f(ctx, requestID, event)
	if err != nil {
		return nil, err
	}
	return &Response{RequestID: requestID, StatusCode: 200, Payload: payload}, nil
}

func TestSQSPollerKeepsBatchOnBadResponse(t *testing.T) {
	moto := startMoto(t)
	client := sqs.NewFromConfig(testenv.AWSConfig(t), func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	ctx := testenv.Context(t)

	tests := []struct {
		name string
		fn   invokerFunc
	}{
		{"invocation error", func(context.Context, string, []byte) ([]byte, error) {
			return nil, errors.New("function crashed")
		}},
		{"unknown item", func(context.Context, string, []byte) ([]byte, error) {
			return []byte(`{"batchItemFailures":[{"itemIdentifier":"not-in-batch"}]}`), nil
		}},
		{"not a batch response", func(context.Context, string, []byte) ([]byte, error) {
			return []byte(`"done"`), nil
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			queueURL, queueARN := newQueue(t, client, fmt.Sprintf("poller-bad-%d", i))
			if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("m")}); err != nil {
				t.Fatal(err)
			}
			p := &SQSPoller{Client: client, Function: tt.fn, QueueURL: queueURL, QueueARN: queueARN, Region: testenv.Region}
			batch, err := p.PollOnce(ctx)
			if err != nil {
				t.Fatalf("PollOnce: %v", err)
			}
			if batch == nil || batch.Err == nil {
				t.Fatalf("batch = %+v, want one with Err set", batch)
			}
			if batch.Deleted != 0 {
				t.Errorf("Deleted = %d, want 0", batch.Deleted)
			}
		})
	}
}
