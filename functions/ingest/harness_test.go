package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const (
	testClientID = "ingest-test-client"
	testUser     = "skylark-ingest"
	testPassword = "Correct-Horse-Battery-9"
)

// stack is the ingest handler wired to a local Cognito user pool, a fake
// Skylark that verifies the pool's ID tokens, and SQS queues on moto_server.
type stack struct {
	t        testing.TB
	cognito  *cognitotest.Server
	skylark  *skylarktest.Server
	tokens   *auth.TokenSource
	sqs      *sqs.Client
	handler  *Handler
	logs     *testenv.Buffer
	metrics  *testenv.Buffer
	dlqURL   string
	queueSeq atomic.Int64
}

type stackOptions struct {
	noDLQ     bool
	fifoDLQ   bool
	retry     skylark.RetryPolicy
	noMoto    bool // no queue and no dead-letter queue, for tests that never fail a message
	workers   int
	password  string                                    // overrides the service user's password
	transport func(http.RoundTripper) http.RoundTripper // wraps the transport below auth
	configure func(*Config)
}

func newStack(t testing.TB, opts stackOptions) *stack {
	t.Helper()
	s := &stack{t: t, logs: &testenv.Buffer{}, metrics: &testenv.Buffer{}}

	s.cognito = cognitotest.NewServer(t, cognitotest.Options{})
	if err := s.cognito.AddClient(cognitotest.Client{ID: testClientID}); err != nil {
		t.Fatal(err)
	}
	if err := s.cognito.AddUser(cognitotest.User{Username: testUser, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	s.skylark = skylarktest.NewServer(skylarktest.Options{Issuer: s.cognito.Issuer(), ClientID: testClientID})
	t.Cleanup(s.skylark.Close)

	awsCfg := testenv.AWSConfig(t)
	idp := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
		o.BaseEndpoint = aws.String(s.cognito.URL)
		o.RetryMaxAttempts = 1
	})
	password := testPassword
	if opts.password != "" {
		password = opts.password
	}
	var err error
	s.tokens, err = auth.NewTokenSource(auth.Config{
		UserPoolID:  s.cognito.PoolID,
		ClientID:    testClientID,
		Cognito:     idp,
		Credentials: auth.StaticCredentials{Username: testUser, Password: password},
	})
	if err != nil {
		t.Fatal(err)
	}
	retry := opts.retry
	if retry.MaxAttempts == 0 {
		retry = skylark.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}
	}
	var base http.RoundTripper = http.DefaultTransport
	if opts.transport != nil {
		base = opts.transport(base)
	}
	client, err := skylark.NewClient(s.skylark.URL,
		skylark.WithHTTPClient(&http.Client{Transport: &auth.Transport{Source: s.tokens, Base: base}}),
		skylark.WithRetry(retry))
	if err != nil {
		t.Fatal(err)
	}

	cfg := testConfig(t)
	cfg.DeadLetterQueueURL = ""
	if opts.workers > 0 {
		cfg.Workers = opts.workers
	}
	if opts.configure != nil {
		opts.configure(&cfg)
	}
	s.handler = &Handler{
		Assets:  client.Assets,
		Config:  cfg,
		Logger:  slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: s.metrics,
		Jitter:  func() float64 { return 0.5 },
	}
	if !opts.noMoto {
		endpoint := testenv.Moto(t)
		s.sqs = sqs.NewFromConfig(awsCfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
		s.handler.Queue = s.sqs
		if !opts.noDLQ {
			s.dlqURL, _ = s.createQueue("dlq", opts.fifoDLQ, "")
			s.handler.Config.DeadLetterQueueURL = s.dlqURL
		}
	} else {
		s.handler.Config.DeadLetterQueueURL = ""
	}
	return s
}

var unsafeQueueChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// createQueue creates a queue with a name unique to the test. A non-empty
// redriveTo ARN adds a redrive policy with maxReceiveCount 3.
func (s *stack) createQueue(role string, fifo bool, redriveTo string) (queueURL, arn string) {
	s.t.Helper()
	name := fmt.Sprintf("%s-%s-%d-%d", role, unsafeQueueChars.ReplaceAllString(s.t.Name(), "-"),
		time.Now().UnixNano()%1e9, s.queueSeq.Add(1))
	if len(name) > 70 {
		name = name[len(name)-70:]
	}
	name = strings.TrimLeft(name, "-_")
	attrs := map[string]string{"VisibilityTimeout": "60"}
	if fifo {
		name += ".fifo"
		attrs["FifoQueue"] = "true"
	}
	if redriveTo != "" {
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"3"}`, redriveTo)
	}
	ctx := context.Background()
	out, err := s.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		s.t.Fatalf("CreateQueue %s: %v", name, err)
	}
	got, err := s.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: out.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		s.t.Fatalf("GetQueueAttributes %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl), got.Attributes["QueueArn"]
}

// sourceBatch creates a source queue, sends the bodies and receives them as
// one event, so receipt handles are real and visibility changes work.
func (s *stack) sourceBatch(fifo bool, bodies ...string) (queueURL string, ev events.SQSEvent) {
	s.t.Helper()
	queueURL, arn := s.createQueue("src", fifo, "")
	for _, b := range bodies {
		s.send(queueURL, b, "g")
	}
	ev = s.receive(queueURL, arn, 10)
	if len(ev.Records) != len(bodies) {
		s.t.Fatalf("received %d of %d messages", len(ev.Records), len(bodies))
	}
	return queueURL, ev
}

// send puts a body on a queue; group is the MessageGroupId on a FIFO queue.
func (s *stack) send(queueURL, body, group string) string {
	s.t.Helper()
	in := &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(body),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"origin": {DataType: aws.String("String"), StringValue: aws.String("ingest-test")},
		}}
	if strings.HasSuffix(queueURL, ".fifo") {
		in.MessageGroupId = aws.String(group)
		in.MessageDeduplicationId = aws.String(fmt.Sprintf("%d", time.Now().UnixNano()))
	}
	out, err := s.sqs.SendMessage(context.Background(), in)
	if err != nil {
		s.t.Fatalf("SendMessage: %v", err)
	}
	return aws.ToString(out.MessageId)
}

// receive does what Lambda's event source mapping does: ReceiveMessage with
// every attribute, then an events.SQSEvent with the records as Lambda
// delivers them.
func (s *stack) receive(queueURL, arn string, max int32) events.SQSEvent {
	s.t.Helper()
	out, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(queueURL),
		MaxNumberOfMessages:         max,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
		WaitTimeSeconds:             0,
	})
	if err != nil {
		s.t.Fatalf("ReceiveMessage: %v", err)
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{}}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, localstack.LambdaRecord(m, arn, testenv.Region))
	}
	return ev
}

// deleteSucceeded deletes the records not listed in resp, as Lambda does
// after a partial batch response.
func (s *stack) deleteSucceeded(queueURL string, ev events.SQSEvent, resp events.SQSEventResponse) {
	s.t.Helper()
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, rec := range ev.Records {
		if failed[rec.MessageId] {
			continue
		}
		_, err := s.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
			QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(rec.ReceiptHandle)})
		if err != nil {
			s.t.Fatalf("DeleteMessage %s: %v", rec.MessageId, err)
		}
	}
}

// drain receives every message left on a queue, deleting them.
func (s *stack) drain(queueURL string) []types.Message {
	s.t.Helper()
	var all []types.Message
	for {
		out, err := s.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10,
			MessageAttributeNames:       []string{"All"},
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		})
		if err != nil {
			s.t.Fatalf("ReceiveMessage: %v", err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		for _, m := range out.Messages {
			all = append(all, m)
			_, _ = s.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{
				QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle})
		}
	}
}

// handle calls the handler as Lambda does, with a request id and a
// deadline.
func (s *stack) handle(ev events.SQSEvent) events.SQSEventResponse {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(lambdaContext("req-"+s.t.Name()), time.Minute)
	defer cancel()
	resp, err := s.handler.Handle(ctx, ev)
	if err != nil {
		s.t.Fatalf("Handle returned an error: %v", err)
	}
	return resp
}

// putAsset seeds the fake Skylark and returns the uid.
func (s *stack) putAsset(fields map[string]any) string {
	s.t.Helper()
	return s.skylark.PutAsset(fields)
}

func (s *stack) asset(uid string) map[string]any {
	s.t.Helper()
	a, ok := s.skylark.Asset(uid)
	if !ok {
		s.t.Fatalf("asset %s not found in the fake Skylark", uid)
	}
	return a
}

// patches counts the PATCH requests the fake Skylark received.
func (s *stack) patches() int {
	n := 0
	for _, r := range s.skylark.Requests() {
		if r.Method == http.MethodPatch {
			n++
		}
	}
	return n
}

// logLine is one decoded JSON log line.
type logLine map[string]any

// messageLogs returns the per-message log lines by message id.
func (s *stack) messageLogs() map[string]logLine {
	s.t.Helper()
	out := map[string]logLine{}
	for _, l := range s.logLines() {
		if id, ok := l["message_id"].(string); ok {
			out[id] = l
		}
	}
	return out
}

func (s *stack) logLines() []logLine {
	s.t.Helper()
	var lines []logLine
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			s.t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	return lines
}

// failedIDs lists the batch item failures.
func failedIDs(resp events.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// sqsRecord builds a record as Lambda delivers it from a standard queue.
func sqsRecord(id, body string, receiveCount int) events.SQSMessage {
	return events.SQSMessage{
		MessageId:      id,
		ReceiptHandle:  "rh-" + id,
		Body:           body,
		Attributes:     map[string]string{"ApproximateReceiveCount": fmt.Sprint(receiveCount)},
		EventSource:    "aws:sqs",
		EventSourceARN: "arn:aws:sqs:us-east-1:123456789012:skylark-ingest",
		AWSRegion:      "us-east-1",
	}
}

func nativeBody(ref string, fields map[string]any) string {
	m := map[string]any{"version": 1, "fields": fields}
	if strings.HasPrefix(ref, "asse_") {
		m["uid"] = ref
	} else {
		m["data_source_id"] = ref
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// lambdaContext returns a context carrying a Lambda request id, as the
// runtime passes it to the handler.
func lambdaContext(requestID string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: requestID})
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
