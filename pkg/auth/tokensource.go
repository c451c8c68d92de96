package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// DefaultExpiryWindow is the default Config.ExpiryWindow. A token is handed
// out only if it stays valid for this long after the caller's deadline, so a
// request that starts just before the deadline does not reach Skylark with a
// token that expired on the way. Five minutes also absorbs a few minutes of
// clock difference between the container and Cognito.
const DefaultExpiryWindow = 5 * time.Minute

// DefaultFetchTimeout bounds one shared renewal (secret read, refresh or
// sign-in, with retries). The renewal runs detached from the cancellation of
// the caller that started it, so the bound is what stops it.
const DefaultFetchTimeout = 30 * time.Second

// failureHold is how long a permanent sign-in failure is returned without
// asking Cognito again, as long as the credentials stay the same. Cognito
// locks a user out after five failed sign-ins, and every further attempt
// doubles the lockout, so a warm container must not try once per invocation.
const failureHold = time.Minute

// CognitoAPI is the part of the Cognito user pool client that the token
// source uses. *cognitoidentityprovider.Client implements it.
type CognitoAPI interface {
	InitiateAuth(ctx context.Context, params *cip.InitiateAuthInput,
		optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(ctx context.Context, params *cip.RespondToAuthChallengeInput,
		optFns ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
}

// Config configures a TokenSource.
type Config struct {
	// UserPoolID is the user pool id, such as "eu-west-1_AbCdEf123".
	UserPoolID string
	// ClientID is the app client id. The app client must allow
	// ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH.
	ClientID string
	// Cognito is the user pool API client. Build it with
	// RetryMaxAttempts = 1: the token source retries temporary failures
	// itself within the caller's deadline (see the package documentation).
	Cognito CognitoAPI
	// Credentials provides the service user's credentials, usually a
	// *SecretCredentials.
	Credentials CredentialsProvider
	// ExpiryWindow is how long past the caller's deadline a handed-out
	// token must stay valid, capped at half of each token's lifetime.
	// Zero means DefaultExpiryWindow.
	ExpiryWindow time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// FetchTimeout bounds one shared renewal. Zero means
	// DefaultFetchTimeout.
	FetchTimeout time.Duration
}

// Stats counts the requests a TokenSource has sent to Cognito.
type Stats struct {
	// SignIns is the number of USER_SRP_AUTH exchanges started, retries
	// included.
	SignIns int64
	// Refreshes is the number of REFRESH_TOKEN_AUTH requests sent, retries
	// included.
	Refreshes int64
}

// TokenSource signs in to Cognito with USER_SRP_AUTH and caches the tokens.
// One TokenSource is meant to be shared by all invocations of a warm
// container: it is safe for concurrent use, and when the cached token must
// be renewed one caller does the work while the others wait for its result.
//
// Renewal order: the cached token is used while it stays valid past the
// caller's deadline plus the expiry window. After that comes
// REFRESH_TOKEN_AUTH with the refresh token of the last sign-in, and a full
// SRP sign-in when Cognito rejects the refresh token. A permanent failure is
// never retried automatically.
type TokenSource struct {
	poolID       string
	clientID     string
	cognito      CognitoAPI
	creds        CredentialsProvider
	window       time.Duration
	now          func() time.Time
	fetchTimeout time.Duration
	srp          *srpFactory

	signIns   atomic.Int64
	refreshes atomic.Int64

	mu          sync.Mutex
	tok         *Token
	sess        session
	lastFailure *heldFailure
	call        *flightCall[*Token]
}

// heldFailure is a permanent sign-in failure for one set of credentials.
type heldFailure struct {
	creds Credentials
	err   error
	until time.Time
}

// NewTokenSource returns a TokenSource for cfg. It makes no request; the
// first Token call signs in.
func NewTokenSource(cfg Config) (*TokenSource, error) {
	const op = "NewTokenSource"
	region, pool, ok := strings.Cut(cfg.UserPoolID, "_")
	switch {
	case !ok || region == "" || pool == "":
		return nil, newError(ErrMisconfigured, op, "", nil,
			"user pool id %q is invalid: expected <region>_<id>, such as eu-west-1_AbCdEf123",
			cfg.UserPoolID)
	case cfg.ClientID == "":
		return nil, newError(ErrMisconfigured, op, "", nil, "app client id is empty")
	case cfg.Cognito == nil:
		return nil, newError(ErrMisconfigured, op, "", nil, "Config.Cognito is nil")
	case cfg.Credentials == nil:
		return nil, newError(ErrMisconfigured, op, "", nil, "Config.Credentials is nil")
	case cfg.ExpiryWindow < 0:
		return nil, newError(ErrMisconfigured, op, "", nil,
			"expiry window %s is negative", cfg.ExpiryWindow)
	case cfg.FetchTimeout < 0:
		return nil, newError(ErrMisconfigured, op, "", nil,
			"fetch timeout %s is negative", cfg.FetchTimeout)
	}
	s := &TokenSource{
		poolID:       cfg.UserPoolID,
		clientID:     cfg.ClientID,
		cognito:      cfg.Cognito,
		creds:        cfg.Credentials,
		window:       cfg.ExpiryWindow,
		now:          cfg.Now,
		fetchTimeout: cfg.FetchTimeout,
		srp:          &srpFactory{poolID: cfg.UserPoolID, clientID: cfg.ClientID},
	}
	if s.window == 0 {
		s.window = DefaultExpiryWindow
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.fetchTimeout == 0 {
		s.fetchTimeout = DefaultFetchTimeout
	}
	return s, nil
}

// Token returns an ID and access token that stay valid past ctx's deadline
// (or now, without one) plus the expiry window, renewing them when needed.
// If ctx ends while another caller's renewal is in progress, Token returns
// ctx.Err() and the renewal goes on for the others. The window is capped at
// half of the token's lifetime, so a token shorter-lived than the window is
// still reused. A token renewed for this call is returned even if it does
// not meet the window, which happens when the container clock runs far
// ahead of Cognito's. Renewing again could not do better, and looping would
// hammer Cognito.
//
// The returned Token is shared with other callers and must not be modified.
// Errors other than ctx.Err() are *Error values; see the Err variables for
// their classes.
func (s *TokenSource) Token(ctx context.Context) (*Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if t := s.tok; t != nil && t.Expiry.After(s.validUntil(ctx, t)) {
		s.mu.Unlock()
		return t, nil
	}
	c := s.call
	if c == nil {
		until, _ := ctx.Deadline()
		renew := func(ctx context.Context) (*Token, error) { return s.renew(ctx, until) }
		c = startFlight(ctx, s.fetchTimeout, renew, s.finish)
		s.call = c
	}
	s.mu.Unlock()
	return c.wait(ctx)
}

// Invalidate drops the cached token if its ID token is idToken, so that the
// next Token call renews it (refresh first). Call it when a server rejects
// the token with 401. A second call for the same token, or a call for a
// token that was replaced already, does nothing.
func (s *TokenSource) Invalidate(idToken string) {
	s.mu.Lock()
	if s.tok != nil && s.tok.IDToken == idToken {
		s.tok = nil
	}
	s.mu.Unlock()
}

// Stats returns the number of sign-ins and refreshes sent so far.
func (s *TokenSource) Stats() Stats {
	return Stats{SignIns: s.signIns.Load(), Refreshes: s.refreshes.Load()}
}

// validUntil returns the time t must outlive to be handed out, on the
// source's clock: the caller's remaining time plus the window for t.
func (s *TokenSource) validUntil(ctx context.Context, t *Token) time.Time {
	base := s.now()
	if d, ok := ctx.Deadline(); ok {
		if left := time.Until(d); left > 0 {
			base = base.Add(left)
		}
	}
	return base.Add(s.windowFor(t))
}

// windowFor returns the expiry window for t: the configured window, at most
// half of t's lifetime. Cognito issues ID tokens of five minutes at the
// shortest, no longer than the default window. Without the cap such a token
// would never meet the window, so every call would renew it.
func (s *TokenSource) windowFor(t *Token) time.Duration {
	if half := t.lifetime / 2; half > 0 && half < s.window {
		return half
	}
	return s.window
}

// finish stores a successful renewal's token and clears the in-flight call.
// renew stores the session itself, because only it can tell whether the
// session changed.
func (s *TokenSource) finish(tok *Token, err error) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.call = nil
	if err == nil {
		s.tok = tok
	}
	return tok, err
}
