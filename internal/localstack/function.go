package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
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
	DefaultMemoryMB        = 128

	// functionStartTimeout bounds how long StartFunction waits for the
	// emulator to listen. It starts in milliseconds; the margin covers a
	// loaded machine.
	functionStartTimeout = 15 * time.Second

	// startAttempts is how often StartFunction picks new ports when the
	// emulator exits at start-up, which happens when another program took
	// a port between the check and the emulator's bind.
	startAttempts = 3

	// maxResponseBytes is the largest response Lambda returns for a
	// synchronous invocation (6 MB).
	maxResponseBytes = 6 << 20
)

// FunctionOptions configures a function run under the emulator.
type FunctionOptions struct {
	// Name is the function name, AWS_LAMBDA_FUNCTION_NAME.
	Name string

	// Bootstrap is the function binary and RIE the emulator binary, both
	// from Build.
	Bootstrap, RIE string

	// Env is the function's configuration and AWS settings. The function
	// receives these variables and the reserved ones Lambda sets, and
	// nothing from the parent's environment, as in `sam local invoke`.
	Env map[string]string

	// Timeout is the function timeout, AWS_LAMBDA_FUNCTION_TIMEOUT, in whole
	// seconds. Default DefaultFunctionTimeout.
	Timeout time.Duration

	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE. Default DefaultMemoryMB.
	MemoryMB int

	// Output receives the emulator's log lines and the function's standard
	// output and error. Nil discards them.
	Output io.Writer
}

// Function is a Lambda function running under the AWS Lambda Runtime
// Interface Emulator as a plain process. The emulator starts the bootstrap
// on the first invocation, like a cold start. Invoke is safe for concurrent
// use and serialises calls, because the emulator serves one invocation at
// a time.
type Function struct {
	// Name is the function name.
	Name string

	// URL is the emulator's invoke URL,
	// http://127.0.0.1:PORT/2015-03-31/functions/function/invocations.
	URL string

	proc    *Process
	timeout time.Duration
	client  *http.Client
	mu      sync.Mutex // serialises invocations
}

// StartFunction starts the emulator with the function's bootstrap and waits
// until it accepts invocations. Call Stop when done.
func StartFunction(ctx context.Context, opts FunctionOptions) (*Function, error) {
	if opts.Name == "" || opts.Bootstrap == "" || opts.RIE == "" {
		return nil, errors.New("localstack: FunctionOptions needs Name, Bootstrap and RIE")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultFunctionTimeout
	}
	if opts.Timeout < time.Second {
		return nil, fmt.Errorf("localstack: function timeout %s is below Lambda's minimum of 1s", opts.Timeout)
	}
	if opts.MemoryMB == 0 {
		opts.MemoryMB = DefaultMemoryMB
	}

	var lastErr error
	for range startAttempts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := startFunctionOnce(opts)
		if err == nil {
			return f, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startFunctionOnce(opts FunctionOptions) (*Function, error) {
	invokeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}

	cmd := exec.Command(opts.RIE,
		"--log-level", "info",
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		opts.Bootstrap)
	cmd.Dir = filepath.Dir(opts.Bootstrap)
	cmd.Env = functionEnv(opts)
	cmd.Stdout = opts.Output
	cmd.Stderr = opts.Output

	proc, err := StartProcess("aws-lambda-rie for "+opts.Name, cmd)
	if err != nil {
		return nil, err
	}
	if err := waitTCP(proc, invokeAddr, functionStartTimeout); err != nil {
		proc.Stop()
		return nil, err
	}
	return &Function{
		Name:    opts.Name,
		URL:     "http://" + invokeAddr + "/2015-03-31/functions/function/invocations",
		proc:    proc,
		timeout: opts.Timeout,
		client:  &http.Client{},
	}, nil
}

// functionEnv returns the emulator's environment, which it passes on to the
// function: the reserved variables that Lambda sets, then opts.Env.
func functionEnv(opts FunctionOptions) []string {
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        opts.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(opts.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(opts.Timeout / time.Second)),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + opts.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "local",
		"LAMBDA_TASK_ROOT":                filepath.Dir(opts.Bootstrap),
		"TZ":                              ":UTC",
		// The SDK must never look for credentials or a region at the
		// instance metadata address.
		"AWS_EC2_METADATA_DISABLED": "true",
	}
	maps.Copy(env, opts.Env)
	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// Pid returns the emulator's process id.
func (f *Function) Pid() int { return f.proc.Pid() }

// Stop stops the emulator and the function process.
func (f *Function) Stop() { f.proc.Stop() }

// FunctionError is an invocation that the function did not complete: the
// handler returned an error, it panicked, its initialisation failed or it
// timed out.
type FunctionError struct {
	Function string
	Status   int    // HTTP status of the emulator's response
	Type     string // errorType, such as "errorString" or "Sandbox.Timedout"
	Message  string // errorMessage
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("localstack: function %s failed (%s): %s", e.Function, e.Type, e.Message)
}

// Invoke sends one event, as raw JSON, and returns the function's response.
// requestID becomes the Lambda request id when it is not empty. A failed
// invocation is returned as a *FunctionError.
func (f *Function) Invoke(ctx context.Context, requestID string, event []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()

	// The emulator responds to a timed-out invocation itself. The extra
	// time covers a function that does not return at its deadline.
	ctx, cancel := context.WithTimeout(ctx, f.timeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(event))
	if err != nil {
		return nil, fmt.Errorf("localstack: invoke %s: %w", f.Name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if requestID != "" {
		req.Header.Set("X-Amzn-RequestId", requestID)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("localstack: invoke %s: %w", f.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("localstack: read the response of %s: %w", f.Name, err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("localstack: response of %s is larger than Lambda's 6 MB limit", f.Name)
	}
	if ferr := f.functionError(resp.StatusCode, body); ferr != nil {
		return nil, ferr
	}
	return body, nil
}

// functionError recognises the emulator's failure responses: 502 for a
// panic or a failed initialisation, 200 with an errorType document for a
// handler error, and 200 with plain text for a timeout.
func (f *Function) functionError(status int, body []byte) *FunctionError {
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	isErrorDoc := json.Unmarshal(body, &doc) == nil && doc.ErrorType != ""
	text := strings.TrimSpace(string(body))
	switch {
	case status == http.StatusOK && isErrorDoc:
		return &FunctionError{Function: f.Name, Status: status, Type: doc.ErrorType, Message: doc.ErrorMessage}
	case status == http.StatusOK && strings.HasPrefix(text, "Task timed out after"):
		return &FunctionError{Function: f.Name, Status: status, Type: "Sandbox.Timedout", Message: text}
	case status == http.StatusOK:
		return nil
	case isErrorDoc:
		return &FunctionError{Function: f.Name, Status: status, Type: doc.ErrorType, Message: doc.ErrorMessage}
	default:
		if text == "" {
			text = "the emulator returned no body; see the function's log output"
		}
		return &FunctionError{Function: f.Name, Status: status, Type: "Runtime.Unknown",
			Message: fmt.Sprintf("HTTP %d: %s", status, truncateText(text, 500))}
	}
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
