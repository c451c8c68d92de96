package main

import (
	"context"
	"strings"
	"testing"
)

func TestBuildRejectsInvalidSettings(t *testing.T) {
	common := map[string]string{
		"SKYLARK_BASE_URL":     "http://127.0.0.1:9",
		"SKYLARK_SECRET_ID":    "skylark/integration",
		"COGNITO_USER_POOL_ID": "us-east-1_Skylark1",
		"COGNITO_CLIENT_ID":    serviceClientID,
	}
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"shared setting missing", map[string]string{"ASSET_CACHE_TTL": "5s"}, "SKYLARK_BASE_URL"},
		{"own setting invalid", map[string]string{"ASSET_CACHE_TTL": "soon"}, "ASSET_CACHE_TTL"},
		{"wildcard origin with credentials",
			map[string]string{"CORS_ALLOWED_ORIGINS": "*", "CORS_ALLOW_CREDENTIALS": "true"},
			"CORS_ALLOW_CREDENTIALS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			if tt.want != "SKYLARK_BASE_URL" {
				for k, v := range common {
					vars[k] = v
				}
			}
			for k, v := range tt.vars {
				vars[k] = v
			}

			h, err := build(context.Background(), env(vars))

			if err == nil {
				t.Fatalf("build returned a handler (%v) for invalid settings", h)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
		})
	}
}
