package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func fifoRecord(id, group, body string) events.SQSMessage {
	rec := sqsRecord(id, body, 1)
	rec.EventSourceARN = "arn:aws:sqs:us-east-1:123456789012:skylark-ingest.fifo"
	rec.Attributes["MessageGroupId"] = group
	rec.Attributes["MessageDeduplicationId"] = "dedup-" + id
	return rec
}

func TestFIFOFailureFailsLaterMessagesOfGroup(t *testing.T) {
	s := newStack(t, stackOptions{})
	uids := seedSampleAssets(s)
	// Both attempts of the first message's read fail with 503.
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodGet,
		PathPrefix: "/api/assets/versions/data-source/trailer-01/", Status: 503, Times: 2})
	ev := loadEvent(t, "ingest-fifo-batch.json")

	resp := s.handle(ev)
	ids := func(i ...int) []string {
		var out []string
		for _, n := range i {
			out = append(out, ev.Records[n].MessageId)
		}
		return out
	}
	wantFailures(t, resp, ids(0, 1, 3)...)
	wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
	for _, i := range []int{1, 3} {
		line := wantOutcome(t, s, ev.Records[i].MessageId, outcomeNotStart)
		if !strings.Contains(line["reason"].(string), "an earlier message of message group trailer-01 failed") {
			t.Errorf("reason = %v", line["reason"])
		}
	}
	wantOutcome(t, s, ev.Records[2].MessageId, outcomeApplied)
	if got := s.asset(uids["trailer-01"])["title"]; got != "trailer-01" {
		t.Errorf("trailer-01 title = %v, want it unchanged", got)
	}
	if n := s.patches(); n != 1 {
		t.Errorf("%d PATCH requests, want only group joy-of-winning's", n)
	}
}

func TestFIFODeadLetteredMessageDoesNotBlockGroup(t *testing.T) {
	s := newStack(t, stackOptions{fifoDLQ: true})
	uid := s.putAsset(map[string]any{"title": "a"})
	bad := `{"version":1,"uid":"` + uid + `","titel":"x"}`
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		fifoRecord("m-1", "g", bad),
		fifoRecord("m-2", "g", nativeBody(uid, map[string]any{"title": "A"})),
	}})
	wantFailures(t, resp)
	wantOutcome(t, s, "m-1", outcomePermanent)
	wantOutcome(t, s, "m-2", outcomeApplied)

	dead := s.drain(s.dlqURL)
	if len(dead) != 1 {
		t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
	}
	if got := systemAttr(dead[0], "MessageGroupId"); got != "g" {
		t.Errorf("dead-letter MessageGroupId = %q, want g", got)
	}
	if got := systemAttr(dead[0], "MessageDeduplicationId"); got != "m-1" {
		t.Errorf("dead-letter MessageDeduplicationId = %q, want the source message id", got)
	}
}

func TestFIFOPermanentFailureWithoutDLQBlocksGroup(t *testing.T) {
	s := newStack(t, stackOptions{noDLQ: true})
	uid := s.putAsset(map[string]any{"title": "a"})
	other := s.putAsset(map[string]any{"title": "b"})
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		fifoRecord("m-1", "g", "not json"),
		fifoRecord("m-2", "h", nativeBody(other, map[string]any{"title": "B"})),
		fifoRecord("m-3", "g", nativeBody(uid, map[string]any{"title": "A"})),
	}})
	wantFailures(t, resp, "m-1", "m-3")
	wantOutcome(t, s, "m-2", outcomeApplied)
	wantOutcome(t, s, "m-3", outcomeNotStart)
}

func TestStandardQueueFailureDoesNotBlockLaterMessages(t *testing.T) {
	s := newStack(t, stackOptions{noDLQ: true})
	uid := s.putAsset(map[string]any{"title": "a"})
	first := sqsRecord("m-1", "not json", 1)
	first.Attributes["MessageGroupId"] = "g" // ignored outside FIFO queues
	second := sqsRecord("m-2", nativeBody(uid, map[string]any{"title": "A"}), 1)
	second.Attributes["MessageGroupId"] = "g"
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{first, second}})
	wantFailures(t, resp, "m-1")
	wantOutcome(t, s, "m-2", outcomeApplied)
}

