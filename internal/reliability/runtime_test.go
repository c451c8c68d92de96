package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runtimeAPIPrefix is the path prefix of the Lambda Runtime API, version
// 2018-06-01, which aws-lambda-go polls.
const runtimeAPIPrefix = "/2018-06-01/runtime/"

// invokeGrace is how long after the deadline an invocation may take to
// respond before the environment counts as timed out. Lambda stops the
// process at the deadline; the grace absorbs scheduling delays on a busy
// machine.
const invokeGrace = 2 * time.Second

// pendingInvocation is one event handed to the function.
type pendingInvocation struct {
	id       string
	event    []byte
	deadline time.Time
	done     chan struct{}
	payload  []byte
	failed   bool // completed through /error
}

// runtimeAPI serves the Lambda Runtime API for one execution environment, as
// the Lambda service does: the function polls GET invocation/next and
// responds with POST invocation/{id}/response or invocation/{id}/error.
type runtimeAPI struct {
	server *httptest.Server
	queue  chan *pendingInvocation

	mu      sync.Mutex
	running map[string]*pendingInvocation
	initErr []byte
}

func newRuntimeAPI(t testing.TB) *runtimeAPI {
	t.Helper()
	api := &runtimeAPI{queue: make(chan *pendingInvocation), running: map[string]*pendingInvocation{}}
	api.server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.server.Close)
	return api
}

// address returns host:port, the value of AWS_LAMBDA_RUNTIME_API.
func (api *runtimeAPI) address() string {
	return strings.TrimPrefix(api.server.URL, "http://")
}

func (api *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, runtimeAPIPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		api.next(w, r)
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(r.Body)
		api.mu.Lock()
		api.initErr = body
		api.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		api.finish(w, r, strings.TrimPrefix(path, "invocation/"))
	default:
		http.NotFound(w, r)
	}
}

// next hands the next event to the function, with the headers Lambda sends.
func (api *runtimeAPI) next(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-api.queue:
		api.mu.Lock()
		api.running[inv.id] = inv
		api.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn",
			"arn:aws:lambda:us-east-1:123456789012:function:reliability")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.event)
	case <-r.Context().Done():
	}
}

// finish records the response or error of an invocation.
func (api *runtimeAPI) finish(w http.ResponseWriter, r *http.Request, rest string) {
	id, kind, ok := strings.Cut(rest, "/")
	if !ok || (kind != "response" && kind != "error") {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	api.mu.Lock()
	inv := api.running[id]
	delete(api.running, id)
	api.mu.Unlock()
	if inv == nil {
		http.Error(w, "unknown request id "+id, http.StatusBadRequest)
		return
	}
	inv.payload, inv.failed = body, kind == "error"
	w.WriteHeader(http.StatusAccepted)
	close(inv.done)
}

// invokeResult is what one invocation returned.
type invokeResult struct {
	requestID string
	payload   []byte // the response, or the error document when failed
	failed    bool   // the handler returned an error or panicked
	took      time.Duration
}

// container is one Lambda execution environment: a function process and
// the Runtime API it polls. Invocations are serialised, one at a time, as
// in a Lambda execution environment.
type container struct {
	t      testing.TB
	name   string
	api    *runtimeAPI
	cmd    *exec.Cmd
	out    *recorder
	exited chan struct{}
	err    error // exit status, valid once exited is closed

	invokeMu sync.Mutex
	seq      atomic.Int64
}

// startContainer starts binary with exactly the environment env (nothing is
// inherited from the test process) and records its standard output and
// error in out under name.
func startContainer(t testing.TB, name, binary string, env map[string]string, out *recorder) *container {
	t.Helper()
	c := &container{t: t, name: name, api: newRuntimeAPI(t), out: out, exited: make(chan struct{})}
	full := map[string]string{"AWS_LAMBDA_RUNTIME_API": c.api.address()}
	for k, v := range env {
		full[k] = v
	}
	c.cmd = exec.Command(binary)
	for _, k := range slices.Sorted(maps.Keys(full)) {
		c.cmd.Env = append(c.cmd.Env, k+"="+full[k])
	}
	c.cmd.Stdout = out.writer(name + " stdout")
	c.cmd.Stderr = out.writer(name + " stderr")
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(c.stop)
	return c
}

// stop kills the process, as Lambda does when it retires an environment.
func (c *container) stop() {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// invoke sends event with a deadline timeout from now and waits for the
// response. It fails when the process exits or does not respond within the
// deadline plus invokeGrace; Lambda then reports the invocation as failed,
// and for SQS the whole batch comes back.
func (c *container) invoke(event []byte, timeout time.Duration) (invokeResult, error) {
	c.invokeMu.Lock()
	defer c.invokeMu.Unlock()
	inv := &pendingInvocation{
		id:       fmt.Sprintf("%s-req-%d", c.name, c.seq.Add(1)),
		event:    event,
		deadline: time.Now().Add(timeout),
		done:     make(chan struct{}),
	}
	start := time.Now()
	limit := time.NewTimer(timeout + invokeGrace)
	defer limit.Stop()

	select {
	case c.api.queue <- inv:
	case <-c.exited:
		return invokeResult{}, c.exitError()
	case <-limit.C:
		return invokeResult{}, fmt.Errorf("%s did not poll for the invocation within %s",
			c.name, timeout+invokeGrace)
	}
	select {
	case <-inv.done:
		return invokeResult{requestID: inv.id, payload: inv.payload, failed: inv.failed,
			took: time.Since(start)}, nil
	case <-c.exited:
		return invokeResult{}, c.exitError()
	case <-limit.C:
		c.stop()
		return invokeResult{}, fmt.Errorf("%s timed out: no response to %s within the deadline %s plus %s",
			c.name, inv.id, timeout, invokeGrace)
	}
}

// exitError describes an environment whose process ended.
func (c *container) exitError() error {
	c.api.mu.Lock()
	initErr := c.api.initErr
	c.api.mu.Unlock()
	return fmt.Errorf("%s exited (%v)%s; output:\n%s", c.name, c.err,
		initSuffix(initErr), c.out.tail(c.name, 4000))
}

func initSuffix(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return ", init error " + string(b)
}

// recorder keeps everything the functions and the tests' observers
// produced, by source, for assertions and for the secret scan.
type recorder struct {
	mu      sync.Mutex
	entries []recorded
}

type recorded struct {
	source string
	data   []byte
}

// writer returns an io.Writer that appends to source's entry.
func (r *recorder) writer(source string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		r.add(source, p)
		return len(p), nil
	})
}

// add appends data to the entry of source.
func (r *recorder) add(source string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.entries {
		if r.entries[i].source == source {
			r.entries[i].data = append(r.entries[i].data, data...)
			return
		}
	}
	r.entries = append(r.entries, recorded{source: source, data: bytes.Clone(data)})
}

// text returns what source produced so far.
func (r *recorder) text(source string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.entries {
		if e.source == source {
			return string(e.data)
		}
	}
	return ""
}

// tail returns the last n bytes of the output of a container.
func (r *recorder) tail(name string, n int) string {
	s := r.text(name+" stdout") + r.text(name+" stderr")
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// snapshot returns a copy of every entry.
func (r *recorder) snapshot() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]recorded, len(r.entries))
	for i, e := range r.entries {
		out[i] = recorded{source: e.source, data: bytes.Clone(e.data)}
	}
	return out
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// waitCtx is a context for test-side calls to the emulators.
func waitCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
