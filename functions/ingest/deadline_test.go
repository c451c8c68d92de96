package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// slowSQS is a reverse proxy in front of moto_server that delays chosen SQS
// actions. A delay in before holds the request back, so a call cut off by
// its context never reaches the queue. A delay in after forwards the request
// first, so the queue acts on it but the response comes late.
type slowSQS struct {
	before, after map[string]time.Duration

	mu       sync.Mutex
	received map[string]int // requests per action
}

// newSlowQueue returns an SQS client whose requests go through a slowSQS in
// front of the stack's moto_server.
func newSlowQueue(t *testing.T, before, after map[string]time.Duration) (*sqs.Client, *slowSQS) {
	t.Helper()
	target, err := url.Parse(testenv.Moto(t))
	if err != nil {
		t.Fatal(err)
	}
	slow := &slowSQS{before: before, after: after, received: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		return wait(resp.Request.Context(), slow.after[action(resp.Request)])
	}
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusBadGateway)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body first lets the server notice when the client
		// gives up, which cancels r.Context() and ends the wait below.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		slow.mu.Lock()
		slow.received[action(r)]++
		slow.mu.Unlock()
		if wait(r.Context(), slow.before[action(r)]) != nil {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client := sqs.NewFromConfig(testenv.AWSConfig(t), func(o *sqs.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return client, slow
}

// count returns how many requests for action reached the proxy.
func (q *slowSQS) count(action string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.received[action]
}

// action returns the SQS action of a request in the AWS JSON protocol.
func action(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
}

// wait sleeps for d or until ctx is done, whichever comes first.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestHandlerReturnsBeforeDeadline runs batches whose Skylark or queue calls
// are slow enough to run past the invocation's deadline. The handler must
// still return before the deadline and report every message for retry,
// because none of their queue calls completes in time.
func TestHandlerReturnsBeforeDeadline(t *testing.T) {
	const never = time.Minute // a delay no call waits out
	tests := []struct {
		name     string
		margin   time.Duration // DEADLINE_MARGIN; 0 keeps the default
		timeout  time.Duration // time left in the invocation
		fifo     bool
		bodies   []string // "{uid}" is replaced by the uid of a seeded asset
		fault    skylarktest.Fault
		before   map[string]time.Duration
		after    map[string]time.Duration
		reached  string // a queue action that must have been sent
		inDLQMax int    // copies the dead-letter queue may hold
	}{
		{
			name: "default margin, Skylark 503, slow visibility", timeout: 6 * time.Second,
			bodies:  []string{`{"version":1,"uid":"{uid}","fields":{"title":"new"}}`},
			fault:   skylarktest.Fault{Method: http.MethodPatch, Status: 503},
			before:  map[string]time.Duration{"ChangeMessageVisibility": never},
			reached: "ChangeMessageVisibility",
		},
		{
			name: "100ms margin, slow Skylark, slow visibility", margin: 100 * time.Millisecond,
			timeout: 1500 * time.Millisecond,
			bodies:  []string{`{"version":1,"uid":"{uid}","fields":{"title":"new"}}`},
			fault:   skylarktest.Fault{Latency: never},
			before:  map[string]time.Duration{"ChangeMessageVisibility": never},
		},
		{
			name: "slow dead-letter send", margin: time.Second, timeout: 2 * time.Second,
			bodies:  []string{"not json"},
			before:  map[string]time.Duration{"SendMessage": never, "ChangeMessageVisibility": never},
			reached: "SendMessage",
		},
		{
			name: "dead-letter response lost", margin: time.Second, timeout: 2 * time.Second,
			bodies:  []string{"not json"},
			after:   map[string]time.Duration{"SendMessage": never},
			reached: "SendMessage", inDLQMax: 1,
		},
		{
			name: "FIFO group behind a failure, slow visibility", margin: time.Second, timeout: 2 * time.Second,
			fifo: true,
			bodies: []string{
				`{"version":1,"uid":"{uid}","fields":{"title":"1"}}`, `{"version":1,"uid":"{uid}","fields":{"title":"2"}}`,
				`{"version":1,"uid":"{uid}","fields":{"title":"3"}}`, `{"version":1,"uid":"{uid}","fields":{"title":"4"}}`,
				`{"version":1,"uid":"{uid}","fields":{"title":"5"}}`, `{"version":1,"uid":"{uid}","fields":{"title":"6"}}`,
			},
			fault:   skylarktest.Fault{Method: http.MethodPatch, Status: 503},
			before:  map[string]time.Duration{"ChangeMessageVisibility": 300 * time.Millisecond},
			reached: "ChangeMessageVisibility",
		},
		{
			name: "ten slow dead-letter sends in parallel", margin: time.Second, timeout: 2 * time.Second,
			bodies: []string{"not json 0", "not json 1", "not json 2", "not json 3", "not json 4",
				"not json 5", "not json 6", "not json 7", "not json 8", "not json 9"},
			before:  map[string]time.Duration{"SendMessage": 3 * time.Second},
			reached: "SendMessage",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, stackOptions{fifoDLQ: tt.fifo})
			if tt.margin > 0 {
				s.handler.Config.DeadlineMargin = tt.margin
			}
			queue, slow := newSlowQueue(t, tt.before, tt.after)
			s.handler.Queue = queue
			uid := s.putAsset(map[string]any{"title": "old"})
			if tt.fault != (skylarktest.Fault{}) {
				s.skylark.InjectFault(tt.fault)
			}
			var bodies []string
			for _, b := range tt.bodies {
				bodies = append(bodies, strings.ReplaceAll(b, "{uid}", uid))
			}
			_, ev := s.sourceBatch(tt.fifo, bodies...)

			ctx, cancel := context.WithTimeout(lambdaContext("req-deadline"), tt.timeout)
			defer cancel()
			deadline, _ := ctx.Deadline()
			resp, err := s.handler.Handle(ctx, ev)
			left := time.Until(deadline)
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			if left <= 0 {
				t.Errorf("Handle returned %s after the deadline", -left)
				t.Logf("deadline %s, handler log:\n%s", deadline.Format(time.RFC3339Nano), s.logs.String())
			} else {
				t.Logf("Handle returned %s before the deadline", left)
			}

			if tt.reached != "" && slow.count(tt.reached) == 0 {
				t.Errorf("no %s request reached the queue: the slow call was never made", tt.reached)
			}
			wantAllReported(t, s, ev, resp)
			if dead := s.drain(s.dlqURL); len(dead) > tt.inDLQMax {
				t.Errorf("dead-letter queue holds %d copies, want at most %d", len(dead), tt.inDLQMax)
			}
		})
	}
}

