package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// e2eMessage is one message of the end-to-end run and where it must end.
type e2eMessage struct {
	body    string
	group   string
	asset   int    // index of the asset it updates, -1 for none
	account string // ovps account_url it adds, "" for none
	title   string
	deadTo  string // error_code it must be dead-lettered with, "" when it must succeed
}

// TestEndToEndNoMessageLost runs the handler the way Lambda's event source
// mapping does, against real queues on moto_server: a source queue whose
// redrive policy (maxReceiveCount 3) points at the dead-letter queue that
// DEAD_LETTER_QUEUE_URL also names. Skylark and Cognito fail now and then.
// At the end every message sent is either applied or skipped in Skylark, or
// in the dead-letter queue with its reason; none is missing.
func TestEndToEndNoMessageLost(t *testing.T) {
	for _, fifo := range []bool{false, true} {
		name := "standard"
		if fifo {
			name = "fifo"
		}
		t.Run(name, func(t *testing.T) { runEndToEnd(t, fifo) })
	}
}

func runEndToEnd(t *testing.T, fifo bool) {
	s := newStack(t, stackOptions{fifoDLQ: fifo, configure: func(c *Config) {
		c.BackoffBase = time.Second
		c.BackoffMax = 2 * time.Second
	}})
	dlqARN := queueARN(t, s, s.dlqURL)
	srcURL, srcARN := s.createQueue("src", fifo, dlqARN)

	const assets = 6
	var uids []string
	for i := range assets {
		uids = append(uids, s.putAsset(map[string]any{"title": "initial", "data_source_id": fmt.Sprintf("e2e-%d", i)}))
	}

	// Faults: a Skylark outage on one asset, connection resets on another,
	// throttling with Retry-After on a third, latency everywhere, and one
	// throttled Cognito sign-in.
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, PathPrefix: "/api/assets/" + uids[0] + "/", Status: 503, Times: 3})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodGet, PathPrefix: "/api/assets/" + uids[1] + "/", Reset: true, Times: 2})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, PathPrefix: "/api/assets/" + uids[2] + "/", Status: 429, RetryAfter: "1", Times: 2})
	s.skylark.InjectFault(skylarktest.Fault{Latency: 2 * time.Millisecond})
	if err := s.cognito.InjectFault("InitiateAuth", cognitotest.ThrottleFault(1)); err != nil {
		t.Fatal(err)
	}

	var msgs []e2eMessage
	for i := range 24 {
		a := i % assets
		account := fmt.Sprintf("/api/accounts/e2e-%02d/", i)
		title := fmt.Sprintf("title %d", i)
		body, _ := json.Marshal(map[string]any{"version": 1, "uid": uids[a], "fields": map[string]any{"title": title},
			"ovps": map[string]any{"upsert": []any{map[string]any{"account_url": account, "stream_url": fmt.Sprintf("https://cdn.example.com/%d.m3u8", i)}}}})
		msgs = append(msgs, e2eMessage{body: string(body), group: strconv.Itoa(a), asset: a, account: account, title: title})
	}
	// Redelivered copies are skipped as no-ops on the standard queue; on
	// the FIFO queue they come last in their group and set nothing new.
	for _, i := range []int{20, 22} {
		dup := msgs[i]
		msgs = append(msgs, dup)
	}
	msgs = append(msgs,
		e2eMessage{body: nativeBody("e2e-missing", map[string]any{"title": "x"}), group: "x", asset: -1, deadTo: codeAssetNotFound},
		e2eMessage{body: "not json at all", group: "x", asset: -1, deadTo: codeUnrecognised},
		e2eMessage{body: `{"version":1,"uid":"` + uids[3] + `","fields":{"no_such_field":1}}`, group: "3", asset: -1,
			deadTo: "FORM_VALIDATION_ERRORS"},
		e2eMessage{body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-05T09:59:00.000Z","Bucket":"example-media-bucket","RequestId":"R","HostId":"H"}`,
			group: "s3", asset: -1},
		e2eMessage{body: s3Body("ObjectCreated:Put", "uploads/e2e-4.mp4", "0A"), group: "4", asset: 4, account: testAccount},
	)

	sent := map[string]e2eMessage{}
	var delivery *fifoDelivery
	if fifo {
		delivery = newFIFODelivery()
	}
	for _, m := range msgs {
		id := s.send(srcURL, m.body, m.group)
		sent[id] = m
		if fifo {
			delivery.sent(m.group, id)
		}
	}

	polls := pollUntilEmpty(t, s, srcURL, srcARN, delivery)

	// Account for every message.
	final := map[string]logLine{}
	transient, blocked := 0, 0
	for _, l := range s.logLines() {
		id, _ := l["message_id"].(string)
		if id == "" {
			continue
		}
		final[id] = l
		switch l["outcome"] {
		case string(outcomeTransient):
			transient++
		case string(outcomeNotStart):
			blocked++
		}
	}
	dead := map[string]types.Message{}
	for _, d := range s.drain(s.dlqURL) {
		id := aws.ToString(d.MessageAttributes[attrSourceMessageID].StringValue)
		if id == "" {
			t.Errorf("dead-letter message without source_message_id (moved by the redrive policy?): %s", aws.ToString(d.Body))
			continue
		}
		if _, dup := dead[id]; dup {
			t.Errorf("message %s dead-lettered twice", id)
		}
		dead[id] = d
	}

	for id, m := range sent {
		line := final[id]
		if m.deadTo != "" {
			d, ok := dead[id]
			if !ok {
				t.Errorf("message %s (%.60s) is missing from the dead-letter queue", id, m.body)
				continue
			}
			if got := aws.ToString(d.MessageAttributes[attrErrorCode].StringValue); got != m.deadTo {
				t.Errorf("message %s dead-lettered with %s, want %s", id, got, m.deadTo)
			}
			if aws.ToString(d.MessageAttributes[attrReason].StringValue) == "" || aws.ToString(d.Body) != m.body {
				t.Errorf("message %s dead-lettered without its reason or body", id)
			}
			continue
		}
		if _, ok := dead[id]; ok {
			t.Errorf("message %s (%.60s) was dead-lettered, want it applied", id, m.body)
		}
		if line == nil || (line["outcome"] != string(outcomeApplied) && line["outcome"] != string(outcomeSkipped)) {
			t.Errorf("message %s (%.60s) ended as %v, want applied or skipped", id, m.body, line)
		}
	}
	if len(dead) != 3 {
		t.Errorf("dead-letter queue held %d messages, want 3", len(dead))
	}

	// Skylark has every change.
	lastTitle := map[int]string{}
	for _, m := range msgs {
		if m.asset < 0 {
			continue
		}
		entry := ovpsOf(t, s.asset(uids[m.asset]))[m.account]
		if entry == nil {
			t.Errorf("asset %d lacks the ovps entry %s", m.asset, m.account)
		}
		if m.title != "" {
			lastTitle[m.asset] = m.title
		}
	}
	if fifo {
		checkFIFOTitles(t, s, uids, sent, polls, delivery, lastTitle)
	}
	if transient == 0 {
		t.Error("no transient failure was logged: the injected faults had no effect")
	}
	t.Logf("%d messages in %d polls: %d transient failures, %d not started behind a failure",
		len(sent), len(polls), transient, blocked)
}

