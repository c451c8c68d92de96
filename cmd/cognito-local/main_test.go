package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/golang-jwt/jwt/v5"
)

// runMainEnv makes the test binary act as the command, so that the signal
// test runs the real main without a separate build.
const runMainEnv = "COGNITO_LOCAL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// readEndpoints reads the key=value lines up to client_id.
func readEndpoints(t *testing.T, r io.Reader) map[string]string {
	t.Helper()
	lines := bufio.NewScanner(r)
	got := map[string]string{}
	for lines.Scan() {
		key, value, _ := strings.Cut(lines.Text(), "=")
		got[key] = value
		if key == "client_id" {
			return got
		}
	}
	t.Fatalf("output ended before client_id: %v (read %v)", lines.Err(), got)
	return nil
}

func TestRunServesSignIn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"-pool", "eu-west-1_CmdTest1",
			"-client", "cmd-client",
			"-secret", "cmd-secret",
			"-token-lifetime", "10m",
			"-user", "6f1c2a9e-0b7d-4c3e-9a51-2d8e4f0a7b13:Correct-Horse-9:email=alice@example.com,custom:plans=gold",
		}, stdoutW, &stderr)
		stdoutW.Close()
	}()
	endpoints := readEndpoints(t, stdoutR)
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	if !strings.HasPrefix(endpoints["url"], "http://127.0.0.1:") {
		t.Errorf("url = %q, want a loopback address", endpoints["url"])
	}
	if want := endpoints["url"] + "/eu-west-1_CmdTest1"; endpoints["issuer"] != want {
		t.Errorf("issuer = %q, want %q", endpoints["issuer"], want)
	}
	if endpoints["region"] != "eu-west-1" || endpoints["client_id"] != "cmd-client" {
		t.Errorf("region, client_id = %q, %q", endpoints["region"], endpoints["client_id"])
	}

	api := cip.New(cip.Options{
		Region:       endpoints["region"],
		BaseEndpoint: aws.String(endpoints["url"]),
		Credentials:  aws.AnonymousCredentials{},
	})
	csrp, err := cognitosrp.NewCognitoSRP("alice@example.com", "Correct-Horse-9", endpoints["pool_id"], "cmd-client", aws.String("cmd-secret"))
	if err != nil {
		t.Fatal(err)
	}
	initOut, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeUserSrpAuth,
		ClientId:       aws.String("cmd-client"),
		AuthParameters: csrp.GetAuthParams(),
	})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	responses, err := csrp.PasswordVerifierChallenge(initOut.ChallengeParameters, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName:      types.ChallengeNameTypePasswordVerifier,
		ClientId:           aws.String("cmd-client"),
		ChallengeResponses: responses,
	})
	if err != nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if out.AuthenticationResult == nil || out.AuthenticationResult.ExpiresIn != 600 {
		t.Fatalf("AuthenticationResult = %+v, want tokens that expire in 600 s", out.AuthenticationResult)
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(aws.ToString(out.AuthenticationResult.IdToken), claims); err != nil {
		t.Fatal(err)
	}
	if claims["custom:plans"] != "gold" || claims["iss"] != endpoints["issuer"] {
		t.Errorf("claims custom:plans=%v iss=%v", claims["custom:plans"], claims["iss"])
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	if strings.Contains(stderr.String(), "cmd-secret") || strings.Contains(stderr.String(), "Correct-Horse-9") {
		t.Errorf("log contains a secret or password:\n%s", stderr.String())
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"user without password", []string{"-user", "bob"}, "want name:password"},
		{"user with empty password", []string{"-user", "bob:"}, "password is empty"},
		{"bad attribute", []string{"-user", "bob:pw:email"}, `invalid attribute "email"`},
		{"bad pool", []string{"-pool", "nopool"}, `invalid pool id "nopool"`},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			err := run(context.Background(), tt.args, io.Discard, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			if strings.Contains(stderr.String()+errString(err), "bob:pw") {
				t.Errorf("output repeats the password")
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The real main stops cleanly on SIGTERM and on SIGINT.
func TestMainStopsOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			// With runMainEnv set, TestMain hands these arguments to main.
			cmd := exec.Command(os.Args[0], "-user", "bob:Correct-Horse-9")
			cmd.Env = append(os.Environ(), runMainEnv+"=1")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			endpoints := readEndpoints(t, stdout)
			if endpoints["url"] == "" {
				t.Fatal("no url printed")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit after %s: %v\n%s", sig, err, stderr.String())
				}
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("still running 10 s after %s", sig)
			}
			if !strings.Contains(stderr.String(), "cognito-local stopping") {
				t.Errorf("log has no stop message:\n%s", stderr.String())
			}
		})
	}
}
