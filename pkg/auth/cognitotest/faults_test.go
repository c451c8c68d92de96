package cognitotest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestInjectedThrottle(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.InjectFault(OpInitiateAuth, ThrottleFault(2)))
	for i := 0; i < 2; i++ {
		_, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "bob")
		assertCode(t, err, CodeTooManyRequests, "Rate exceeded")
	}
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
	if got := f.srv.Count(OpInitiateAuth); got != 3 {
		t.Errorf("Count(InitiateAuth) = %d, want 3", got)
	}
	if got := f.srv.Count(OpRespondToAuthChallenge); got != 1 {
		t.Errorf("Count(RespondToAuthChallenge) = %d, want 1", got)
	}
	if got := f.srv.Count(OpAll); got != 4 {
		t.Errorf("Count(*) = %d, want 4", got)
	}
}

func TestInjectedInternalError(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.InjectFault(OpRespondToAuthChallenge, InternalErrorFault(1)))
	_, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	code, _, status := errorCode(err)
	if code != CodeInternalError || status != http.StatusInternalServerError {
		t.Errorf("error %q with status %d, want InternalErrorException with 500", code, status)
	}
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

func TestInjectedFaultForAllOperations(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.InjectFault(OpAll, Fault{Code: CodeLimitExceeded}))
	for i := 0; i < 3; i++ {
		_, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "bob")
		assertCode(t, err, CodeLimitExceeded, "Attempt limit exceeded, please try after some time.")
	}
	f.srv.ClearFaults()
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

// Latency ends early when the caller gives up, so a client timeout can be
// tested without waiting for the full delay.
func TestInjectedLatencyHonoursClientDeadline(t *testing.T) {
	f := newFixture(t, Options{})
	mustOK(t, f.srv.InjectFault(OpInitiateAuth, Fault{Latency: time.Hour, Times: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c := newTestClient(t, f.srv.PoolID, nil)
	_, err := f.api.InitiateAuth(ctx, initiateInput(testClientID, "bob", c.srpA(), ""))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("InitiateAuth error = %v, want context.DeadlineExceeded", err)
	}
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

func TestInjectFaultRejectsBadInput(t *testing.T) {
	srv := NewServer(t, Options{})
	tests := []struct {
		name string
		op   string
		f    Fault
	}{
		{"unknown operation", "SignUp", ThrottleFault(1)},
		{"nothing to inject", OpInitiateAuth, Fault{Times: 1}},
		{"negative times", OpInitiateAuth, Fault{Code: CodeTooManyRequests, Times: -1}},
		{"status out of range", OpInitiateAuth, Fault{Code: CodeTooManyRequests, Status: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := srv.InjectFault(tt.op, tt.f); err == nil {
				t.Errorf("InjectFault(%q, %+v) succeeded, want an error", tt.op, tt.f)
			}
		})
	}
}

// Cognito allows each user 10 sign-in requests per second; the emulator
// enforces that only when asked.
func TestPerUserThrottle(t *testing.T) {
	clock := &fixedClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, Options{Now: clock.Now, UserRequestsPerSecond: 10})
	for i := 0; i < 10; i++ {
		if _, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "bob"); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, "bob")
	assertCode(t, err, CodeTooManyRequests, "Rate exceeded")
	if _, err := f.initiate(t, newTestClient(t, f.srv.PoolID, nil), testClientID, aliceID); err != nil {
		t.Errorf("another user was throttled: %v", err)
	}
	clock.Advance(1100 * time.Millisecond)
	out, err := f.signInWithTestClient(t, testClientID, "bob", testPassword)
	assertTokens(t, out, err)
}

// The wire format that both the Go SDK and amazon-cognito-identity-js parse.
func TestErrorWireFormat(t *testing.T) {
	srv := NewServer(t, Options{})
	post := func(target, body string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp, string(data)
	}

	resp, body := post(targetPrefix+"InitiateAuth", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"nope","AuthParameters":{}}`)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
	if got := resp.Header.Get("x-amzn-ErrorType"); got != CodeResourceNotFound {
		t.Errorf("x-amzn-ErrorType = %q", got)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", got)
	}
	if want := `{"__type":"ResourceNotFoundException","message":"User pool client nope does not exist."}`; body != want {
		t.Errorf("body = %s, want %s", body, want)
	}

	mustOK(t, srv.InjectFault(OpInitiateAuth, InternalErrorFault(1)))
	resp, body = post(targetPrefix+"InitiateAuth", `{}`)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, `"__type":"InternalErrorException"`) {
		t.Errorf("internal error: status %d body %s", resp.StatusCode, body)
	}

	resp, body = post(targetPrefix+"SignUp", `{}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, CodeUnknownOperation) {
		t.Errorf("unknown operation: status %d body %s", resp.StatusCode, body)
	}
	if got := srv.Count("SignUp"); got != 1 {
		t.Errorf("Count(SignUp) = %d, want 1", got)
	}
	resp, body = post(targetPrefix+"InitiateAuth", `{"AuthFlow":`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, CodeSerialization) {
		t.Errorf("malformed JSON: status %d body %s", resp.StatusCode, body)
	}
}