// checkFIFOTitles checks the FIFO guarantees of a run. Within each batch, a
// message reported for retry must also fail the later messages of its group.
// Each asset's title must be the one of the last message applied in delivery
// order, and the last one sent unless the queue delivered its group out of
// order (see fifoDelivery).
func checkFIFOTitles(t *testing.T, s *stack, uids []string, sent map[string]e2eMessage, polls []poll,
	delivery *fifoDelivery, lastSent map[int]string) {
	t.Helper()
	lastApplied := map[int]string{}
	for i, p := range polls {
		reported := map[string]bool{}
		for _, f := range p.resp.BatchItemFailures {
			reported[f.ItemIdentifier] = true
		}
		failedGroup := map[string]string{}
		for _, rec := range p.ev.Records {
			m := sent[rec.MessageId]
			if first, ok := failedGroup[m.group]; ok && !reported[rec.MessageId] {
				t.Errorf("poll %d: message %s of group %s was not reported although the earlier %s was",
					i+1, rec.MessageId, m.group, first)
			}
			if reported[rec.MessageId] {
				if _, ok := failedGroup[m.group]; !ok {
					failedGroup[m.group] = rec.MessageId
				}
				continue
			}
			if m.asset >= 0 && m.title != "" {
				lastApplied[m.asset] = m.title
			}
		}
	}
	for a, title := range lastApplied {
		if got := s.asset(uids[a])["title"]; got != title {
			t.Errorf("asset %d title = %v, want %q, the last one applied in delivery order", a, got, title)
		}
		group := strconv.Itoa(a)
		if reordered := delivery.reordered[group]; len(reordered) > 0 {
			t.Logf("group %s was delivered out of order by the queue: %v", group, reordered)
			continue
		}
		if title != lastSent[a] {
			t.Errorf("asset %d: the last title applied is %q, want the last one sent, %q", a, title, lastSent[a])
		}
	}
}

// poll is one batch given to the handler and its response.
type poll struct {
	ev   events.SQSEvent
	resp events.SQSEventResponse
}

// pollUntilEmpty receives batches of up to 10 messages, calls the handler
// and deletes what it did not report, until the queue is empty. It returns
// the batches with their responses, in delivery order. A non-nil delivery
// records every batch and deletion of a FIFO queue.
func pollUntilEmpty(t *testing.T, s *stack, queueURL, arn string, delivery *fifoDelivery) []poll {
	t.Helper()
	var polls []poll
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		ev := s.receive(queueURL, arn, 10)
		if len(ev.Records) == 0 {
			if queueEmpty(t, s, queueURL) {
				return polls
			}
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if delivery != nil {
			delivery.delivered(ev)
		}
		ctx, cancel := context.WithTimeout(lambdaContext(fmt.Sprintf("poll-%d", len(polls)+1)), 30*time.Second)
		resp, err := s.handler.Handle(ctx, ev)
		cancel()
		if err != nil {
			t.Fatalf("Handle returned an error: %v", err)
		}
		s.deleteSucceeded(queueURL, ev, resp)
		if delivery != nil {
			reported := map[string]bool{}
			for _, f := range resp.BatchItemFailures {
				reported[f.ItemIdentifier] = true
			}
			for _, rec := range ev.Records {
				if !reported[rec.MessageId] {
					delivery.deleted(rec.MessageId)
				}
			}
		}
		polls = append(polls, poll{ev: ev, resp: resp})
	}
	t.Fatalf("the source queue was not empty after %d polls", len(polls))
	return nil
}

func queueEmpty(t *testing.T, s *stack, queueURL string) bool {
	t.Helper()
	out, err := s.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes["ApproximateNumberOfMessages"] == "0" && out.Attributes["ApproximateNumberOfMessagesNotVisible"] == "0"
}

func queueARN(t *testing.T, s *stack, queueURL string) string {
	t.Helper()
	out, err := s.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL), AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("GetQueueAttributes: %v", err)
	}
	return out.Attributes["QueueArn"]
}
