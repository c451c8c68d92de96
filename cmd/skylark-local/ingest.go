package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// sampleAttribute is the message attribute that names a message's sample
// file, so outcomes can be matched to samples after SQS assigned new
// message ids.
const sampleAttribute = "sample_event"

// ingestTimeout bounds the whole ingest step.
const ingestTimeout = 60 * time.Second

// loadedSample is a sample with the SQS record from its file.
type loadedSample struct {
	sample
	record events.SQSMessage
}

// loadSamples reads the sample events. Each file is an SQS event with one
// record.
func loadSamples(moduleDir string) ([]loadedSample, error) {
	var out []loadedSample
	for _, s := range ingestSamples() {
		path := filepath.Join(moduleDir, "events", s.File)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read sample event: %w", err)
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			return nil, fmt.Errorf("sample event %s is not an SQS event: %w", path, err)
		}
		if len(ev.Records) != 1 {
			return nil, fmt.Errorf("sample event %s has %d records, want 1", path, len(ev.Records))
		}
		out = append(out, loadedSample{sample: s, record: ev.Records[0]})
	}
	return out, nil
}

// ingestRun is the record of one ingest step: the message id each sample
// got, the ids reported in batchItemFailures, and the dead-lettered
// messages.
type ingestRun struct {
	ids          map[string]string // sample file -> message id
	failed       []string          // message ids reported for retry
	deadLettered map[string]dlqEntry
	batches      int
}

// dlqEntry is a message found on the dead-letter queue.
type dlqEntry struct {
	reason, code string
}

// runIngest sends the samples to the ingest function, through moto's queue
// and the poller when moto runs, otherwise as one SQS event, and prints and
// checks each message's outcome. It returns the number of samples that
// behaved as expected.
func (st *stack) runIngest(ctx context.Context, p *printer) (int, int, error) {
	samples, err := loadSamples(st.opts.moduleDir)
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()

	var run *ingestRun
	if st.moto != nil {
		p.section(fmt.Sprintf("Ingest: %d sample messages -> SQS queue %s -> ingest function", len(samples), ingestQueueName))
		run, err = st.ingestThroughQueue(ctx, samples)
	} else {
		p.section(fmt.Sprintf("Ingest: %d sample messages in one SQS event -> ingest function, invoked directly (no moto_server, so no queue)", len(samples)))
		run, err = st.ingestDirect(ctx, samples)
	}
	if err != nil {
		return 0, len(samples), err
	}

	ids := make([]string, 0, len(samples))
	for _, s := range samples {
		ids = append(ids, run.ids[s.File])
	}
	outcomes := st.outcomes.wait(ids, 5*time.Second)

	var rows [][]string
	good := 0
	for _, s := range samples {
		id := run.ids[s.File]
		o, logged := outcomes[id]
		ok, detail := st.judge(s, o, logged, run)
		if ok {
			good++
		}
		rows = append(rows, []string{s.Label, orDash(o.Outcome), st.assetsLabel(o.Asset), verdict(ok),
			shorten(st.withoutUIDs(detail), 72)})
	}
	p.table([]string{"MESSAGE", "OUTCOME", "ASSET", "CHECK", "DETAIL"}, rows)
	p.line("%d batch(es); batchItemFailures: %s", run.batches, listOrNone(run.failed))
	return good, len(samples), nil
}

// judge compares a message's logged outcome with the expected one and
// checks where a failed message went.
func (st *stack) judge(s loadedSample, o messageOutcome, logged bool, run *ingestRun) (bool, string) {
	if !logged {
		return false, "no outcome logged for this message; see the function log"
	}
	detail := o.Reason
	if o.Outcome != s.Outcome {
		return false, fmt.Sprintf("expected %s: %s", s.Outcome, detail)
	}
	id := run.ids[s.File]
	reported := slices.Contains(run.failed, id)
	if s.Outcome != "permanent_failure" {
		if reported {
			return false, "reported in batchItemFailures although it succeeded"
		}
		return true, detail
	}
	if st.moto != nil {
		e, ok := run.deadLettered[id]
		if !ok || !o.DeadLettered {
			return false, "not found on the dead-letter queue " + deadLetterQueueName
		}
		return true, fmt.Sprintf("dead-lettered (error_code %s): %s", e.code, e.reason)
	}
	if !reported {
		return false, "not reported in batchItemFailures"
	}
	if !st.visibilityChanged(s.record.ReceiptHandle) {
		return false, "reported, but its visibility timeout was not changed"
	}
	return true, fmt.Sprintf("reported in batchItemFailures, visibility timeout set to %ds (%s): %s",
		o.VisibilityS, o.ErrorCode, detail)
}

// visibilityChanged reports whether the function changed the visibility
// timeout of the message with this receipt handle.
func (st *stack) visibilityChanged(receiptHandle string) bool {
	for _, c := range st.visibility.Changes() {
		if c.ReceiptHandle == receiptHandle {
			return true
		}
	}
	return false
}

