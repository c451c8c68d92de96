package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// seedSampleAssets creates the assets that the sample events name.
func seedSampleAssets(s *stack) map[string]string {
	uids := map[string]string{}
	uids[testUID] = s.putAsset(map[string]any{"uid": testUID, "title": "Old title", "data_source_id": "joy-of-winning",
		"ovps": []any{map[string]any{"account_url": "/api/accounts/acco_0a1b2c3d4e5f60718293a4b5c6d7e8f0/", "stream_url": "https://old.example.com/x.m3u8"}}})
	for _, id := range []string{"trailer-01", "promo clip 01", "feature-02", "interview-03", "behind the scenes+extras", "broken-04"} {
		uids[id] = s.putAsset(map[string]any{"title": id, "data_source_id": id})
	}
	return uids
}

// ovpsOf returns an asset's ovps entries by account_url.
func ovpsOf(t *testing.T, asset map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := asset["ovps"].([]any)
	for _, e := range list {
		entry, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("ovps entry %v is not an object", e)
		}
		out[entry["account_url"].(string)] = entry
	}
	return out
}

func TestHandleSampleEvents(t *testing.T) {
	tests := []struct {
		file     string
		outcomes []outcome
		check    func(t *testing.T, s *stack, uids map[string]string)
	}{
		{"ingest-s3-put.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			wantStream(t, s, uids["trailer-01"], "https://cdn.example.com/uploads/trailer-01.mp4")
		}},
		{"ingest-s3-plus-key.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			wantStream(t, s, uids["promo clip 01"], "https://cdn.example.com/uploads/promo%20clip%2001.mp4")
		}},
		{"ingest-s3-sns.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			wantStream(t, s, uids["feature-02"], "https://cdn.example.com/uploads/feature-02.mp4")
		}},
		{"ingest-s3-sns-raw.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			wantStream(t, s, uids["interview-03"], "https://cdn.example.com/uploads/interview-03.mp4")
		}},
		{"ingest-eventbridge-object-created.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			wantStream(t, s, uids["behind the scenes+extras"], "https://cdn.example.com/uploads/behind%20the%20scenes+extras.mp4")
		}},
		{"ingest-eventbridge-object-deleted.json", []outcome{outcomeSkipped}, nil},
		{"ingest-s3-test-event.json", []outcome{outcomeSkipped}, nil},
		{"ingest-mediaconvert-complete.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			a := wantStream(t, s, uids["trailer-01"], "https://cdn.example.com/vod/trailer-01/hls/trailer-01.m3u8")
			if a["duration_in_seconds"] != float64(180) {
				t.Errorf("duration_in_seconds = %v, want 180", a["duration_in_seconds"])
			}
		}},
		{"ingest-mediaconvert-error.json", []outcome{outcomeSkipped}, nil},
		{"ingest-native-update.json", []outcome{outcomeApplied}, func(t *testing.T, s *stack, uids map[string]string) {
			a := s.asset(testUID)
			if a["title"] != "The Joy of Winning" || a["duration_in_seconds"] != float64(3189) {
				t.Errorf("title %v, duration %v", a["title"], a["duration_in_seconds"])
			}
			ovps := ovpsOf(t, a)
			if len(ovps) != 1 || ovps[testAccount]["stream_url"] != "https://cdn.example.com/vod/joy-of-winning/index.m3u8" {
				t.Errorf("ovps = %v, want only the upserted account", a["ovps"])
			}
		}},
		{"ingest-bad-message.json", []outcome{outcomePermanent}, func(t *testing.T, s *stack, uids map[string]string) {
			dead := s.drain(s.dlqURL)
			if len(dead) != 1 {
				t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
			}
			if got := aws.ToString(dead[0].MessageAttributes[attrReason].StringValue); !strings.Contains(got, `unknown field "titel"`) {
				t.Errorf("reason = %q", got)
			}
		}},
		{"ingest-fifo-batch.json", []outcome{outcomeApplied, outcomeApplied, outcomeApplied, outcomeApplied},
			func(t *testing.T, s *stack, uids map[string]string) {
				a := s.asset(uids["trailer-01"])
				if a["title"] != "Trailer 01 (final cut)" || a["synopsis"] != "A first look." {
					t.Errorf("title %v, synopsis %v", a["title"], a["synopsis"])
				}
			}},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			s := newStack(t, stackOptions{})
			uids := seedSampleAssets(s)
			ev := loadEvent(t, tt.file)
			resp := s.handle(ev)

			logs := s.messageLogs()
			wantFailed := 0
			for i, rec := range ev.Records {
				line := logs[rec.MessageId]
				if line == nil {
					t.Fatalf("no log line for message %s", rec.MessageId)
				}
				if got := outcome(line["outcome"].(string)); got != tt.outcomes[i] {
					t.Errorf("message %s: outcome %s (%v), want %s", rec.MessageId, got, line["reason"], tt.outcomes[i])
				}
			}
			if len(resp.BatchItemFailures) != wantFailed {
				t.Errorf("batch item failures = %v, want none", failedIDs(resp))
			}
			if tt.check != nil {
				tt.check(t, s, uids)
			}
		})
	}
	for _, file := range sampleFiles(t) {
		if !covered[filepath.Base(file)] {
			t.Errorf("sample %s has no case in TestHandleSampleEvents", file)
		}
	}
}

// wantStream checks the asset's entry for the test account.
func wantStream(t *testing.T, s *stack, uid, streamURL string) map[string]any {
	t.Helper()
	a := s.asset(uid)
	entry := ovpsOf(t, a)[testAccount]
	if entry == nil || entry["stream_url"] != streamURL {
		t.Errorf("asset %s ovps = %v, want stream_url %s", uid, a["ovps"], streamURL)
	}
	return a
}

// TestSampleEventDecodesAsLambdaPayload feeds a sample through the same JSON
// decoding the Lambda runtime uses for the handler's argument.
func TestSampleEventDecodesAsLambdaPayload(t *testing.T) {
	s := newStack(t, stackOptions{})
	seedSampleAssets(s)
	ev := loadEvent(t, "ingest-s3-put.json")
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var decoded = ev
	decoded.Records = nil
	if err := json.Unmarshal(payload, &decoded); err != nil {
		t.Fatal(err)
	}
	resp, err := s.handler.Handle(lambdaContext("req-1"), decoded)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(resp)
	if string(out) != `{"batchItemFailures":[]}` {
		t.Errorf("response = %s, want an empty batchItemFailures list", out)
	}
	_, _ = s.sqs.PurgeQueue(context.Background(), &sqs.PurgeQueueInput{QueueUrl: aws.String(s.dlqURL)})
}
