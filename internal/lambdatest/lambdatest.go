package lambdatest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// Defaults of Options, the same as localstack's.
const (
	DefaultTimeout      = localstack.DefaultFunctionTimeout
	DefaultFunctionName = localstack.DefaultFunctionName
	DefaultStartTimeout = localstack.DefaultStartTimeout
)

// TimeoutErrorType is the errorType of a FunctionError for an invocation
// that ran past the function timeout, the same as Lambda reports.
const TimeoutErrorType = localstack.TimeoutErrorType

// BuildFlags are the go build flags of a Lambda bootstrap, the same as the
// Makefile's; see localstack.BuildFlags.
var BuildFlags = localstack.BuildFlags

// Options configures the emulator and the environment of the function.
// Start and StartEmulator set its Bootstrap field from their argument.
type Options = localstack.FunctionOptions

// Function is a bootstrap binary running under the emulator.
type Function = localstack.Function

// Response is the outcome of an invocation that reached the function.
type Response = localstack.Response

// FunctionError is a failed invocation.
type FunctionError = localstack.FunctionError

// BuildOptions selects the target and working directory of BuildBinary.
type BuildOptions = localstack.BinaryOptions

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

// StartEmulator runs bootstrap under the emulator and returns once the
// emulator accepts invocations; see localstack.StartFunction. ctx bounds
// only the start-up; call Close to stop the processes.
func StartEmulator(ctx context.Context, bootstrap string, opts Options) (*Function, error) {
	opts.Bootstrap = bootstrap
	return localstack.StartFunction(ctx, opts)
}

// Build compiles the main package pkg for linux and the host architecture
// into a file named bootstrap in a temporary directory of t, and returns its
// path. A relative pkg such as ./functions/viewing is resolved against the
// module root, so tests in any package can name the functions the same way.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(t.TempDir(), "bootstrap")
	if err := BuildBinary(t.Context(), pkg, output, BuildOptions{Dir: root}); err != nil {
		t.Fatal(err)
	}
	return output
}

// BuildBinary compiles the main package pkg into the executable output
// with BuildFlags and CGO_ENABLED=0; see localstack.BuildBinary.
func BuildBinary(ctx context.Context, pkg, output string, opts BuildOptions) error {
	return localstack.BuildBinary(ctx, pkg, output, opts)
}

// ModuleRoot returns the directory of the go.mod that contains the current
// directory.
func ModuleRoot() (string, error) {
	return localstack.ModuleRoot()
}

// ProcessCPUTime returns the CPU time (user plus system) that the process
// pid has used so far; see localstack.ProcessCPUTime.
func ProcessCPUTime(pid int) (time.Duration, error) {
	return localstack.ProcessCPUTime(pid)
}
