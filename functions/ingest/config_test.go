package main

import (
	"strings"
	"testing"
	"time"
)

func envFunc(values map[string]string) func(string) string {
	return func(name string) string { return values[name] }
}

// sampleEnv is a complete ingest configuration as the sample events expect it.
func sampleEnv() map[string]string {
	return map[string]string{
		"DEAD_LETTER_QUEUE_URL":  "https://sqs.us-east-1.amazonaws.com/123456789012/skylark-ingest-dlq",
		"S3_KEY_PATTERN":         `^uploads/(?P<data_source_id>[^/]+)\.mp4$`,
		"S3_STREAM_URL_TEMPLATE": "https://cdn.example.com/{key}",
		"OVP_ACCOUNT_URL":        testAccount,
		"MEDIACONVERT_URL_MAP":   "s3://example-media-bucket/output=https://cdn.example.com/vod",
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(envFunc(map[string]string{}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if c.Workers != DefaultWorkers {
		t.Errorf("Workers = %d, want %d", c.Workers, DefaultWorkers)
	}
	if c.DeadlineMargin != 5*time.Second {
		t.Errorf("DeadlineMargin = %s, want 5s", c.DeadlineMargin)
	}
	if c.BackoffBase != 30*time.Second || c.BackoffMax != 15*time.Minute {
		t.Errorf("backoff = %s..%s, want 30s..15m", c.BackoffBase, c.BackoffMax)
	}
	if c.S3 != nil || c.MediaConvert != nil || c.DeadLetterQueueURL != "" {
		t.Errorf("optional parts set without their variables: %+v", c)
	}
}

func TestLoadConfigFull(t *testing.T) {
	values := sampleEnv()
	values["INGEST_WORKERS"] = "8"
	values["DEADLINE_MARGIN"] = "2s"
	values["VISIBILITY_BACKOFF_BASE"] = "10s"
	values["VISIBILITY_BACKOFF_MAX"] = "1h"
	values["MEDIACONVERT_ASSET_METADATA_KEY"] = "asset"
	c, err := LoadConfig(envFunc(values))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if c.Workers != 8 || c.DeadlineMargin != 2*time.Second {
		t.Errorf("Workers = %d, DeadlineMargin = %s", c.Workers, c.DeadlineMargin)
	}
	if c.BackoffBase != 10*time.Second || c.BackoffMax != time.Hour {
		t.Errorf("backoff = %s..%s", c.BackoffBase, c.BackoffMax)
	}
	if c.S3 == nil || c.MediaConvert == nil {
		t.Fatal("S3 or MediaConvert mapping missing")
	}
	if c.MediaConvert.AssetKey != "asset" || c.MediaConvert.DataSourceKey != DefaultDataSourceMetadataKey {
		t.Errorf("metadata keys = %q, %q", c.MediaConvert.AssetKey, c.MediaConvert.DataSourceKey)
	}
	if c.OVPAccountURL != testAccount {
		t.Errorf("OVPAccountURL = %q", c.OVPAccountURL)
	}
}

func TestLoadConfigInvalid(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		want     string
	}{
		{"workers not a number", "INGEST_WORKERS", "four", `INGEST_WORKERS="four" is not an integer`},
		{"workers zero", "INGEST_WORKERS", "0", `INGEST_WORKERS="0" is out of range`},
		{"margin not a duration", "DEADLINE_MARGIN", "5", `DEADLINE_MARGIN="5" is not a duration`},
		{"backoff base too short", "VISIBILITY_BACKOFF_BASE", "10ms", "VISIBILITY_BACKOFF_BASE"},
		{"backoff max over 12h", "VISIBILITY_BACKOFF_MAX", "13h", "VISIBILITY_BACKOFF_MAX"},
		{"base above max", "VISIBILITY_BACKOFF_BASE", "20m", "VISIBILITY_BACKOFF_BASE=20m0s is longer than VISIBILITY_BACKOFF_MAX"},
		{"queue URL not a URL", "DEAD_LETTER_QUEUE_URL", "skylark-ingest-dlq", `DEAD_LETTER_QUEUE_URL="skylark-ingest-dlq" is not an SQS queue URL`},
		{"pattern invalid", "S3_KEY_PATTERN", "uploads/(", "S3_KEY_PATTERN=\"uploads/(\" is not a valid regular expression"},
		{"pattern without asset group", "S3_KEY_PATTERN", `^uploads/(?P<id>[^/]+)$`, "has no named group uid or data_source_id"},
		{"pattern with both groups", "S3_KEY_PATTERN", `^(?P<uid>[^/]+)/(?P<data_source_id>[^/]+)$`, "both a uid and a data_source_id group"},
		{"pattern group shadows placeholder", "S3_KEY_PATTERN", `^(?P<data_source_id>(?P<name>[^/]+))$`, `group named "name"`},
		{"pattern without template", "S3_STREAM_URL_TEMPLATE", "", "S3_STREAM_URL_TEMPLATE is not set but S3_KEY_PATTERN is"},
		{"template unknown placeholder", "S3_STREAM_URL_TEMPLATE", "https://cdn.example.com/{path}", "unknown placeholder {path}"},
		{"template unclosed", "S3_STREAM_URL_TEMPLATE", "https://cdn.example.com/{key", "{ without a matching }"},
		{"template stray brace", "S3_STREAM_URL_TEMPLATE", "https://cdn.example.com/key}", "} without a matching {"},
		{"template relative", "S3_STREAM_URL_TEMPLATE", "/hls/{key}", "not an absolute http(s) URL"},
		{"account missing", "OVP_ACCOUNT_URL", "", "OVP_ACCOUNT_URL is not set but S3 or MediaConvert ingest is configured"},
		{"account not a path", "OVP_ACCOUNT_URL", "acco_123", `OVP_ACCOUNT_URL="acco_123" is neither a path`},
		{"url map without equals", "MEDIACONVERT_URL_MAP", "s3://b/p", "has no '='"},
		{"url map not s3", "MEDIACONVERT_URL_MAP", "https://b/p=https://cdn/p", "is not an s3://bucket/prefix path"},
		{"url map target relative", "MEDIACONVERT_URL_MAP", "s3://b/p=/vod", "is not an absolute http(s) URL"},
		{"url map repeated", "MEDIACONVERT_URL_MAP", "s3://b/p=https://c/p,s3://b/p/=https://c/q", "maps \"s3://b/p/\" twice"},
		{"url map empty entries", "MEDIACONVERT_URL_MAP", " , ", "has no entries"},
		{"metadata keys equal", "MEDIACONVERT_ASSET_METADATA_KEY", DefaultDataSourceMetadataKey, "use two different user metadata keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := sampleEnv()
			values[tt.variable] = tt.value
			_, err := LoadConfig(envFunc(values))
			if err == nil {
				t.Fatalf("LoadConfig with %s=%q succeeded, want an error", tt.variable, tt.value)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "ingest: invalid configuration: ") {
				t.Errorf("error = %q, want the ingest prefix", err)
			}
		})
	}
}

func TestLoadConfigTemplateWithoutPattern(t *testing.T) {
	values := sampleEnv()
	delete(values, "S3_KEY_PATTERN")
	_, err := LoadConfig(envFunc(values))
	if err == nil || !strings.Contains(err.Error(), "S3_KEY_PATTERN is not set but S3_STREAM_URL_TEMPLATE is") {
		t.Errorf("error = %v, want one naming S3_KEY_PATTERN", err)
	}
}

func TestLoadConfigListsEveryProblem(t *testing.T) {
	values := sampleEnv()
	values["INGEST_WORKERS"] = "x"
	values["DEADLINE_MARGIN"] = "y"
	_, err := LoadConfig(envFunc(values))
	if err == nil {
		t.Fatal("LoadConfig succeeded, want an error")
	}
	for _, name := range []string{"INGEST_WORKERS", "DEADLINE_MARGIN"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