// assetsLabel turns the comma-separated asset references of a log line
// into the labels the tables use.
func (st *stack) assetsLabel(refs string) string {
	if refs == "" {
		return "-"
	}
	var labels []string
	for _, ref := range strings.Split(refs, ",") {
		labels = append(labels, st.labelFor(strings.TrimSpace(ref)))
	}
	return strings.Join(labels, ", ")
}

// labelFor names a seeded asset by its data source id where it has one.
func (st *stack) labelFor(uid string) string {
	for _, id := range assetOrder {
		if st.assetUIDs[id] == uid {
			return assetLabel(id, uid)
		}
	}
	return shorten(uid, 14)
}

// withoutUIDs drops the "asse_…: " prefix the function puts before each
// asset's change, because the ASSET column names the asset.
func (st *stack) withoutUIDs(reason string) string {
	for _, uid := range st.assetUIDs {
		reason = strings.ReplaceAll(reason, uid+": ", "")
	}
	return reason
}

// ingestDirect invokes the function with one SQS event holding every
// sample's record, as `sam local invoke -e` would with a combined file.
func (st *stack) ingestDirect(ctx context.Context, samples []loadedSample) (*ingestRun, error) {
	run := &ingestRun{ids: map[string]string{}, batches: 1}
	var ev events.SQSEvent
	for _, s := range samples {
		ev.Records = append(ev.Records, s.record)
		run.ids[s.File] = s.record.MessageId
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	out, err := st.ingest.Invoke(ctx, "", payload)
	if err != nil {
		return nil, err
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return nil, fmt.Errorf("ingest response is not an SQS batch response: %w", err)
	}
	for _, f := range resp.BatchItemFailures {
		run.failed = append(run.failed, f.ItemIdentifier)
	}
	return run, nil
}

// ingestThroughQueue sends the samples' bodies to the moto queue and runs
// the poller until every message has been processed, then reads the
// dead-letter queue.
func (st *stack) ingestThroughQueue(ctx context.Context, samples []loadedSample) (*ingestRun, error) {
	run := &ingestRun{ids: map[string]string{}, deadLettered: map[string]dlqEntry{}}
	var entries []sqstypes.SendMessageBatchRequestEntry
	for i, s := range samples {
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{
			Id:          aws.String(fmt.Sprint(i)),
			MessageBody: aws.String(s.record.Body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				sampleAttribute: {DataType: aws.String("String"), StringValue: aws.String(s.File)},
			},
		})
	}
	sent, err := st.queues.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(st.queueURL), Entries: entries})
	if err != nil {
		return nil, fmt.Errorf("send the samples to %s: %w", ingestQueueName, err)
	}
	if len(sent.Failed) > 0 {
		return nil, fmt.Errorf("send the samples to %s: %d rejected: %s", ingestQueueName, len(sent.Failed),
			aws.ToString(sent.Failed[0].Message))
	}

	poller := st.poller()
	seen := 0
	for seen < len(samples) {
		batch, err := poller.PollOnce(ctx)
		if err != nil {
			return nil, err
		}
		if batch == nil {
			// SQS may return fewer messages than are visible, so keep
			// receiving until every sample has been delivered once.
			if ctx.Err() != nil {
				return nil, fmt.Errorf("only %d of %d sample messages were received: %w", seen, len(samples), ctx.Err())
			}
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if batch.Err != nil {
			return nil, fmt.Errorf("ingest function failed on a batch: %w", batch.Err)
		}
		run.batches++
		for _, r := range batch.Records {
			if a, ok := r.MessageAttributes[sampleAttribute]; ok && a.StringValue != nil {
				run.ids[*a.StringValue] = r.MessageId
			}
			seen++
		}
		run.failed = append(run.failed, batch.Failed...)
	}
	return run, st.readDeadLetters(ctx, run)
}

// poller returns the stand-in for the SQS event source mapping.
func (st *stack) poller() *localstack.SQSPoller {
	return &localstack.SQSPoller{
		Client: st.queues, Function: st.ingest,
		QueueURL: st.queueURL, QueueARN: st.queueARN, Region: region,
		BatchSize: 10,
	}
}

// readDeadLetters receives what the function sent to the dead-letter
// queue, keyed by the source message id it attached.
func (st *stack) readDeadLetters(ctx context.Context, run *ingestRun) error {
	out, err := st.queues.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:              aws.String(st.dlqURL),
		MaxNumberOfMessages:   10,
		MessageAttributeNames: []string{"All"},
	})
	if err != nil {
		return fmt.Errorf("receive from %s: %w", deadLetterQueueName, err)
	}
	for _, m := range out.Messages {
		attr := func(name string) string {
			if v, ok := m.MessageAttributes[name]; ok {
				return aws.ToString(v.StringValue)
			}
			return ""
		}
		run.deadLettered[attr("source_message_id")] = dlqEntry{reason: attr("reason"), code: attr("error_code")}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}
