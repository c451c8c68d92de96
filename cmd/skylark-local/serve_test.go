package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	cognitosrp "github.com/alexrudd/cognito-srp/v4"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// sendMessage sends body to the queue at queueURL on the SQS endpoint.
func sendMessage(t *testing.T, endpoint, queueURL, body string) {
	t.Helper()
	client := sqs.NewFromConfig(testenv.AWSConfig(t), func(o *sqs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	_, err := client.SendMessage(testenv.Context(t), &sqs.SendMessageInput{
		QueueUrl: aws.String(queueURL), MessageBody: aws.String(body),
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
}

// startCommand starts the built command and returns it, a channel that
// receives its exit, and its output lines. The process is killed when the
// test ends, in case the test stopped before it did.
func startCommand(t *testing.T, args ...string) (*exec.Cmd, <-chan error, *lineReader) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, exited, newLineReader(stdout)
}

func TestServe(t *testing.T) {
	tests := []struct {
		name, moto string
	}{
		{"moto_server", "on"},
		{"built-in endpoints", "off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.moto == "on" && localstack.MotoPath() == "" {
				testenv.Require(t, "moto_server", "install the Python package moto[server]")
			}
			testServe(t, tt.moto)
		})
	}
}

func testServe(t *testing.T, moto string) {
	cmd, exited, lines := startCommand(t, "serve", "-moto="+moto, "-repo="+repoRoot(t))

	gateway := lines.waitFor(t, `gateway \(HTTP API \+ JWT\)\s+(http://127\.0\.0\.1:\d+)`, commandTimeout)
	credsPath := lines.waitFor(t, `end users\s+(\S+end-users\.json)`, 30*time.Second)
	lines.waitFor(t, `^Ready\. Press Ctrl-C to stop\.`, 30*time.Second)

	// The printed examples run first, on the fresh stack, in their order.
	runPrintedExamples(t, lines, gateway)

	token := signInEndUser(t, credsPath, "premium-viewer")
	status, body := post(t, gateway+"/assets/"+joyUID+"/viewings", token)
	if status != http.StatusCreated {
		t.Errorf("POST with the premium viewer's token: status %d, want 201; body %s", status, body)
	}
	if !strings.Contains(body, `"tokenised_url"`) {
		t.Errorf("201 body has no tokenised_url: %s", body)
	}
	if status, body := post(t, gateway+"/assets/"+joyUID+"/viewings", ""); status != http.StatusUnauthorized {
		t.Errorf("POST without a token: status %d, want 401; body %s", status, body)
	}

	envFile := lines.waitFor(t, `env\.json\s+(\S+)`, time.Second)
	assertEnvJSON(t, envFile)

	if moto == "on" {
		sqsURL := lines.waitFor(t, `aws --endpoint-url (http://127\.0\.0\.1:\d+) sqs`, time.Second)
		queueURL := lines.waitFor(t, `--queue-url (\S+)`, time.Second)
		sendMessage(t, sqsURL, queueURL, `{"version":1,"data_source_id":"feature-02","fields":{"title":"Feature 02 (restored)"}}`)
		lines.waitFor(t, `ingest   message \S+ applied data source feature-02: updated title`, 30*time.Second)
	} else {
		lines.waitFor(t, `--  SQS\s+not available without moto_server`, time.Second)
		lines.waitFor(t, `python3 -m pip install 'moto\[server\]'`, time.Second)
	}

	family := descendants(cmd.Process.Pid)
	if len(family) < 3 {
		t.Errorf("serve runs %d child processes, want at least the two emulators and the viewing function", len(family))
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGINT, want status 0\n%s", err, lines.text())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit within 30s of SIGINT\n%s", lines.text())
	}
	lines.waitFor(t, `^Stopping`, time.Second)
	for _, p := range family {
		assertProcessGone(t, p)
	}
}

