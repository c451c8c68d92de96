package lambdatest

import (
	"encoding/json"
	"testing"
	"time"
)

func TestBuildAndStartInvokeProbe(t *testing.T) {
	bootstrap := Build(t, "./internal/localstack/testdata/probe")
	f := Start(t, bootstrap, Options{Name: "probe", Timeout: 3 * time.Second})

	resp, err := f.Invoke(t.Context(), "req-lambdatest", []byte(`{"env":["AWS_LAMBDA_FUNCTION_NAME"]}`))
	if err != nil {
		t.Fatalf("Invoke: %v\n%s", err, f.Logs())
	}
	var report struct {
		RequestID string            `json:"request_id"`
		Env       map[string]string `json:"env"`
	}
	if err := json.Unmarshal(resp.Payload, &report); err != nil {
		t.Fatalf("decode probe response %s: %v", resp.Payload, err)
	}
	if report.RequestID != "req-lambdatest" {
		t.Errorf("function saw request id %q, want req-lambdatest", report.RequestID)
	}
	if got := report.Env["AWS_LAMBDA_FUNCTION_NAME"]; got != "probe" {
		t.Errorf("AWS_LAMBDA_FUNCTION_NAME = %q, want probe", got)
	}
}

func TestStartEmulatorRejectsMissingBootstrap(t *testing.T) {
	if _, err := StartEmulator(t.Context(), t.TempDir()+"/bootstrap", Options{}); err == nil {
		t.Fatal("StartEmulator accepted a missing bootstrap")
	}
}
