package reliability

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// attrIndex is the message attribute by which tests find the message they
// sent, because SQS assigns the message id.
const attrIndex = "reliability_index"

// queue is an SQS queue on moto_server.
type queue struct {
	url, arn string
}

// createQueue creates a standard queue named after the world. A non-empty
// redriveTo adds a redrive policy to that queue's ARN after maxReceive
// receives.
func (w *world) createQueue(role string, visibility time.Duration, redriveTo string, maxReceive int) queue {
	w.t.Helper()
	name := fmt.Sprintf("%s-%s-%d", role, w.name, w.seq.Add(1))
	if len(name) > 80 {
		name = name[len(name)-80:]
	}
	attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(int(visibility / time.Second))}
	if redriveTo != "" {
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`,
			redriveTo, maxReceive)
	}
	ctx := waitCtx(w.t, 30*time.Second)
	out, err := w.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		w.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	got, err := w.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       out.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		w.t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return queue{url: aws.ToString(out.QueueUrl), arn: got.Attributes["QueueArn"]}
}

// send puts body on q, tagged with index, and returns the message id.
func (w *world) send(ctx context.Context, q queue, index int, body string) (string, error) {
	out, err := w.sqs.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(q.url),
		MessageBody: aws.String(body),
		MessageAttributes: map[string]types.MessageAttributeValue{
			attrIndex: {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(index))},
		},
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}

// receive does what Lambda's event source mapping does for one poll:
// ReceiveMessage with every system and message attribute, up to ten
// messages, and an events.SQSEvent with the records as Lambda delivers
// them.
func (w *world) receive(ctx context.Context, q queue, wait time.Duration) (events.SQSEvent, error) {
	out, err := w.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(q.url),
		MaxNumberOfMessages:         10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
		WaitTimeSeconds:             int32(wait / time.Second),
	})
	if err != nil {
		return events.SQSEvent{}, err
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(out.Messages))}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, lambdaRecord(m, q.arn))
	}
	return ev, nil
}

// lambdaRecord converts a received message into the record Lambda puts in
// the event, with the queue's ARN as eventSourceARN.
func lambdaRecord(m types.Message, arn string) events.SQSMessage {
	return localstack.LambdaRecord(m, arn, testenv.Region)
}

// recordIndex returns the index a test attached to a record, or -1.
func recordIndex(rec events.SQSMessage) int {
	a, ok := rec.MessageAttributes[attrIndex]
	if !ok || a.StringValue == nil {
		return -1
	}
	n, err := strconv.Atoi(*a.StringValue)
	if err != nil {
		return -1
	}
	return n
}

// deleteExcept deletes the records not listed in resp, as the event source
// mapping does after a partial batch response.
func (w *world) deleteExcept(ctx context.Context, q queue, ev events.SQSEvent, resp events.SQSEventResponse) error {
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, rec := range ev.Records {
		if failed[rec.MessageId] {
			continue
		}
		_, err := w.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{
			QueueUrl: aws.String(q.url), ReceiptHandle: aws.String(rec.ReceiptHandle)})
		if err != nil {
			return fmt.Errorf("DeleteMessage %s: %w", rec.MessageId, err)
		}
	}
	return nil
}

// dlqMessage is a message found on a dead-letter queue.
type dlqMessage struct {
	id    string
	body  string
	attrs map[string]string // message attributes with string values
}

// drain receives and deletes every message of q.
func (w *world) drain(q queue) []dlqMessage {
	w.t.Helper()
	ctx := waitCtx(w.t, 60*time.Second)
	var all []dlqMessage
	for {
		out, err := w.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(q.url), MaxNumberOfMessages: 10,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			w.t.Fatalf("ReceiveMessage from %s: %v", q.url, err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		for _, m := range out.Messages {
			d := dlqMessage{id: aws.ToString(m.MessageId), body: aws.ToString(m.Body), attrs: map[string]string{}}
			for k, v := range m.MessageAttributes {
				d.attrs[k] = aws.ToString(v.StringValue)
			}
			all = append(all, d)
			w.rec.add("dead-letter queue", []byte(fmt.Sprintf("%s %v\n", d.body, d.attrs)))
			if _, err := w.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{
				QueueUrl: aws.String(q.url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				w.t.Fatalf("DeleteMessage from %s: %v", q.url, err)
			}
		}
	}
}

// queueDepth returns the visible and in-flight message counts of q.
func (w *world) queueDepth(ctx context.Context, q queue) (visible, inFlight int, err error) {
	out, err := w.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(q.url),
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return 0, 0, err
	}
	visible, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	inFlight, _ = strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, inFlight, nil
}

// missingQueueARN names a queue that does not exist, so that a function's
// ChangeMessageVisibility call for a record carrying it fails.
func missingQueueARN(w *world) string {
	return "arn:aws:sqs:" + testenv.Region + ":123456789012:missing-" + strings.ToLower(w.name)
}
