package main

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// fifoDelivery checks a FIFO queue's deliveries against the order the
// messages were sent in. SQS delivers the messages of one group in order: a
// message comes only after every earlier message of its group was deleted
// or comes before it in the same batch.
//
// NOTE: moto_server 5.2.1 breaks that rule. When several messages of one
// group were received and become visible again, its ReceiveMessage clears
// their in-flight marks one at a time in queue order and releases the group
// at the last of them. That message comes first, together with the ones
// sent after it, and the earlier ones only after those are deleted. Tests
// that check the final state of a FIFO run therefore compare it with the
// order moto delivered.
type fifoDelivery struct {
	undeleted map[string][]string // group -> ids not yet deleted, in send order
	groupOf   map[string]string   // message id -> group
	reordered map[string][]string // group -> out-of-order deliveries, described
}

func newFIFODelivery() *fifoDelivery {
	return &fifoDelivery{undeleted: map[string][]string{}, groupOf: map[string]string{},
		reordered: map[string][]string{}}
}

// sent records a message sent to group, in send order.
func (f *fifoDelivery) sent(group, id string) {
	f.undeleted[group] = append(f.undeleted[group], id)
	f.groupOf[id] = group
}

// delivered checks a batch. It records every message that came while an
// earlier message of its group was neither deleted nor ahead of it in the
// batch.
func (f *fifoDelivery) delivered(ev events.SQSEvent) {
	seen := map[string]bool{}
	for _, rec := range ev.Records {
		group := f.groupOf[rec.MessageId]
		for _, earlier := range f.undeleted[group] {
			if earlier == rec.MessageId {
				break
			}
			if !seen[earlier] {
				f.reordered[group] = append(f.reordered[group],
					fmt.Sprintf("%s delivered before the earlier %s", rec.MessageId, earlier))
				break
			}
		}
		seen[rec.MessageId] = true
	}
}

// deleted records that a message left the queue.
func (f *fifoDelivery) deleted(id string) {
	group := f.groupOf[id]
	f.undeleted[group] = slices.DeleteFunc(f.undeleted[group], func(s string) bool { return s == id })
}

func TestFIFODeliveryFlagsOutOfOrder(t *testing.T) {
	batch := func(ids ...string) events.SQSEvent {
		var ev events.SQSEvent
		for _, id := range ids {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: id})
		}
		return ev
	}
	tests := []struct {
		name    string
		batches [][]string // delivered batches; every message is deleted after its batch
		want    int        // out-of-order deliveries
	}{
		{"in order in one batch", [][]string{{"a1", "a2", "b1", "a3"}}, 0},
		{"in order across batches", [][]string{{"a1"}, {"a2", "b1"}, {"a3"}}, 0},
		{"later message first", [][]string{{"a3"}, {"a1", "a2"}}, 1},
		{"later message ahead in the batch", [][]string{{"a2", "a1", "a3"}}, 1},
		{"other group unaffected", [][]string{{"b1"}, {"a1", "a2", "a3"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFIFODelivery()
			for _, id := range []string{"a1", "a2", "b1", "a3"} {
				f.sent(id[:1], id)
			}
			for _, ids := range tt.batches {
				f.delivered(batch(ids...))
				for _, id := range ids {
					f.deleted(id)
				}
			}
			got := len(f.reordered["a"]) + len(f.reordered["b"])
			if got != tt.want {
				t.Errorf("%d out-of-order deliveries (%v), want %d", got, f.reordered, tt.want)
			}
		})
	}
}

// TestEndToEndFIFOGroupFailingTogether fails the first of three messages of
// one group, so all three come back together, and checks the asset's final
// title against the order the queue delivered them in. On moto_server 5.2.1
// the third message comes back first (see fifoDelivery), and a check that
// expects the last one sent to win fails every time.
func TestEndToEndFIFOGroupFailingTogether(t *testing.T) {
	s := newStack(t, stackOptions{fifoDLQ: true, configure: func(c *Config) {
		c.BackoffBase = time.Second
		c.BackoffMax = time.Second
	}})
	srcURL, srcARN := s.createQueue("src", true, queueARN(t, s, s.dlqURL))
	uid := s.putAsset(map[string]any{"title": "initial"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, PathPrefix: "/api/assets/" + uid + "/",
		Status: 503, Times: 2})

	delivery := newFIFODelivery()
	titles := map[string]string{}
	for i := range 3 {
		title := fmt.Sprintf("title %d", i)
		id := s.send(srcURL, nativeBody(uid, map[string]any{"title": title}), "g")
		delivery.sent("g", id)
		titles[id] = title
	}

	polls := pollUntilEmpty(t, s, srcURL, srcARN, delivery)
	want := lastDone(polls, titles)
	if got := s.asset(uid)["title"]; got != want {
		t.Errorf("title = %v, want %q, the last one applied in delivery order", got, want)
	}
	if len(delivery.reordered["g"]) == 0 && want != "title 2" {
		t.Errorf("the queue delivered in order, but the last title applied is %q, want \"title 2\"", want)
	}
	t.Logf("%d polls; out-of-order deliveries: %v", len(polls), delivery.reordered["g"])
}

// lastDone returns, in delivery order, the title of the last message that
// a poll did not report for retry.
func lastDone(polls []poll, titles map[string]string) string {
	last := ""
	for _, p := range polls {
		reported := map[string]bool{}
		for _, f := range p.resp.BatchItemFailures {
			reported[f.ItemIdentifier] = true
		}
		for _, rec := range p.ev.Records {
			if title, ok := titles[rec.MessageId]; ok && !reported[rec.MessageId] {
				last = title
			}
		}
	}
	return last
}
