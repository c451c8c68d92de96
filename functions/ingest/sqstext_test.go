package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// sqsText matches the characters SQS accepts in a message attribute value:
// #x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF.
var sqsText = regexp.MustCompile(`^[\t\n\r\x{20}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]*$`)

// wantSQSText fails unless SQS would accept v as an attribute value.
func wantSQSText(t *testing.T, name, v string) {
	t.Helper()
	if !utf8.ValidString(v) || !sqsText.MatchString(v) {
		t.Errorf("attribute %s = %q has characters SQS rejects", name, v)
	}
	if len(v) > maxAttributeText {
		t.Errorf("attribute %s is %d bytes, want at most %d", name, len(v), maxAttributeText)
	}
}

func TestSQSAttributeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "asset not found", "asset not found"},
		{"tab, line feed and carriage return kept", "a\tb\nc\rd", "a\tb\nc\rd"},
		{"NUL", "job a\x00b", `job a\u0000b`},
		{"other control character", "a\x1bb", `a\u001Bb`},
		{"U+FFFF", "a\uffffb", `a\uFFFFb`},
		{"U+FFFE", "a\ufffeb", `a\uFFFEb`},
		{"replacement character kept", "a\ufffdb", "a\ufffdb"},
		{"invalid UTF-8", "a\xffb", `a\xFFb`},
		{"encoded surrogate", "a\xed\xa0\x80b", `a\xED\xA0\x80b`},
		{"supplementary plane kept", "a\U0001F3ACb", "a\U0001F3ACb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sqsAttributeText(tt.in)
			if got != tt.want {
				t.Errorf("sqsAttributeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			wantSQSText(t, "value", got)
		})
	}
}

func TestSQSAttributeTextCapped(t *testing.T) {
	for _, in := range []string{strings.Repeat("x", 5000), strings.Repeat("é", 3000), strings.Repeat("\x00", 1000)} {
		got := sqsAttributeText(in)
		wantSQSText(t, "value", got)
		if !strings.HasSuffix(got, "...") {
			t.Errorf("capped value ends in %q, want \"...\"", got[len(got)-10:])
		}
	}
}

func TestDeadLetterAttributesAreValidSQSText(t *testing.T) {
	s := newStack(t, stackOptions{})
	uid := s.putAsset(map[string]any{"title": "a"})
	s.skylark.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Status: 400,
		Body: `{"skylark_error_code":"BAD\u0000CODE","message":"value \u0000 \uffff \ufffe rejected",` +
			`"form_validation_errors":{"title\u0001":["not \u001b allowed \uffff"]}}`})
	_, ev := s.sourceBatch(false, nativeBody(uid, map[string]any{"title": "b"}))

	resp := s.handle(ev)
	wantFailures(t, resp)
	line := wantOutcome(t, s, ev.Records[0].MessageId, outcomePermanent)
	if line["dead_lettered"] != true {
		t.Fatalf("log line = %v, want the message dead-lettered", line)
	}
	dead := s.drain(s.dlqURL)
	if len(dead) != 1 {
		t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
	}
	for name, a := range dead[0].MessageAttributes {
		wantSQSText(t, name, aws.ToString(a.StringValue))
	}
	if reason := aws.ToString(dead[0].MessageAttributes[attrReason].StringValue); !strings.Contains(reason, `\u0000`) {
		t.Errorf("reason = %q, want the NUL shown as \\u0000", reason)
	}
	if code := aws.ToString(dead[0].MessageAttributes[attrErrorCode].StringValue); code != `BAD\u0000CODE` {
		t.Errorf("error_code = %q, want BAD\\u0000CODE", code)
	}
}

func TestReasonsQuoteUntrustedValues(t *testing.T) {
	c := testConfig(t)
	const jobID = `j\u0000\uffff`
	tests := []struct {
		name string
		body string
		want string
	}{
		{"MediaConvert job id", `{"version":"0","detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert",` +
			`"detail":{"status":"COMPLETE","jobId":"` + jobID + `","userMetadata":{"skylark_asset_uid":"` + testUID + `"},` +
			`"outputGroupDetails":[{"playlistFilePaths":["s3://example-media-bucket/output/a.m3u8"],` +
			`"outputDetails":[{"durationInMs":-1}]}]}}`, `"j\x00\uffff"`},
		{"MediaConvert playlist path", `{"version":"0","detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert",` +
			`"detail":{"status":"COMPLETE","jobId":"` + jobID + `","userMetadata":{"skylark_asset_uid":"` + testUID + `"},` +
			`"outputGroupDetails":[{"playlistFilePaths":["s3://example-media-bucket/output/a\u0000\uffff.m3u8"]}]}}`,
			`"s3://example-media-bucket/output/a\x00\uffff.m3u8"`},
		{"unmapped playlist path", `{"version":"0","detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert",` +
			`"detail":{"status":"COMPLETE","jobId":"j1","userMetadata":{"skylark_asset_uid":"` + testUID + `"},` +
			`"outputGroupDetails":[{"playlistFilePaths":["s3://other/\u0000\uffff.m3u8"]}]}}`, `"s3://other/\x00\uffff.m3u8"`},
		{"SNS TopicArn", `{"Type":"Heartbeat","TopicArn":"arn:aws:sns:us-east-1:1:t\u0001\uffff"}`,
			`"arn:aws:sns:us-east-1:1:t\x01\uffff"`},
		{"S3 object without settings", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put",` +
			`"s3":{"bucket":{"name":"b\u0000"},"object":{"key":"k"}}}]}`, `"s3://b\x00/k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := c
			if strings.HasPrefix(tt.body, `{"Records"`) {
				cfg.S3 = nil
			}
			_, err := cfg.classifyBody([]byte(tt.body), 0)
			if err == nil {
				t.Fatal("classifyBody succeeded, want a permanent failure")
			}
			reason := reasonText(err)
			if !strings.Contains(reason, tt.want) {
				t.Errorf("reason = %q, want it to contain %s", reason, tt.want)
			}
			if !sqsText.MatchString(reason) {
				t.Errorf("reason = %q has characters SQS rejects: quote the untrusted value", reason)
			}
		})
	}
}
