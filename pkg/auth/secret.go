package auth

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// DefaultSecretRefresh is how long SecretCredentials reuses a secret it has
// read before reading it again, so that a rotated password is picked up by
// warm containers.
const DefaultSecretRefresh = 15 * time.Minute

// staleRetry is the delay before SecretCredentials reads again after a
// temporary failure, while it keeps serving the value it read before.
const staleRetry = 30 * time.Second

// SecretsManagerAPI is the part of the Secrets Manager client that
// SecretCredentials uses. *secretsmanager.Client implements it.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput,
		optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretOption configures SecretCredentials.
type SecretOption func(*SecretCredentials)

// WithRefreshInterval sets how long a secret value is reused before it is
// read again (default DefaultSecretRefresh). A value <= 0 keeps the default.
func WithRefreshInterval(d time.Duration) SecretOption {
	return func(c *SecretCredentials) {
		if d > 0 {
			c.refresh = d
		}
	}
}

// WithSecretClock sets the clock that decides when the value is read again
// (default time.Now).
func WithSecretClock(now func() time.Time) SecretOption {
	return func(c *SecretCredentials) {
		if now != nil {
			c.now = now
		}
	}
}

// WithFetchTimeout bounds one shared read of the secret, which runs detached
// from the cancellation of the caller that started it (default
// DefaultFetchTimeout).
func WithFetchTimeout(d time.Duration) SecretOption {
	return func(c *SecretCredentials) {
		if d > 0 {
			c.fetchTimeout = d
		}
	}
}

// SecretCredentials is a CredentialsProvider that reads the credentials from
// an AWS Secrets Manager secret whose SecretString is a JSON object:
//
//	{"username": "svc-skylark", "password": "...", "client_secret": "..."}
//
// client_secret is optional; leave it out (or empty) when the app client has
// no secret. The value is cached and read again after the refresh interval.
// When several callers need a new value at the same time, one read is made
// and shared. SecretCredentials is safe for concurrent use.
type SecretCredentials struct {
	client       SecretsManagerAPI
	secretID     string
	refresh      time.Duration
	fetchTimeout time.Duration
	now          func() time.Time

	mu        sync.Mutex
	creds     Credentials
	has       bool
	nextFetch time.Time
	call      *flightCall[Credentials]
}

// NewSecretCredentials returns a provider that reads the secret secretID (a
// name or ARN) with client. The AWSCURRENT version is read.
func NewSecretCredentials(client SecretsManagerAPI, secretID string, opts ...SecretOption) *SecretCredentials {
	c := &SecretCredentials{
		client:       client,
		secretID:     secretID,
		refresh:      DefaultSecretRefresh,
		fetchTimeout: DefaultFetchTimeout,
		now:          time.Now,
	}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// Credentials returns the cached credentials, or reads the secret when there
// are none or they are older than the refresh interval. When ctx ends first,
// it returns ctx.Err() and the read goes on for the other callers. After a
// temporary failure (throttling, service error) it returns the value read
// before, if there is one, and tries again 30 seconds later.
func (c *SecretCredentials) Credentials(ctx context.Context) (Credentials, error) {
	if err := ctx.Err(); err != nil {
		return Credentials{}, err
	}
	c.mu.Lock()
	if c.has && c.now().Before(c.nextFetch) {
		creds := c.creds
		c.mu.Unlock()
		return creds, nil
	}
	call := c.call
	if call == nil {
		call = startFlight(ctx, c.fetchTimeout, c.read, c.store)
		c.call = call
	}
	c.mu.Unlock()
	return call.wait(ctx)
}

// Invalidate makes the next Credentials call read the secret again. The token
// source calls it when Cognito rejects the credentials, so that a password
// rotated in the meantime is used at once.
func (c *SecretCredentials) Invalidate() {
	c.mu.Lock()
	c.nextFetch = time.Time{}
	c.mu.Unlock()
}

// SecretID returns the name or ARN of the secret.
func (c *SecretCredentials) SecretID() string {
	return c.secretID
}

// store records the result of a read and clears the in-flight call. After a
// temporary failure it returns the value read before, when there is one.
func (c *SecretCredentials) store(creds Credentials, err error) (Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call = nil
	now := c.now()
	if err == nil {
		c.creds, c.has = creds, true
		c.nextFetch = now.Add(c.refresh)
		return creds, nil
	}
	if e, ok := asError(err); ok && e.Temporary() && c.has {
		c.nextFetch = now.Add(min(c.refresh, staleRetry))
		return c.creds, nil
	}
	return Credentials{}, err
}

// read fetches and parses the secret.
func (c *SecretCredentials) read(ctx context.Context) (Credentials, error) {
	out, err := c.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: &c.secretID,
	})
	if err != nil {
		return Credentials{}, classifySecretsManager(c.secretID, err)
	}
	return parseSecret(c.secretID, out)
}
