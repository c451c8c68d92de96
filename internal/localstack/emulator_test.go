package localstack

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// probeReport mirrors the probe's response.
type probeReport struct {
	RequestID       string            `json:"request_id"`
	DeadlineSeconds float64           `json:"deadline_seconds"`
	Env             map[string]string `json:"env"`
	PID             int               `json:"pid"`
}

// startProbe runs the probe function under the emulator for one test.
func startProbe(t *testing.T, opts FunctionOptions) *Function {
	t.Helper()
	opts.Bootstrap = testBinaries.Functions[probePackage]
	opts.RIE = testBinaries.RIE
	f, err := StartFunction(t.Context(), opts)
	if err != nil {
		t.Fatalf("StartFunction: %v", err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return f
}

func invokeProbe(t *testing.T, f *Function, requestID string, event any) (*Response, error) {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return f.Invoke(t.Context(), requestID, payload)
}

func decodeReport(t *testing.T, resp *Response) probeReport {
	t.Helper()
	var r probeReport
	if err := json.Unmarshal(resp.Payload, &r); err != nil {
		t.Fatalf("decode probe response %s: %v", resp.Payload, err)
	}
	return r
}

func TestInvokePassesRequestIDAndEnvironment(t *testing.T) {
	t.Setenv("LOCALSTACK_PARENT_ONLY", "must not reach the function")
	f := startProbe(t, FunctionOptions{
		Env:     map[string]string{"PROBE_SETTING": "value with spaces"},
		Timeout: 7 * time.Second,
	})

	resp, err := invokeProbe(t, f, "req-0001", map[string]any{"env": []string{
		"PROBE_SETTING", "LOCALSTACK_PARENT_ONLY", "AWS_LAMBDA_FUNCTION_TIMEOUT",
		"AWS_LAMBDA_FUNCTION_NAME", "AWS_EC2_METADATA_DISABLED", "AWS_LAMBDA_RUNTIME_API",
		"HOME",
	}})
	if err != nil {
		t.Fatalf("Invoke: %v\n%s", err, f.Logs())
	}
	r := decodeReport(t, resp)

	if resp.RequestID != "req-0001" || r.RequestID != "req-0001" {
		t.Errorf("request id: response %q, function saw %q, want req-0001", resp.RequestID, r.RequestID)
	}
	want := map[string]string{
		"PROBE_SETTING":               "value with spaces",
		"AWS_LAMBDA_FUNCTION_TIMEOUT": "7",
		"AWS_LAMBDA_FUNCTION_NAME":    DefaultFunctionName,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_LAMBDA_RUNTIME_API":      f.RuntimeAPI(),
	}
	for k, v := range want {
		if r.Env[k] != v {
			t.Errorf("function saw %s=%q, want %q", k, r.Env[k], v)
		}
	}
	if v, ok := r.Env["LOCALSTACK_PARENT_ONLY"]; ok {
		t.Errorf("function saw the test process's LOCALSTACK_PARENT_ONLY=%q", v)
	}
	if v, ok := r.Env["HOME"]; ok {
		t.Errorf("function saw HOME=%q, so the SDK could read ~/.aws", v)
	}
	if r.DeadlineSeconds <= 5 || r.DeadlineSeconds > 7 {
		t.Errorf("deadline %.2fs after the invocation started, want within the 7s timeout", r.DeadlineSeconds)
	}
	if !strings.Contains(f.Logs(), "START RequestId: req-0001") {
		t.Errorf("logs lack the emulator's START line:\n%s", f.Logs())
	}
}

func TestInvokeGeneratesRequestID(t *testing.T) {
	f := startProbe(t, FunctionOptions{})
	resp, err := invokeProbe(t, f, "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	r := decodeReport(t, resp)
	if len(resp.RequestID) != 36 || r.RequestID != resp.RequestID {
		t.Errorf("request id: response %q, function saw %q, want the same UUID", resp.RequestID, r.RequestID)
	}
}

func TestInvokeReportsFunctionErrors(t *testing.T) {
	tests := []struct {
		name       string
		event      map[string]any
		wantStatus int
		wantType   string
		wantText   string
	}{
		{
			name:       "handler error",
			event:      map[string]any{"action": "error"},
			wantStatus: 200,
			wantType:   "errorString",
			wantText:   "probe failed on request",
		},
		{
			name:       "invalid event",
			event:      map[string]any{"action": 42},
			wantStatus: 200,
			wantType:   "UnmarshalTypeError",
			wantText:   "cannot unmarshal number",
		},
		{
			name:       "panic",
			event:      map[string]any{"action": "panic"},
			wantStatus: 502,
			wantType:   "string",
			wantText:   "probe panicked on request",
		},
		{
			name:       "process exit",
			event:      map[string]any{"action": "exit"},
			wantStatus: 502,
			wantType:   "Runtime.ExitError",
			wantText:   "exit status 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startProbe(t, FunctionOptions{})
			resp, err := invokeProbe(t, f, "", tt.event)
			var ferr *FunctionError
			if !errors.As(err, &ferr) {
				t.Fatalf("Invoke error = %v, want a *FunctionError\n%s", err, f.Logs())
			}
			if ferr.StatusCode != tt.wantStatus {
				t.Errorf("StatusCode = %d, want %d", ferr.StatusCode, tt.wantStatus)
			}
			if ferr.Type != tt.wantType {
				t.Errorf("Type = %q, want %q", ferr.Type, tt.wantType)
			}
			if !strings.Contains(ferr.Message, tt.wantText) {
				t.Errorf("Message = %q, want it to contain %q", ferr.Message, tt.wantText)
			}
			if resp == nil || len(resp.Payload) == 0 {
				t.Errorf("no response payload returned with the error")
			}
			if ferr.RequestID != resp.RequestID {
				t.Errorf("error request id %q, response request id %q", ferr.RequestID, resp.RequestID)
			}
		})
	}
}

func TestInvokeTimeoutRestartsBootstrap(t *testing.T) {
	f := startProbe(t, FunctionOptions{Timeout: time.Second})

	first, err := invokeProbe(t, f, "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	before := decodeReport(t, first).PID

	_, err = invokeProbe(t, f, "", map[string]any{"action": "sleep", "sleep": "3s"})
	var ferr *FunctionError
	if !errors.As(err, &ferr) || !ferr.Timeout() {
		t.Fatalf("Invoke error = %v, want a timeout *FunctionError", err)
	}

	after, err := invokeProbe(t, f, "", map[string]any{})
	if err != nil {
		t.Fatalf("Invoke after a timeout: %v\n%s", err, f.Logs())
	}
	if pid := decodeReport(t, after).PID; pid == before {
		t.Errorf("bootstrap pid %d unchanged after a timeout, want a new process", pid)
	}
}

func TestInvokeSerialisesConcurrentCalls(t *testing.T) {
	f := startProbe(t, FunctionOptions{})
	const calls = 8
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			id := fmt.Sprintf("concurrent-%d", i)
			payload := []byte(`{"action":"sleep","sleep":"20ms"}`)
			resp, err := f.Invoke(t.Context(), id, payload)
			if err != nil {
				errs <- err
				return
			}
			var r probeReport
			if err := json.Unmarshal(resp.Payload, &r); err != nil || r.RequestID != id {
				errs <- fmt.Errorf("call %s: function saw request id %q (%v)", id, r.RequestID, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCloseStopsEmulatorAndBootstrap(t *testing.T) {
	f, err := StartFunction(t.Context(), FunctionOptions{Bootstrap: testBinaries.Functions[probePackage], RIE: testBinaries.RIE})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Invoke(t.Context(), "", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	runtimePID, err := f.RuntimePID()
	if err != nil {
		t.Fatal(err)
	}
	emulator, err := lookupProcess(f.Pid())
	if err != nil {
		t.Fatal(err)
	}
	bootstrap, err := lookupProcess(runtimePID)
	if err != nil {
		t.Fatal(err)
	}

	if err := f.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if emulator.alive() {
		t.Errorf("emulator pid %d still running after Close", emulator.pid)
	}
	deadline := time.Now().Add(2 * time.Second)
	for bootstrap.alive() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if bootstrap.alive() {
		t.Errorf("bootstrap pid %d still running after Close", bootstrap.pid)
	}
	if _, err := f.Invoke(t.Context(), "", []byte(`{}`)); err == nil {
		t.Error("Invoke after Close succeeded, want an error")
	}
}

func TestStartRejectsMissingBootstrap(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "bootstrap")
	_, err := StartFunction(t.Context(), FunctionOptions{Bootstrap: missing, RIE: testBinaries.RIE})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("StartFunction error = %v, want one naming %s", err, missing)
	}
}

func TestParseFunctionError(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantType string // empty: no error
	}{
		{"success", 200, `{"statusCode":201,"body":"{}"}`, ""},
		{"success with errorMessage among other keys", 200, `{"errorMessage":"x","statusCode":400}`, ""},
		{"success string", 200, `"done"`, ""},
		{"empty success", 200, ``, ""},
		{"handler error", 200, `{"errorMessage":"boom","errorType":"errorString"}`, "errorString"},
		{"error with stack", 200, `{"errorMessage":"boom","errorType":"x","stackTrace":[]}`, "x"},
		{"message only", 200, `{"errorMessage":"boom"}`, ""},
		{"timeout", 200, `Task timed out after 1.00 seconds`, TimeoutErrorType},
		{"crash without document", 502, `bad gateway`, "Runtime.Unknown"},
		{"crash with document", 502, `{"errorMessage":"exit","errorType":"Runtime.ExitError"}`, "Runtime.ExitError"},
		{"non-string errorType", 200, `{"errorType":3}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseFunctionError(tt.status, []byte(tt.body))
			switch {
			case tt.name == "message only":
				if got == nil || got.Message != "boom" {
					t.Errorf("got %+v, want an error with message boom", got)
				}
			case tt.wantType == "" && got != nil:
				t.Errorf("got %+v, want no error", got)
			case tt.wantType != "" && (got == nil || got.Type != tt.wantType):
				t.Errorf("got %+v, want errorType %q", got, tt.wantType)
			}
		})
	}
}

func TestProcessCPUTime(t *testing.T) {
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
	}
	d, err := ProcessCPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d < 40*time.Millisecond {
		t.Errorf("ProcessCPUTime = %v after a 50ms busy loop, want at least 40ms", d)
	}
}
