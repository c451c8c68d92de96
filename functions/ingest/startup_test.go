package main

import (
	"context"
	"strings"
	"testing"
)

func TestNewHandlerNamesEveryBadSetting(t *testing.T) {
	values := commonEnv()
	values["SKYLARK_BASE_URL"] = ""
	values["INGEST_WORKERS"] = "many"
	_, err := newHandler(context.Background(), envFunc(values))
	if err == nil {
		t.Fatal("newHandler succeeded with two bad settings, want an error")
	}
	for _, want := range []string{"SKYLARK_BASE_URL is not set", `INGEST_WORKERS="many"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("newHandler error = %q, want it to contain %q", err, want)
		}
	}
}
