package reliability

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// defaultDeadline is the invocation deadline of a row that does not set
// one: long enough for the retries the clients make, short enough that a
// hung call shows up quickly.
const defaultDeadline = 8 * time.Second

// ingestCase is the ingest part of a fault-matrix row.
type ingestCase struct {
	// messages builds the messages, seeding the assets they need. They are
	// sent to a real queue and received, so every record carries real
	// receipt handles and attributes.
	messages func(w *world) []ingestMsg

	// env adjusts the function's environment.
	env func(w *world, env map[string]string)

	// warm runs one unrelated message through the environment before
	// inject, so the container holds a token, as a warm container does.
	warm bool

	// inject injects the faults, after the warm-up.
	inject func(w *world)

	// steps are the invocations. Nil means one invocation with every
	// message and the wants in the messages.
	steps []ingestStep

	// deadline is the invocation deadline; zero means defaultDeadline.
	deadline time.Duration

	// check makes assertions beyond the per-message outcomes.
	check func(t *testing.T, w *world, run *ingestRun)
}

// ingestMsg is one message of a row.
type ingestMsg struct {
	body string
	want want // for rows without steps
	// effect reports whether the asset shows the message's change; nil
	// for messages that change nothing.
	effect func() bool
	// arn replaces the record's eventSourceARN, for example with the ARN
	// of a queue that does not exist.
	arn string
}

// ingestStep is one invocation of a row.
type ingestStep struct {
	before   func(w *world)
	deliver  []int  // message indexes, in event order; nil means all
	want     []want // one per delivered record
	deadline time.Duration
}

// want is the expected fate of one record in one invocation.
type want struct {
	outcome  string // applied, skipped, retry, dead or "applied|retry"
	code     string // error_code of a dead-lettered message
	effected bool   // the change is visible even though the message is retried
}

var (
	applied = want{outcome: "applied"}
	skipped = want{outcome: "skipped"}
	retry   = want{outcome: "retry"}
)

func dead(code string) want { return want{outcome: "dead", code: code} }

// ingestRun is what a row's invocations produced.
type ingestRun struct {
	container *container
	msgs      []ingestMsg
	records   []events.SQSMessage // by message index
	steps     []stepResult
}

// stepResult is one invocation's response and log lines.
type stepResult struct {
	result   invokeResult
	response events.SQSEventResponse
	logs     []logLine // the lines of this invocation
}

// runIngestCase runs one ingest row and checks every message's outcome.
func runIngestCase(t *testing.T, w *world, c *ingestCase) *ingestRun {
	t.Helper()
	dlq := w.createQueue("dlq", 30*time.Second, "", 0)
	src := w.createQueue("src", 30*time.Second, "", 0)
	env := w.ingestEnv(dlq.url)
	if c.env != nil {
		c.env(w, env)
	}
	msgs := c.messages(w)
	// A cold container's fault is in place before it starts, because the
	// function reads its secret while it initialises. A warm container's
	// fault comes after its first invocation.
	if c.inject != nil && !c.warm {
		c.inject(w)
	}
	run := &ingestRun{msgs: msgs, container: w.start("ingest", env)}
	run.records = w.sendAndReceive(src, msgs)

	if c.warm {
		warmUp(t, w, run.container, src)
		if c.inject != nil {
			c.inject(w)
		}
	}
	steps := c.steps
	if steps == nil {
		step := ingestStep{}
		for _, m := range msgs {
			step.want = append(step.want, m.want)
		}
		steps = []ingestStep{step}
	}

	deadLettered := map[string]string{} // message id -> error_code
	for n, step := range steps {
		if step.before != nil {
			step.before(w)
		}
		deliver := step.deliver
		if deliver == nil {
			for i := range msgs {
				deliver = append(deliver, i)
			}
		}
		if len(step.want) != len(deliver) {
			t.Fatalf("step %d delivers %d records but has %d wants", n, len(deliver), len(step.want))
		}
		ev := events.SQSEvent{}
		for _, i := range deliver {
			ev.Records = append(ev.Records, run.records[i])
		}
		deadline := firstNonZero(step.deadline, c.deadline, defaultDeadline)
		sr := invokeIngest(t, w, run.container, ev, deadline)
		run.steps = append(run.steps, sr)
		checkStep(t, n, run, sr, ev, step.want, deadLettered)
	}

	checkDeadLetterQueue(t, w, dlq, deadLettered)
	if c.check != nil {
		c.check(t, w, run)
	}
	return run
}

// sendAndReceive puts the messages on q and receives them all, returning
// the records by message index.
func (w *world) sendAndReceive(q queue, msgs []ingestMsg) []events.SQSMessage {
	w.t.Helper()
	ctx := waitCtx(w.t, 60*time.Second)
	for i, m := range msgs {
		if _, err := w.send(ctx, q, i, m.body); err != nil {
			w.t.Fatalf("SendMessage %d: %v", i, err)
		}
	}
	records := make([]events.SQSMessage, len(msgs))
	got := 0
	for got < len(msgs) {
		ev, err := w.receive(ctx, q, time.Second)
		if err != nil {
			w.t.Fatalf("ReceiveMessage: %v", err)
		}
		for _, rec := range ev.Records {
			i := recordIndex(rec)
			if i < 0 || i >= len(msgs) || records[i].MessageId != "" {
				w.t.Fatalf("received an unexpected record %s (index %d)", rec.MessageId, i)
			}
			if msgs[i].arn != "" {
				rec.EventSourceARN = msgs[i].arn
			}
			records[i] = rec
			got++
		}
		if ctx.Err() != nil {
			w.t.Fatalf("received %d of %d messages", got, len(msgs))
		}
	}
	return records
}

