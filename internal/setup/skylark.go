package setup

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/streamkit/skylark-lambda/pkg/auth"
	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// httpTimeout caps one HTTP exchange with Skylark. The invocation's own
// deadline still applies and is usually shorter.
const httpTimeout = 30 * time.Second

// prefetchTimeout bounds the background read of the secret at start-up.
const prefetchTimeout = 10 * time.Second

// NewSkylark builds the token source and the Skylark client from the shared
// settings. Call it once per execution environment, outside the handler, so
// that warm invocations reuse the cached token and the HTTP connections.
// The options are applied to the client after its HTTP client, so a function
// can choose, for example, its own retry policy. The ID token goes only to
// the host of SKYLARK_BASE_URL (see newHTTPClient).
func NewSkylark(ctx context.Context, c Common, awsCfg aws.Config, opts ...skylark.Option) (*skylark.Client, *auth.TokenSource, error) {
	secrets := secretsmanager.NewFromConfig(awsCfg)
	// The token source retries throttling and outages itself, with jittered
	// backoff bounded by the invocation's deadline; the SDK's retryer would
	// multiply those attempts.
	cognito := cognitoidentityprovider.NewFromConfig(awsCfg, func(o *cognitoidentityprovider.Options) {
		o.RetryMaxAttempts = 1
	})

	tokens, err := auth.NewTokenSource(auth.Config{
		UserPoolID:   c.UserPoolID,
		ClientID:     c.ClientID,
		Cognito:      cognito,
		Credentials:  auth.NewSecretCredentials(secrets, c.SecretID, auth.WithRefreshInterval(c.SecretRefresh)),
		ExpiryWindow: c.ExpiryWindow,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("setup: %w", err)
	}

	httpClient := newHTTPClient(c.SkylarkBaseURL, tokens)
	opts = append([]skylark.Option{skylark.WithHTTPClient(httpClient)}, opts...)
	client, err := skylark.NewClient(c.SkylarkBaseURL, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("setup: %w", err)
	}

	// Read the secret and start the first sign-in's SRP computation while
	// the runtime starts up, off the first invocation's path. Errors are
	// left to the first Token call, which reports them.
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), prefetchTimeout)
		defer cancel()
		tokens.Prefetch(ctx)
	}()
	return client, tokens, nil
}

// newHTTPClient returns the HTTP client for Skylark. It adds the ID token
// from tokens to requests for the host of baseURL only: a request for any
// other host, such as one a redirect leads to, fails with an error wrapping
// auth.ErrHostNotAllowed and sends nothing.
func newHTTPClient(baseURL string, tokens *auth.TokenSource) *http.Client {
	// An unparsable base URL leaves Host empty here, but skylark.NewClient
	// rejects that URL, so no client is built with it.
	var host string
	if u, err := url.Parse(baseURL); err == nil {
		host = u.Host
	}
	return &http.Client{
		Timeout:   httpTimeout,
		Transport: &auth.Transport{Source: tokens, Base: http.DefaultTransport, Host: host},
	}
}
