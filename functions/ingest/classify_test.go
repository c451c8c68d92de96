package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func testConfig(t testing.TB) Config {
	t.Helper()
	c, err := LoadConfig(envFunc(sampleEnv()))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return c
}

// s3Body returns an S3 event notification for one record, with key written
// as it appears in the notification.
func s3Body(eventName, key, sequencer string) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",`+
		`"eventTime":"2026-01-05T10:00:00.000Z","eventName":%q,"s3":{"s3SchemaVersion":"1.0",`+
		`"bucket":{"name":"example-media-bucket","arn":"arn:aws:s3:::example-media-bucket"},`+
		`"object":{"key":%q,"size":1024,"sequencer":%q}}}]}`, eventName, key, sequencer)
}

func snsEnvelope(message string) string {
	b, _ := json.Marshal(map[string]string{
		"Type": "Notification", "MessageId": "sns-0001",
		"TopicArn": "arn:aws:sns:us-east-1:123456789012:example-media-events",
		"Subject":  "Amazon S3 Notification", "Message": message,
		"Timestamp": "2026-01-05T10:00:01.000Z", "SignatureVersion": "1",
	})
	return string(b)
}

func eventBridgeS3(detailType, key string) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": detailType,
		"source": "aws.s3", "account": "123456789012", "time": "2026-01-05T10:05:00Z", "region": "us-east-1",
		"resources": []string{"arn:aws:s3:::example-media-bucket"},
		"detail": map[string]any{"version": "0", "bucket": map[string]string{"name": "example-media-bucket"},
			"object": map[string]any{"key": key, "sequencer": "0065A1B2C3D4E5F605"}, "reason": "PutObject"},
	})
	return string(b)
}

func classifyOne(t *testing.T, c Config, body string) parsed {
	t.Helper()
	p, err := c.classifyBody([]byte(body), 0)
	if err != nil {
		t.Fatalf("classifyBody: %v", err)
	}
	return p
}

func wantOneUpdate(t *testing.T, p parsed) update {
	t.Helper()
	if len(p.updates) != 1 {
		t.Fatalf("got %d updates (skip %q), want 1", len(p.updates), p.skip)
	}
	return p.updates[0]
}

func TestS3KeyPlusDecodedAsSpace(t *testing.T) {
	p := classifyOne(t, testConfig(t), s3Body("ObjectCreated:Put", "uploads/promo+clip+01.mp4", "01"))
	u := wantOneUpdate(t, p)
	if u.Asset.DataSourceID != "promo clip 01" {
		t.Errorf("data_source_id = %q, want %q", u.Asset.DataSourceID, "promo clip 01")
	}
	if got, want := u.Upsert[0]["stream_url"], "https://cdn.example.com/uploads/promo%20clip%2001.mp4"; got != want {
		t.Errorf("stream_url = %v, want %v", got, want)
	}
	if got, want := u.Upsert[0][entryS3Object], "s3://example-media-bucket/uploads/promo clip 01.mp4"; got != want {
		t.Errorf("%s = %v, want %v", entryS3Object, got, want)
	}
}

func TestS3KeyPercentEncodedPlusIsPlus(t *testing.T) {
	p := classifyOne(t, testConfig(t), s3Body("ObjectCreated:Put", "uploads/c%2B%2B+talk%3A+part%231.mp4", "01"))
	u := wantOneUpdate(t, p)
	if want := "c++ talk: part#1"; u.Asset.DataSourceID != want {
		t.Errorf("data_source_id = %q, want %q", u.Asset.DataSourceID, want)
	}
	if got, want := u.Upsert[0]["stream_url"], "https://cdn.example.com/uploads/c++%20talk:%20part%231.mp4"; got != want {
		t.Errorf("stream_url = %v, want %v", got, want)
	}
}

func TestS3KeyInvalidEncodingIsPermanent(t *testing.T) {
	c := testConfig(t)
	_, err := c.classifyBody([]byte(s3Body("ObjectCreated:Put", "uploads/100%.mp4", "01")), 0)
	if c := classify(err); err == nil || !c.permanent {
		t.Fatalf("error %v, want a permanent failure", err)
	}
	if !strings.Contains(err.Error(), `"uploads/100%.mp4" is not form-encoded`) {
		t.Errorf("error = %q, want it to name the raw key", err)
	}
}

