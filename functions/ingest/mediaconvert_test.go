package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// mediaConvertEvent returns a Job State Change event with the given detail.
func mediaConvertEvent(detail map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"version": "0", "id": "1234abcd-12ab-34cd-56ef-1234567890ab",
		"detail-type": "MediaConvert Job State Change", "source": "aws.mediaconvert",
		"account": "123456789012", "time": "2026-01-05T10:20:31Z", "region": "us-east-1",
		"resources": []string{"arn:aws:mediaconvert:us-east-1:123456789012:jobs/1767607500123-abc123"},
		"detail":    detail,
	})
	return string(b)
}

func completeDetail(metadata map[string]string, groups ...map[string]any) map[string]any {
	return map[string]any{
		"timestamp": 1767608431391, "accountId": "123456789012", "jobId": "1767607500123-abc123",
		"queue":  "arn:aws:mediaconvert:us-east-1:123456789012:queues/Default",
		"status": "COMPLETE", "userMetadata": metadata, "outputGroupDetails": groups,
	}
}

func hlsGroup(playlist string, durations ...float64) map[string]any {
	var outputs []map[string]any
	for _, d := range durations {
		outputs = append(outputs, map[string]any{"outputFilePaths": []string{playlist + ".part"}, "durationInMs": d})
	}
	return map[string]any{"type": "HLS_GROUP", "playlistFilePaths": []string{playlist}, "outputDetails": outputs}
}

func TestMediaConvertCompleteUpdate(t *testing.T) {
	c := testConfig(t)
	body := mediaConvertEvent(completeDetail(
		map[string]string{"skylark_data_source_id": "trailer-01"},
		hlsGroup("s3://example-media-bucket/output/trailer-01/hls/trailer 01.m3u8", 180041, 180499.6),
		map[string]any{"type": "FILE_GROUP", "outputDetails": []map[string]any{{"durationInMs": 179000}}},
	))
	p := classifyOne(t, c, body)
	u := wantOneUpdate(t, p)
	if u.Asset.DataSourceID != "trailer-01" {
		t.Errorf("asset = %v", u.Asset)
	}
	if got := u.Fields["duration_in_seconds"]; got != int64(180) {
		t.Errorf("duration_in_seconds = %v (%T), want 180", got, got)
	}
	want := "https://cdn.example.com/vod/trailer-01/hls/trailer%2001.m3u8"
	if len(u.Upsert) != 1 || u.Upsert[0]["stream_url"] != want || u.Upsert[0]["account_url"] != testAccount {
		t.Errorf("Upsert = %v, want stream_url %s", u.Upsert, want)
	}
	if _, ok := u.Upsert[0]["stream_urls"]; ok {
		t.Errorf("stream_urls set for a single playlist: %v", u.Upsert[0])
	}
}

func TestMediaConvertDurationRoundsToNearestSecond(t *testing.T) {
	c := testConfig(t)
	for _, tt := range []struct {
		ms   float64
		want int64
	}{{180041, 180}, {180500, 181}, {499, 0}, {1500, 2}} {
		body := mediaConvertEvent(completeDetail(map[string]string{"skylark_asset_uid": testUID},
			hlsGroup("s3://example-media-bucket/output/a.m3u8", tt.ms)))
		u := wantOneUpdate(t, classifyOne(t, c, body))
		if got := u.Fields["duration_in_seconds"]; got != tt.want {
			t.Errorf("%v ms: duration_in_seconds = %v, want %d", tt.ms, got, tt.want)
		}
	}
}

