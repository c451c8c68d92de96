package main

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"time"
)

// lineWriter splits a function's output into lines, writes each to sink
// with the function's name in front, and hands the JSON log lines to
// outcomes. It is safe for concurrent use.
type lineWriter struct {
	mu       sync.Mutex
	prefix   []byte
	sink     io.Writer
	outcomes *outcomeLog
	partial  []byte
}

func newLineWriter(name string, sink io.Writer, outcomes *outcomeLog) *lineWriter {
	return &lineWriter{prefix: []byte("[" + name + "] "), sink: sink, outcomes: outcomes}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		line := w.partial[:i+1]
		if w.sink != nil {
			// A failed log write must not fail the function's output pipe.
			_, _ = w.sink.Write(append(append([]byte{}, w.prefix...), line...))
		}
		if w.outcomes != nil {
			w.outcomes.record(line)
		}
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

// messageOutcome is the ingest function's log line for one message.
type messageOutcome struct {
	MessageID    string `json:"message_id"`
	Outcome      string `json:"outcome"`
	Reason       string `json:"reason"`
	Kind         string `json:"kind"`
	Asset        string `json:"asset"`
	ErrorCode    string `json:"error_code"`
	DeadLettered bool   `json:"dead_lettered"`
	Retry        bool   `json:"retry"`
	VisibilityS  int    `json:"visibility_timeout_s"`
	QueueError   string `json:"queue_error"`
}

// outcomeLog collects the ingest function's per-message log lines by
// message id. It is safe for concurrent use.
type outcomeLog struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every new outcome
	byID    map[string]messageOutcome
}

func newOutcomeLog() *outcomeLog {
	return &outcomeLog{changed: make(chan struct{}), byID: map[string]messageOutcome{}}
}

func (l *outcomeLog) record(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return
	}
	var o messageOutcome
	if json.Unmarshal(line, &o) != nil || o.MessageID == "" || o.Outcome == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byID[o.MessageID] = o
	close(l.changed)
	l.changed = make(chan struct{})
}

// wait returns the outcomes of the given message ids, waiting up to timeout
// for lines still in the emulator's output pipe when the invocation
// returned. Missing ids are absent from the result.
func (l *outcomeLog) wait(ids []string, timeout time.Duration) map[string]messageOutcome {
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		found := map[string]messageOutcome{}
		for _, id := range ids {
			if o, ok := l.byID[id]; ok {
				found[id] = o
			}
		}
		changed := l.changed
		l.mu.Unlock()
		if len(found) == len(ids) {
			return found
		}
		select {
		case <-changed:
		case <-deadline:
			return found
		}
	}
}
