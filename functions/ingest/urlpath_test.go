package main

import (
	"fmt"
	"strings"
	"testing"
)

func TestMediaConvertPlaylistTraversalRejected(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name     string
		playlist string
		want     string
	}{
		{"dot-dot segments", "s3://example-media-bucket/output/../../../private/x.m3u8", `".." path segment`},
		{"dot segment", "s3://example-media-bucket/output/a/./x.m3u8", `"." path segment`},
		{"doubled slash", "s3://example-media-bucket/output//x.m3u8", "empty path segment"},
		{"trailing slash", "s3://example-media-bucket/output/hls/", "empty path segment"},
		{"NUL", "s3://example-media-bucket/output/a\x00.m3u8", "control character U+0000"},
		{"line feed", "s3://example-media-bucket/output/a\n.m3u8", "control character U+000A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mediaConvertEvent(completeDetail(map[string]string{"skylark_asset_uid": testUID},
				hlsGroup(tt.playlist, 1000)))
			p, err := c.classifyBody([]byte(body), 0)
			if got := classify(err); err == nil || !got.permanent || got.code != codeInvalidMessage {
				t.Fatalf("updates %+v, error %v; want permanent %s", p.updates, err, codeInvalidMessage)
			}
			for _, part := range []string{`"1767607500123-abc123"`, fmt.Sprintf("%q", tt.playlist), tt.want} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error = %q, want it to contain %q", err, part)
				}
			}
		})
	}
}

func TestDeliveryURLStaysUnderPrefix(t *testing.T) {
	m, err := NewMediaConvertMapping("s3://b/out=https://cdn.example.com/vod", DefaultAssetMetadataKey,
		DefaultDataSourceMetadataKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"s3://b/out/%2e%2e/x.m3u8", "s3://b/out/..%2f/x.m3u8", "s3://b/out/a b/x.m3u8"} {
		got, ok, err := m.DeliveryURL(path)
		if err != nil || !ok {
			t.Errorf("DeliveryURL(%q) = %v, %v; want a URL", path, ok, err)
			continue
		}
		if err := checkURLUnder(got, "https://cdn.example.com/vod/"); err != nil {
			t.Errorf("DeliveryURL(%q) = %q: %v", path, got, err)
		}
	}
}

func TestS3KeyTraversalRejected(t *testing.T) {
	tests := []struct {
		name     string
		pattern  string
		template string
		bucket   string
		key      string
		want     string
	}{
		{"dot-dot in key", `^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{key}",
			"b", "uploads/a/../../../private/x.m3u8", `".." path segment`},
		{"dot-dot in dir", `^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{dir}/master.m3u8",
			"b", "uploads/a/../../x/y.m3u8", `".." path segment`},
		{"dot segment", `^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{key}",
			"b", "uploads/a/./x.m3u8", `"." path segment`},
		{"doubled slash", `^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{key}",
			"b", "uploads/a//x.m3u8", "empty path segment"},
		{"NUL", `^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{key}",
			"b", "uploads/a/x\x00.m3u8", "control character U+0000"},
		{"group value is a dot segment", `^a(?P<path>.*)/(?P<data_source_id>[^/]+)\.mp4$`,
			"https://cdn.example.com/vod/{path}/{data_source_id}.m3u8", "b", "a./x.mp4", `"." path segment`},
		{"slash in a host value", `^(?P<show>.+)/(?P<uid>asse_[0-9a-f]{32})/`,
			"https://{show}.cdn.example.com/{key}", "b", "evil.example/x/" + testUID + "/m.m3u8", "URL's host"},
		{"bucket in the host", `^(?P<uid>asse_[0-9a-f]{32})/`, "https://{bucket}.cdn.example.com/{key}",
			"evil.example/", testUID + "/m.m3u8", "URL's host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewS3Mapping(tt.pattern, tt.template)
			if err != nil {
				t.Fatalf("NewS3Mapping: %v", err)
			}
			_, got, ok, err := m.Match(tt.bucket, tt.key)
			if err == nil {
				t.Fatalf("Match(%q) = %q, %v; want an error", tt.key, got, ok)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestS3NotificationTraversalIsPermanent(t *testing.T) {
	c := testConfig(t)
	c.S3, _ = NewS3Mapping(`^uploads/(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/{key}")
	_, err := c.classifyBody([]byte(s3Body("ObjectCreated:Put", "uploads/a/%2E%2E/%2E%2E/private/x.m3u8", "01")), 0)
	if got := classify(err); err == nil || !got.permanent || got.code != codeInvalidMessage {
		t.Fatalf("error %v, classify %+v; want permanent %s", err, got, codeInvalidMessage)
	}
	if !strings.Contains(err.Error(), `"uploads/a/../../private/x.m3u8"`) {
		t.Errorf("error = %q, want it to name the decoded key", err)
	}
}

func TestS3TemplateWithDotSegmentRejected(t *testing.T) {
	_, err := NewS3Mapping(`^(?P<data_source_id>[^/]+)/`, "https://cdn.example.com/vod/../{key}")
	if err == nil || !strings.Contains(err.Error(), "S3_STREAM_URL_TEMPLATE") {
		t.Errorf("NewS3Mapping = %v, want an error naming S3_STREAM_URL_TEMPLATE", err)
	}
}
