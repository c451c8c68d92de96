package lambdatest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultFunctionName = "function"
	DefaultStartTimeout = 30 * time.Second
)

// stopGrace is how long Close waits after SIGTERM before it sends SIGKILL.
const stopGrace = 5 * time.Second

// Options configures the emulator and the environment of the function.
type Options struct {
	// Env is the function's environment. The emulator passes every variable
	// of its own environment to the function, so Start gives it exactly these
	// (plus PATH and the settings below) and nothing from the test process:
	// a developer's AWS credentials or profile never reach the function.
	// AWS_EC2_METADATA_DISABLED is set to true unless Env sets it, so the
	// SDK never calls the instance metadata endpoint.
	Env map[string]string

	// Timeout is the function timeout, rounded up to whole seconds and
	// passed as AWS_LAMBDA_FUNCTION_TIMEOUT, from which the emulator sets
	// each invocation's deadline. Zero means DefaultTimeout.
	Timeout time.Duration

	// FunctionName is AWS_LAMBDA_FUNCTION_NAME; empty means
	// DefaultFunctionName.
	FunctionName string

	// MemorySize is AWS_LAMBDA_FUNCTION_MEMORY_SIZE in MB; zero keeps the
	// emulator's value (3008). The emulator does not limit memory.
	MemorySize int

	// Emulator is the path of the aws-lambda-rie executable. Empty means
	// the AWS_LAMBDA_RIE environment variable when set, otherwise the
	// version pinned as a tool in go.mod (`go tool -n aws-lambda-rie`).
	Emulator string

	// Output, when not nil, receives the emulator's and the function's
	// output as it is written, in addition to Logs.
	Output io.Writer

	// StartTimeout bounds how long Start waits for the emulator to accept
	// connections; zero means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Function is a bootstrap binary running under the emulator. Its methods
// are safe for concurrent use; invocations run one at a time.
type Function struct {
	invokeURL  string
	runtimeAPI string
	timeout    time.Duration
	client     *http.Client
	cmd        *exec.Cmd
	output     *logBuffer

	exited  chan struct{} // closed when the emulator process has exited
	waitErr error         // valid once exited is closed

	invokeMu sync.Mutex // serialises invocations: the emulator serves one at a time

	mu       sync.Mutex
	runtimes []process // bootstrap processes seen, so Close can stop them
	closed   bool
}

// Start runs bootstrap under the emulator and stops both when the test
// ends. It fails the test when the emulator cannot be started.
func Start(t testing.TB, bootstrap string, opts Options) *Function {
	t.Helper()
	f, err := StartEmulator(t.Context(), bootstrap, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("lambdatest: stop emulator: %v", err)
		}
	})
	return f
}

// StartEmulator runs bootstrap under the emulator on two free 127.0.0.1
// ports and returns once the emulator accepts invocations. The bootstrap
// itself starts on the first invocation. ctx bounds only the start-up; call
// Close to stop the processes.
func StartEmulator(ctx context.Context, bootstrap string, opts Options) (*Function, error) {
	abs, err := filepath.Abs(bootstrap)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: bootstrap path %q: %w", bootstrap, err)
	}
	if info, err := os.Stat(abs); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("lambdatest: bootstrap %q is not an executable file: build it first", abs)
	}
	emulator, err := emulatorPath(ctx, opts.Emulator)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}

	// Another process may take a free port between the check and the
	// emulator's bind, so a failed start with "address already in use" is
	// retried on new ports.
	const attempts = 3
	for attempt := 1; ; attempt++ {
		f, err := startOnce(ctx, emulator, abs, opts)
		if err == nil || attempt == attempts || !errors.Is(err, errAddressInUse) {
			return f, err
		}
	}
}

var errAddressInUse = errors.New("address already in use")

