package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

const (
	tokenTestPool     = "eu-west-1_TokenTest1"
	tokenTestClient   = "token-test-client"
	tokenTestUser     = "alice"
	tokenTestPassword = "Alice-Passw0rd-1"
)

// startTokenPool starts a user pool with one client and one user, as
// cognito-local -client -user would.
func startTokenPool(t *testing.T, clientSecret string) *cognitotest.Server {
	t.Helper()
	srv := cognitotest.NewServer(t, cognitotest.Options{PoolID: tokenTestPool})
	if err := srv.AddClient(cognitotest.Client{ID: tokenTestClient, Secret: clientSecret}); err != nil {
		t.Fatal(err)
	}
	err := srv.AddUser(cognitotest.User{
		Username: tokenTestUser, Password: tokenTestPassword,
		Attributes: map[string]string{plansClaim: `["gold"]`},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// runTokenCommand runs the token command in-process and returns its exit
// status, standard output and standard error.
func runTokenCommand(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"token"}, args...), strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// assertIDToken checks that out is one line holding an ID token of srv for
// the user, with a valid signature.
func assertIDToken(t *testing.T, srv *cognitotest.Server, clientID, out string) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("output %q is not one line", out)
	}
	authorizer := &localstack.JWTAuthorizer{Issuer: srv.Issuer(), Audience: []string{clientID}}
	claims, err := authorizer.Authorize(testenv.Context(t), "Bearer "+strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("printed token is not a valid ID token of the pool: %v", err)
	}
	if claims["cognito:username"] != tokenTestUser {
		t.Errorf("cognito:username = %q, want %q", claims["cognito:username"], tokenTestUser)
	}
	if claims["token_use"] != "id" {
		t.Errorf("token_use = %q, want id", claims["token_use"])
	}
}

