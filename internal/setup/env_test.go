package setup

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(values map[string]string) func(string) string {
	return func(name string) string { return values[name] }
}

func validEnv() map[string]string {
	return map[string]string{
		"SKYLARK_BASE_URL":     "https://api.prod.example.skylarkplatform.io",
		"SKYLARK_SECRET_ID":    "skylark/integration",
		"COGNITO_USER_POOL_ID": "eu-west-1_AbCdEf123",
		"COGNITO_CLIENT_ID":    "3n4clientid5example6",
	}
}

func TestLoadCommonDefaults(t *testing.T) {
	c, err := LoadCommon(env(validEnv()))
	if err != nil {
		t.Fatalf("LoadCommon: %v", err)
	}
	if c.ExpiryWindow != DefaultExpiryWindow {
		t.Errorf("ExpiryWindow = %s, want %s", c.ExpiryWindow, DefaultExpiryWindow)
	}
	if c.SecretRefresh != DefaultSecretRefresh {
		t.Errorf("SecretRefresh = %s, want %s", c.SecretRefresh, DefaultSecretRefresh)
	}
	if c.LogLevel != slog.LevelInfo {
		t.Errorf("LogLevel = %s, want INFO", c.LogLevel)
	}
	if c.UserPoolID != "eu-west-1_AbCdEf123" {
		t.Errorf("UserPoolID = %q", c.UserPoolID)
	}
}

func TestLoadCommonOverrides(t *testing.T) {
	values := validEnv()
	values["TOKEN_EXPIRY_WINDOW"] = "2m"
	values["SECRET_REFRESH_INTERVAL"] = "1h"
	values["LOG_LEVEL"] = "DEBUG"
	c, err := LoadCommon(env(values))
	if err != nil {
		t.Fatalf("LoadCommon: %v", err)
	}
	if c.ExpiryWindow != 2*time.Minute {
		t.Errorf("ExpiryWindow = %s, want 2m", c.ExpiryWindow)
	}
	if c.SecretRefresh != time.Hour {
		t.Errorf("SecretRefresh = %s, want 1h", c.SecretRefresh)
	}
	if c.LogLevel != slog.LevelDebug {
		t.Errorf("LogLevel = %s, want DEBUG", c.LogLevel)
	}
}

func TestLoadCommonInvalid(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		want     string
	}{
		{"missing base URL", "SKYLARK_BASE_URL", "", "SKYLARK_BASE_URL is not set"},
		{"relative base URL", "SKYLARK_BASE_URL", "api.example.com", `SKYLARK_BASE_URL="api.example.com" is not an absolute`},
		{"base URL with user info", "SKYLARK_BASE_URL", "https://user:hunter2@api.example.com", "must not contain user info"},
		{"missing secret", "SKYLARK_SECRET_ID", "", "SKYLARK_SECRET_ID is not set"},
		{"pool without region", "COGNITO_USER_POOL_ID", "AbCdEf123", `COGNITO_USER_POOL_ID="AbCdEf123" is not a user pool id`},
		{"missing client", "COGNITO_CLIENT_ID", "", "COGNITO_CLIENT_ID is not set"},
		{"bad window", "TOKEN_EXPIRY_WINDOW", "five minutes", `TOKEN_EXPIRY_WINDOW="five minutes" is not a duration`},
		{"window too long", "TOKEN_EXPIRY_WINDOW", "2h", "out of range"},
		{"refresh too short", "SECRET_REFRESH_INTERVAL", "1ms", "out of range"},
		{"bad log level", "LOG_LEVEL", "verbose", `LOG_LEVEL="verbose" is not a log level`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := validEnv()
			values[tt.variable] = tt.value
			_, err := LoadCommon(env(values))
			if err == nil {
				t.Fatalf("LoadCommon with %s=%q succeeded, want an error", tt.variable, tt.value)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadCommonNeverEchoesPassword(t *testing.T) {
	values := validEnv()
	values["SKYLARK_BASE_URL"] = "https://user:hunter2@api.example.com"
	_, err := LoadCommon(env(values))
	if err == nil {
		t.Fatal("LoadCommon succeeded, want an error")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q contains the password from the URL", err)
	}
}

func TestIntAndBool(t *testing.T) {
	get := env(map[string]string{"N": "12", "BAD": "x", "B": "true", "BIG": "99"})
	if n, err := Int(get, "N", 4, 1, 64); err != nil || n != 12 {
		t.Errorf("Int(N) = %d, %v; want 12, nil", n, err)
	}
	if n, err := Int(get, "UNSET", 4, 1, 64); err != nil || n != 4 {
		t.Errorf("Int(UNSET) = %d, %v; want default 4", n, err)
	}
	if _, err := Int(get, "BAD", 4, 1, 64); err == nil || !strings.Contains(err.Error(), `BAD="x"`) {
		t.Errorf("Int(BAD) error = %v, want one naming BAD", err)
	}
	if _, err := Int(get, "BIG", 4, 1, 64); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("Int(BIG) error = %v, want out of range", err)
	}
	if b, err := Bool(get, "B", false); err != nil || !b {
		t.Errorf("Bool(B) = %v, %v; want true", b, err)
	}
	if _, err := Bool(get, "BAD", false); err == nil {
		t.Error("Bool(BAD) succeeded, want an error")
	}
}