func TestMediaConvertSeveralPlaylists(t *testing.T) {
	c := testConfig(t)
	body := mediaConvertEvent(completeDetail(map[string]string{"skylark_asset_uid": testUID},
		hlsGroup("s3://example-media-bucket/output/a/hls/a.m3u8"),
		map[string]any{"type": "DASH_ISO_GROUP", "playlistFilePaths": []string{"s3://example-media-bucket/output/a/dash/a.mpd"}},
		map[string]any{"type": "CMAF_GROUP", "playlistFilePaths": []string{"s3://other-bucket/cmaf/a.m3u8"}},
	))
	p := classifyOne(t, c, body)
	u := wantOneUpdate(t, p)
	if u.Asset.UID != testUID {
		t.Errorf("asset = %v", u.Asset)
	}
	entry := u.Upsert[0]
	if entry["stream_url"] != "https://cdn.example.com/vod/a/hls/a.m3u8" {
		t.Errorf("stream_url = %v", entry["stream_url"])
	}
	urls, _ := entry["stream_urls"].([]string)
	if len(urls) != 2 || urls[1] != "https://cdn.example.com/vod/a/dash/a.mpd" {
		t.Errorf("stream_urls = %v", entry["stream_urls"])
	}
	if _, ok := u.Fields["duration_in_seconds"]; ok {
		t.Errorf("duration set without durationInMs: %v", u.Fields)
	}
	if !strings.Contains(p.note, "s3://other-bucket/cmaf/a.m3u8") {
		t.Errorf("note = %q, want the unmapped playlist", p.note)
	}
}

func TestMediaConvertOtherStatusesSkipped(t *testing.T) {
	c := testConfig(t)
	for _, status := range []string{"SUBMITTED", "PROGRESSING", "STATUS_UPDATE", "INPUT_INFORMATION", "CANCELED", "NEW_WARNING"} {
		p := classifyOne(t, c, mediaConvertEvent(map[string]any{"status": status, "jobId": "j1",
			"userMetadata": map[string]string{"skylark_asset_uid": testUID}}))
		if len(p.updates) != 0 || !strings.Contains(p.skip, `status "`+status+`" is not COMPLETE`) {
			t.Errorf("%s: updates %d, skip %q", status, len(p.updates), p.skip)
		}
		if p.jobError {
			t.Errorf("%s: reported as a job error", status)
		}
	}
}

func TestMediaConvertErrorLogged(t *testing.T) {
	p := classifyOne(t, testConfig(t), mediaConvertEvent(map[string]any{
		"status": "ERROR", "jobId": "1767607600456-def456", "errorCode": 1040,
		"errorMessage": "Unable to open input file", "userMetadata": map[string]string{}}))
	if len(p.updates) != 0 || !p.jobError {
		t.Fatalf("updates %d, jobError %v; want a skipped job error", len(p.updates), p.jobError)
	}
	if !strings.Contains(p.skip, `error code 1040: "Unable to open input file"`) {
		t.Errorf("skip = %q, want the error code and message", p.skip)
	}
}

func TestMediaConvertJobWithoutAssetSkipped(t *testing.T) {
	p := classifyOne(t, testConfig(t), mediaConvertEvent(completeDetail(map[string]string{"project": "x"},
		hlsGroup("s3://example-media-bucket/output/a.m3u8", 1000))))
	if len(p.updates) != 0 || !strings.Contains(p.skip, "has no skylark_asset_uid or skylark_data_source_id") {
		t.Errorf("updates %d, skip %q", len(p.updates), p.skip)
	}
}

