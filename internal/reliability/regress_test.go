package reliability

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// TestShortTokenLifetimeNoRefreshPerRequest runs the ingest function with
// ID tokens of five minutes, the shortest lifetime Cognito allows, and the
// default TOKEN_EXPIRY_WINDOW of five minutes. A token can never outlive
// the invocation plus a window as long as its whole life, so the token
// source must shorten the window for such tokens instead of renewing the
// token before every Skylark request.
func TestShortTokenLifetimeNoRefreshPerRequest(t *testing.T) {
	w := newWorld(t, buildFunctions(t))
	w.pool.SetTokenLifetimes(5*time.Minute, 0)
	dlq := w.createQueue("dlq", 30*time.Second, "", 0)
	src := w.createQueue("src", 30*time.Second, "", 0)
	c := w.start("ingest", w.ingestEnv(dlq.url))

	for i := range 3 {
		_, m := nativeUpsert(w, "short-token")
		recs := w.sendAndReceive(src, []ingestMsg{m})
		sr := invokeIngest(t, w, c, events.SQSEvent{Records: recs}, 10*time.Second)
		if len(sr.response.BatchItemFailures) != 0 || !m.effect() {
			t.Fatalf("message %d was not applied: %+v", i, sr.response)
		}
	}
	// One sign-in; no refresh while the five-minute token is young.
	assertSignIns(t, w, 1, 1)
	assertNoSecrets(t, w)
}

// TestZeroExpiryWindowRejected checks that TOKEN_EXPIRY_WINDOW=0s stops the
// function at start with an error naming the variable. The token source
// reads a zero window as "use the default of five minutes", so accepting
// 0s would silently mean the opposite of what was set.
func TestZeroExpiryWindowRejected(t *testing.T) {
	w := newWorld(t, buildFunctions(t))
	env := w.viewingEnv()
	env["TOKEN_EXPIRY_WINDOW"] = "0s"
	c := w.start("viewing", env)
	_, err := c.invoke(viewingEvent(playableAsset(w), "user-1"), 5*time.Second)
	if err == nil {
		t.Fatal("the function started with TOKEN_EXPIRY_WINDOW=0s")
	}
	if out := c.out.tail(c.name, 4000); !containsFold(out, "TOKEN_EXPIRY_WINDOW") {
		t.Errorf("the start-up error does not name TOKEN_EXPIRY_WINDOW:\n%s", out)
	}
}

// TestConcurrentContainersKeepBothEntries sends two messages that add
// different ovps entries to one asset and lets two execution environments
// (concurrent batches of a standard queue) apply them at the same time.
// Both entries must survive.
func TestConcurrentContainersKeepBothEntries(t *testing.T) {
	t.Skip("NOTE: known bug: the ingest function updates ovps by read-modify-write " +
		"(GET, merge, PATCH of the whole list) with no concurrency control, so two " +
		"containers updating one asset at once lose one entry; within a batch the " +
		"lanes serialise updates, across batches nothing does")
	w := newWorld(t, buildFunctions(t))
	dlq := w.createQueue("dlq", 30*time.Second, "", 0)
	src := w.createQueue("src", 30*time.Second, "", 0)
	env := w.ingestEnv(dlq.url)
	uid := w.sky.PutAsset(map[string]any{"title": "shared"})
	msgs := []ingestMsg{
		{body: nativeBody(uid, "/api/accounts/acco_first/", "https://cdn.example.com/first.m3u8")},
		{body: nativeBody(uid, "/api/accounts/acco_second/", "https://cdn.example.com/second.m3u8")},
	}
	recs := w.sendAndReceive(src, msgs)
	// The first PATCH is held for 700 ms, so the other container reads the
	// asset before that write lands and writes its own list after it.
	w.sky.InjectFault(skylarktest.Fault{Method: http.MethodPatch, Latency: 700 * time.Millisecond, Times: 1})

	var wg sync.WaitGroup
	results := make([]invokeResult, len(recs))
	errs := make([]error, len(recs))
	for i := range recs {
		c := w.start("ingest", env)
		payload, _ := json.Marshal(events.SQSEvent{Records: recs[i : i+1]})
		wg.Go(func() { results[i], errs[i] = c.invoke(payload, 10*time.Second) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("invocation %d: %v", i, err)
		}
		if strings.Contains(string(results[i].payload), recs[i].MessageId) {
			t.Fatalf("message %d was reported for retry: %s", i, results[i].payload)
		}
	}
	for i, acct := range []string{"first", "second"} {
		if !hasEntry(w, uid, "/api/accounts/acco_"+acct+"/", "https://cdn.example.com/"+acct+".m3u8") {
			t.Errorf("message %d was applied, but its ovps entry is gone", i)
		}
	}
	if n := w.pool.Count(cognitotest.OpRespondToAuthChallenge); n != 2 {
		t.Errorf("sign-ins = %d, want one per container", n)
	}
}
