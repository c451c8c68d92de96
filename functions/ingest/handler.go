package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Handler turns a batch of SQS messages into Skylark asset updates. Build it
// once per execution environment; Handle may be called concurrently.
type Handler struct {
	Assets AssetService
	Queue  Queue
	Config Config
	Logger *slog.Logger

	// Metrics receives one CloudWatch embedded metric format line per
	// invocation; nil writes to standard output.
	Metrics io.Writer

	// Now returns the current time; nil uses time.Now. The deadline check
	// compares it with the context's deadline.
	Now func() time.Time

	// Jitter returns a number in [0, 1) that spreads visibility timeouts;
	// nil uses math/rand/v2.
	Jitter func() float64

	metricsMu sync.Mutex
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) jitter() float64 {
	if h.Jitter != nil {
		return h.Jitter()
	}
	return rand.Float64()
}

// invocation holds what one call to Handle shares between its workers.
type invocation struct {
	requestID   string
	hasDeadline bool
	startBy     time.Time // no message starts at or after this time

	mu                sync.Mutex
	failedGroups      map[string]time.Duration // FIFO group -> visibility set on its failure (0 = unchanged)
	failedGroupReason map[string]string
}

// Handle processes the batch and returns the messages to retry in
// BatchItemFailures. It never returns an error: Lambda would then retry the
// whole batch, including the messages that were applied.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	inv := &invocation{failedGroups: map[string]time.Duration{}, failedGroupReason: map[string]string{}}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		inv.requestID = lc.AwsRequestID
	}
	workCtx, queueCtx := ctx, ctx
	if deadline, ok := ctx.Deadline(); ok {
		inv.hasDeadline = true
		inv.startBy = deadline.Add(-h.Config.DeadlineMargin)
		// Work in flight gets half the margin to finish. The other half is
		// left for the dead-letter and visibility calls that follow it,
		// except for a final reserve in which no queue call runs, so the
		// handler returns its response before Lambda times it out.
		var cancelWork, cancelQueue context.CancelFunc
		workCtx, cancelWork = context.WithDeadline(ctx, deadline.Add(-h.Config.DeadlineMargin/2))
		defer cancelWork()
		queueCtx, cancelQueue = context.WithDeadline(ctx, deadline.Add(-returnReserve(h.Config.DeadlineMargin)))
		defer cancelQueue()
	}

	msgs := make([]*message, len(ev.Records))
	for i := range ev.Records {
		msgs[i] = h.prepare(i, &ev.Records[i])
	}
	lanes := buildLanes(msgs)
	h.logger().LogAttrs(ctx, slog.LevelDebug, "batch started",
		slog.String("request_id", inv.requestID), slog.Int("messages", len(msgs)), slog.Int("lanes", len(lanes)))

	work := make(chan []*message)
	var wg sync.WaitGroup
	for range min(max(h.Config.Workers, 1), len(lanes)) {
		wg.Go(func() {
			for lane := range work {
				h.runLane(ctx, workCtx, queueCtx, inv, lane)
			}
		})
	}
	for _, lane := range lanes {
		work <- lane
	}
	close(work)
	wg.Wait()

	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	counts := map[outcome]int{}
	deadLettered := 0
	for _, m := range msgs {
		counts[m.res.outcome]++
		if m.res.deadLettered {
			deadLettered++
		}
		if m.res.report {
			resp.BatchItemFailures = append(resp.BatchItemFailures,
				events.SQSBatchItemFailure{ItemIdentifier: m.rec.MessageId})
		}
	}
	h.emitMetrics(counts, deadLettered, len(resp.BatchItemFailures))
	return resp, nil
}

// prepare classifies a record's body. A panic while parsing becomes a
// transient failure of this message only.
func (h *Handler) prepare(i int, rec *events.SQSMessage) (m *message) {
	m = &message{index: i, rec: rec, receiveCount: receiveCount(rec)}
	if strings.HasSuffix(rec.EventSourceARN, ".fifo") {
		m.group = rec.Attributes["MessageGroupId"]
	}
	defer func() {
		if r := recover(); r != nil {
			m.parsed = parsed{}
			m.err = panicError(r)
		}
	}()
	m.parsed, m.err = h.Config.classifyBody([]byte(rec.Body), 0)
	return m
}

