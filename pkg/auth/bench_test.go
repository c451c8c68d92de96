package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

// BenchmarkTokenWarm measures a Token call served from the cache, the path
// of every warm invocation. It fails if the loop sends anything to Cognito.
func BenchmarkTokenWarm(b *testing.B) {
	clock := newFakeClock()
	srv := cognitotest.NewServer(b, cognitotest.Options{PoolID: testPoolID, Now: clock.Now})
	if err := srv.AddClient(cognitotest.Client{ID: testClientID}); err != nil {
		b.Fatal(err)
	}
	if err := srv.AddUser(cognitotest.User{Username: testUser, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	s, err := NewTokenSource(Config{
		UserPoolID:  testPoolID,
		ClientID:    testClientID,
		Cognito:     srv.NewSDKClient(),
		Credentials: StaticCredentials{Username: testUser, Password: testPassword},
		Now:         clock.Now,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if _, err := s.Token(ctx); err != nil {
		b.Fatal(err)
	}
	before := srv.Count(cognitotest.OpAll)

	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		if _, err := s.Token(ctx); err != nil {
			b.Fatal(err)
		}
		calls++
	}
	requests := srv.Count(cognitotest.OpAll) - before
	b.ReportMetric(float64(requests)/float64(calls), "cognito-requests/op")
	if requests != 0 {
		b.Fatalf("warm Token calls sent %d requests to Cognito, want 0", requests)
	}
}

// srpBenchChallenge returns a PASSWORD_VERIFIER challenge with a full-size
// B = g^b mod N, as a server would send.
func srpBenchChallenge(b *testing.B) map[string]string {
	b.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		b.Fatal(err)
	}
	bigB := new(big.Int).Exp(big.NewInt(2), new(big.Int).SetBytes(secret), srpGroupPrime)
	params := validChallenge()
	params["SRP_B"] = bigB.Text(16)
	return params
}

// BenchmarkSRPClient measures the client's SRP work for one sign-in through
// cognito-srp: NewCognitoSRP (draws a, computes A) and
// PasswordVerifierChallenge (computes x, S, the key and the signature).
// Compare with BenchmarkSRPBareExp.
func BenchmarkSRPClient(b *testing.B) {
	params := srpBenchChallenge(b)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		c, err := cognitosrp.NewCognitoSRP(testUser, testPassword, testPoolID, testClientID, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.PasswordVerifierChallenge(params, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSRPBareExp measures only the modular exponentiations the protocol
// needs with the 3072-bit N: A = g^a, g^x and S = (B - k*g^x)^(a+u*x), with
// exponents of the sizes cognito-srp uses (a from 128 random bytes, x and u
// SHA-256 outputs).
func BenchmarkSRPBareExp(b *testing.B) {
	params := srpBenchChallenge(b)
	bigB, _ := new(big.Int).SetString(params["SRP_B"], 16)
	g := big.NewInt(2)
	k := new(big.Int).SetBytes(sha256.New().Sum(nil)) // any 256-bit value; its size is what counts
	random := make([]byte, 128)
	xBytes := sha256.Sum256([]byte("x"))
	uBytes := sha256.Sum256([]byte("u"))
	x := new(big.Int).SetBytes(xBytes[:])
	u := new(big.Int).SetBytes(uBytes[:])

	b.ReportAllocs()
	for b.Loop() {
		if _, err := rand.Read(random); err != nil {
			b.Fatal(err)
		}
		a := new(big.Int).Mod(new(big.Int).SetBytes(random), srpGroupPrime)
		_ = new(big.Int).Exp(g, a, srpGroupPrime)

		gx := new(big.Int).Exp(g, x, srpGroupPrime)
		base := new(big.Int).Sub(bigB, new(big.Int).Mul(k, gx))
		exp := new(big.Int).Add(a, new(big.Int).Mul(u, x))
		_ = new(big.Int).Exp(base, exp, srpGroupPrime)
	}
}

// BenchmarkSRPNew measures NewCognitoSRP alone (A = g^a), the part of the
// client's SRP work that srpFactory computes ahead of a sign-in.
func BenchmarkSRPNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cognitosrp.NewCognitoSRP(testUser, testPassword, testPoolID, testClientID, nil); err != nil {
			b.Fatal(err)
		}
	}
}
