package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// keyServer serves a JSON Web Key Set whose content and status the test
// sets, and counts the requests it receives.
type keyServer struct {
	*httptest.Server

	mu       sync.Mutex
	status   int
	keys     []map[string]string
	requests int
}

func newKeyServer(t *testing.T, keys ...map[string]string) *keyServer {
	t.Helper()
	ks := &keyServer{status: http.StatusOK, keys: keys}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		ks.requests++
		if ks.status != http.StatusOK {
			http.Error(w, "unavailable", ks.status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": ks.keys})
	}))
	t.Cleanup(ks.Close)
	return ks
}

func (ks *keyServer) set(status int, keys ...map[string]string) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.status, ks.keys = status, keys
}

func (ks *keyServer) count() int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.requests
}

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate RSA key: %v", err)
	}
	return key
}

// rsaJWK renders the public half of key as a JWK with id kid.
func rsaJWK(kid string, key *rsa.PrivateKey) map[string]string {
	return map[string]string{
		"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}
}

// fakeClock is a clock that moves only when the test advances it.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func wantRequests(t *testing.T, ks *keyServer, want int) {
	t.Helper()
	if got := ks.count(); got != want {
		t.Errorf("key set requested %d times, want %d", got, want)
	}
}

func wantUnknownKey(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnknownKey) {
		t.Errorf("error = %v, want ErrUnknownKey", err)
	}
}

func TestKeyGoodKey(t *testing.T) {
	priv := newRSAKey(t)
	ks := newKeyServer(t, rsaJWK("k1", priv))
	set := New(ks.URL, Options{})

	for range 3 {
		key, err := set.Key(context.Background(), "k1")
		if err != nil {
			t.Fatalf("Key: %v", err)
		}
		if !key.Equal(&priv.PublicKey) {
			t.Error("Key returned a different public key than the one served")
		}
	}
	wantRequests(t, ks, 1)
}

func TestKeyConcurrentLookups(t *testing.T) {
	ks := newKeyServer(t, rsaJWK("k1", newRSAKey(t)))
	set := New(ks.URL, Options{})

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := set.Key(context.Background(), "k1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Key: %v", err)
		}
	}
	wantRequests(t, ks, 1)
}

func TestKeyUnknownKidRefetch(t *testing.T) {
	first, second := newRSAKey(t), newRSAKey(t)
	ks := newKeyServer(t, rsaJWK("k1", first))
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	set := New(ks.URL, Options{RefetchInterval: time.Minute, Now: clock.Now})
	ctx := context.Background()

	if _, err := set.Key(ctx, "k1"); err != nil {
		t.Fatalf("Key(k1): %v", err)
	}
	// The first unknown kid within the interval does not refetch, however
	// often it is asked for.
	for range 5 {
		_, err := set.Key(ctx, "k2")
		wantUnknownKey(t, err)
	}
	wantRequests(t, ks, 1)

	ks.set(http.StatusOK, rsaJWK("k1", first), rsaJWK("k2", second))
	clock.Advance(time.Minute)
	key, err := set.Key(ctx, "k2")
	if err != nil {
		t.Fatalf("Key(k2) after the interval: %v", err)
	}
	if !key.Equal(&second.PublicKey) {
		t.Error("Key(k2) returned a different public key than the rotated one")
	}
	wantRequests(t, ks, 2)

	// Another unknown kid right after the refetch waits for the interval.
	_, err = set.Key(ctx, "k3")
	wantUnknownKey(t, err)
	wantRequests(t, ks, 2)
	clock.Advance(time.Minute)
	_, err = set.Key(ctx, "k3")
	wantUnknownKey(t, err)
	wantRequests(t, ks, 3)
}

func TestKeyEmptyKid(t *testing.T) {
	ks := newKeyServer(t, rsaJWK("k1", newRSAKey(t)))
	_, err := New(ks.URL, Options{}).Key(context.Background(), "")
	wantUnknownKey(t, err)
	wantRequests(t, ks, 0)
}

func TestKeyHTTPError(t *testing.T) {
	priv := newRSAKey(t)
	ks := newKeyServer(t)
	ks.set(http.StatusServiceUnavailable)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	set := New(ks.URL, Options{RefetchInterval: time.Minute, Now: clock.Now})
	ctx := context.Background()

	_, err := set.Key(ctx, "k1")
	var fetchErr *FetchError
	if !errors.As(err, &fetchErr) {
		t.Fatalf("error = %v, want a *FetchError", err)
	}
	if fetchErr.URL != ks.URL {
		t.Errorf("FetchError.URL = %q, want %q", fetchErr.URL, ks.URL)
	}
	if !strings.Contains(err.Error(), "503") {
		t.Errorf("error %q does not name the status 503", err)
	}

	// With nothing cached, the next lookup tries again at once.
	ks.set(http.StatusOK, rsaJWK("k1", priv))
	if _, err := set.Key(ctx, "k1"); err != nil {
		t.Fatalf("Key after the server recovered: %v", err)
	}
	wantRequests(t, ks, 2)

	// Once keys are cached, a failing refetch counts against the interval.
	ks.set(http.StatusInternalServerError)
	clock.Advance(time.Minute)
	if _, err := set.Key(ctx, "k2"); !errors.As(err, &fetchErr) {
		t.Errorf("refetch error = %v, want a *FetchError", err)
	}
	_, err = set.Key(ctx, "k2")
	wantUnknownKey(t, err)
	wantRequests(t, ks, 3)
	if _, err := set.Key(ctx, "k1"); err != nil {
		t.Errorf("Key(k1) after a failed refetch: %v, want the cached key", err)
	}
}

