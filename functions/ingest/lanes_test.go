package main

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

func laneMessage(i int, group string, assets ...string) *message {
	m := &message{index: i, rec: &events.SQSMessage{MessageId: fmt.Sprint(i)}, group: group}
	for _, a := range assets {
		m.parsed.updates = append(m.parsed.updates, update{Asset: assetRef{DataSourceID: a}})
	}
	return m
}

func laneIndexes(lanes [][]*message) [][]int {
	var out [][]int
	for _, lane := range lanes {
		var ids []int
		for _, m := range lane {
			ids = append(ids, m.index)
		}
		out = append(out, ids)
	}
	return out
}

func TestBuildLanes(t *testing.T) {
	tests := []struct {
		name string
		msgs []*message
		want [][]int
	}{
		{"one asset", []*message{laneMessage(0, "", "a"), laneMessage(1, "", "a")}, [][]int{{0, 1}}},
		{"two assets", []*message{laneMessage(0, "", "a"), laneMessage(1, "", "b"), laneMessage(2, "", "a")},
			[][]int{{0, 2}, {1}}},
		{"message joining two assets", []*message{laneMessage(0, "", "a"), laneMessage(1, "", "b"),
			laneMessage(2, "", "c"), laneMessage(3, "", "b", "a")}, [][]int{{0, 1, 3}, {2}}},
		{"messages without assets alone", []*message{laneMessage(0, ""), laneMessage(1, ""), laneMessage(2, "", "a")},
			[][]int{{0}, {1}, {2}}},
		{"FIFO group across assets", []*message{laneMessage(0, "g1", "a"), laneMessage(1, "g2", "b"),
			laneMessage(2, "g1", "c"), laneMessage(3, "g2")}, [][]int{{0, 2}, {1, 3}}},
		{"FIFO group and shared asset", []*message{laneMessage(0, "g1", "a"), laneMessage(1, "g2", "a"),
			laneMessage(2, "g3", "b")}, [][]int{{0, 1}, {2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := laneIndexes(buildLanes(tt.msgs)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lanes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBackoffGrowsWithReceiveCount(t *testing.T) {
	h := &Handler{Config: Config{BackoffBase: 30 * time.Second, BackoffMax: 15 * time.Minute}}
	tests := []struct {
		jitter     float64
		receive    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0.999999, 1, 0, 30 * time.Second},
		{0, 1, 0, 15 * time.Second},
		{0.999999, 2, 0, time.Minute},
		{0.999999, 3, 0, 2 * time.Minute},
		{0.999999, 6, 0, 15 * time.Minute},
		{0.999999, 1000, 0, 15 * time.Minute},
		{0, 1000, 0, 450 * time.Second},
		{0, 1, 2 * time.Minute, 2 * time.Minute},
		{0, 1, time.Hour, time.Hour},
		{0, 1, 48 * time.Hour, 12 * time.Hour},
	}
	for _, tt := range tests {
		h.Jitter = func() float64 { return tt.jitter }
		if got := h.backoff(tt.receive, tt.retryAfter); got != tt.want {
			t.Errorf("backoff(receive %d, retry after %s, jitter %v) = %s, want %s",
				tt.receive, tt.retryAfter, tt.jitter, got, tt.want)
		}
	}
}

func TestClassifyErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
		code      string
		retry     time.Duration
	}{
		{"not found", &skylark.ErrorResponse{StatusCode: 404}, true, codeAssetNotFound, 0},
		{"gone", &skylark.ErrorResponse{StatusCode: 410}, true, codeAssetNotFound, 0},
		{"validation", &skylark.ErrorResponse{StatusCode: 400, Code: "FORM_VALIDATION_ERRORS"}, true, "FORM_VALIDATION_ERRORS", 0},
		{"forbidden", &skylark.ErrorResponse{StatusCode: 403}, true, "http_403", 0},
		{"conflict", fmt.Errorf("update: %w", &skylark.ErrorResponse{StatusCode: 409}), true, "http_409", 0},
		{"unauthorized", &skylark.ErrorResponse{StatusCode: 401}, false, "", 0},
		{"request timeout", &skylark.ErrorResponse{StatusCode: http.StatusRequestTimeout}, false, "", 0},
		{"throttled", &skylark.ErrorResponse{StatusCode: 429, RetryAfterDelay: 90 * time.Second}, false, "", 90 * time.Second},
		{"unavailable", &skylark.ErrorResponse{StatusCode: 503, RetryAfterDelay: time.Minute}, false, "", time.Minute},
		{"server error", &skylark.ErrorResponse{StatusCode: 500}, false, "", 0},
		{"invalid argument", &skylark.ArgumentError{Name: "asset uid", Value: "x"}, true, codeInvalidArgument, 0},
		{"auth error", fmt.Errorf("get: %w", &auth.Error{Op: "InitiateAuth", Code: "NotAuthorizedException"}), false, "", 0},
		{"timeout", fmt.Errorf("read: %w", errors.New("context deadline exceeded")), false, "", 0},
		{"decode error", &skylark.DecodeError{}, false, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if got.permanent != tt.permanent || got.code != tt.code || got.retryAfter != tt.retry {
				t.Errorf("classify = %+v, want permanent %v code %q retry after %s", got, tt.permanent, tt.code, tt.retry)
			}
		})
	}
}

func TestQueueURLFromARN(t *testing.T) {
	tests := []struct{ arn, want string }{
		{"arn:aws:sqs:us-east-1:123456789012:skylark-ingest", "https://sqs.us-east-1.amazonaws.com/123456789012/skylark-ingest"},
		{"arn:aws:sqs:eu-west-1:123456789012:in.fifo", "https://sqs.eu-west-1.amazonaws.com/123456789012/in.fifo"},
		{"arn:aws-cn:sqs:cn-north-1:123456789012:q", "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q"},
		{"arn:aws:sns:us-east-1:123456789012:t", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := queueURLFromARN(tt.arn)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("queueURLFromARN(%q) = %q, %v; want %q", tt.arn, got, err, tt.want)
		}
	}
}

func TestS3GuardStaleness(t *testing.T) {
	const obj = "s3://example-media-bucket/uploads/a.mp4"
	entry := func(object, seq, stream string) map[string]any {
		e := map[string]any{"account_url": testAccount, "stream_url": stream}
		if object != "" {
			e[entryS3Object] = object
		}
		if seq != "" {
			e[entryS3Sequencer] = seq
		}
		return e
	}
	tests := []struct {
		name  string
		guard s3Guard
		entry map[string]any
		stale bool
	}{
		{"create without entry", s3Guard{Object: obj, Sequencer: "02"}, nil, false},
		{"newer create", s3Guard{Object: obj, Sequencer: "03"}, entry(obj, "02", "u"), false},
		{"older create", s3Guard{Object: obj, Sequencer: "01"}, entry(obj, "02", "u"), true},
		{"older create of another object", s3Guard{Object: obj + "x", Sequencer: "01"}, entry(obj, "02", "u"), false},
		{"create without sequencer", s3Guard{Object: obj}, entry(obj, "02", "u"), false},
		{"delete without entry", s3Guard{Object: obj, Sequencer: "03", Deleted: true}, nil, true},
		{"newer delete", s3Guard{Object: obj, Sequencer: "03", Deleted: true}, entry(obj, "02", "u"), false},
		{"older delete", s3Guard{Object: obj, Sequencer: "01", Deleted: true}, entry(obj, "02", "u"), true},
		{"delete of another object", s3Guard{Object: obj + "x", Sequencer: "09", Deleted: true}, entry(obj, "02", "u"), true},
		{"delete of a hand-written entry with its URL", s3Guard{Object: obj, Deleted: true, StreamURL: "u"}, entry("", "", "u"), false},
		{"delete of a hand-written entry with another URL", s3Guard{Object: obj, Deleted: true, StreamURL: "u"}, entry("", "", "v"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason := tt.guard.staleReason(tt.entry)
			if (reason != "") != tt.stale {
				t.Errorf("staleReason = %q, want stale %v", reason, tt.stale)
			}
		})
	}
}
