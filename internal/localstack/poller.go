package localstack

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Invoker invokes a Lambda function with a raw JSON event. *Function
// implements it.
type Invoker interface {
	Invoke(ctx context.Context, requestID string, event []byte) (*Response, error)
}

// SQSAPI is the part of the SQS client that SQSPoller uses. *sqs.Client
// implements it.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessageBatch(ctx context.Context, in *sqs.DeleteMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageBatchOutput, error)
}

// SQSPoller does the work of Lambda's SQS event source mapping with
// ReportBatchItemFailures turned on: it receives a batch, invokes the
// function with an events.SQSEvent, and deletes the messages that the
// response does not list in batchItemFailures. When the invocation fails,
// or its response is not a valid batch response, every message of the
// batch stays on the queue and comes back after its visibility timeout.
type SQSPoller struct {
	Client   SQSAPI
	Function Invoker

	// QueueURL is the queue to poll and QueueARN its ARN, the records'
	// eventSourceARN.
	QueueURL, QueueARN string

	// Region is the records' awsRegion.
	Region string

	// BatchSize is the maximum number of messages per invocation, 1 to 10.
	// Default 10.
	BatchSize int32

	// WaitTime is the long-poll wait of one receive, in whole seconds up
	// to 20. Zero returns at once when the queue is empty.
	WaitTime time.Duration
}

// Batch is one invocation made by the poller.
type Batch struct {
	// RequestID is the Lambda request id of the invocation.
	RequestID string

	// Records are the messages sent to the function, in queue order.
	Records []events.SQSMessage

	// Failed lists the message ids the function reported in
	// batchItemFailures. They stay on the queue.
	Failed []string

	// Deleted is the number of messages deleted from the queue.
	Deleted int

	// Err is the invocation error or the reason the response was not a
	// valid batch response. Then no message was deleted.
	Err error
}

// PollOnce receives one batch and processes it. It returns nil when the
// queue had no visible message.
func (p *SQSPoller) PollOnce(ctx context.Context) (*Batch, error) {
	size := p.BatchSize
	if size == 0 {
		size = 10
	}
	out, err := p.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(p.QueueURL),
		MaxNumberOfMessages:         size,
		WaitTimeSeconds:             int32(p.WaitTime / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		return nil, fmt.Errorf("localstack: receive from %s: %w", p.QueueURL, err)
	}
	if len(out.Messages) == 0 {
		return nil, nil
	}

	batch := &Batch{RequestID: newRequestID()}
	for _, m := range out.Messages {
		batch.Records = append(batch.Records, p.record(m))
	}
	event, err := json.Marshal(events.SQSEvent{Records: batch.Records})
	if err != nil {
		return nil, fmt.Errorf("localstack: encode the SQS event: %w", err)
	}
	resp, err := p.Function.Invoke(ctx, batch.RequestID, event)
	if err != nil {
		batch.Err = err
		return batch, nil
	}
	batch.Failed, batch.Err = batchFailures(resp.Payload, batch.Records)
	if batch.Err != nil {
		return batch, nil
	}
	batch.Deleted, err = p.deleteExcept(ctx, out.Messages, batch.Failed)
	return batch, err
}

// Run polls until ctx ends, calling onBatch (which may be nil) after each
// batch. Errors from SQS are passed to onError and retried after a second.
func (p *SQSPoller) Run(ctx context.Context, onBatch func(*Batch), onError func(error)) {
	for ctx.Err() == nil {
		batch, err := p.PollOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			if onError != nil {
				onError(err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		case batch != nil && onBatch != nil:
			onBatch(batch)
		}
	}
}

// record converts a received message into the record Lambda delivers.
func (p *SQSPoller) record(m types.Message) events.SQSMessage {
	return LambdaRecord(m, p.QueueARN, p.Region)
}

// LambdaRecord converts a message received from the queue queueARN into the
// record that Lambda's event source mapping puts in an SQS event: the same
// ids, body, MD5s and attributes, with message attribute list values as empty
// lists, as Lambda sends them.
func LambdaRecord(m types.Message, queueARN, region string) events.SQSMessage {
	rec := events.SQSMessage{
		MessageId:              aws.ToString(m.MessageId),
		ReceiptHandle:          aws.ToString(m.ReceiptHandle),
		Body:                   aws.ToString(m.Body),
		Md5OfBody:              aws.ToString(m.MD5OfBody),
		Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
		Attributes:             map[string]string{},
		MessageAttributes:      map[string]events.SQSMessageAttribute{},
		EventSource:            "aws:sqs",
		EventSourceARN:         queueARN,
		AWSRegion:              region,
	}
	for k, v := range m.Attributes {
		rec.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		rec.MessageAttributes[k] = events.SQSMessageAttribute{
			DataType:         aws.ToString(v.DataType),
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: []string{},
			BinaryListValues: [][]byte{},
		}
	}
	return rec
}

// batchFailures decodes a batch response. Like Lambda, it treats the whole
// batch as failed when an item identifier is empty or names no message of
// the batch.
func batchFailures(resp []byte, records []events.SQSMessage) ([]string, error) {
	var out events.SQSEventResponse
	if len(resp) > 0 && string(resp) != "null" {
		if err := json.Unmarshal(resp, &out); err != nil {
			return nil, fmt.Errorf("localstack: the function's response is not an SQS batch response: %w", err)
		}
	}
	ids := map[string]bool{}
	for _, r := range records {
		ids[r.MessageId] = true
	}
	var failed []string
	for _, f := range out.BatchItemFailures {
		if !ids[f.ItemIdentifier] {
			return nil, fmt.Errorf("localstack: batchItemFailures names %q, which is not a message of the batch", f.ItemIdentifier)
		}
		failed = append(failed, f.ItemIdentifier)
	}
	return failed, nil
}

// deleteExcept deletes the messages not listed in failed.
func (p *SQSPoller) deleteExcept(ctx context.Context, msgs []types.Message, failed []string) (int, error) {
	keep := map[string]bool{}
	for _, id := range failed {
		keep[id] = true
	}
	var entries []types.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if keep[aws.ToString(m.MessageId)] {
			continue
		}
		entries = append(entries, types.DeleteMessageBatchRequestEntry{
			Id:            aws.String(strconv.Itoa(i)),
			ReceiptHandle: m.ReceiptHandle,
		})
	}
	if len(entries) == 0 {
		return 0, nil
	}
	out, err := p.Client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{
		QueueUrl: aws.String(p.QueueURL),
		Entries:  entries,
	})
	if err != nil {
		return 0, fmt.Errorf("localstack: delete processed messages from %s: %w", p.QueueURL, err)
	}
	if len(out.Failed) > 0 {
		f := out.Failed[0]
		return len(out.Successful), fmt.Errorf("localstack: delete %d processed messages from %s: %s: %s",
			len(out.Failed), p.QueueURL, aws.ToString(f.Code), aws.ToString(f.Message))
	}
	return len(out.Successful), nil
}