func startOnce(ctx context.Context, emulator, bootstrap string, opts Options) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, fmt.Errorf("lambdatest: find free ports: %w", err)
	}
	invokeAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	runtimeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])

	// The emulator reads LOG_LEVEL for its own logging unless --log-level
	// is given, and the functions read the same variable.
	cmd := exec.Command(emulator,
		"--log-level", "warn",
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = functionEnv(opts)
	out := &logBuffer{tee: opts.Output}
	cmd.Stdout = out
	cmd.Stderr = out
	// A process group of its own lets Close signal the emulator without
	// touching the test process's group.
	// NOTE: a test binary that is killed (SIGKILL, or a panic on -timeout)
	// leaves the emulator and its bootstrap running, because only Close
	// stops them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lambdatest: start %s: %w", emulator, err)
	}

	f := &Function{
		invokeURL:  "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		runtimeAPI: runtimeAddr,
		timeout:    opts.Timeout,
		client:     &http.Client{Transport: &http.Transport{DisableCompression: true}},
		cmd:        cmd,
		output:     out,
		exited:     make(chan struct{}),
	}
	go func() {
		f.waitErr = cmd.Wait()
		close(f.exited)
	}()

	if err := f.waitReady(ctx, invokeAddr, opts.StartTimeout); err != nil {
		_ = f.Close()
		if strings.Contains(out.String(), "address already in use") {
			return nil, fmt.Errorf("lambdatest: start emulator: %w: %w", errAddressInUse, err)
		}
		return nil, fmt.Errorf("lambdatest: start emulator: %w\n%s", err, out.String())
	}
	return f, nil
}

// functionEnv returns the emulator's environment, which it passes on to the
// function.
func functionEnv(opts Options) []string {
	env := map[string]string{
		"PATH":                      os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	maps.Copy(env, opts.Env)
	env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = strconv.Itoa(int(math.Ceil(opts.Timeout.Seconds())))
	env["AWS_LAMBDA_FUNCTION_NAME"] = DefaultFunctionName
	if opts.FunctionName != "" {
		env["AWS_LAMBDA_FUNCTION_NAME"] = opts.FunctionName
	}
	if opts.MemorySize > 0 {
		env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(opts.MemorySize)
	}

	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// waitReady polls addr until the emulator accepts a connection, the
// emulator exits, ctx ends or timeout passes.
func (f *Function) waitReady(ctx context.Context, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var dialer net.Dialer
	for {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-f.exited:
			return fmt.Errorf("emulator exited before accepting connections: %v", f.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("emulator did not accept connections on %s within %s: %w", addr, timeout, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. All n listeners stay open until every port is chosen, so the
// ports differ.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// PID returns the process id of the emulator.
func (f *Function) PID() int {
	return f.cmd.Process.Pid
}

// RuntimeAPI returns the host:port of the Runtime API that the emulator
// serves to the bootstrap (AWS_LAMBDA_RUNTIME_API).
func (f *Function) RuntimeAPI() string {
	return f.runtimeAPI
}

// Logs returns everything the emulator and the function have written so
// far: the function's log lines and the emulator's START, END and REPORT
// lines.
func (f *Function) Logs() string {
	return f.output.String()
}

// Close stops the emulator and the bootstrap processes it started and
// waits for them to exit. It is safe to call more than once.
func (f *Function) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil
	}
	f.closed = true
	f.mu.Unlock()

	// The emulator starts each bootstrap in a process group of its own, so
	// signalling the emulator's group does not reach it: remember the
	// bootstrap processes first and stop any that outlive the emulator.
	f.trackRuntimes()
	pid := f.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	var err error
	select {
	case <-f.exited:
	case <-time.After(stopGrace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-f.exited
		err = fmt.Errorf("emulator (pid %d) ignored SIGTERM for %s and was killed", pid, stopGrace)
	}

	f.mu.Lock()
	runtimes := slices.Clone(f.runtimes)
	f.mu.Unlock()
	for _, p := range runtimes {
		p.kill()
	}
	f.client.CloseIdleConnections()
	return err
}

// logBuffer collects process output; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
	tee io.Writer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.tee != nil {
		_, _ = b.tee.Write(p)
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
