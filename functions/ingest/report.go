package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

// metricsNamespace is the CloudWatch namespace of the outcome counts.
const metricsNamespace = "SkylarkIngest"

// logResult writes the one log line of a message: request and message ids,
// assets, outcome and reason. Applied and skipped messages log at info
// level, failures at warning level, and panics and failed queue calls at
// error level.
func (h *Handler) logResult(ctx context.Context, inv *invocation, m *message, took time.Duration) {
	res := m.res
	attrs := []slog.Attr{
		slog.String("request_id", inv.requestID),
		slog.String("message_id", m.rec.MessageId),
		slog.Int("receive_count", m.receiveCount),
		slog.String("outcome", string(res.outcome)),
		slog.String("reason", res.reason),
		slog.Int64("duration_ms", took.Milliseconds()),
	}
	if m.parsed.kind != "" {
		attrs = append(attrs, slog.String("kind", m.parsed.kind))
	}
	if len(res.assets) > 0 {
		attrs = append(attrs, slog.String("asset", strings.Join(res.assets, ",")))
	}
	if m.parsed.source != "" {
		attrs = append(attrs, slog.String("source", m.parsed.source))
	}
	if m.parsed.rawKey != "" {
		attrs = append(attrs, slog.String("s3_raw_key", m.parsed.rawKey))
	}
	if m.parsed.note != "" {
		attrs = append(attrs, slog.String("note", m.parsed.note))
	}
	if m.group != "" {
		attrs = append(attrs, slog.String("message_group_id", m.group))
	}
	if res.code != "" {
		attrs = append(attrs, slog.String("error_code", res.code))
	}
	if res.outcome == outcomePermanent {
		attrs = append(attrs, slog.Bool("dead_lettered", res.deadLettered))
	}
	if res.report {
		attrs = append(attrs, slog.Bool("retry", true))
	}
	if res.visibility > 0 {
		attrs = append(attrs, slog.Int64("visibility_timeout_s", int64(res.visibility/time.Second)))
	}
	if res.queueErr != nil {
		attrs = append(attrs, slog.String("queue_error", oneLine(res.queueErr.Error())))
	}
	if res.stack != "" {
		attrs = append(attrs, slog.String("stack", res.stack))
	}

	level := slog.LevelInfo
	switch {
	case res.queueErr != nil || res.stack != "":
		level = slog.LevelError
	case res.outcome == outcomePermanent || res.outcome == outcomeTransient ||
		res.outcome == outcomeNotStart || m.parsed.jobError:
		level = slog.LevelWarn
	}
	h.logger().LogAttrs(ctx, level, "message "+string(res.outcome), attrs...)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// emitMetrics writes the invocation's outcome counts as one line in
// CloudWatch embedded metric format, which CloudWatch Logs turns into
// metrics without an API call.
func (h *Handler) emitMetrics(counts map[outcome]int, deadLettered, reported int) {
	names := []struct {
		metric string
		value  int
	}{
		{"Applied", counts[outcomeApplied]},
		{"Skipped", counts[outcomeSkipped]},
		{"PermanentFailures", counts[outcomePermanent]},
		{"DeadLettered", deadLettered},
		{"TransientFailures", counts[outcomeTransient]},
		{"NotStarted", counts[outcomeNotStart]},
		{"BatchItemFailures", reported},
	}

	function := lambdacontext.FunctionName
	if function == "" {
		function = "local"
	}

	defs := make([]map[string]string, 0, len(names))
	doc := map[string]any{"FunctionName": function}
	for _, n := range names {
		defs = append(defs, map[string]string{"Name": n.metric, "Unit": "Count"})
		doc[n.metric] = n.value
	}
	doc["_aws"] = map[string]any{
		"Timestamp": h.now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  metricsNamespace,
			"Dimensions": [][]string{{"FunctionName"}},
			"Metrics":    defs,
		}},
	}

	line, err := json.Marshal(doc)
	if err != nil {
		h.logger().Error("encode metrics", "error", err)
		return
	}

	w := h.Metrics
	if w == nil {
		w = os.Stdout
	}
	h.metricsMu.Lock()
	defer h.metricsMu.Unlock()
	if _, err := w.Write(append(line, '\n')); err != nil {
		h.logger().Error("write metrics", "error", err)
	}
}
