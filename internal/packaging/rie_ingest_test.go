package packaging

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Fixtures that the ingest sample events name.
const (
	sampleUID       = "asse_4e4a9d0e3c054790886684b924e1d13c"
	sampleAccount   = "/api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/"
	staleAccount    = "/api/accounts/acco_0a1b2c3d4e5f60718293a4b5c6d7e8f0/"
	badMessageID    = "7b1a9c5e-3f2d-4a8b-9c1e-2d3f4a5b6c11"
	nativeMessageID = "7b1a9c5e-3f2d-4a8b-9c1e-2d3f4a5b6c10"
)

// ingestEnv is the ingest function's own configuration for the samples:
// S3 keys under uploads/ name an asset by data-source id, and MediaConvert
// output under output/ is served from the CDN's vod path.
func ingestEnv(deadLetterQueueURL string) map[string]string {
	return map[string]string{
		"DEAD_LETTER_QUEUE_URL":  deadLetterQueueURL,
		"S3_KEY_PATTERN":         `^uploads/(?P<data_source_id>[^/]+)\.mp4$`,
		"S3_STREAM_URL_TEMPLATE": "https://cdn.example.com/{key}",
		"OVP_ACCOUNT_URL":        sampleAccount,
		"MEDIACONVERT_URL_MAP":   "s3://example-media-bucket/output=https://cdn.example.com/vod",
	}
}

// seedIngestAssets creates the assets that the samples update and returns
// their uids by data-source id.
func seedIngestAssets(srv *skylarktest.Server) map[string]string {
	uids := map[string]string{}
	uids["joy-of-winning"] = srv.PutAsset(map[string]any{
		"uid": sampleUID, "title": "Old title", "data_source_id": "joy-of-winning",
		"ovps": []any{map[string]any{"account_url": staleAccount, "stream_url": "https://old.example.com/x.m3u8"}},
	})
	for _, id := range []string{"trailer-01", "promo clip 01", "feature-02", "interview-03",
		"behind the scenes+extras", "broken-04"} {
		uids[id] = srv.PutAsset(map[string]any{"title": id, "data_source_id": id})
	}
	return uids
}

// ovpEntries returns an asset's ovps entries by account_url.
func ovpEntries(t *testing.T, asset map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := asset["ovps"].([]any)
	for _, e := range list {
		entry, ok := e.(map[string]any)
		if !ok {
			t.Fatalf("ovps entry %#v is not an object", e)
		}
		account, _ := entry["account_url"].(string)
		out[account] = entry
	}
	return out
}

func assetOf(t *testing.T, srv *skylarktest.Server, uid string) map[string]any {
	t.Helper()
	a, ok := srv.Asset(uid)
	if !ok {
		t.Fatalf("asset %s not found in the fake Skylark", uid)
	}
	return a
}

// wantStreamURL checks the stream_url that the sample wrote for the
// configured OVP account.
func wantStreamURL(t *testing.T, srv *skylarktest.Server, uid, want string) map[string]any {
	t.Helper()
	a := assetOf(t, srv, uid)
	if got := ovpEntries(t, a)[sampleAccount]["stream_url"]; got != want {
		t.Errorf("asset %s ovps = %v, want stream_url %s for %s", uid, a["ovps"], want, sampleAccount)
	}
	return a
}