func TestTokenFromFlags(t *testing.T) {
	srv := startTokenPool(t, "")
	code, out, errOut := runTokenCommand(t, tokenTestPassword+"\n",
		"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient, "-password-stdin", tokenTestUser)
	if code != exitOK {
		t.Fatalf("exit status %d, want 0; stderr %s", code, errOut)
	}
	assertIDToken(t, srv, tokenTestClient, out)
	if got := srv.Count(cognitotest.OpRespondToAuthChallenge); got != 1 {
		t.Errorf("RespondToAuthChallenge requests = %d, want 1 (one SRP sign-in)", got)
	}
}

func TestTokenShortLifetime(t *testing.T) {
	srv := startTokenPool(t, "")
	srv.SetTokenLifetimes(10*time.Second, time.Hour)
	code, out, errOut := runTokenCommand(t, tokenTestPassword+"\n",
		"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient, "-password-stdin", tokenTestUser)
	if code != exitOK {
		t.Fatalf("exit status %d, want 0; stderr %s", code, errOut)
	}
	assertIDToken(t, srv, tokenTestClient, out)
}

func TestTokenWithClientSecret(t *testing.T) {
	srv := startTokenPool(t, "token-test-secret")
	args := []string{"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient,
		"-password-stdin", tokenTestUser}

	t.Setenv(clientSecretEnv, "")
	code, _, errOut := runTokenCommand(t, tokenTestPassword, args...)
	if code != exitFailed {
		t.Errorf("without %s: exit status %d, want %d", clientSecretEnv, code, exitFailed)
	}
	if !strings.Contains(errOut, "SECRET_HASH") {
		t.Errorf("without %s: stderr does not name SECRET_HASH: %s", clientSecretEnv, errOut)
	}

	t.Setenv(clientSecretEnv, "token-test-secret")
	code, out, errOut := runTokenCommand(t, tokenTestPassword, args...)
	if code != exitOK {
		t.Fatalf("with %s: exit status %d, want 0; stderr %s", clientSecretEnv, code, errOut)
	}
	assertIDToken(t, srv, tokenTestClient, out)
}

func TestTokenFromUsersFile(t *testing.T) {
	srv := startTokenPool(t, "")
	path := filepath.Join(t.TempDir(), "end-users.json")
	writeUsersFile(t, path, credentialsFile{
		Endpoint: srv.URL, PoolID: tokenTestPool, ClientID: tokenTestClient, Issuer: srv.Issuer(),
		Users: []credentialRow{{Username: tokenTestUser, Password: tokenTestPassword}},
	})

	code, out, errOut := runTokenCommand(t, "", "-users", path, tokenTestUser)
	if code != exitOK {
		t.Fatalf("exit status %d, want 0; stderr %s", code, errOut)
	}
	assertIDToken(t, srv, tokenTestClient, out)

	code, _, errOut = runTokenCommand(t, "", "-users", path, "mallory")
	if code != exitUsage {
		t.Errorf("unknown user: exit status %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errOut, `user "mallory" is not in`) || !strings.Contains(errOut, "use one of alice") {
		t.Errorf("unknown user: stderr %q does not name the user and the choices", errOut)
	}
}

func TestTokenWrongPassword(t *testing.T) {
	srv := startTokenPool(t, "")
	const wrong = "Not-The-Passw0rd"
	code, out, errOut := runTokenCommand(t, wrong+"\n",
		"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient, "-password-stdin", tokenTestUser)
	if code != exitFailed {
		t.Errorf("exit status %d, want %d", code, exitFailed)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing", out)
	}
	if !strings.Contains(errOut, "sign alice in at "+srv.URL) {
		t.Errorf("stderr does not name the user and endpoint: %s", errOut)
	}
	if strings.Contains(errOut, wrong) {
		t.Errorf("stderr repeats the password: %s", errOut)
	}
}

func TestTokenUsageErrors(t *testing.T) {
	srv := startTokenPool(t, "")
	badJSON := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badJSON, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := []string{"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no username", "", pool, "missing USERNAME"},
		{"two usernames", "", append(pool, "alice", "bob"), `unexpected argument "bob"`},
		{"no endpoint", "pw\n", []string{"-pool", tokenTestPool, "-client", "c", "-password-stdin", "alice"},
			"missing -endpoint"},
		{"no pool", "pw\n", []string{"-endpoint", srv.URL, "-client", "c", "-password-stdin", "alice"},
			"missing -pool"},
		{"no client", "pw\n", []string{"-endpoint", srv.URL, "-pool", tokenTestPool, "-password-stdin", "alice"},
			"missing -client"},
		{"no password flag", "", append(pool, "alice"), "missing password"},
		{"empty stdin", "", append(pool, "-password-stdin", "alice"), "standard input has no password"},
		{"endpoint not a URL", "pw\n", []string{"-endpoint", "127.0.0.1:9229", "-pool", tokenTestPool,
			"-client", "c", "-password-stdin", "alice"}, `-endpoint "127.0.0.1:9229" is not an http or https URL`},
		{"pool without region", "pw\n", []string{"-endpoint", srv.URL, "-pool", "Local1",
			"-client", "c", "-password-stdin", "alice"}, `-pool "Local1" is not a user pool id`},
		{"users file missing", "", []string{"-users", "/nonexistent/end-users.json", "alice"}, "read -users file"},
		{"users file not JSON", "", []string{"-users", badJSON, "alice"}, "is not the end-users.json"},
		{"password too long", strings.Repeat("x", maxPasswordBytes+10), append(pool, "-password-stdin", "alice"),
			"longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runTokenCommand(t, tt.stdin, tt.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not contain %q", errOut, tt.want)
			}
		})
	}
	if got := srv.Count(cognitotest.OpInitiateAuth); got != 0 {
		t.Errorf("usage errors sent %d InitiateAuth requests, want 0", got)
	}
}

func TestReadPassword(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"newline", "secret-1\n", "secret-1"},
		{"carriage return", "secret-1\r\n", "secret-1"},
		{"no newline", "secret-1", "secret-1"},
		{"first line only", "secret-1\nsecond\n", "secret-1"},
		{"spaces kept", " secret 1 \n", " secret 1 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPassword(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("readPassword(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func writeUsersFile(t *testing.T, path string, creds credentialsFile) {
	t.Helper()
	data, err := json.Marshal(creds)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTokenCanceled checks that a canceled sign-in fails instead of
// hanging, as after Ctrl-C.
func TestTokenCanceled(t *testing.T) {
	srv := startTokenPool(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := runToken(ctx, []string{"-endpoint", srv.URL, "-pool", tokenTestPool, "-client", tokenTestClient,
		"-password-stdin", tokenTestUser}, strings.NewReader(tokenTestPassword), &stdout, &stderr)
	if code != exitFailed {
		t.Errorf("exit status %d, want %d; stderr %s", code, exitFailed, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout.String())
	}
}
