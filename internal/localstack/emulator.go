package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of FunctionOptions.
const (
	DefaultFunctionTimeout = 30 * time.Second
	DefaultFunctionName    = "function"
	DefaultMemoryMB        = 128
	DefaultStartTimeout    = 30 * time.Second
)

// FunctionOptions configures a function run under the emulator.
type FunctionOptions struct {
	// Name is the function name, AWS_LAMBDA_FUNCTION_NAME; empty means
	// DefaultFunctionName.
	Name string

	// Bootstrap is the function binary, from Build or BuildBinary.
	Bootstrap string

	// RIE is the path of the aws-lambda-rie executable. Empty means the
	// AWS_LAMBDA_RIE environment variable when set, otherwise the version
	// pinned as a tool in go.mod (`go tool -n aws-lambda-rie`).
	RIE string

	// Env is the function's configuration and AWS settings. The emulator
	// passes its whole environment to the function, so the function
	// receives these, PATH and the reserved variables that Lambda sets. It
	// gets nothing else from the parent's environment, as in `sam local
	// invoke`, so a developer's AWS credentials or profile never reach it.
	// AWS_EC2_METADATA_DISABLED is set to true unless Env sets it, so the
	// SDK never calls the instance metadata endpoint.
	Env map[string]string

	// Timeout is the function timeout, rounded up to whole seconds and
	// passed as AWS_LAMBDA_FUNCTION_TIMEOUT, from which the emulator sets
	// each invocation's deadline. Zero means DefaultFunctionTimeout; below
	// one second is rejected, as Lambda does.
	Timeout time.Duration

	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE. Zero means
	// DefaultMemoryMB. The emulator does not limit memory.
	MemoryMB int

	// LogLevel is the emulator's own log level (--log-level); empty means
	// warn. The function's START, END and REPORT lines appear at warn
	// and at info.
	LogLevel string

	// Output, when not nil, receives the emulator's and the function's
	// output as it is written, in addition to Logs.
	Output io.Writer

	// StartTimeout bounds how long StartFunction waits for the emulator to
	// accept connections; zero means DefaultStartTimeout.
	StartTimeout time.Duration
}

// Function is a Lambda function running under the AWS Lambda Runtime
// Interface Emulator as a plain process. The emulator starts the bootstrap
// on the first invocation, like a cold start. Its methods are safe for
// concurrent use; invocations run one at a time, because the emulator
// serves one at a time.
type Function struct {
	// Name is the function name.
	Name string

	// URL is the emulator's invoke URL,
	// http://127.0.0.1:PORT/2015-03-31/functions/function/invocations.
	URL string

	runtimeAPI string
	timeout    time.Duration
	client     *http.Client
	proc       *Process
	output     *logBuffer

	invokeMu sync.Mutex // serialises invocations: the emulator serves one at a time

	mu       sync.Mutex
	runtimes []process // bootstrap processes seen, so Close can stop them
	closed   bool
}

// StartFunction runs opts.Bootstrap under the emulator on two free
// 127.0.0.1 ports and returns once the emulator accepts invocations. The
// bootstrap itself starts on the first invocation. ctx bounds only the
// start-up; call Close or Stop to stop the processes.
func StartFunction(ctx context.Context, opts FunctionOptions) (*Function, error) {
	if opts.Bootstrap == "" {
		return nil, errors.New("localstack: FunctionOptions.Bootstrap is empty: set it to the function binary")
	}
	abs, err := filepath.Abs(opts.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("localstack: bootstrap path %q: %w", opts.Bootstrap, err)
	}
	if info, err := os.Stat(abs); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return nil, fmt.Errorf("localstack: bootstrap %q is not an executable file: build it first", abs)
	}
	opts.Bootstrap = abs
	if opts.Timeout == 0 {
		opts.Timeout = DefaultFunctionTimeout
	}
	if opts.Timeout < time.Second {
		return nil, fmt.Errorf("localstack: function timeout %s is below Lambda's minimum of 1s", opts.Timeout)
	}
	if opts.Name == "" {
		opts.Name = DefaultFunctionName
	}
	if opts.MemoryMB == 0 {
		opts.MemoryMB = DefaultMemoryMB
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "warn"
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}
	opts.RIE, err = emulatorPath(ctx, opts.RIE)
	if err != nil {
		return nil, err
	}

	// Another process may take a free port between the check and the
	// emulator's bind, so a failed start with "address already in use" is
	// retried on new ports.
	const attempts = 3
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := startOnce(ctx, opts)
		if err == nil || attempt == attempts || !errors.Is(err, errAddressInUse) {
			return f, err
		}
	}
}

