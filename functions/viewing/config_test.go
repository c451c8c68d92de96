package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.PlansClaim != "custom:plans" {
		t.Errorf("PlansClaim = %q, want custom:plans", cfg.PlansClaim)
	}
	if cfg.AssetCacheTTL != 30*time.Second {
		t.Errorf("AssetCacheTTL = %s, want 30s", cfg.AssetCacheTTL)
	}
	if cfg.AssetCacheSize != 1000 {
		t.Errorf("AssetCacheSize = %d, want 1000", cfg.AssetCacheSize)
	}
	if len(cfg.CORSAllowedOrigins) != 0 {
		t.Errorf("CORSAllowedOrigins = %q, want none", cfg.CORSAllowedOrigins)
	}
	if cfg.CORSAllowCredentials {
		t.Error("CORSAllowCredentials = true, want false")
	}
}

func TestLoadConfigReadsEveryVariable(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{
		"PLANS_CLAIM":            "custom:subscriptions",
		"ASSET_CACHE_TTL":        "5s",
		"ASSET_CACHE_SIZE":       "50",
		"CORS_ALLOWED_ORIGINS":   " https://App.Example.com/ , http://localhost:3000",
		"CORS_ALLOW_CREDENTIALS": "true",
	}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if cfg.PlansClaim != "custom:subscriptions" {
		t.Errorf("PlansClaim = %q", cfg.PlansClaim)
	}
	if cfg.AssetCacheTTL != 5*time.Second {
		t.Errorf("AssetCacheTTL = %s, want 5s", cfg.AssetCacheTTL)
	}
	if cfg.AssetCacheSize != 50 {
		t.Errorf("AssetCacheSize = %d, want 50", cfg.AssetCacheSize)
	}
	wantOrigins := []string{"https://app.example.com", "http://localhost:3000"}
	if !slices.Equal(cfg.CORSAllowedOrigins, wantOrigins) {
		t.Errorf("CORSAllowedOrigins = %q, want %q", cfg.CORSAllowedOrigins, wantOrigins)
	}
	if !cfg.CORSAllowCredentials {
		t.Error("CORSAllowCredentials = false, want true")
	}
}

func TestLoadConfigRejectsInvalidValues(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		wantText []string // every string must appear in the error
	}{
		{"claim with space", map[string]string{"PLANS_CLAIM": "custom plans"},
			[]string{"PLANS_CLAIM", "custom:plans"}},
		{"TTL not a duration", map[string]string{"ASSET_CACHE_TTL": "30"},
			[]string{"ASSET_CACHE_TTL", "duration"}},
		{"TTL negative", map[string]string{"ASSET_CACHE_TTL": "-1s"},
			[]string{"ASSET_CACHE_TTL", "out of range"}},
		{"TTL too long", map[string]string{"ASSET_CACHE_TTL": "2h"},
			[]string{"ASSET_CACHE_TTL", "out of range"}},
		{"size zero", map[string]string{"ASSET_CACHE_SIZE": "0"},
			[]string{"ASSET_CACHE_SIZE", "1 to"}},
		{"size not a number", map[string]string{"ASSET_CACHE_SIZE": "many"},
			[]string{"ASSET_CACHE_SIZE", "integer"}},
		{"origin with path", map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example.com/player"},
			[]string{"CORS_ALLOWED_ORIGINS", "https://app.example.com/player", "scheme, host"}},
		{"origin without scheme", map[string]string{"CORS_ALLOWED_ORIGINS": "app.example.com"},
			[]string{"CORS_ALLOWED_ORIGINS", "http or https"}},
		{"wildcard mixed with origins", map[string]string{"CORS_ALLOWED_ORIGINS": "*,https://a.example.com"},
			[]string{"CORS_ALLOWED_ORIGINS", "alone"}},
		{"credentials not a boolean", map[string]string{"CORS_ALLOW_CREDENTIALS": "yes"},
			[]string{"CORS_ALLOW_CREDENTIALS", "true or false"}},
		{"wildcard with credentials",
			map[string]string{"CORS_ALLOWED_ORIGINS": "*", "CORS_ALLOW_CREDENTIALS": "true"},
			[]string{"CORS_ALLOWED_ORIGINS", "CORS_ALLOW_CREDENTIALS", "list the allowed origins"}},
		{"several problems at once",
			map[string]string{"ASSET_CACHE_TTL": "soon", "ASSET_CACHE_SIZE": "-3"},
			[]string{"ASSET_CACHE_TTL", "ASSET_CACHE_SIZE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(env(tt.vars))
			if err == nil {
				t.Fatal("LoadConfig accepted an invalid configuration")
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestLoadConfigAllowsWildcardWithoutCredentials(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{"CORS_ALLOWED_ORIGINS": "*"}))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if !slices.Equal(cfg.CORSAllowedOrigins, []string{"*"}) {
		t.Errorf("CORSAllowedOrigins = %q, want [*]", cfg.CORSAllowedOrigins)
	}
}