// patchLog records the order of PATCH bodies per asset path and checks that
// no two requests for one asset overlap.
type patchLog struct {
	base http.RoundTripper

	mu       sync.Mutex
	inFlight map[string]int
	overlap  []string
	bodies   map[string][]string

	now, max atomic.Int64
}

func (p *patchLog) RoundTrip(req *http.Request) (*http.Response, error) {
	path := req.URL.Path
	p.mu.Lock()
	p.inFlight[path]++
	if p.inFlight[path] > 1 {
		p.overlap = append(p.overlap, path)
	}
	if req.Method == http.MethodPatch && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			data, _ := io.ReadAll(body)
			p.bodies[path] = append(p.bodies[path], string(data))
		}
	}
	p.mu.Unlock()
	n := p.now.Add(1)
	for {
		m := p.max.Load()
		if n <= m || p.max.CompareAndSwap(m, n) {
			break
		}
	}
	defer func() {
		p.now.Add(-1)
		p.mu.Lock()
		p.inFlight[path]--
		p.mu.Unlock()
	}()
	return p.base.RoundTrip(req)
}

func newPatchLog(base http.RoundTripper) *patchLog {
	return &patchLog{base: base, inFlight: map[string]int{}, bodies: map[string][]string{}}
}

func TestOneAssetUpdatesAppliedInOrder(t *testing.T) {
	var log *patchLog
	s := newStack(t, stackOptions{workers: 4, transport: func(b http.RoundTripper) http.RoundTripper {
		log = newPatchLog(b)
		return log
	}})
	a := s.putAsset(map[string]any{"title": "a"})
	b := s.putAsset(map[string]any{"title": "b"})
	s.skylark.InjectFault(skylarktest.Fault{Latency: 5 * time.Millisecond})
	var recs []events.SQSMessage
	for i := range 10 {
		uid := a
		if i%3 == 1 {
			uid = b
		}
		recs = append(recs, sqsRecord(fmt.Sprintf("m-%d", i), nativeBody(uid, map[string]any{"title": fmt.Sprintf("t%d", i)}), 1))
	}
	resp := s.handle(events.SQSEvent{Records: recs})
	wantFailures(t, resp)

	if got := s.asset(a)["title"]; got != "t9" {
		t.Errorf("asset a title = %v, want the last update t9", got)
	}
	if got := s.asset(b)["title"]; got != "t7" {
		t.Errorf("asset b title = %v, want the last update t7", got)
	}
	var want []string
	for _, i := range []int{0, 2, 3, 5, 6, 8, 9} {
		want = append(want, fmt.Sprintf(`{"title":"t%d"}`, i))
	}
	if got := log.bodies["/api/assets/"+a+"/"]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("PATCH bodies for a:\n got %v\nwant %v", got, want)
	}
	if len(log.overlap) > 0 {
		t.Errorf("requests for one asset overlapped: %v", log.overlap)
	}
}

func TestWorkersBoundParallelism(t *testing.T) {
	var log *patchLog
	s := newStack(t, stackOptions{noMoto: true, workers: 2, transport: func(b http.RoundTripper) http.RoundTripper {
		log = newPatchLog(b)
		return log
	}})
	s.skylark.InjectFault(skylarktest.Fault{Latency: 20 * time.Millisecond})
	var recs []events.SQSMessage
	for i := range 6 {
		uid := s.putAsset(map[string]any{"title": "x"})
		recs = append(recs, sqsRecord(fmt.Sprint(i), nativeBody(uid, map[string]any{"title": "y"}), 1))
	}
	resp := s.handle(events.SQSEvent{Records: recs})
	wantFailures(t, resp)
	if got := log.max.Load(); got != 2 {
		t.Errorf("at most %d Skylark requests in flight, want 2 (INGEST_WORKERS)", got)
	}
}

