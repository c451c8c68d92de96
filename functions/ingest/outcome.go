package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Queue is the part of the SQS client that the handler uses. *sqs.Client
// implements it.
type Queue interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput,
		opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// outcome is the verdict category of one message, as logged and counted.
type outcome string

// Outcomes, as logged and counted.
const (
	outcomeApplied   outcome = "applied"
	outcomeSkipped   outcome = "skipped"
	outcomePermanent outcome = "permanent_failure"
	outcomeTransient outcome = "transient_failure"
	outcomeNotStart  outcome = "not_started"
)

// result is the verdict on one message and what was done about it.
type result struct {
	outcome      outcome
	reason       string
	assets       []string // uids or references of the assets involved
	code         string   // error_code of a permanent failure
	retryAfter   time.Duration
	report       bool          // listed in batchItemFailures
	deadLettered bool          // sent to DEAD_LETTER_QUEUE_URL
	visibility   time.Duration // visibility timeout set, 0 when unchanged
	queueErr     error         // a dead-letter or visibility call that failed
	stack        string        // stack of a recovered panic
}

// errNoQueue is returned by the queue calls of a Handler built without an
// SQS client.
var errNoQueue = errors.New("no SQS client configured")

// queueCallTimeout bounds one dead-letter or visibility call.
const queueCallTimeout = 10 * time.Second

// Bounds of the reserve at the end of an invocation in which no queue call
// runs, so that the handler has time to log, write its metrics and return.
const (
	minReturnReserve = 50 * time.Millisecond
	maxReturnReserve = time.Second
)

// returnReserve returns how long before the deadline every queue call must
// have ended: a quarter of DEADLINE_MARGIN, kept between minReturnReserve
// and maxReturnReserve. Work is cut off at half the margin, so from a
// margin of 200 ms up the queue calls that follow it still get some time.
func returnReserve(margin time.Duration) time.Duration {
	return min(max(margin/4, minReturnReserve), maxReturnReserve)
}

// errNoTimeLeft is returned for a queue call skipped because the
// invocation's deadline, less the return reserve, has passed.
var errNoTimeLeft = errors.New("skipped: too close to the invocation's deadline")

// Message attributes the dead-letter copy of a message carries.
const (
	attrReason          = "reason"
	attrErrorCode       = "error_code"
	attrSourceMessageID = "source_message_id"
	attrReceiveCount    = "receive_count"
	attrSourceQueue     = "source_queue"

	// maxMessageAttributes is how many message attributes SQS accepts on
	// one message.
	maxMessageAttributes = 10
)

// deadLetter sends the original body to the dead-letter queue with the
// reason attached. The copy keeps the original message attributes as far
// as the limit of ten attributes allows.
func (h *Handler) deadLetter(ctx context.Context, m *message, res result) error {
	if h.Queue == nil {
		return errNoQueue
	}
	if ctx.Err() != nil {
		return fmt.Errorf("send message %s to the dead-letter queue: %w", m.rec.MessageId, errNoTimeLeft)
	}
	ctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
	defer cancel()

	attrs := map[string]types.MessageAttributeValue{
		attrReason:          stringAttr(res.reason),
		attrErrorCode:       stringAttr(res.code),
		attrSourceMessageID: stringAttr(m.rec.MessageId),
		attrReceiveCount:    {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(m.receiveCount))},
	}
	if m.rec.EventSourceARN != "" {
		attrs[attrSourceQueue] = stringAttr(m.rec.EventSourceARN)
	}
	for _, name := range sortedKeys(m.rec.MessageAttributes) {
		if len(attrs) >= maxMessageAttributes {
			break
		}
		if _, taken := attrs[name]; taken {
			continue
		}
		if v, ok := copyAttribute(m.rec.MessageAttributes[name]); ok {
			attrs[name] = v
		}
	}

	in := &sqs.SendMessageInput{
		QueueUrl:          aws.String(h.Config.DeadLetterQueueURL),
		MessageBody:       aws.String(m.rec.Body),
		MessageAttributes: attrs,
	}
	if strings.HasSuffix(h.Config.DeadLetterQueueURL, ".fifo") {
		group := m.group
		if group == "" {
			group = m.rec.MessageId
		}
		in.MessageGroupId = aws.String(group)
		// The source message id makes a second copy of the same delivery
		// (a retried invocation) a duplicate within SQS's five-minute
		// deduplication interval.
		in.MessageDeduplicationId = aws.String(m.rec.MessageId)
	}
	if _, err := h.Queue.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("send message %s to the dead-letter queue: %w", m.rec.MessageId, err)
	}
	return nil
}

