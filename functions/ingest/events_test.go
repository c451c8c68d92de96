package main

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// sampleFiles returns the ingest sample events under events/.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "events", "ingest-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no events/ingest-*.json sample events found")
	}
	return files
}

// loadEvent reads a sample event by file name or path.
func loadEvent(t testing.TB, name string) events.SQSEvent {
	t.Helper()
	path := name
	if !strings.Contains(name, string(filepath.Separator)) {
		path = filepath.Join("..", "..", "events", name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read sample event: %v", err)
	}
	var ev events.SQSEvent
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("%s is not an SQS event: %v", path, err)
	}
	return ev
}

// TestSampleEventsAreSQSEvents checks the shape Lambda delivers: every
// record names its queue and carries the MD5 of its body, and FIFO records
// carry their message group.
func TestSampleEventsAreSQSEvents(t *testing.T) {
	for _, file := range sampleFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			ev := loadEvent(t, file)
			if len(ev.Records) == 0 {
				t.Fatal("no records")
			}
			for _, rec := range ev.Records {
				sum := md5.Sum([]byte(rec.Body))
				if got := hex.EncodeToString(sum[:]); got != rec.Md5OfBody {
					t.Errorf("%s: md5OfBody = %s, want %s", rec.MessageId, rec.Md5OfBody, got)
				}
				if rec.EventSource != "aws:sqs" || !strings.HasPrefix(rec.EventSourceARN, "arn:aws:sqs:us-east-1:123456789012:") {
					t.Errorf("%s: eventSource %q, eventSourceARN %q", rec.MessageId, rec.EventSource, rec.EventSourceARN)
				}
				if rec.Attributes["ApproximateReceiveCount"] == "" || rec.ReceiptHandle == "" {
					t.Errorf("%s: missing ApproximateReceiveCount or receiptHandle", rec.MessageId)
				}
				if strings.HasSuffix(rec.EventSourceARN, ".fifo") && rec.Attributes["MessageGroupId"] == "" {
					t.Errorf("%s: FIFO record without MessageGroupId", rec.MessageId)
				}
			}
		})
	}
}