// invokeIngest sends an SQS event and returns the failed message ids.
func invokeIngest(t *testing.T, fn *lambdatest.Function, event []byte) []string {
	t.Helper()
	resp, err := fn.Invoke(t.Context(), "", event)
	if err != nil {
		t.Fatalf("invoke ingest: %v", err)
	}
	// A nil list serialises as null, which Lambda also reads as success,
	// but the response must still be an SQSEventResponse.
	var out events.SQSEventResponse
	if err := decodeStrict(resp.Payload, &out); err != nil {
		t.Fatalf("ingest response %s is not an SQSEventResponse: %v", resp.Payload, err)
	}
	ids := []string{}
	for _, f := range out.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

func TestIngestSampleEventsUnderEmulator(t *testing.T) {
	bootstrap := lambdatest.Build(t, "./functions/ingest")

	type check func(t *testing.T, s *localStack, uids map[string]string, dlq string)
	noWrites := func(t *testing.T, s *localStack, _ map[string]string, _ string) {
		if w := writeRequests(s.skylark); len(w) > 0 {
			t.Errorf("Skylark received %d writes (first %s %s), want none", len(w), w[0].Method, w[0].Path)
		}
	}
	tests := map[string]check{
		"ingest-s3-put.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			wantStreamURL(t, s.skylark, uids["trailer-01"], "https://cdn.example.com/uploads/trailer-01.mp4")
		},
		// S3 form-encodes keys in notifications: '+' is a space.
		"ingest-s3-plus-key.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			wantStreamURL(t, s.skylark, uids["promo clip 01"], "https://cdn.example.com/uploads/promo%20clip%2001.mp4")
		},
		"ingest-s3-sns.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			wantStreamURL(t, s.skylark, uids["feature-02"], "https://cdn.example.com/uploads/feature-02.mp4")
		},
		"ingest-s3-sns-raw.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			wantStreamURL(t, s.skylark, uids["interview-03"], "https://cdn.example.com/uploads/interview-03.mp4")
		},
		// EventBridge delivers keys as they are, so '+' stays a plus sign.
		"ingest-eventbridge-object-created.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			wantStreamURL(t, s.skylark, uids["behind the scenes+extras"],
				"https://cdn.example.com/uploads/behind%20the%20scenes+extras.mp4")
		},
		"ingest-eventbridge-object-deleted.json": noWrites,
		"ingest-s3-test-event.json":              noWrites,
		"ingest-mediaconvert-error.json":         noWrites,
		"ingest-mediaconvert-complete.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			a := wantStreamURL(t, s.skylark, uids["trailer-01"], "https://cdn.example.com/vod/trailer-01/hls/trailer-01.m3u8")
			assertEqual(t, "duration_in_seconds", a["duration_in_seconds"], float64(180))
		},
		"ingest-native-update.json": func(t *testing.T, s *localStack, _ map[string]string, _ string) {
			a := assetOf(t, s.skylark, sampleUID)
			assertEqual(t, "title", a["title"], "The Joy of Winning")
			assertEqual(t, "duration_in_seconds", a["duration_in_seconds"], float64(3189))
			ovps := ovpEntries(t, a)
			assertEqual(t, "ovps accounts", sortedKeys(ovps), []string{sampleAccount})
			assertEqual(t, "stream_url", ovps[sampleAccount]["stream_url"],
				"https://cdn.example.com/vod/joy-of-winning/index.m3u8")
		},
		"ingest-fifo-batch.json": func(t *testing.T, s *localStack, uids map[string]string, _ string) {
			a := assetOf(t, s.skylark, uids["trailer-01"])
			// Messages of one group are applied in order.
			assertEqual(t, "title", a["title"], "Trailer 01 (final cut)")
			assertEqual(t, "synopsis", a["synopsis"], "A first look.")
			wantStreamURL(t, s.skylark, sampleUID, "https://cdn.example.com/vod/joy-of-winning/index.m3u8")
		},
		// A message that can never succeed goes to the dead-letter queue
		// with the reason, and is not reported for a retry.
		"ingest-bad-message.json": func(t *testing.T, s *localStack, _ map[string]string, dlq string) {
			noWrites(t, s, nil, "")
			dead := s.receiveAll(t, dlq)
			if len(dead) != 1 {
				t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
			}
			if !strings.Contains(aws.ToString(dead[0].Body), `"titel"`) {
				t.Errorf("dead-lettered body = %s, want the original message", aws.ToString(dead[0].Body))
			}
			reason := aws.ToString(dead[0].MessageAttributes["reason"].StringValue)
			if !strings.Contains(reason, "titel") {
				t.Errorf("dead-letter reason = %q, want it to name the unknown field titel", reason)
			}
		},
	}

	files, err := filepath.Glob(repoPath(t, "events/ingest-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			check, ok := tests[name]
			if !ok {
				t.Fatalf("events/%s has no expected outcome in this test: add one", name)
			}
			s := newLocalStack(t)
			uids := seedIngestAssets(s.skylark)
			dlq := s.createQueue(t, "dlq")
			fn := s.start(t, bootstrap, "ingest", ingestEnv(dlq))

			if failed := invokeIngest(t, fn, readEvent(t, name)); len(failed) > 0 {
				t.Errorf("batchItemFailures = %v, want none", failed)
			}
			check(t, s, uids, dlq)
		})
	}
}

// TestIngestPartialBatchFailure runs a batch with one good and one bad
// message and no dead-letter queue configured: only the bad message is
// reported, so SQS redelivers it and its redrive policy moves it later.
func TestIngestPartialBatchFailure(t *testing.T) {
	bootstrap := lambdatest.Build(t, "./functions/ingest")
	s := newLocalStack(t)
	seedIngestAssets(s.skylark)
	fn := s.start(t, bootstrap, "ingest", ingestEnv(""))

	var good, bad events.SQSEvent
	if err := json.Unmarshal(readEvent(t, "ingest-native-update.json"), &good); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(readEvent(t, "ingest-bad-message.json"), &bad); err != nil {
		t.Fatal(err)
	}
	batch := events.SQSEvent{Records: append(good.Records, bad.Records...)}
	event, err := json.Marshal(batch)
	if err != nil {
		t.Fatal(err)
	}

	failed := invokeIngest(t, fn, event)
	assertEqual(t, "batchItemFailures", failed, []string{badMessageID})
	assertEqual(t, "title after the good message", assetOf(t, s.skylark, sampleUID)["title"], "The Joy of Winning")
}

// TestIngestWarmContainerReusesToken invokes one container several times:
// the Cognito sign-in and the secret read happen once, on the cold start.
func TestIngestWarmContainerReusesToken(t *testing.T) {
	bootstrap := lambdatest.Build(t, "./functions/ingest")
	s := newLocalStack(t)
	seedIngestAssets(s.skylark)
	fn := s.start(t, bootstrap, "ingest", ingestEnv(""))

	event := readEvent(t, "ingest-native-update.json")
	for range 3 {
		if failed := invokeIngest(t, fn, event); len(failed) > 0 {
			t.Fatalf("batchItemFailures = %v, want none", failed)
		}
	}
	assertEqual(t, "InitiateAuth requests", s.cognito.Count(cognitotest.OpInitiateAuth), 1)

	var tokens []string
	for _, r := range s.skylark.Requests() {
		if h := r.Header.Get("Authorization"); h != "" && !slices.Contains(tokens, h) {
			tokens = append(tokens, h)
		}
	}
	assertEqual(t, "distinct bearer tokens sent to Skylark", len(tokens), 1)
}
