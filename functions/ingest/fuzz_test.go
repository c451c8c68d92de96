package main

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// fuzzEnv is a complete ingest configuration for the fuzz targets: S3
// mapping, MediaConvert mapping and an OVP account.
var fuzzEnv = map[string]string{
	"S3_KEY_PATTERN":         `^uploads/(?P<data_source_id>[^/]+)\.mp4$`,
	"S3_STREAM_URL_TEMPLATE": "https://cdn.example.com/{key}",
	"OVP_ACCOUNT_URL":        "/api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/",
	"MEDIACONVERT_URL_MAP":   "s3://example-media-bucket/output=https://cdn.example.com/vod",
}

func fuzzConfig(tb testing.TB) Config {
	tb.Helper()
	c, err := LoadConfig(func(name string) string { return fuzzEnv[name] })
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// addEventBodies seeds f with the body of every record of the sample
// events in events/, the ones sam local invoke uses.
func addEventBodies(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("..", "..", "events", "ingest-*.json"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no sample events found in events/: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var ev events.SQSEvent
		if err := json.Unmarshal(data, &ev); err != nil {
			f.Fatalf("%s: %v", p, err)
		}
		for _, r := range ev.Records {
			f.Add([]byte(r.Body))
		}
	}
}

// checkAssetRef fails for an identifier that could leave its URL path
// segment: a uid that is not "asse_" and 32 hex digits, or a data-source id
// that holds or decodes (once or twice) to "/", ".", "..", a NUL or another
// control character.
func checkAssetRef(t *testing.T, r assetRef) {
	t.Helper()
	if (r.UID == "") == (r.DataSourceID == "") {
		t.Fatalf("asset reference %+v must name exactly one identifier", r)
	}
	if r.UID != "" {
		if err := skylark.ValidateAssetUID(r.UID); err != nil {
			t.Fatalf("decoded uid %q is not a valid asset uid: %v", r.UID, err)
		}
		return
	}
	if !utf8.ValidString(r.DataSourceID) {
		t.Fatalf("data_source_id %q is not valid UTF-8", r.DataSourceID)
	}
	v := r.DataSourceID
	for round := 0; round < 3; round++ {
		if v == "." || v == ".." || strings.Contains(v, "/") || strings.ContainsFunc(v, unicode.IsControl) {
			t.Fatalf("data_source_id %q decodes (%d rounds) to %q, which would leave its URL path segment",
				r.DataSourceID, round, v)
		}
		dec, err := url.PathUnescape(v)
		if err != nil || dec == v {
			break
		}
		v = dec
	}
	if strings.Contains(strings.ToUpper(r.DataSourceID), "%2F") {
		t.Fatalf("data_source_id %q contains %%2F", r.DataSourceID)
	}
	// The path the client builds keeps the id in one segment.
	u, err := url.Parse("https://skylark.example/api/assets/versions/data-source/" +
		url.PathEscape(r.DataSourceID) + "/")
	if err != nil {
		t.Fatalf("data_source_id %q gives an invalid URL: %v", r.DataSourceID, err)
	}
	if got := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/api/assets/versions/data-source/"), "/"); got != r.DataSourceID {
		t.Fatalf("data_source_id %q comes back from the URL path as %q", r.DataSourceID, got)
	}
}

// checkFailure fails unless err is a permanent failure with an error code
// and a one-line message, as a bad message must be.
func checkFailure(t *testing.T, err error) {
	t.Helper()
	var perm *permanentError
	if !errors.As(err, &perm) {
		t.Fatalf("a bad message must fail permanently, got %T: %v", err, err)
	}
	if perm.code == "" || strings.TrimSpace(err.Error()) == "" {
		t.Fatalf("permanent failure without code or message: %+v", perm)
	}
}