// warmUp runs one message on its own asset through c and requires it to be
// applied, so that c holds a token.
func warmUp(t *testing.T, w *world, c *container, q queue) {
	t.Helper()
	uid, m := nativeUpsert(w, "warm-up")
	recs := w.sendAndReceive(q, []ingestMsg{m})
	sr := invokeIngest(t, w, c, events.SQSEvent{Records: recs}, defaultDeadline)
	if len(sr.response.BatchItemFailures) != 0 || !m.effect() {
		t.Fatalf("warm-up message for %s was not applied: %+v\n%s", uid, sr.response, c.out.tail(c.name, 3000))
	}
}

// invokeIngest invokes the ingest function and decodes its response.
func invokeIngest(t *testing.T, w *world, c *container, ev events.SQSEvent, deadline time.Duration) stepResult {
	t.Helper()
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.invoke(payload, deadline)
	if err != nil {
		t.Fatal(err)
	}
	w.rec.add("ingest responses", append(res.payload, '\n'))
	if res.failed {
		t.Fatalf("the ingest handler failed the invocation, so Lambda would retry the whole batch: %s",
			res.payload)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(res.payload, &resp); err != nil {
		t.Fatalf("response %s is not an SQSEventResponse: %v", res.payload, err)
	}
	logs := waitForLogs(t, c, res.requestID, func(lines []logLine) bool {
		n := 0
		for _, l := range lines {
			if l.str("outcome") != "" {
				n++
			}
		}
		return n >= len(ev.Records)
	})
	return stepResult{result: res, response: resp, logs: logs}
}

// checkStep compares each delivered record's fate with its want.
func checkStep(t *testing.T, n int, run *ingestRun, sr stepResult, ev events.SQSEvent,
	wants []want, deadLettered map[string]string) {
	t.Helper()
	failed := map[string]bool{}
	for _, f := range sr.response.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	lines := map[string][]logLine{}
	for _, l := range sr.logs {
		if id := l.str("message_id"); id != "" && l.str("outcome") != "" {
			lines[id] = append(lines[id], l)
		}
	}
	seen := map[string]int{}
	for p, rec := range ev.Records {
		i, wnt := recordIndex(rec), wants[p]
		id := rec.MessageId
		var line logLine
		if k := seen[id]; k < len(lines[id]) {
			line = lines[id][k]
		}
		seen[id]++
		where := fmt.Sprintf("step %d, message %d (%s)", n, i, id)
		if line == nil {
			t.Errorf("%s: no log line with its outcome", where)
			continue
		}
		outcome := line.str("outcome")
		got := fate(outcome, line, failed[id])
		if !slices.Contains(strings.Split(wnt.outcome, "|"), got) {
			t.Errorf("%s: fate %s (outcome %s, reason %q), want %s",
				where, got, outcome, line.str("reason"), wnt.outcome)
			continue
		}
		if got == "dead" {
			if code := line.str("error_code"); code != wnt.code {
				t.Errorf("%s: error_code %q, want %q", where, code, wnt.code)
			}
			deadLettered[id] = wnt.code
		}
		if got == "retry" && line.str("reason") == "" {
			t.Errorf("%s: retried without a reason in the log", where)
		}
		if eff := run.msgs[i].effect; eff != nil {
			switch visible := eff(); {
			case got == "applied" && !visible:
				t.Errorf("%s: logged applied, but the asset does not show the change", where)
			case (got == "retry" || got == "dead") && visible && !wnt.effected:
				t.Errorf("%s: %s, but the asset shows the change", where, got)
			}
		}
	}
}

// fate sums up a record's log line and batch item failure as one word.
func fate(outcome string, line logLine, failed bool) string {
	switch {
	case failed:
		return "retry"
	case outcome == "applied" || outcome == "skipped":
		return outcome
	case outcome == "permanent_failure" && line.bool("dead_lettered"):
		return "dead"
	}
	return "lost: " + outcome + " and not in batchItemFailures"
}

// checkDeadLetterQueue checks that the dead-letter queue holds exactly the
// dead-lettered messages, each with its reason and error code.
func checkDeadLetterQueue(t *testing.T, w *world, dlq queue, want map[string]string) {
	t.Helper()
	got := map[string]dlqMessage{}
	for _, m := range w.drain(dlq) {
		src := m.attrs["source_message_id"]
		if _, dup := got[src]; dup {
			t.Errorf("message %s is on the dead-letter queue twice", src)
		}
		got[src] = m
	}
	for id, code := range want {
		m, ok := got[id]
		switch {
		case !ok:
			t.Errorf("message %s was logged as dead-lettered but is not on the dead-letter queue", id)
		case m.attrs["error_code"] != code:
			t.Errorf("dead-lettered message %s has error_code %q, want %q", id, m.attrs["error_code"], code)
		case strings.TrimSpace(m.attrs["reason"]) == "" || m.attrs["reason"] == "-":
			t.Errorf("dead-lettered message %s has no reason", id)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("message %s is on the dead-letter queue unexpectedly: %v", id, got[id].attrs)
		}
	}
}

func firstNonZero(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d != 0 {
			return d
		}
	}
	return 0
}