func TestMediaConvertPermanentFailures(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name   string
		config Config
		detail map[string]any
		code   string
		want   string
	}{
		{"unmapped playlist", c, completeDetail(map[string]string{"skylark_asset_uid": testUID},
			hlsGroup("s3://another-bucket/out/a.m3u8", 1000)), codeUnmappedPath, "s3://another-bucket/out/a.m3u8"},
		{"no playlists", c, completeDetail(map[string]string{"skylark_asset_uid": testUID},
			map[string]any{"type": "FILE_GROUP", "outputDetails": []map[string]any{{"durationInMs": 1000}}}),
			codeInvalidMessage, "without playlist file paths"},
		{"invalid uid", c, completeDetail(map[string]string{"skylark_asset_uid": "asse_1"},
			hlsGroup("s3://example-media-bucket/output/a.m3u8", 1000)), codeInvalidMessage, "asse_1"},
		{"not configured", Config{}, completeDetail(map[string]string{"skylark_asset_uid": testUID},
			hlsGroup("s3://example-media-bucket/output/a.m3u8", 1000)), codeNotConfigured, "MEDIACONVERT_URL_MAP is not set"},
		{"detail not an object", c, nil, codeInvalidMessage, "detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mediaConvertEvent(tt.detail)
			if tt.detail == nil {
				body = strings.Replace(body, `"detail":null`, `"detail":"COMPLETE"`, 1)
			}
			_, err := tt.config.classifyBody([]byte(body), 0)
			got := classify(err)
			if err == nil || !got.permanent || got.code != tt.code {
				t.Fatalf("error %v, classify %+v; want permanent %s", err, got, tt.code)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMediaConvertDeliveryURLPrefixes(t *testing.T) {
	m, err := NewMediaConvertMapping("s3://b/out=https://cdn.example.com/a, s3://b/out/premium/=https://premium.example.com/",
		DefaultAssetMetadataKey, DefaultDataSourceMetadataKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
		ok         bool
	}{
		{"s3://b/out/x/master.m3u8", "https://cdn.example.com/a/x/master.m3u8", true},
		{"s3://b/out/premium/x.m3u8", "https://premium.example.com/x.m3u8", true},
		{"s3://b/output/x.m3u8", "", false},
		{"s3://c/out/x.m3u8", "", false},
	}
	for _, tt := range tests {
		got, ok, err := m.DeliveryURL(tt.path)
		if err != nil {
			t.Errorf("DeliveryURL(%q): %v", tt.path, err)
		}
		if ok != tt.ok || got != tt.want {
			t.Errorf("DeliveryURL(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestMediaConvertDurationOutOfRangeRejected(t *testing.T) {
	c := testConfig(t)
	tests := []struct {
		name     string
		duration string // durationInMs as JSON
		want     string
	}{
		{"overflows int64 seconds", "1e300", "= 1e300 is out of range"},
		{"beyond float64", "1e400", "= 1e400 is out of range"},
		{"negative", "-1000", "= -1000 is out of range"},
		{"just over seven days", "604800001", "= 604800001 is out of range"},
		{"string", `"180000"`, `must be a number of milliseconds, got "180000"`},
		{"object", `{"ms":1}`, "must be a number of milliseconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := mediaConvertEvent(completeDetail(map[string]string{"skylark_asset_uid": testUID},
				hlsGroup("s3://example-media-bucket/output/a.m3u8", 1000)))
			body = strings.Replace(body, `"durationInMs":1000`, `"durationInMs":`+tt.duration, 1)
			_, err := c.classifyBody([]byte(body), 0)
			if got := classify(err); err == nil || !got.permanent || got.code != codeInvalidMessage {
				t.Fatalf("error %v, classify %+v; want permanent %s", err, got, codeInvalidMessage)
			}
			for _, part := range []string{`"1767607500123-abc123"`, "outputGroupDetails[0].outputDetails[0].durationInMs", tt.want} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error = %q, want it to contain %q", err, part)
				}
			}
		})
	}
}

func TestMediaConvertDurationLimitsAccepted(t *testing.T) {
	c := testConfig(t)
	for _, tt := range []struct {
		duration string
		want     int64
	}{{"0", 0}, {"604800000", 604800}, {"null", -1}} {
		body := mediaConvertEvent(completeDetail(map[string]string{"skylark_asset_uid": testUID},
			hlsGroup("s3://example-media-bucket/output/a.m3u8", 1000)))
		body = strings.Replace(body, `"durationInMs":1000`, `"durationInMs":`+tt.duration, 1)
		u := wantOneUpdate(t, classifyOne(t, c, body))
		got, ok := u.Fields["duration_in_seconds"]
		if tt.want < 0 {
			if ok {
				t.Errorf("durationInMs %s: duration_in_seconds = %v, want it left out", tt.duration, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("durationInMs %s: duration_in_seconds = %v, want %d", tt.duration, got, tt.want)
		}
	}
}
