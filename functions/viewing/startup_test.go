package main

import (
	"context"
	"strings"
	"testing"
)

func TestBuildNamesEveryBadSetting(t *testing.T) {
	values := map[string]string{
		"SKYLARK_SECRET_ID":    "skylark/integration",
		"COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
		"COGNITO_CLIENT_ID":    "3n4clientid5example6",
		"ASSET_CACHE_SIZE":     "lots",
	}
	_, err := build(context.Background(), func(name string) string { return values[name] })
	if err == nil {
		t.Fatal("build succeeded with two bad settings, want an error")
	}
	for _, want := range []string{"SKYLARK_BASE_URL is not set", `ASSET_CACHE_SIZE="lots"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("build error = %q, want it to contain %q", err, want)
		}
	}
}
