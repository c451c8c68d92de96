package cognitotest

import (
	"context"
	"testing"
)

// The two benchmarks measure a full USER_SRP_AUTH sign-in against the
// emulator (both round trips and the server's SRP work) with the Go client
// and with the official JavaScript client, so one run gives their ratio:
//
//	go test -run '^$' -bench SignIn ./pkg/auth/cognitotest/
//
// Run them without -race; the race detector slows big-number arithmetic
// several times over.

func BenchmarkSignInGo(b *testing.B) {
	f := newFixture(b, Options{})
	client, apiErr := f.srv.client(testClientID)
	if apiErr != nil {
		b.Fatal(apiErr)
	}
	ctx := context.Background()
	if _, err := f.srv.signIn(ctx, f.api, client, "bob", testPassword); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.srv.signIn(ctx, f.api, client, "bob", testPassword); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignInNode runs all b.N sign-ins in one Node process that was
// started and warmed up before the timer, so ns/op is the time of one
// sign-in and not of a process start.
func BenchmarkSignInNode(b *testing.B) {
	f := newFixture(b, Options{})
	node := startNode(b, f.srv, testClientID, "bob", testPassword)
	if r := node.signIn(b, 1); !r.OK {
		b.Fatalf("warm-up sign-in failed: %s: %s", r.Code, r.Message)
	}
	b.ResetTimer()
	r := node.signIn(b, b.N)
	b.StopTimer()
	if !r.OK {
		b.Fatalf("sign-in %d of %d failed: %s: %s", r.Completed+1, b.N, r.Code, r.Message)
	}
}