// wantAllReported checks that every message of ev is in the batch item
// failures and that none is logged as dead-lettered, because every queue
// call in these cases is cut off.
func wantAllReported(t *testing.T, s *stack, ev events.SQSEvent, resp events.SQSEventResponse) {
	t.Helper()
	reported := map[string]bool{}
	for _, id := range failedIDs(resp) {
		reported[id] = true
	}
	logs := s.messageLogs()
	for _, rec := range ev.Records {
		if !reported[rec.MessageId] {
			t.Errorf("message %s is not reported for retry (log %v)", rec.MessageId, logs[rec.MessageId])
		}
		if logs[rec.MessageId]["dead_lettered"] == true {
			t.Errorf("message %s is logged as dead-lettered although its send did not complete", rec.MessageId)
		}
	}
}

func TestReturnReserve(t *testing.T) {
	tests := []struct {
		margin, want time.Duration
	}{
		{0, minReturnReserve},
		{100 * time.Millisecond, 50 * time.Millisecond},
		{400 * time.Millisecond, 100 * time.Millisecond},
		{time.Second, 250 * time.Millisecond},
		{DefaultDeadlineMargin, time.Second},
		{10 * time.Minute, time.Second},
	}
	for _, tt := range tests {
		if got := returnReserve(tt.margin); got != tt.want {
			t.Errorf("returnReserve(%s) = %s, want %s", tt.margin, got, tt.want)
		}
	}
}