// FuzzDecodeNative feeds bodies to the native message decoder. A decoded
// message must name a safe identifier and change something; a rejected one
// must fail permanently with a code.
func FuzzDecodeNative(f *testing.F) {
	addEventBodies(f)
	f.Add([]byte(`{"version":1,"data_source_id":"a%252Fb","fields":{"title":"x"}}`))
	f.Add([]byte(`{"version":1,"data_source_id":"%2E%2E","fields":{"title":"x"}}`))
	f.Add([]byte(`{"version":1,"uid":"asse_00000000000000000000000000000000","language":"en\r\nX: y","fields":{"title":"x"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		u, err := decodeNative(body)
		if err != nil {
			checkFailure(t, err)
			return
		}
		checkAssetRef(t, u.Asset)
		if u.Language != "" && !languageTag.MatchString(u.Language) {
			t.Fatalf("language %q is not a language tag", u.Language)
		}
		if len(u.Fields) == 0 && len(u.Upsert) == 0 && len(u.Remove) == 0 {
			t.Fatalf("decoded a message that changes nothing: %s", body)
		}
		for _, key := range []string{"uid", "self", "ovps"} {
			if _, ok := u.Fields[key]; ok {
				t.Fatalf("fields.%s passed the decoder", key)
			}
		}
	})
}

// FuzzClassifyBody feeds bodies to the classifier of every message shape:
// native, S3 notifications (direct and in SNS), EventBridge S3 events and
// MediaConvert job state changes.
func FuzzClassifyBody(f *testing.F) {
	addEventBodies(f)
	f.Add([]byte(`{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}`))
	f.Add([]byte(`{"Type":"SubscriptionConfirmation","TopicArn":"arn:aws:sns:us-east-1:1:t"}`))
	f.Add([]byte(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put",` +
		`"s3":{"bucket":{"name":"b"},"object":{"key":"uploads/a%252Fb.mp4","sequencer":"01"}}}]}`))
	f.Add([]byte(`{"detail-type":"MediaConvert Job State Change","source":"aws.mediaconvert",` +
		`"detail":{"status":"COMPLETE","userMetadata":{"skylark_data_source_id":"%2e%2e"},` +
		`"outputGroupDetails":[{"playlistFilePaths":["s3://example-media-bucket/output/a.m3u8"]}]}}`))
	cfg := fuzzConfig(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := cfg.classifyBody(body, 0)
		if err != nil {
			checkFailure(t, err)
			return
		}
		if len(p.updates) == 0 && p.skip == "" {
			t.Fatalf("classified without updates and without a reason to skip: %s", body)
		}
		for _, u := range p.updates {
			checkAssetRef(t, u.Asset)
			if strings.HasSuffix(p.kind, "native") {
				continue // a native message's stream_url is the producer's to choose
			}
			for _, e := range u.Upsert {
				if s, ok := e["stream_url"].(string); ok {
					if su, err := url.Parse(s); err != nil || su.Host == "" {
						t.Fatalf("stream_url %q is not an absolute URL", s)
					}
				}
			}
		}
	})
}

// FuzzS3KeyMapping feeds object keys, as S3 notifications encode them, to
// the key decoding and S3_KEY_PATTERN mapping.
func FuzzS3KeyMapping(f *testing.F) {
	for _, key := range []string{
		"uploads/trailer-01.mp4", "uploads/promo+clip+01.mp4", "uploads/a%2Fb.mp4", "uploads/...mp4",
		"uploads/%2E%2E.mp4", "uploads/a%0D%0AX-Injected%3A+1.mp4", "uploads/a%25252F.mp4", "uploads/%00.mp4",
		"uploads/%ZZ.mp4", "thumbnails/a.jpg",
	} {
		f.Add("example-media-bucket", key)
	}
	cfg := fuzzConfig(f)
	f.Fuzz(func(t *testing.T, bucket, rawKey string) {
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return // the notification decoder rejects it; FuzzClassifyBody covers that path
		}
		ref, stream, ok, err := cfg.S3.Match(bucket, key)
		if err != nil || !ok {
			return
		}
		checkAssetRef(t, ref)
		u, err := url.Parse(stream)
		if err != nil || u.Scheme != "https" || u.Host != "cdn.example.com" {
			t.Fatalf("key %q gives stream URL %q outside the template's host", key, stream)
		}
	})
}

// TestDecodeNativeRejectsEncodedPathChanges keeps the identifiers found by
// fuzzing the decoder out of Skylark's URL space.
func TestDecodeNativeRejectsEncodedPathChanges(t *testing.T) {
	for _, id := range []string{"a%252Fb", "%2E%2E", "%2e.", "a%00b", "a%2fb", "../x", "..", "a\x00b"} {
		t.Run(id, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"version": 1, "data_source_id": id,
				"fields": map[string]any{"title": "x"}})
			_, err := decodeNative(body)
			if err == nil {
				t.Fatalf("data_source_id %q was accepted", id)
			}
			checkFailure(t, err)
		})
	}
}
