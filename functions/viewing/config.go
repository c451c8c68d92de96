package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/streamkit/skylark-lambda/internal/setup"
)

// Defaults for the optional settings.
const (
	defaultPlansClaim     = "custom:plans"
	defaultAssetCacheTTL  = 30 * time.Second
	defaultAssetCacheSize = 1000

	// maxAssetCacheTTL keeps the cache short-lived: a plan removed from an
	// asset in Skylark must stop granting access within minutes.
	maxAssetCacheTTL  = time.Hour
	maxAssetCacheSize = 1_000_000
)

// Config holds the viewing function's own settings. The settings shared with
// the ingest function (Skylark URL, Cognito pool, secret, log level) are read
// by internal/setup.
type Config struct {
	// PlansClaim is the name of the end user's claim that lists their plans
	// (PLANS_CLAIM).
	PlansClaim string
	// AssetCacheTTL is how long an asset look-up is reused by a warm
	// container (ASSET_CACHE_TTL); zero turns caching off.
	AssetCacheTTL time.Duration
	// AssetCacheSize is the maximum number of cached assets
	// (ASSET_CACHE_SIZE); the least recently used one is dropped first.
	AssetCacheSize int
	// CORSAllowedOrigins lists the browser origins allowed to call the
	// function (CORS_ALLOWED_ORIGINS), normalised to lower-case
	// "scheme://host[:port]", or the single entry "*". Empty turns CORS off.
	CORSAllowedOrigins []string
	// CORSAllowCredentials sends Access-Control-Allow-Credentials: true
	// (CORS_ALLOW_CREDENTIALS).
	CORSAllowCredentials bool
}

// LoadConfig reads and validates the viewing function's settings through
// getenv (os.Getenv in main). The error names every invalid variable and
// the expected value.
func LoadConfig(getenv func(string) string) (Config, error) {
	var cfg Config
	var problems []string
	check := func(err error) {
		if err != nil {
			problems = append(problems, err.Error())
		}
	}

	cfg.PlansClaim = strings.TrimSpace(getenv("PLANS_CLAIM"))
	if cfg.PlansClaim == "" {
		cfg.PlansClaim = defaultPlansClaim
	} else if strings.ContainsAny(cfg.PlansClaim, " \t\r\n,") {
		check(fmt.Errorf("PLANS_CLAIM=%q is not a claim name: use one name without "+
			"spaces or commas, such as custom:plans", cfg.PlansClaim))
	}

	var err error
	cfg.AssetCacheTTL, err = setup.Duration(getenv, "ASSET_CACHE_TTL",
		defaultAssetCacheTTL, 0, maxAssetCacheTTL)
	check(err)
	cfg.AssetCacheSize, err = setup.Int(getenv, "ASSET_CACHE_SIZE",
		defaultAssetCacheSize, 1, maxAssetCacheSize)
	check(err)
	cfg.CORSAllowedOrigins, err = parseOrigins(getenv("CORS_ALLOWED_ORIGINS"))
	check(err)
	cfg.CORSAllowCredentials, err = setup.Bool(getenv, "CORS_ALLOW_CREDENTIALS", false)
	check(err)

	// Browsers reject a credentialed response whose allowed origin is the
	// wildcard, so this combination could only break callers.
	if cfg.CORSAllowCredentials && slices.Contains(cfg.CORSAllowedOrigins, "*") {
		check(errors.New("CORS_ALLOWED_ORIGINS=\"*\" cannot be combined with " +
			"CORS_ALLOW_CREDENTIALS=true: list the allowed origins, such as https://app.example.com"))
	}

	if len(problems) > 0 {
		return Config{}, fmt.Errorf("viewing: invalid configuration: %s", strings.Join(problems, "; "))
	}
	return cfg, nil
}

// parseOrigins parses the comma-separated CORS_ALLOWED_ORIGINS value.
func parseOrigins(value string) ([]string, error) {
	var origins []string
	for _, field := range strings.Split(value, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		if field == "*" {
			origins = append(origins, field)
			continue
		}
		origin, err := normaliseOrigin(field)
		if err != nil {
			return nil, fmt.Errorf("CORS_ALLOWED_ORIGINS entry %q is not an origin: %w", field, err)
		}
		origins = append(origins, origin)
	}
	if len(origins) > 1 {
		for _, o := range origins {
			if o == "*" {
				return nil, fmt.Errorf("CORS_ALLOWED_ORIGINS=%q mixes \"*\" with origins: "+
					"use either \"*\" alone or a list of origins", value)
			}
		}
	}
	return origins, nil
}

// normaliseOrigin checks that s is a browser origin (scheme, host and an
// optional port, nothing else) and returns it in lower case without a
// trailing slash.
func normaliseOrigin(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("use an origin such as https://app.example.com: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return "", errors.New("use an http or https origin such as https://app.example.com")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") ||
		u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("use scheme, host and optional port only, " +
			"such as https://app.example.com:8443")
	}
	return scheme + "://" + strings.ToLower(u.Host), nil
}