var errAddressInUse = errors.New("address already in use")

func startOnce(ctx context.Context, opts FunctionOptions) (*Function, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, fmt.Errorf("localstack: find free ports: %w", err)
	}
	invokeAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	runtimeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])

	// The emulator reads LOG_LEVEL for its own logging unless --log-level
	// is given, and the functions read the same variable.
	cmd := exec.Command(opts.RIE,
		"--log-level", opts.LogLevel,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		opts.Bootstrap)
	cmd.Dir = filepath.Dir(opts.Bootstrap)
	cmd.Env = functionEnv(opts)
	out := &logBuffer{tee: opts.Output}
	cmd.Stdout = out
	cmd.Stderr = out
	proc, err := StartProcess("aws-lambda-rie for "+opts.Name, cmd)
	if err != nil {
		return nil, err
	}

	f := &Function{
		Name:       opts.Name,
		URL:        "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		runtimeAPI: runtimeAddr,
		timeout:    opts.Timeout,
		client:     &http.Client{Transport: &http.Transport{DisableCompression: true}},
		proc:       proc,
		output:     out,
	}
	if err := waitTCP(ctx, proc, invokeAddr, opts.StartTimeout); err != nil {
		_ = f.Close()
		if strings.Contains(out.String(), "address already in use") {
			return nil, fmt.Errorf("%w: %w", errAddressInUse, err)
		}
		return nil, fmt.Errorf("%w\n%s", err, out.String())
	}
	return f, nil
}

// functionEnv returns the emulator's environment, which it passes on to the
// function: PATH and the reserved variables that Lambda sets, then
// opts.Env, then the settings of opts that Env cannot override.
func functionEnv(opts FunctionOptions) []string {
	env := map[string]string{
		"PATH":                        os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME":   "/aws/lambda/" + opts.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":  "local",
		"LAMBDA_TASK_ROOT":            filepath.Dir(opts.Bootstrap),
		"TZ":                          ":UTC",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	maps.Copy(env, opts.Env)
	env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = strconv.Itoa(int(math.Ceil(opts.Timeout.Seconds())))
	env["AWS_LAMBDA_FUNCTION_NAME"] = opts.Name
	env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(opts.MemoryMB)

	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// Pid returns the process id of the emulator.
func (f *Function) Pid() int {
	return f.proc.Pid()
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
// waits for them to exit. It returns an error when the emulator ignored
// SIGTERM and had to be killed, and is safe to call more than once.
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
	var err error
	if killed := f.proc.stop(); killed {
		err = fmt.Errorf("localstack: emulator (pid %d) ignored SIGTERM for %s and was killed", f.proc.Pid(), stopGrace)
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

// Stop is Close for callers that have no use for its error.
func (f *Function) Stop() { _ = f.Close() }

// maxLogBytes bounds the output a Function keeps for Logs, so a
// long-running local stack does not grow without limit. When it is
// exceeded, the older half is dropped.
const maxLogBytes = 4 << 20

// logBuffer collects process output; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
	tee io.Writer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len()+len(p) > maxLogBytes {
		keep := b.buf.String()
		keep = keep[max(0, len(keep)+len(p)-maxLogBytes/2):]
		b.buf.Reset()
		b.buf.WriteString(keep)
	}
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
