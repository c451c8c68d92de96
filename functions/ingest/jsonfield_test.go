package main

import (
	"strings"
	"testing"
)

func TestWrongTypeNamesField(t *testing.T) {
	c := testConfig(t)
	const topic = `"TopicArn":"arn:aws:sns:us-east-1:123456789012:t"`
	tests := []struct {
		name string
		body string
		want string
	}{
		{"native message with a source member",
			`{"version":1,"uid":"` + testUID + `","fields":{"title":"x"},"source":5}`,
			`unknown field "source"`},
		{"EventBridge source a number",
			`{"version":"0","detail-type":"Object Created","source":5,"detail":{}}`,
			`EventBridge event field "source" must be a string, got the number 5`},
		{"EventBridge detail-type an array",
			`{"version":"0","detail-type":["Object Created"],"source":"aws.s3","detail":{}}`,
			`EventBridge event field "detail-type" must be a string, got an array`},
		{"EventBridge S3 bucket name a number",
			`{"version":"0","detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":7},"object":{"key":"k"}}}`,
			`field "bucket.name" must be a string, got a number`},
		{"SNS Message an object",
			`{"Type":"Notification",` + topic + `,"Message":{"Records":[]}}`,
			`field "Message" must be a string that contains the published message, got an object`},
		{"SNS Type a number",
			`{"Type":5,` + topic + `,"Message":"{}"}`,
			`SNS message field "Type" must be a string, got the number 5`},
		{"SNS TopicArn a boolean",
			`{"Type":"Notification","TopicArn":true,"Message":"{}"}`,
			`SNS message field "TopicArn" must be a string, got the boolean true`},
		{"Records an object",
			`{"Records":{"eventSource":"aws:s3"}}`,
			`field "Records" must be an array of event records, got an object`},
		{"S3 record key a number",
			`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":5}}}]}`,
			`field "Records.s3.object.key" must be a string, got a number`},
		{"Event a number", `{"Event":5}`, `S3 test event field "Event" must be a string, got the number 5`},
		{"MediaConvert jobId a number",
			`{"version":"0","detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert","detail":{"status":"COMPLETE","jobId":5}}`,
			`field "jobId" must be a string, got a number`},
		{"MediaConvert detail a string",
			`{"version":"0","detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert","detail":"COMPLETE"}`,
			`detail: must be an object, got a string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.classifyBody([]byte(tt.body), 0)
			if err == nil {
				t.Fatal("classifyBody succeeded, want a permanent failure")
			}
			if got := classify(err); !got.permanent || got.code != codeInvalidMessage {
				t.Errorf("classify = %+v, want permanent %s", got, codeInvalidMessage)
			}
			if strings.Contains(err.Error(), "not a JSON object") {
				t.Errorf("error = %q, want the field named instead of the body rejected as a whole", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNonObjectBodyQuoted(t *testing.T) {
	c := testConfig(t)
	_, err := c.classifyBody([]byte("not json\x00\uffff"), 0)
	if err == nil || !strings.Contains(err.Error(), `not a JSON object: "not json\x00\uffff"`) {
		t.Errorf("error = %v, want the body quoted", err)
	}
}
