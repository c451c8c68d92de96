// Command viewing is the API Gateway Lambda function that player apps call
// when a user presses play. It serves POST /assets/{uid}/viewings: it takes
// the user from the authorizer's verified claims, checks the user's plans
// against the asset's plan_urls and creates a Skylark viewing with the
// integration's own credentials.
//
// Success is 201 with a JSON body that lists the playback data per OVP
// integration, in Skylark's order:
//
//	{"asset_uid": "asse_…", "playback": [{"ovp": "mux", "tokenised_url": "https://…"}]}
//
// Each playback entry also carries any other keys Skylark returned for that
// integration. Errors are JSON {"code", "message", "request_id"} with a
// stable code; see errors.go for the list.
//
// Settings come from environment variables: the shared ones read by
// internal/setup, and PLANS_CLAIM, ASSET_CACHE_TTL, ASSET_CACHE_SIZE,
// CORS_ALLOWED_ORIGINS and CORS_ALLOW_CREDENTIALS (see config.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/streamkit/skylark-lambda/internal/setup"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// playerRetryMaxDelay is the longest backoff or Retry-After the viewing
// function waits for before it responds to the player.
const playerRetryMaxDelay = time.Second

func main() {
	handler, err := build(context.Background(), os.Getenv)
	if err != nil {
		// Lambda reports an init failure with this output and retries the
		// cold start, so the message must name what to fix.
		setup.ExitOnInitError("viewing", err)
	}
	lambda.Start(handler.Handle)
}

// build reads the settings and creates the long-lived dependencies once per
// container, so warm invocations reuse the Cognito token and asset cache.
func build(ctx context.Context, getenv func(string) string) (*Handler, error) {
	// Both are read before either error is returned, so one failed start
	// names every invalid variable.
	common, errCommon := setup.LoadCommon(getenv)
	cfg, errOwn := LoadConfig(getenv)
	if err := errors.Join(errCommon, errOwn); err != nil {
		return nil, err
	}
	logger := setup.NewLogger(common.LogLevel)

	awsCfg, err := setup.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	// A player is waiting, so the client retries once and waits at most
	// playerRetryMaxDelay: a longer Retry-After from Skylark reaches the
	// player as 429 with that Retry-After instead of a stalled request.
	client, _, err := setup.NewSkylark(ctx, common, awsCfg, skylark.WithRetry(skylark.RetryPolicy{
		MaxAttempts: 2,
		MinDelay:    100 * time.Millisecond,
		MaxDelay:    playerRetryMaxDelay,
	}))
	if err != nil {
		return nil, fmt.Errorf("viewing: create Skylark client: %w", err)
	}

	logger.Info("viewing: started",
		"plans_claim", cfg.PlansClaim,
		"asset_cache_ttl", cfg.AssetCacheTTL.String(),
		"asset_cache_size", cfg.AssetCacheSize,
		"cors_allowed_origins", cfg.CORSAllowedOrigins,
		"cors_allow_credentials", cfg.CORSAllowCredentials)
	return NewHandler(cfg, client.Assets, client.Viewings, logger), nil
}