// stringAttr returns a String message attribute, made safe to send with
// sqsAttributeText and never empty, because SQS rejects empty values.
func stringAttr(s string) types.MessageAttributeValue {
	s = sqsAttributeText(s)
	if s == "" {
		s = "-"
	}
	return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(s)}
}

// copyAttribute converts an attribute of a received message into one that
// can be sent. List values are reserved by SQS and never set, so they are
// left out.
func copyAttribute(a events.SQSMessageAttribute) (types.MessageAttributeValue, bool) {
	switch {
	case a.DataType == "":
		return types.MessageAttributeValue{}, false
	case a.StringValue != nil:
		v := sqsAttributeText(*a.StringValue)
		if v == "" {
			return types.MessageAttributeValue{}, false
		}
		return types.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: aws.String(v)}, true
	case a.BinaryValue != nil:
		return types.MessageAttributeValue{DataType: aws.String(a.DataType), BinaryValue: a.BinaryValue}, true
	}
	return types.MessageAttributeValue{}, false
}

// backoff returns the visibility timeout for a message that failed on its
// receiveCount-th receive. The base is BackoffBase doubled per earlier
// receive and capped at BackoffMax. The result is drawn between half and all
// of it (equal jitter), so a burst of failures does not come back at once. A
// longer Retry-After from Skylark or Cognito wins, up to the 12 hours SQS
// allows.
func (h *Handler) backoff(receiveCount int, retryAfter time.Duration) time.Duration {
	d := h.Config.BackoffBase
	for i := 1; i < receiveCount && d < h.Config.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, h.Config.BackoffMax)
	d = d/2 + time.Duration(h.jitter()*float64(d/2))
	d = max(d, retryAfter)
	d = min(d, maxVisibilityTimeout)
	return max(d.Round(time.Second), time.Second)
}

// changeVisibility sets the visibility timeout of a failed message.
func (h *Handler) changeVisibility(ctx context.Context, m *message, timeout time.Duration) error {
	if h.Queue == nil {
		return errNoQueue
	}
	queueURL, err := queueURLFromARN(m.rec.EventSourceARN)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("change visibility of message %s to %s: %w", m.rec.MessageId, timeout, errNoTimeLeft)
	}
	ctx, cancel := context.WithTimeout(ctx, queueCallTimeout)
	defer cancel()
	_, err = h.Queue.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl:          aws.String(queueURL),
		ReceiptHandle:     aws.String(m.rec.ReceiptHandle),
		VisibilityTimeout: int32(timeout / time.Second),
	})
	if err != nil {
		return fmt.Errorf("change visibility of message %s to %s: %w", m.rec.MessageId, timeout, err)
	}
	return nil
}

// queueURLFromARN builds the queue URL from the record's eventSourceARN,
// arn:<partition>:sqs:<region>:<account>:<name>. SQS identifies the queue by
// the account and name in the URL's path, so the URL also works against an
// endpoint set with AWS_ENDPOINT_URL_SQS.
func queueURLFromARN(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return "", fmt.Errorf("eventSourceARN %q is not an SQS queue ARN", arn)
	}
	domain := "amazonaws.com"
	if parts[1] == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", parts[3], domain, parts[4], parts[5]), nil
}
