package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// commonEnv holds valid shared settings.
func commonEnv() map[string]string {
	values := sampleEnv()
	values["SKYLARK_BASE_URL"] = "https://api.prod.example.skylarkplatform.io"
	values["SKYLARK_SECRET_ID"] = "skylark/integration"
	values["COGNITO_USER_POOL_ID"] = "us-east-1_AbCdEf123"
	values["COGNITO_CLIENT_ID"] = "3n4clientid5example6"
	return values
}

func TestNewHandlerRejectsBadSettings(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		want     string
	}{
		{"shared setting", "SKYLARK_BASE_URL", "", "SKYLARK_BASE_URL is not set"},
		{"ingest setting", "INGEST_WORKERS", "many", `INGEST_WORKERS="many" is not an integer`},
		{"S3 pattern", "S3_KEY_PATTERN", "(", "S3_KEY_PATTERN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := commonEnv()
			values[tt.variable] = tt.value
			_, err := newHandler(context.Background(), envFunc(values))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("newHandler error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestInitFailsOnBadSetting runs main in a child process, as the Lambda
// runtime would start the bootstrap, and checks that a bad setting stops it
// with a message that names the variable.
func TestInitFailsOnBadSetting(t *testing.T) {
	if os.Getenv("INGEST_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitFailsOnBadSetting$")
	cmd.Env = []string{"INGEST_TEST_RUN_MAIN=1", "AWS_REGION=us-east-1"}
	for k, v := range commonEnv() {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "DEADLINE_MARGIN=soon")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("child process ended with %v, want exit status 1; output:\n%s", err, out)
	}
	var line struct {
		Level string `json:"level"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(out, &line); err != nil {
		t.Fatalf("output is not one JSON log line: %v\n%s", err, out)
	}
	if line.Level != "ERROR" {
		t.Errorf("level = %q, want ERROR", line.Level)
	}
	if !strings.Contains(line.Error, `DEADLINE_MARGIN="soon" is not a duration: use a Go duration such as 30s or 5m`) {
		t.Errorf("error = %q, want the variable and what is expected", line.Error)
	}
}
