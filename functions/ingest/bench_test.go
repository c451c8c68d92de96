package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// skylarkLatency is added to every request the fake Skylark serves in the
// benchmarks, so they measure how the handler overlaps network waits rather
// than the fake's own speed. Each update is one GET and one PATCH.
const skylarkLatency = 20 * time.Millisecond

// benchBatch runs batches of one message per asset for the given number of
// assets, each iteration changing every asset's title, and reports messages
// per second.
func benchBatch(b *testing.B, assets, workers int) {
	s := newStack(b, stackOptions{noMoto: true, workers: workers})
	s.handler.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	s.handler.Metrics = io.Discard
	uids := make([]string, assets)
	for i := range uids {
		uids[i] = s.putAsset(map[string]any{"title": "initial"})
	}
	// Sign in before timing: warm containers reuse the cached token.
	if _, err := s.tokens.Token(context.Background()); err != nil {
		b.Fatal(err)
	}
	s.skylark.InjectFault(skylarktest.Fault{Latency: skylarkLatency})

	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, assets)}
		for i, uid := range uids {
			ev.Records = append(ev.Records, sqsRecord(fmt.Sprintf("m-%d-%d", n, i),
				nativeBody(uid, map[string]any{"title": fmt.Sprintf("title %d", n)}), 1))
		}
		ctx, cancel := context.WithTimeout(lambdaContext("bench"), time.Minute)
		resp, err := s.handler.Handle(ctx, ev)
		cancel()
		if err != nil || len(resp.BatchItemFailures) > 0 {
			b.Fatalf("Handle = %v, %v; want every message applied", failedIDs(resp), err)
		}
	}
	elapsed := b.Elapsed()
	if elapsed > 0 {
		b.ReportMetric(float64(b.N*assets)/elapsed.Seconds(), "msgs/s")
	}
}

// BenchmarkBatch1 is the baseline: one message, one asset.
func BenchmarkBatch1(b *testing.B) { benchBatch(b, 1, DefaultWorkers) }

// BenchmarkBatch10Assets is a full standard batch of ten messages for ten
// assets with the default number of workers. It should take at most twice as
// long as BenchmarkBatch1; handled one at a time it would take ten times as
// long.
func BenchmarkBatch10Assets(b *testing.B) { benchBatch(b, 10, DefaultWorkers) }

// BenchmarkBatch10AssetsFourWorkers shows the cost of a smaller worker pool:
// the ten updates run in three rounds.
func BenchmarkBatch10AssetsFourWorkers(b *testing.B) { benchBatch(b, 10, 4) }

// BenchmarkBatch100 reports the throughput of a 100-message batch (100
// assets) with the default number of workers.
func BenchmarkBatch100(b *testing.B) { benchBatch(b, 100, DefaultWorkers) }
