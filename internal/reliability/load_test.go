package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Load test settings. The redrive policy moves a message to the
// dead-letter queue on its fourth receive; the function's backoff makes
// each retry come back within seconds.
const (
	loadContainers    = 4
	loadMaxReceive    = 3
	loadDeadline      = 3 * time.Second
	loadVisibility    = 10 * time.Second
	loadFaultInterval = 150 * time.Millisecond

	// maxReceiveErrors is how many failed receives in a row end a poller.
	maxReceiveErrors = 5
)

// loadMsg is one message of the load test.
type loadMsg struct {
	kind   string
	body   string
	valid  bool        // a well-formed update the function must apply or skip
	effect func() bool // the change is visible in Skylark; nil when none
}

// loadOutcome is one message's fate in one invocation.
type loadOutcome struct {
	outcome string // as logged
	reason  string
	code    string
	deleted bool // the poller deleted it afterwards
}

// loadLedger collects what happened to every message.
type loadLedger struct {
	mu       sync.Mutex
	byID     map[string][]loadOutcome
	invokes  int
	failures int // invocations that failed or timed out, so the batch came back
	restarts int
}

func (l *loadLedger) add(id string, o loadOutcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byID[id] = append(l.byID[id], o)
}

// TestLoadNothingLost sends a mix of messages through a real queue with a
// dead-letter queue and a redrive policy. Several simulated containers drive
// the ingest function as the event source mapping does, while faults are
// injected at random into Skylark and Cognito. Then every message must be
// accounted for: applied or skipped (and visible in Skylark), or on the
// dead-letter queue with a reason.
func TestLoadNothingLost(t *testing.T) {
	n, budget := 150, 90*time.Second
	if *longRun {
		n, budget = 1000, 8*time.Minute
	}
	bins := buildFunctions(t)
	w := newWorld(t, bins)
	rng := rand.New(rand.NewPCG(*loadSeed, 0x5eed))
	t.Logf("seed %d, %d messages, %d containers", *loadSeed, n, loadContainers)

	dlq := w.createQueue("dlq", 30*time.Second, "", 0)
	src := w.createQueue("src", loadVisibility, dlq.arn, loadMaxReceive)
	env := w.ingestEnv(dlq.url)
	env["VISIBILITY_BACKOFF_MAX"] = "2s"
	env["DEADLINE_MARGIN"] = "500ms"

	msgs := loadMessages(w, rng, n)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	ids := make(map[string]int, n) // message id -> index
	for i, m := range msgs {
		id, err := w.send(ctx, src, i, m.body)
		if err != nil {
			t.Fatalf("SendMessage %d: %v", i, err)
		}
		ids[id] = i
	}

	ledger := &loadLedger{byID: map[string][]loadOutcome{}}
	faults := startRandomFaults(ctx, w, rng)
	var wg sync.WaitGroup
	for c := range loadContainers {
		wg.Go(func() { runPoller(ctx, t, w, env, src, c, ledger) })
	}
	wg.Wait()
	injected := faults()
	if ctx.Err() != nil {
		t.Errorf("the queue was not empty after %s", budget)
	}

	accountForMessages(t, w, dlq, msgs, ids, ledger)
	signIns := w.pool.Count(cognitotest.OpRespondToAuthChallenge)
	initiates := w.pool.Count(cognitotest.OpInitiateAuth)
	t.Logf("invocations %d (failed %d, container restarts %d); faults injected %v",
		ledger.invokes, ledger.failures, ledger.restarts, injected)
	t.Logf("Cognito: %d sign-ins (RespondToAuthChallenge), %d InitiateAuth (sign-ins, refreshes and retries)",
		signIns, initiates)
	// One sign-in per container, plus one per restart and per renewal the
	// faults forced (a revoked refresh token or a failed sign-in attempt).
	if limit := loadContainers + ledger.restarts + injected["cognito"] + injected["revoke"]; signIns > limit {
		t.Errorf("%d sign-ins, more than the %d that containers, restarts and Cognito faults explain", signIns, limit)
	}
	assertNoSecrets(t, w)
}