// clockAssets moves a fake clock forward after every PATCH, to model slow
// writes without waiting.
type clockAssets struct {
	AssetService
	clock *fakeClock
	step  time.Duration
}

func (c clockAssets) Patch(ctx context.Context, uid string, fields map[string]any, opts *skylark.RequestOptions) (*skylark.Asset, error) {
	a, err := c.AssetService.Patch(ctx, uid, fields, opts)
	c.clock.advance(c.step)
	return a, err
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestDeadlineMarginStopsStartingWork(t *testing.T) {
	s := newStack(t, stackOptions{workers: 1})
	var recs []events.SQSMessage
	var uids []string
	for i := range 3 {
		uid := s.putAsset(map[string]any{"title": "x"})
		uids = append(uids, uid)
		recs = append(recs, sqsRecord(fmt.Sprintf("m-%d", i), nativeBody(uid, map[string]any{"title": "y"}), 1))
	}
	deadline := time.Now().Add(time.Hour)
	startBy := deadline.Add(-s.handler.Config.DeadlineMargin)
	clock := &fakeClock{t: startBy.Add(-90 * time.Second)}
	s.handler.Now = clock.Now
	s.handler.Assets = clockAssets{AssetService: s.handler.Assets, clock: clock, step: time.Minute}

	ctx, cancel := context.WithDeadline(lambdaContext("req"), deadline)
	defer cancel()
	resp, err := s.handler.Handle(ctx, events.SQSEvent{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	wantFailures(t, resp, "m-2")
	wantOutcome(t, s, "m-0", outcomeApplied)
	wantOutcome(t, s, "m-1", outcomeApplied)
	line := wantOutcome(t, s, "m-2", outcomeNotStart)
	if !strings.Contains(line["reason"].(string), "DEADLINE_MARGIN") {
		t.Errorf("reason = %v", line["reason"])
	}
	if got := s.asset(uids[2])["title"]; got != "x" {
		t.Errorf("title of the message not started = %v, want it unchanged", got)
	}
}

func TestDeadlineTooCloseStartsNothing(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"title": "x"})
	ctx, cancel := context.WithTimeout(lambdaContext("req"), s.handler.Config.DeadlineMargin/2)
	defer cancel()
	resp, err := s.handler.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", nativeBody(uid, map[string]any{"title": "y"}), 1),
		sqsRecord("m-2", "not json", 1),
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantFailures(t, resp, "m-1", "m-2")
	wantOutcome(t, s, "m-1", outcomeNotStart)
	wantOutcome(t, s, "m-2", outcomeNotStart)
	if n := len(s.skylark.Requests()); n != 0 {
		t.Errorf("Skylark received %d requests, want none", n)
	}
}

// panicAssets panics when asked for one asset.
type panicAssets struct {
	AssetService
	uid string
}

func (p panicAssets) Get(ctx context.Context, uid string, opts *skylark.RequestOptions) (*skylark.Asset, error) {
	if uid == p.uid {
		var none []string
		_ = none[len(uid)] // a real runtime panic: index out of range
	}
	return p.AssetService.Get(ctx, uid, opts)
}

func TestPanicRecoveredAsTransientFailure(t *testing.T) {
	s := newStack(t, stackOptions{})
	good := s.putAsset(map[string]any{"title": "x"})
	bad := s.putAsset(map[string]any{"title": "x"})
	s.handler.Assets = panicAssets{AssetService: s.handler.Assets, uid: bad}
	_, ev := s.sourceBatch(false,
		nativeBody(bad, map[string]any{"title": "y"}),
		nativeBody(good, map[string]any{"title": "y"}))

	resp := s.handle(ev)
	wantFailures(t, resp, ev.Records[0].MessageId)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomeTransient)
	if line["level"] != "ERROR" || !strings.Contains(line["reason"].(string), "panic: runtime error: index out of range") {
		t.Errorf("log line = %v, want an ERROR with the panic", line)
	}
	if !strings.Contains(fmt.Sprint(line["stack"]), "panicAssets.Get") {
		t.Errorf("stack = %.200v, want the panicking frame", line["stack"])
	}
	wantOutcome(t, s, ev.Records[1].MessageId, outcomeApplied)
}