func TestEventBridgeKeyNotFormDecoded(t *testing.T) {
	c := testConfig(t)
	for _, tt := range []struct{ key, want string }{
		{"uploads/a+b.mp4", "a+b"},
		{"uploads/behind the scenes.mp4", "behind the scenes"},
		{"uploads/50%25.mp4", "50%25"},
	} {
		p := classifyOne(t, c, eventBridgeS3("Object Created", tt.key))
		if u := wantOneUpdate(t, p); u.Asset.DataSourceID != tt.want {
			t.Errorf("key %q: data_source_id = %q, want %q", tt.key, u.Asset.DataSourceID, tt.want)
		}
	}
}

func TestS3CreatedAndDeletedEvents(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name    string
		body    string
		deleted bool
	}{
		{"put", s3Body("ObjectCreated:Put", "uploads/a.mp4", "01"), false},
		{"multipart", s3Body("ObjectCreated:CompleteMultipartUpload", "uploads/a.mp4", "01"), false},
		{"delete", s3Body("ObjectRemoved:Delete", "uploads/a.mp4", "02"), true},
		{"delete marker", s3Body("ObjectRemoved:DeleteMarkerCreated", "uploads/a.mp4", "02"), true},
		{"lifecycle expiration", s3Body("LifecycleExpiration:Delete", "uploads/a.mp4", "02"), true},
		{"eventbridge created", eventBridgeS3("Object Created", "uploads/a.mp4"), false},
		{"eventbridge deleted", eventBridgeS3("Object Deleted", "uploads/a.mp4"), true},
		{"sns", snsEnvelope(s3Body("ObjectCreated:Put", "uploads/a.mp4", "01")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := wantOneUpdate(t, classifyOne(t, c, tt.body))
			if u.S3 == nil || u.S3.Deleted != tt.deleted {
				t.Fatalf("S3 guard = %+v, want Deleted %v", u.S3, tt.deleted)
			}
			if tt.deleted {
				if len(u.Remove) != 1 || u.Remove[0] != testAccount || len(u.Upsert) != 0 {
					t.Errorf("Remove = %v, Upsert = %v, want only the account removed", u.Remove, u.Upsert)
				}
				return
			}
			if len(u.Upsert) != 1 || u.Upsert[0]["account_url"] != testAccount ||
				u.Upsert[0]["stream_url"] != "https://cdn.example.com/uploads/a.mp4" {
				t.Errorf("Upsert = %v", u.Upsert)
			}
		})
	}
}

func TestS3BodiesSkipped(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name string
		body string
		want string
	}{
		{"unmatched key", s3Body("ObjectCreated:Put", "thumbnails/a.jpg", "01"), `key "thumbnails/a.jpg" (raw "thumbnails/a.jpg") does not match S3_KEY_PATTERN`},
		{"restore event", s3Body("ObjectRestore:Completed", "uploads/a.mp4", "01"), "is not a create or delete"},
		{"test event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-05T09:59:00.000Z","Bucket":"example-media-bucket","RequestId":"R","HostId":"H"}`, "s3:TestEvent"},
		{"test event via SNS", snsEnvelope(`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-05T09:59:00.000Z","Bucket":"example-media-bucket","RequestId":"R","HostId":"H"}`), "s3:TestEvent"},
		{"subscription confirmation", `{"Type":"SubscriptionConfirmation","MessageId":"m","Token":"t","TopicArn":"arn:aws:sns:us-east-1:123456789012:example-media-events","Message":"You have chosen to subscribe","SubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"}`, "SubscriptionConfirmation"},
		{"other S3 EventBridge event", `{"version":"0","detail-type":"Object Restore Completed","source":"aws.s3","detail":{}}`, "is not Object Created or Object Deleted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := classifyOne(t, c, tt.body)
			if len(p.updates) != 0 {
				t.Fatalf("got %d updates, want none", len(p.updates))
			}
			if !strings.Contains(p.skip, tt.want) {
				t.Errorf("skip = %q, want it to contain %q", p.skip, tt.want)
			}
		})
	}
}

func TestS3RecordsMixedMatchAndSkip(t *testing.T) {
	body := `{"Records":[` +
		strings.TrimSuffix(strings.TrimPrefix(s3Body("ObjectCreated:Put", "uploads/a.mp4", "01"), `{"Records":[`), "]}") + "," +
		strings.TrimSuffix(strings.TrimPrefix(s3Body("ObjectCreated:Put", "other/b.mp4", "02"), `{"Records":[`), "]}") + "]}"
	p := classifyOne(t, testConfig(t), body)
	if u := wantOneUpdate(t, p); u.Asset.DataSourceID != "a" {
		t.Errorf("data_source_id = %q, want a", u.Asset.DataSourceID)
	}
	if !strings.Contains(p.note, "other/b.mp4") {
		t.Errorf("note = %q, want it to name the skipped key", p.note)
	}
}