// runLane processes a lane's messages one at a time, in batch order. Skylark
// calls run under workCtx, queue calls under queueCtx, and ctx is for logs.
func (h *Handler) runLane(ctx, workCtx, queueCtx context.Context, inv *invocation, lane []*message) {
	for _, m := range lane {
		start := h.now()
		if blocked, visibility := inv.groupFailure(m.group); blocked {
			m.res = result{outcome: outcomeNotStart,
				reason: "an earlier message of message group " + m.group + " failed: " + inv.groupReason(m.group),
				report: true, assets: m.assetRefs()}
			if visibility > 0 {
				h.setVisibility(queueCtx, m, visibility)
			}
		} else if (inv.hasDeadline && !h.now().Before(inv.startBy)) || workCtx.Err() != nil {
			m.res = result{outcome: outcomeNotStart, report: true, assets: m.assetRefs(),
				reason: fmt.Sprintf("not started: less than DEADLINE_MARGIN (%s) was left before the invocation's deadline",
					h.Config.DeadlineMargin)}
		} else {
			m.res = h.process(workCtx, m)
			h.settle(queueCtx, m)
		}
		if m.res.report && m.group != "" {
			inv.failGroup(m.group, m.res.visibility, m.res.reason)
		}
		h.logResult(ctx, inv, m, h.now().Sub(start))
	}
}

// process applies a message's updates in order. A panic becomes a
// transient failure of this message.
func (h *Handler) process(ctx context.Context, m *message) (res result) {
	defer func() {
		if r := recover(); r != nil {
			res = h.failed(panicError(r), m.assetRefs())
		}
	}()
	if m.err != nil {
		return h.failed(m.err, nil)
	}
	if len(m.parsed.updates) == 0 {
		return result{outcome: outcomeSkipped, reason: m.parsed.skip}
	}

	var assets, changes, skips []string
	for _, u := range m.parsed.updates {
		a, err := applyUpdate(ctx, h.Assets, u)
		id := u.Asset.String()
		if a.uid != "" {
			id = a.uid
		}
		assets = append(assets, id)
		if err != nil {
			return h.failed(err, assets)
		}
		if len(a.changed) > 0 {
			changes = append(changes, id+": "+describeChange(a.changed))
		} else {
			skips = append(skips, id+": "+a.skip)
		}
	}
	if len(changes) == 0 {
		return result{outcome: outcomeSkipped, reason: strings.Join(skips, "; "), assets: assets}
	}
	return result{outcome: outcomeApplied, reason: strings.Join(append(changes, skips...), "; "), assets: assets}
}

// failed turns an error into a permanent or transient result.
func (h *Handler) failed(err error, assets []string) result {
	c := classify(err)
	var pe *panicErr
	if errors.As(err, &pe) {
		return result{outcome: outcomeTransient, reason: reasonText(err), report: true, assets: assets,
			stack: pe.stack}
	}
	if c.permanent {
		return result{outcome: outcomePermanent, reason: reasonText(err), code: c.code, assets: assets}
	}
	return result{outcome: outcomeTransient, reason: reasonText(err), retryAfter: c.retryAfter,
		report: true, assets: assets}
}

// settle dead-letters a permanent failure and backs off a reported one. A
// permanent failure whose dead-letter send did not succeed, for example
// because the deadline cut it off, is reported for retry instead, so the
// message is acknowledged only once its copy is on the dead-letter queue.
func (h *Handler) settle(ctx context.Context, m *message) {
	res := &m.res
	if res.outcome == outcomePermanent {
		if h.Config.DeadLetterQueueURL == "" {
			res.report = true
		} else if err := h.deadLetter(ctx, m, *res); err != nil {
			res.report = true
			res.queueErr = err
		} else {
			res.deadLettered = true
		}
	}
	if res.report {
		h.setVisibility(ctx, m, h.backoff(m.receiveCount, res.retryAfter))
	}
}

// setVisibility changes the visibility timeout; a failure is logged with
// the message and the message is still reported for retry.
func (h *Handler) setVisibility(ctx context.Context, m *message, timeout time.Duration) {
	if err := h.changeVisibility(ctx, m, timeout); err != nil {
		m.res.queueErr = errors.Join(m.res.queueErr, err)
		return
	}
	m.res.visibility = timeout
}

func (m *message) assetRefs() []string {
	var refs []string
	for _, u := range m.parsed.updates {
		refs = append(refs, u.Asset.String())
	}
	return refs
}

func (inv *invocation) groupFailure(group string) (bool, time.Duration) {
	if group == "" {
		return false, 0
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	v, ok := inv.failedGroups[group]
	return ok, v
}

func (inv *invocation) groupReason(group string) string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.failedGroupReason[group]
}

func (inv *invocation) failGroup(group string, visibility time.Duration, reason string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if _, ok := inv.failedGroups[group]; !ok {
		inv.failedGroups[group] = visibility
		inv.failedGroupReason[group] = reason
	}
}

// panicErr is a recovered panic, treated as a transient failure.
type panicErr struct {
	value any
	stack string
}

func (e *panicErr) Error() string { return fmt.Sprintf("panic: %v", e.value) }

func panicError(r any) error {
	return &panicErr{value: r, stack: string(debug.Stack())}
}