func TestS3DuplicateAndOlderEventsKeyedOnObject(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"data_source_id": "clip"})
	newer := s3Body("ObjectCreated:Put", "uploads/clip.mp4", "0065A1B2C3D4E5F601")
	older := s3Body("ObjectCreated:Put", "uploads/clip.mp4", "0065A1B2C3D4E5F500")
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("m-1", newer, 1), sqsRecord("m-2", newer, 1), sqsRecord("m-3", older, 1)}})
	wantFailures(t, resp)
	wantOutcome(t, s, "m-1", outcomeApplied)
	wantOutcome(t, s, "m-2", outcomeSkipped)
	line := wantOutcome(t, s, "m-3", outcomeSkipped)
	if !strings.Contains(line["reason"].(string), "is older (sequencer 0065A1B2C3D4E5F500)") {
		t.Errorf("reason = %v", line["reason"])
	}
	if n := s.patches(); n != 1 {
		t.Errorf("%d PATCH requests, want 1", n)
	}
	entry := ovpsOf(t, s.asset(uid))[testAccount]
	if entry[entryS3Sequencer] != "0065A1B2C3D4E5F601" || entry[entryS3Object] != "s3://example-media-bucket/uploads/clip.mp4" {
		t.Errorf("entry = %v", entry)
	}
}

func TestS3LateDeleteKeepsNewerUpload(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"data_source_id": "clip"})
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("create", s3Body("ObjectCreated:Put", "uploads/clip.mp4", "0A"), 1),
		sqsRecord("late-delete", s3Body("ObjectRemoved:Delete", "uploads/clip.mp4", "09"), 1),
	}})
	wantFailures(t, resp)
	wantOutcome(t, s, "late-delete", outcomeSkipped)
	if ovpsOf(t, s.asset(uid))[testAccount] == nil {
		t.Error("the entry of the newer upload was removed")
	}
}

func TestS3DeleteRemovesOnlyItsEntry(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"data_source_id": "clip", "ovps": []any{
		map[string]any{"account_url": "/acc/mux/", "playback_id": "p1"}}})
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("create", s3Body("ObjectCreated:Put", "uploads/clip.mp4", "01"), 1),
		sqsRecord("delete", eventBridgeS3("Object Deleted", "uploads/clip.mp4"), 1),
	}})
	wantFailures(t, resp)
	wantOutcome(t, s, "delete", outcomeApplied)
	ovps := ovpsOf(t, s.asset(uid))
	if len(ovps) != 1 || ovps["/acc/mux/"] == nil {
		t.Errorf("ovps = %v, want only the other account's entry", ovps)
	}
}

func TestS3DeleteOfReplacedObjectKeepsEntry(t *testing.T) {
	s := newStack(t, stackOptions{noMoto: true})
	uid := s.putAsset(map[string]any{"data_source_id": "clip"})
	fromOther := strings.ReplaceAll(s3Body("ObjectCreated:Put", "uploads/clip.mp4", "05"), "example-media-bucket", "example-media-bucket-2")
	resp := s.handle(events.SQSEvent{Records: []events.SQSMessage{
		sqsRecord("create-a", s3Body("ObjectCreated:Put", "uploads/clip.mp4", "01"), 1),
		sqsRecord("create-b", fromOther, 1),
		sqsRecord("delete-a", s3Body("ObjectRemoved:Delete", "uploads/clip.mp4", "02"), 1),
	}})
	wantFailures(t, resp)
	line := wantOutcome(t, s, "delete-a", outcomeSkipped)
	if !strings.Contains(line["reason"].(string), "comes from s3://example-media-bucket-2/uploads/clip.mp4") {
		t.Errorf("reason = %v", line["reason"])
	}
	if e := ovpsOf(t, s.asset(uid))[testAccount]; e == nil || e[entryS3Object] != "s3://example-media-bucket-2/uploads/clip.mp4" {
		t.Errorf("entry = %v, want the one from the second bucket", e)
	}
}