func TestBodiesPermanentlyRejected(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name string
		body string
		code string
		want string
	}{
		{"not JSON", "hello", codeUnrecognised, "not a JSON object"},
		{"JSON array", `[1,2]`, codeUnrecognised, "not a JSON object"},
		{"truncated object", `{"version":1,"uid":`, codeUnrecognised, "not valid JSON (unexpected end of JSON input)"},
		{"nested too deep for the decoder", `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, codeUnrecognised, "exceeded max depth"},
		{"unknown shape", `{"hello":"world"}`, codeUnrecognised, "unknown shape"},
		{"empty records", `{"Records":[]}`, codeInvalidMessage, "no records"},
		{"records from another service", `{"Records":[{"eventSource":"aws:dynamodb"}]}`, codeUnrecognised, `eventSource "aws:dynamodb"`},
		{"unknown EventBridge source", `{"version":"0","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`, codeUnrecognised, "aws.ec2"},
		{"eventbridge S3 without key", `{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"}}}`, codeInvalidMessage, "no bucket name or object key"},
		{"SNS without message", `{"Type":"Notification","TopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`, codeInvalidMessage, "has no Message"},
		{"SNS unknown type", `{"Type":"Heartbeat","TopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`, codeUnrecognised, `"Heartbeat"`},
		{"SNS nested too deep", snsEnvelope(snsEnvelope(snsEnvelope(s3Body("ObjectCreated:Put", "uploads/a.mp4", "01")))), codeUnrecognised, "nested more than"},
		{"SNS around a bad native message", snsEnvelope(`{"version":1,"uid":"x"}`), codeInvalidMessage, `field "uid"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.classifyBody([]byte(tt.body), 0)
			if err == nil {
				t.Fatal("classifyBody succeeded, want a permanent failure")
			}
			got := classify(err)
			if !got.permanent || got.code != tt.code {
				t.Errorf("classify = %+v, want permanent %s", got, tt.code)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestS3NotConfiguredIsPermanent(t *testing.T) {
	c := Config{}
	_, err := c.classifyBody([]byte(s3Body("ObjectCreated:Put", "uploads/a.mp4", "01")), 0)
	if got := classify(err); !got.permanent || got.code != codeNotConfigured {
		t.Errorf("classify(%v) = %+v, want permanent %s", err, got, codeNotConfigured)
	}
}

func TestS3StreamURLTemplatePlaceholders(t *testing.T) {
	m, err := NewS3Mapping(`^(?P<show>[^/]+)/(?P<uid>asse_[0-9a-f]{32})/`,
		"https://{bucket}.cdn.example.com/{show}/{dir}/{name}/{base}?k={key}")
	if err != nil {
		t.Fatalf("NewS3Mapping: %v", err)
	}
	ref, got, ok, err := m.Match("example-media-bucket", "news night/"+testUID+"/master 1.m3u8")
	if err != nil || !ok {
		t.Fatalf("Match = %v, %v", ok, err)
	}
	if ref.UID != testUID {
		t.Errorf("uid = %q", ref.UID)
	}
	want := "https://example-media-bucket.cdn.example.com/news%20night/news%20night/" + testUID +
		"/master%201/master%201.m3u8?k=news%20night/" + testUID + "/master%201.m3u8"
	if got != want {
		t.Errorf("stream URL\n got %s\nwant %s", got, want)
	}
}

func TestS3KeyWithInvalidUIDIsPermanent(t *testing.T) {
	m, err := NewS3Mapping(`^(?P<uid>[^/]+)/`, "https://cdn.example.com/{key}")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := m.Match("b", "asse_NOTHEX/master.m3u8"); err == nil {
		t.Error("Match accepted an invalid uid")
	}
}

func TestCompareSequencers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0065A1B2C3D4E5F601", "0065A1B2C3D4E5F601", 0},
		{"0065A1B2C3D4E5F500", "0065A1B2C3D4E5F601", -1},
		{"65A1B2C3D4E5F601", "0065A1B2C3D4E5F500", 1},
		{"0065a1b2c3d4e5f601", "0065A1B2C3D4E5F601", 0},
		{"FF", "0100", -1},
	}
	for _, tt := range tests {
		if got := compareSequencers(tt.a, tt.b); got != tt.want {
			t.Errorf("compareSequencers(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
