package cognitotest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Default settings, matching a new Cognito app client unless noted.
const (
	DefaultPoolID               = "us-east-1_Local1"
	DefaultTokenLifetime        = time.Hour
	DefaultRefreshTokenLifetime = 30 * 24 * time.Hour
	DefaultAuthSessionValidity  = 3 * time.Minute
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// PoolID is the user pool id, "<region>_<name>". The part after the
	// underscore goes into every SRP proof. Default DefaultPoolID.
	PoolID string

	// Addr is the TCP address to listen on. Default "127.0.0.1:0", a free
	// loopback port.
	Addr string

	// Now is the server clock. Default time.Now.
	Now func() time.Time

	// TokenLifetime is the lifetime of ID and access tokens and
	// RefreshTokenLifetime that of refresh tokens. Defaults
	// DefaultTokenLifetime and DefaultRefreshTokenLifetime.
	TokenLifetime        time.Duration
	RefreshTokenLifetime time.Duration

	// AuthSessionValidity is how long a SECRET_BLOCK or a challenge Session
	// stays valid. Default DefaultAuthSessionValidity.
	AuthSessionValidity time.Duration

	// UserRequestsPerSecond, when positive, throttles sign-in requests per
	// user with TooManyRequestsException "Rate exceeded". Cognito allows 10
	// per user and second. Default 0, no per-user throttle.
	UserRequestsPerSecond int
}

// Server is a local Cognito user pool that speaks the AWS JSON 1.1 protocol
// of the cognito-idp service for InitiateAuth and RespondToAuthChallenge and
// serves the pool's JWKS. It verifies SRP proofs for real. All methods are
// safe for concurrent use.
type Server struct {
	// URL is the base endpoint, "http://127.0.0.1:PORT", to be used as the
	// SDK client's BaseEndpoint.
	URL string

	// PoolID is the user pool id.
	PoolID string

	poolName   string
	region     string
	listener   net.Listener
	httpServer *http.Server
	closed     chan struct{}
	once       sync.Once
	key        *signingKey

	mu                   sync.Mutex
	now                  func() time.Time
	tokenLifetime        time.Duration
	refreshTokenLifetime time.Duration
	authSessionValidity  time.Duration
	userRate             int
	clients              map[string]*Client
	clientOrder          []string
	users                map[string]*userRecord
	emails               map[string]string
	srpSessions          map[string]*srpSession
	authSessions         map[string]*authSession
	refreshTokens        map[string]*refreshRecord
	faults               []*faultState
	counts               map[string]int
	fakeSecret           []byte
}

// Start validates opts, starts a Server and returns it. Call Close when
// done. Use NewServer in tests.
func Start(opts Options) (*Server, error) {
	if err := checkGroup(); err != nil {
		return nil, err
	}
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cognitotest: listen on %q: %w", addr, err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String()
	s.httpServer = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	// Serve returns http.ErrServerClosed once Close runs.
	go func() { _ = s.httpServer.Serve(ln) }()
	return s, nil
}

// NewServer starts a Server for a test and closes it when the test ends.
// tb may be nil, and then the caller must call Close. Invalid options fail
// the test, or panic when tb is nil.
func NewServer(tb testing.TB, opts Options) *Server {
	if tb != nil {
		tb.Helper()
	}
	s, err := Start(opts)
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	if tb != nil {
		tb.Cleanup(s.Close)
	}
	return s
}

func newServer(opts Options) (*Server, error) {
	s := &Server{
		PoolID:               opts.PoolID,
		now:                  opts.Now,
		tokenLifetime:        opts.TokenLifetime,
		refreshTokenLifetime: opts.RefreshTokenLifetime,
		authSessionValidity:  opts.AuthSessionValidity,
		userRate:             opts.UserRequestsPerSecond,
		closed:               make(chan struct{}),
		clients:              map[string]*Client{},
		users:                map[string]*userRecord{},
		emails:               map[string]string{},
		srpSessions:          map[string]*srpSession{},
		authSessions:         map[string]*authSession{},
		refreshTokens:        map[string]*refreshRecord{},
		counts:               map[string]int{},
		fakeSecret:           make([]byte, 32),
	}
	if s.PoolID == "" {
		s.PoolID = DefaultPoolID
	}
	region, name, ok := strings.Cut(s.PoolID, "_")
	if !ok || region == "" || name == "" || strings.Contains(name, "_") {
		return nil, fmt.Errorf("cognitotest: invalid pool id %q: want <region>_<name>, such as %q",
			s.PoolID, DefaultPoolID)
	}
	s.region, s.poolName = region, name
	if s.now == nil {
		s.now = time.Now
	}
	if s.tokenLifetime == 0 {
		s.tokenLifetime = DefaultTokenLifetime
	}
	if s.refreshTokenLifetime == 0 {
		s.refreshTokenLifetime = DefaultRefreshTokenLifetime
	}
	if s.authSessionValidity == 0 {
		s.authSessionValidity = DefaultAuthSessionValidity
	}
	if s.tokenLifetime < 0 || s.refreshTokenLifetime < 0 || s.authSessionValidity < 0 {
		return nil, errors.New("cognitotest: token lifetimes and AuthSessionValidity must not be negative")
	}
	if s.userRate < 0 {
		return nil, fmt.Errorf("cognitotest: invalid UserRequestsPerSecond %d: want 0 (off) or more", s.userRate)
	}
	if _, err := rand.Read(s.fakeSecret); err != nil {
		return nil, fmt.Errorf("cognitotest: read random key: %w", err)
	}
	key, err := sharedSigningKey()
	if err != nil {
		return nil, err
	}
	s.key = key
	return s, nil
}

// Close stops the server and waits briefly for requests in flight.
// It is safe to call more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closed)
		if s.httpServer == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.httpServer.Shutdown(ctx); err != nil {
			s.httpServer.Close()
		}
	})
}

// Issuer returns the "iss" claim of the tokens: URL + "/" + PoolID.
func (s *Server) Issuer() string { return s.URL + "/" + s.PoolID }

// JWKSURL returns the address of the pool's JSON Web Key Set.
func (s *Server) JWKSURL() string { return s.Issuer() + "/.well-known/jwks.json" }

// Region returns the region part of the pool id.
func (s *Server) Region() string { return s.region }

// SetClock replaces the server clock; nil restores time.Now.
func (s *Server) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetTokenLifetimes sets the lifetime of ID and access tokens and of
// refresh tokens issued from now on. A zero value keeps the current setting.
func (s *Server) SetTokenLifetimes(token, refresh time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if token > 0 {
		s.tokenLifetime = token
	}
	if refresh > 0 {
		s.refreshTokenLifetime = refresh
	}
}

// clock returns the current server time. The caller must hold s.mu.
func (s *Server) clock() time.Time { return s.now() }

// currentTime returns the current server time, taking the lock.
func (s *Server) currentTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}