// runPoller does what Lambda's event source mapping does for one
// concurrent batch: receive up to ten messages, invoke the function, delete
// the messages not reported in batchItemFailures. It stops when the queue
// is empty or ctx ends, and replaces a container that timed out or died.
func runPoller(ctx context.Context, t *testing.T, w *world, env map[string]string, src queue,
	n int, ledger *loadLedger) {
	c := w.start("ingest", env)
	empty, receiveErrors := 0, 0
	for ctx.Err() == nil {
		ev, err := w.receive(ctx, src, time.Second)
		if err != nil {
			// moto_server sometimes fails a receive under load; the event
			// source mapping polls again too.
			if receiveErrors++; receiveErrors > maxReceiveErrors && ctx.Err() == nil {
				t.Errorf("poller %d: ReceiveMessage failed %d times in a row: %v", n, receiveErrors, err)
				return
			}
			t.Logf("poller %d: ReceiveMessage failed, polling again: %v", n, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		receiveErrors = 0
		if len(ev.Records) == 0 {
			visible, inFlight, err := w.queueDepth(ctx, src)
			if err == nil && visible == 0 && inFlight == 0 {
				if empty++; empty >= 2 {
					return
				}
			}
			continue
		}
		empty = 0
		payload, _ := json.Marshal(ev)
		res, err := c.invoke(payload, loadDeadline)
		ledger.mu.Lock()
		ledger.invokes++
		ledger.mu.Unlock()
		if err != nil || res.failed {
			// Lambda returns the whole batch to the queue; a timed-out
			// environment is replaced.
			t.Logf("poller %d: invocation failed, the batch comes back: %v %s", n, err, res.payload)
			ledger.mu.Lock()
			ledger.failures++
			if err != nil {
				ledger.restarts++
			}
			ledger.mu.Unlock()
			if err != nil {
				c.stop()
				c = w.start("ingest", env)
			}
			continue
		}
		recordBatch(ctx, t, w, c, src, ev, res, ledger)
	}
}

// recordBatch deletes the processed messages and records each message's
// outcome from the function's log.
func recordBatch(ctx context.Context, t *testing.T, w *world, c *container, src queue,
	ev events.SQSEvent, res invokeResult, ledger *loadLedger) {
	var resp events.SQSEventResponse
	if err := json.Unmarshal(res.payload, &resp); err != nil {
		t.Errorf("response %s is not an SQSEventResponse: %v", res.payload, err)
		return
	}
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	lines := waitForLogs(t, c, res.requestID, func(lines []logLine) bool {
		return countOutcomes(lines) >= len(ev.Records)
	})
	if err := w.deleteExcept(ctx, src, ev, resp); err != nil && ctx.Err() == nil {
		// A message received again elsewhere has a new receipt handle;
		// the old one no longer deletes it, as in SQS.
		t.Logf("delete after invocation %s: %v", res.requestID, err)
	}
	for _, l := range lines {
		id := l.str("message_id")
		if id == "" || l.str("outcome") == "" {
			continue
		}
		ledger.add(id, loadOutcome{outcome: l.str("outcome"), reason: l.str("reason"),
			code: l.str("error_code"), deleted: !failed[id]})
	}
}

func countOutcomes(lines []logLine) int {
	n := 0
	for _, l := range lines {
		if l.str("outcome") != "" {
			n++
		}
	}
	return n
}

// accountForMessages checks that every message sent is accounted for
// exactly once. It is either applied or skipped with its change visible in
// Skylark, or on the dead-letter queue with a reason. The function's copy
// carries reason and error_code. A message that the redrive policy moved has
// the reason of its last failure in the function's log.
func accountForMessages(t *testing.T, w *world, dlq queue, msgs []loadMsg, ids map[string]int,
	ledger *loadLedger) {
	t.Helper()
	functionDLQ := map[string]dlqMessage{}
	redriven := map[string]dlqMessage{}
	for _, m := range w.drain(dlq) {
		if src := m.attrs["source_message_id"]; src != "" {
			functionDLQ[src] = m
		} else {
			redriven[m.id] = m
		}
	}

	counts := map[string]int{}
	for id, i := range ids {
		m := msgs[i]
		final := finalOutcome(ledger.byID[id])
		_, inFunctionDLQ := functionDLQ[id]
		_, inRedrive := redriven[id]
		switch {
		case inFunctionDLQ && inRedrive:
			t.Errorf("message %d (%s, %s) is on the dead-letter queue twice", i, m.kind, id)
		case inFunctionDLQ:
			counts["dead-lettered by the function"]++
			d := functionDLQ[id]
			if d.attrs["reason"] == "" || d.attrs["error_code"] == "" {
				t.Errorf("message %d (%s) is dead-lettered without reason or error_code: %v", i, m.kind, d.attrs)
			}
			if m.valid {
				t.Errorf("valid message %d (%s) was dead-lettered: %s", i, m.kind, d.attrs["reason"])
			}
		case inRedrive:
			counts["moved by the redrive policy"]++
			t.Logf("message %d (%s) moved to the dead-letter queue after %d receives; last reason: %s",
				i, m.kind, loadMaxReceive, lastReason(ledger.byID[id]))
		case final == "applied" || final == "skipped":
			counts[final]++
			if !m.valid {
				t.Errorf("invalid message %d (%s) was %s", i, m.kind, final)
			}
			if m.effect != nil && !m.effect() {
				t.Errorf("message %d (%s) was %s, but Skylark does not show its change", i, m.kind, final)
			}
		default:
			t.Errorf("message %d (%s, %s) is lost: not deleted after success and not on the dead-letter queue; outcomes %+v",
				i, m.kind, id, ledger.byID[id])
		}
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	t.Logf("sent %d, accounted for %d: %v", len(ids), total, counts)
	if total != len(ids) {
		t.Errorf("sent %d messages but accounted for %d", len(ids), total)
	}
	for id := range functionDLQ {
		if _, ok := ids[id]; !ok {
			t.Errorf("the dead-letter queue holds a copy of unknown message %s", id)
		}
	}
}

// finalOutcome returns the outcome after which the message was deleted:
// applied, skipped or dead-lettered; "" when it never was.
func finalOutcome(outcomes []loadOutcome) string {
	for i := len(outcomes) - 1; i >= 0; i-- {
		if o := outcomes[i]; o.deleted {
			return o.outcome
		}
	}
	return ""
}

func lastReason(outcomes []loadOutcome) string {
	if len(outcomes) == 0 {
		return "(never logged)"
	}
	return outcomes[len(outcomes)-1].reason
}

// loadMessages builds n messages: native updates on their own assets,
// repeated sends of some of them, S3 and MediaConvert events, S3 test
// events and invalid messages.
func loadMessages(w *world, rng *rand.Rand, n int) []loadMsg {
	var msgs []loadMsg
	for len(msgs) < n {
		switch p := rng.IntN(100); {
		case p < 50:
			_, m := nativeUpsert(w, fmt.Sprintf("load-%d", len(msgs)))
			msgs = append(msgs, loadMsg{kind: "native", body: m.body, valid: true, effect: m.effect})
		case p < 58 && len(msgs) > 0:
			// The same content sent twice: one copy applied, the other
			// skipped, in either order.
			prev := msgs[rng.IntN(len(msgs))]
			prev.kind += " (repeated)"
			msgs = append(msgs, prev)
		case p < 73:
			id, uid := s3Asset(w)
			msgs = append(msgs, loadMsg{kind: "s3", body: s3Event(id, "ObjectCreated:Put", "0065A1B2C3D4E5F601"),
				valid: true, effect: func() bool {
					e := s3Entry(w, uid)
					return e != nil && e["stream_url"] == s3Stream(id)
				}})
		case p < 85:
			msgs = append(msgs, mediaConvertMsg(w))
		case p < 90:
			msgs = append(msgs, loadMsg{kind: "s3 test event", valid: true,
				body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-05T09:59:00.000Z",` +
					`"Bucket":"example-media-bucket","RequestId":"R1","HostId":"H1"}`})
		case p < 95:
			msgs = append(msgs, loadMsg{kind: "not JSON", body: notJSON})
		default:
			m := unknownAsset()
			msgs = append(msgs, loadMsg{kind: "unknown asset", body: m.body})
		}
	}
	return msgs
}

// mediaConvertMsg seeds an asset and returns a MediaConvert COMPLETE event
// for it, as EventBridge delivers it to SQS.
func mediaConvertMsg(w *world) loadMsg {
	uid := w.sky.PutAsset(map[string]any{"title": "transcoded"})
	job := "job-" + randomText("", 6)
	body, _ := json.Marshal(map[string]any{
		"version": "0", "id": randomText("", 8), "detail-type": "MediaConvert Job State Change",
		"source": "aws.mediaconvert", "account": "123456789012", "time": "2026-01-05T10:00:00Z",
		"region": "us-east-1", "resources": []string{},
		"detail": map[string]any{
			"status": "COMPLETE", "jobId": job,
			"userMetadata": map[string]string{"skylark_asset_uid": uid},
			"outputGroupDetails": []map[string]any{{
				"type":              "HLS_GROUP",
				"playlistFilePaths": []string{"s3://example-media-bucket/output/" + job + "/index.m3u8"},
				"outputDetails":     []map[string]any{{"durationInMs": 61500}},
			}},
		},
	})
	stream := "https://cdn.example.com/vod/" + job + "/index.m3u8"
	return loadMsg{kind: "mediaconvert", body: string(body), valid: true, effect: func() bool {
		a, _ := w.sky.Asset(uid)
		return hasEntry(w, uid, ovpAccount, stream) && a["duration_in_seconds"] == float64(62)
	}}
}

// startRandomFaults injects a random fault into Skylark or Cognito every
// loadFaultInterval until ctx ends. Each fault affects at most three
// requests, so the system always recovers. The returned function stops the
// injection and returns how many faults of each kind were injected.
func startRandomFaults(ctx context.Context, w *world, rng *rand.Rand) func() map[string]int {
	ctx, cancel := context.WithCancel(ctx)
	counts := map[string]int{}
	var mu sync.Mutex
	done := make(chan struct{})
	// The generator is not safe for concurrent use: draw every fault here.
	type planned struct {
		kind  string
		apply func()
	}
	skylarkFaults := []func(times int) skylarktest.Fault{
		func(n int) skylarktest.Fault { return skylarktest.Fault{Status: http.StatusTooManyRequests, Times: n} },
		func(n int) skylarktest.Fault {
			return skylarktest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: n}
		},
		func(n int) skylarktest.Fault {
			return skylarktest.Fault{Status: http.StatusInternalServerError, Times: n}
		},
		func(n int) skylarktest.Fault { return skylarktest.Fault{Status: http.StatusBadGateway, Times: n} },
		func(n int) skylarktest.Fault {
			return skylarktest.Fault{Status: http.StatusServiceUnavailable, Times: n}
		},
		func(n int) skylarktest.Fault { return skylarktest.Fault{Status: http.StatusGatewayTimeout, Times: n} },
		func(n int) skylarktest.Fault { return skylarktest.Fault{Status: http.StatusUnauthorized, Times: n} },
		func(n int) skylarktest.Fault { return skylarktest.Fault{Reset: true, Times: n} },
		func(n int) skylarktest.Fault { return skylarktest.Fault{Truncate: true, Times: n} },
		func(n int) skylarktest.Fault { return skylarktest.Fault{Latency: 700 * time.Millisecond, Times: n} },
		func(n int) skylarktest.Fault {
			return skylarktest.Fault{Method: http.MethodGet, Status: http.StatusOK, Body: "<html>", Times: n}
		},
	}
	next := func() planned {
		times := 1 + rng.IntN(3)
		switch p := rng.IntN(100); {
		case p < 70:
			f := skylarkFaults[rng.IntN(len(skylarkFaults))](times)
			return planned{"skylark", func() { w.sky.InjectFault(f) }}
		case p < 85:
			f := []cognitotest.Fault{
				cognitotest.ThrottleFault(times),
				cognitotest.InternalErrorFault(times),
				{Latency: 400 * time.Millisecond, Times: times},
			}[rng.IntN(3)]
			return planned{"cognito", func() { _ = w.pool.InjectFault(cognitotest.OpAll, f) }}
		default:
			return planned{"revoke", func() {
				w.pool.RevokeRefreshTokens(serviceUser)
				w.sky.InjectFault(skylarktest.Fault{Status: http.StatusUnauthorized, Times: 1})
			}}
		}
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(loadFaultInterval)
		defer tick.Stop()
		for {
			p := next()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			p.apply()
			mu.Lock()
			counts[p.kind]++
			mu.Unlock()
		}
	}()
	return func() map[string]int {
		cancel()
		<-done
		w.sky.ClearFaults()
		w.pool.ClearFaults()
		mu.Lock()
		defer mu.Unlock()
		out := map[string]int{}
		for k, v := range counts {
			out[k] = v
		}
		return out
	}
}
