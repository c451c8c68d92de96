package reliability

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
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