func TestKeyUnreachable(t *testing.T) {
	ks := newKeyServer(t)
	url := ks.URL
	ks.Close()
	_, err := New(url, Options{}).Key(context.Background(), "k1")
	var fetchErr *FetchError
	if !errors.As(err, &fetchErr) {
		t.Errorf("error = %v, want a *FetchError", err)
	}
}

func TestParse(t *testing.T) {
	priv := newRSAKey(t)
	good := rsaJWK("good", priv)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Bytes returns the uncompressed point 0x04 || X || Y, 32 bytes each.
	point, err := ecKey.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ecJWK := map[string]string{
		"kid": "ec", "kty": "EC", "crv": "P-256",
		"x": base64.RawURLEncoding.EncodeToString(point[1:33]),
		"y": base64.RawURLEncoding.EncodeToString(point[33:]),
	}
	with := func(field, value string) map[string]string {
		k := map[string]string{}
		for name, v := range good {
			k[name] = v
		}
		k["kid"] = "bad"
		k[field] = value
		return k
	}

	tests := []struct {
		name     string
		keys     []map[string]string
		wantKids []string
		wantErr  string
	}{
		{name: "RSA key", keys: []map[string]string{good}, wantKids: []string{"good"}},
		{name: "EC key ignored", keys: []map[string]string{ecJWK, good}, wantKids: []string{"good"}},
		{name: "RSA key without kid ignored", keys: []map[string]string{with("kid", ""), good},
			wantKids: []string{"good"}},
		{name: "only EC keys", keys: []map[string]string{ecJWK}, wantErr: "no RSA key"},
		{name: "empty set", wantErr: "no RSA key"},
		{name: "padded modulus", keys: []map[string]string{good, with("n", good["n"]+"=")},
			wantErr: `key "bad"`},
		{name: "modulus not base64", keys: []map[string]string{with("n", "!!")}, wantErr: `key "bad"`},
		{name: "empty modulus", keys: []map[string]string{with("n", "")}, wantErr: `key "bad"`},
		{name: "empty exponent", keys: []map[string]string{with("e", "")}, wantErr: `key "bad"`},
		{name: "exponent over 4 bytes", keys: []map[string]string{with("e", "AQABAQAB")},
			wantErr: `key "bad"`},
		{name: "exponent 1", keys: []map[string]string{with("e", "AQ")}, wantErr: "invalid exponent 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]any{"keys": tt.keys})
			if err != nil {
				t.Fatal(err)
			}
			keys, err := Parse(strings.NewReader(string(body)))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Parse error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(keys) != len(tt.wantKids) {
				t.Errorf("Parse returned %d keys, want %d", len(keys), len(tt.wantKids))
			}
			for _, kid := range tt.wantKids {
				if !keys[kid].Equal(&priv.PublicKey) {
					t.Errorf("key %q does not match the served key", kid)
				}
			}
		})
	}

	t.Run("not JSON", func(t *testing.T) {
		if _, err := Parse(strings.NewReader("<html>")); err == nil {
			t.Error("Parse accepted a body that is not JSON")
		}
	})
}

func TestKeyMalformedSetRejected(t *testing.T) {
	ks := newKeyServer(t, map[string]string{"kid": "k1", "kty": "RSA", "n": "!!", "e": "AQAB"})
	_, err := New(ks.URL, Options{}).Key(context.Background(), "k1")
	var fetchErr *FetchError
	if !errors.As(err, &fetchErr) {
		t.Errorf("error = %v, want a *FetchError", err)
	}
}

func TestKeyfunc(t *testing.T) {
	priv, stranger := newRSAKey(t), newRSAKey(t)
	ks := newKeyServer(t, rsaJWK("k1", priv))
	set := New(ks.URL, Options{})
	sign := func(t *testing.T, kid string, key *rsa.PrivateKey) string {
		t.Helper()
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "user-1"})
		if kid != "" {
			tok.Header["kid"] = kid
		}
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}

	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{name: "signed by served key", token: sign(t, "k1", priv)},
		{name: "unknown kid", token: sign(t, "k9", priv), wantErr: ErrUnknownKey},
		{name: "no kid", token: sign(t, "", priv), wantErr: ErrUnknownKey},
		{name: "wrong key for kid", token: sign(t, "k1", stranger), wantErr: jwt.ErrTokenSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwt.Parse(tt.token, set.Keyfunc(context.Background()),
				jwt.WithValidMethods([]string{"RS256"}))
			if tt.wantErr == nil && err != nil {
				t.Errorf("Parse: %v", err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
