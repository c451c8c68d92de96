// Package jwks fetches and caches the RSA keys of a JSON Web Key Set, such
// as the one a Cognito user pool serves at
// <issuer>/.well-known/jwks.json, and looks them up by key id ("kid") to
// verify RS256 tokens with github.com/golang-jwt/jwt/v5.
//
// The package checks only signatures. Which claims a token must carry is
// the caller's rule, given as jwt.ParserOption values.
package jwks

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultRefetchInterval is the refetch interval used when
// Options.RefetchInterval is zero.
const DefaultRefetchInterval = 10 * time.Second

// maxBodySize limits how much of a key set response is read. A key set of a
// few RSA keys needs a few KiB at most.
const maxBodySize = 1 << 20

// ErrUnknownKey is returned by Set.Key when the key set has no key with the
// requested id, or when the id is empty.
var ErrUnknownKey = errors.New("jwks: unknown key id")

// FetchError is a failure to download or decode the key set: a fault of the
// issuer or of the configuration, not of the token being verified.
type FetchError struct {
	// URL is the key set address.
	URL string

	// Err is the cause.
	Err error
}

// Error returns the message, naming the key set URL.
func (e *FetchError) Error() string {
	return fmt.Sprintf("jwks: fetch the key set from %s: %v", e.URL, e.Err)
}

// Unwrap returns the cause.
func (e *FetchError) Unwrap() error { return e.Err }

// Options configures a Set. The zero value is ready to use.
type Options struct {
	// HTTPClient downloads the key set. Default a client with a 10 s
	// timeout.
	HTTPClient *http.Client

	// RefetchInterval is the minimum time between two downloads caused by
	// unknown key ids, so a stream of tokens with forged ids cannot turn
	// into a stream of requests to the issuer. Default
	// DefaultRefetchInterval.
	RefetchInterval time.Duration

	// Now is the clock that times refetches. Default time.Now.
	Now func() time.Time
}

// Set is a cached JSON Web Key Set. The first lookup downloads it. Once it
// is cached, a lookup of an unknown key id downloads it again, at most once
// per RefetchInterval, which picks up rotated keys. Its methods are safe for
// concurrent use, and concurrent lookups share one download.
type Set struct {
	url             string
	client          *http.Client
	refetchInterval time.Duration
	now             func() time.Time

	mu          sync.Mutex
	keys        map[string]*rsa.PublicKey // nil until a download succeeds
	lastAttempt time.Time
}

// New returns a Set for the key set at url. It downloads nothing until the
// first lookup.
func New(url string, opts Options) *Set {
	s := &Set{
		url:             url,
		client:          opts.HTTPClient,
		refetchInterval: opts.RefetchInterval,
		now:             opts.Now,
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.refetchInterval <= 0 {
		s.refetchInterval = DefaultRefetchInterval
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Key returns the public key with id kid. The error wraps ErrUnknownKey
// when no such key exists, or is a *FetchError when the key set could not
// be downloaded or decoded.
//
// Until a download succeeds, every lookup tries one. Once keys are cached,
// an unknown kid triggers a download only when the previous attempt,
// successful or not, is at least RefetchInterval old.
func (s *Set) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if kid == "" {
		return nil, fmt.Errorf("%w: the token header has no kid", ErrUnknownKey)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key, ok := s.keys[kid]; ok {
		return key, nil
	}

	now := s.now()
	if s.keys != nil && now.Sub(s.lastAttempt) < s.refetchInterval {
		return nil, s.unknown(kid)
	}
	s.lastAttempt = now
	keys, err := s.fetch(ctx)
	if err != nil {
		return nil, &FetchError{URL: s.url, Err: err}
	}
	s.keys = keys

	if key, ok := keys[kid]; ok {
		return key, nil
	}
	return nil, s.unknown(kid)
}

func (s *Set) unknown(kid string) error {
	return fmt.Errorf("%w: no key with kid %q in the key set at %s", ErrUnknownKey, kid, s.url)
}

// Keyfunc returns a jwt.Keyfunc that looks up the key named by the token's
// "kid" header. ctx bounds any download it makes. Restrict the accepted
// algorithms with jwt.WithValidMethods, because the keys are RSA keys.
func (s *Set) Keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, err := s.Key(ctx, kid)
		if err != nil {
			return nil, err
		}
		return key, nil
	}
}

func (s *Set) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d, want 200", resp.StatusCode)
	}
	return Parse(io.LimitReader(resp.Body, maxBodySize))
}
