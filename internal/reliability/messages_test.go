package reliability

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// nativeUpsert seeds an asset and returns its uid and a native message that
// adds an ovps entry of its own account to it. The entry shows whether the
// message was applied.
func nativeUpsert(w *world, label string) (string, ingestMsg) {
	uid := w.sky.PutAsset(map[string]any{"title": label})
	account := "/api/accounts/acco_" + randomText("", 16) + "/"
	stream := "https://cdn.example.com/vod/" + label + ".m3u8"
	return uid, ingestMsg{
		body:   nativeBody(uid, account, stream),
		effect: func() bool { return hasEntry(w, uid, account, stream) },
	}
}

// nativeBody returns a native update message that upserts one ovps entry.
func nativeBody(uid, account, stream string) string {
	b, _ := json.Marshal(map[string]any{
		"version": 1,
		"uid":     uid,
		"ovps": map[string]any{"upsert": []map[string]any{
			{"account_url": account, "stream_url": stream},
		}},
	})
	return string(b)
}

// unknownAsset returns a native message for an asset that does not exist.
func unknownAsset() ingestMsg {
	uid := "asse_" + randomText("", 16)
	return ingestMsg{body: nativeBody(uid, "/api/accounts/acco_unknown/", "https://cdn.example.com/x.m3u8")}
}

// notJSON is a body that no classifier accepts.
const notJSON = "this body is not JSON"

// s3Asset seeds an asset with a data_source_id for S3 events and returns
// the id and the uid.
func s3Asset(w *world) (id, uid string) {
	id = "s3-" + randomText("", 6)
	return id, w.sky.PutAsset(map[string]any{"data_source_id": id, "title": id})
}

// s3Event returns an S3 event notification for uploads/<id>.mp4 with the
// given event name and sequencer, as S3 delivers it straight to SQS.
func s3Event(id, eventName, sequencer string) string {
	b, _ := json.Marshal(map[string]any{"Records": []map[string]any{{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
		"eventTime": "2026-01-05T10:00:00.000Z", "eventName": eventName,
		"s3": map[string]any{
			"bucket": map[string]any{"name": "example-media-bucket"},
			"object": map[string]any{"key": "uploads/" + id + ".mp4", "size": 1024, "sequencer": sequencer},
		},
	}}})
	return string(b)
}

// s3Stream is the stream URL S3 events for id write.
func s3Stream(id string) string { return "https://cdn.example.com/uploads/" + id + ".mp4" }

// s3Entry returns the ovps entry that S3 events wrote to the asset, or nil.
func s3Entry(w *world, uid string) map[string]any {
	a, _ := w.sky.Asset(uid)
	for _, e := range ovps(a) {
		if e["account_url"] == ovpAccount {
			return e
		}
	}
	return nil
}

// hasEntry reports whether the asset has an ovps entry for account with
// the stream URL.
func hasEntry(w *world, uid, account, stream string) bool {
	a, ok := w.sky.Asset(uid)
	if !ok {
		return false
	}
	for _, e := range ovps(a) {
		if e["account_url"] == account && e["stream_url"] == stream {
			return true
		}
	}
	return false
}

func ovps(asset map[string]any) []map[string]any {
	list, _ := asset["ovps"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// logLine is one JSON log line of a function.
type logLine map[string]any

func (l logLine) str(key string) string {
	s, _ := l[key].(string)
	return s
}

func (l logLine) bool(key string) bool {
	b, _ := l[key].(bool)
	return b
}

func (l logLine) num(key string) float64 {
	f, _ := l[key].(float64)
	return f
}

// containerLogs returns the JSON log lines of c that carry requestID, or
// every JSON line when requestID is empty. Lines that are not JSON fail the
// test: the functions log JSON only.
func containerLogs(t testing.TB, c *container, requestID string) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(c.out.text(c.name + " stdout")))
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			t.Errorf("%s wrote a line that is not JSON: %s", c.name, text)
			continue
		}
		if requestID == "" || l.str("request_id") == requestID {
			out = append(out, l)
		}
	}
	return out
}

// logWait bounds how long a test waits for a function's log lines. The
// function writes them before it responds, but they reach the test through
// a pipe that is read concurrently.
const logWait = 3 * time.Second

// waitForLogs returns the log lines of requestID once done accepts them, or
// what there is after logWait.
func waitForLogs(t testing.TB, c *container, requestID string, done func([]logLine) bool) []logLine {
	t.Helper()
	deadline := time.Now().Add(logWait)
	for {
		lines := containerLogs(t, c, requestID)
		if done(lines) || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countRequests counts the requests the fake Skylark received with method
// and a path starting with prefix.
func countRequests(w *world, method, prefix string) int {
	n := 0
	for _, r := range w.sky.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}