// signInEndUser signs a user from the command's end-users.json in with
// USER_SRP_AUTH, using the SDK and cognito-srp directly as a player app
// would, and returns the ID token.
func signInEndUser(t *testing.T, credsPath, username string) string {
	t.Helper()
	data, err := os.ReadFile(credsPath)
	if err != nil {
		t.Fatal(err)
	}
	var creds credentialsFile
	if err := json.Unmarshal(data, &creds); err != nil {
		t.Fatalf("decode %s: %v", credsPath, err)
	}
	var password string
	for _, u := range creds.Users {
		if u.Username == username {
			password = u.Password
		}
	}
	if password == "" {
		t.Fatalf("%s has no user %s", credsPath, username)
	}

	ctx := testenv.Context(t)
	client := cip.New(cip.Options{
		Region: region, BaseEndpoint: aws.String(creds.Endpoint), Credentials: aws.AnonymousCredentials{},
	})
	csrp, err := cognitosrp.NewCognitoSRP(username, password, creds.PoolID, creds.ClientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	init, err := client.InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow: types.AuthFlowTypeUserSrpAuth, ClientId: aws.String(creds.ClientID), AuthParameters: csrp.GetAuthParams(),
	})
	if err != nil {
		t.Fatalf("InitiateAuth: %v", err)
	}
	answers, err := csrp.PasswordVerifierChallenge(init.ChallengeParameters, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ChallengeName: types.ChallengeNameTypePasswordVerifier, ClientId: aws.String(creds.ClientID),
		ChallengeResponses: answers, Session: init.Session,
	})
	if err != nil {
		t.Fatalf("RespondToAuthChallenge: %v", err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("sign-in ended in challenge %s", out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.IdToken)
}

// post sends POST like `curl -X POST -H "Authorization: Bearer ..."`.
func post(t *testing.T, url, token string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(testenv.Context(t), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// assertEnvJSON checks the env.json written for `sam local invoke
// --env-vars`: both functions, keyed by logical id, with the endpoint
// variables, and a mode that keeps it private.
func assertEnvJSON(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("env.json mode %v, want 0600", info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]string
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("decode env.json: %v", err)
	}
	for _, fn := range []string{ingestLogicalID, viewingLogicalID} {
		for _, name := range []string{"SKYLARK_BASE_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
			"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL_SQS"} {
			if !strings.HasPrefix(doc[fn][name], "http://127.0.0.1:") {
				t.Errorf("%s %s = %q, want a 127.0.0.1 URL", fn, name, doc[fn][name])
			}
		}
		for _, name := range []string{"SKYLARK_SECRET_ID", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "AWS_REGION"} {
			if doc[fn][name] == "" {
				t.Errorf("%s has no %s", fn, name)
			}
		}
	}
	if doc[ingestLogicalID]["S3_KEY_PATTERN"] == "" || doc[viewingLogicalID]["PLANS_CLAIM"] != plansClaim {
		t.Errorf("env.json lacks the functions' own settings: %s", data)
	}
}

// process identifies a process by id and start time.
type process struct {
	pid   int
	start string
}

// stat returns the fields of /proc/<pid>/stat after the command name.
func stat(pid int) ([]string, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil, false
	}
	f := strings.Fields(string(data[i+1:]))
	return f, len(f) >= 20
}

// descendants lists the live processes below pid.
func descendants(pid int) []process {
	children := map[int][]process{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		p, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		f, ok := stat(p)
		if !ok || f[0] == "Z" {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], process{pid: p, start: f[19]})
	}
	var out []process
	queue := []int{pid}
	for len(queue) > 0 {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
		queue = queue[1:]
	}
	return out
}

// assertProcessGone fails when p still runs five seconds on. A zombie, or
// a new process that reused the id, counts as gone.
func assertProcessGone(t *testing.T, p process) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, ok := stat(p.pid)
		if !ok || f[19] != p.start || f[0] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is still running after the command exited", p.pid)
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertStopped checks processes known only by id, as the command printed
// them, once it has exited.
func assertStopped(t *testing.T, pids []int) {
	t.Helper()
	if len(pids) == 0 {
		t.Error("the command reported no emulator process ids")
	}
	for _, pid := range pids {
		f, ok := stat(pid)
		if ok && f[0] != "Z" {
			// The id may have been reused by an unrelated process; only a
			// process still running one of our programs counts.
			cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
			if strings.Contains(string(cmdline), "aws-lambda-rie") || strings.Contains(string(cmdline), "moto_server") {
				t.Errorf("process %d (%s) still runs after the command exited", pid,
					strings.ReplaceAll(string(cmdline), "\x00", " "))
			}
		}
	}
}
