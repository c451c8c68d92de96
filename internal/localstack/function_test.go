package localstack

import (
	"encoding/json"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func TestFunctionPassesOnlyItsEnvironment(t *testing.T) {
	t.Setenv("LOCALSTACK_TEST_PARENT_ONLY", "leaked")
	f := startEcho(t, FunctionOptions{Env: map[string]string{"SKYLARK_BASE_URL": "http://127.0.0.1:1"}, Timeout: 7 * time.Second})

	out, err := f.Invoke(testenv.Context(t), "req-env-1", []byte(`{"action":"env"}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var env map[string]string
	if err := json.Unmarshal(out, &env); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	want := map[string]string{
		"SKYLARK_BASE_URL":            "http://127.0.0.1:1",
		"AWS_LAMBDA_FUNCTION_NAME":    "echo",
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "7",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["LOCALSTACK_TEST_PARENT_ONLY"]; ok {
		t.Error("a variable of the parent's environment reached the function")
	}
	if _, ok := env["HOME"]; ok {
		t.Error("HOME reached the function, so the SDK could read ~/.aws")
	}
}

func TestFunctionReportsFailures(t *testing.T) {
	f := startEcho(t, FunctionOptions{Timeout: time.Second})
	tests := []struct {
		name, event, wantType string
	}{
		{"handler error", `{"action":"error"}`, "errorString"},
		{"panic", `{"action":"panic"}`, "string"},
		{"timeout", `{"action":"sleep"}`, "Sandbox.Timedout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.Invoke(testenv.Context(t), "", []byte(tt.event))
			var ferr *FunctionError
			if !errors.As(err, &ferr) {
				t.Fatalf("Invoke error = %v, want a *FunctionError", err)
			}
			if ferr.Type != tt.wantType {
				t.Errorf("Type = %q, want %q (message %q)", ferr.Type, tt.wantType, ferr.Message)
			}
		})
	}
	// The emulator restarts the function after a timeout; it must still
	// serve invocations.
	if _, err := f.Invoke(testenv.Context(t), "", []byte(`{"action":"env"}`)); err != nil {
		t.Errorf("Invoke after the failures: %v", err)
	}
}

func TestFunctionStopEndsEmulatorAndBootstrap(t *testing.T) {
	f := startEcho(t, FunctionOptions{})
	if _, err := f.Invoke(testenv.Context(t), "", []byte(`{"action":"env"}`)); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	children := childProcesses(f.Pid())
	if len(children) == 0 {
		t.Fatal("the emulator has no child process after an invocation")
	}
	f.Stop()
	assertGone(t, f.Pid())
	for _, c := range children {
		assertGone(t, c.pid)
	}
}

func TestStartFunctionRejectsShortTimeout(t *testing.T) {
	_, err := StartFunction(testenv.Context(t), FunctionOptions{
		Name: "echo", Bootstrap: testBinaries.Functions[echoPackage], RIE: testBinaries.RIE,
		Timeout: 500 * time.Millisecond,
	})
	if err == nil {
		t.Fatal("StartFunction accepted a timeout below one second")
	}
}

// assertGone fails the test when pid is still a live process a few seconds
// later. A zombie counts as gone.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, ok := statFields(pid)
		if !ok || f[0] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is still running (state %s)", pid, f[0])
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFindModuleDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := FindModuleDir(wd, "github.com/streamkit/skylark-lambda")
	if err != nil {
		t.Fatalf("FindModuleDir: %v", err)
	}
	if _, err := os.Stat(root + "/functions/ingest"); err != nil {
		t.Errorf("FindModuleDir = %s, which has no functions/ingest", root)
	}
	if rel, err := FindModuleDir(".", "github.com/streamkit/skylark-lambda"); err != nil || rel != root {
		t.Errorf("FindModuleDir(\".\") = %q, %v; want %q", rel, err, root)
	}
	if _, err := FindModuleDir(t.TempDir(), "github.com/streamkit/skylark-lambda"); err == nil {
		t.Error("FindModuleDir found the module above an unrelated directory")
	}
}
