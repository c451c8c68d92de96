package cognitotest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// nodeScript runs amazon-cognito-identity-js, the official JavaScript
// client, pinned at 6.3.21 in tools/js/package-lock.json.
const nodeScript = "cognito-signin.js"

var npmInstall struct {
	once sync.Once
	err  error
	out  []byte
}

// jsToolsDir returns tools/js with its node_modules installed, running
// "npm ci" once per test binary when they are missing.
func jsToolsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(testenv.RepoRoot(t), "tools", "js")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js")); err == nil {
		return dir
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Require(t, "npm", "install npm with Node.js, then run npm ci --prefix tools/js")
	}
	npmInstall.once.Do(func() {
		cmd := exec.Command(npm, "ci", "--prefix", dir, "--no-audit", "--no-fund")
		npmInstall.out, npmInstall.err = cmd.CombinedOutput()
	})
	if npmInstall.err != nil {
		t.Fatalf("npm ci --prefix %s: %v\n%s", dir, npmInstall.err, npmInstall.out)
	}
	return dir
}

// nodeClient is a running Node process that signs in with
// amazon-cognito-identity-js on request.
type nodeClient struct {
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	stderr *bytes.Buffer
}

type nodeResult struct {
	OK        bool   `json:"ok"`
	N         int    `json:"n"`
	Completed int    `json:"completed"`
	IDToken   string `json:"idToken"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// startNode starts the sign-in script for one user of srv; it ends with the
// test.
func startNode(t testing.TB, srv *Server, clientID, username, password string) *nodeClient {
	t.Helper()
	node := testenv.Node(t)
	dir := jsToolsDir(t)
	cmd := exec.Command(node, filepath.Join(dir, nodeScript))
	cmd.Dir = dir
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", node, err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("node exited with %v\n%s", err, stderr)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("node did not exit after stdin closed\n%s", stderr)
		}
	})
	n := &nodeClient{stdin: stdin, lines: bufio.NewScanner(stdout), stderr: stderr}
	n.lines.Buffer(make([]byte, 64<<10), 1<<20)
	n.send(t, map[string]string{
		"endpoint":   srv.URL + "/",
		"userPoolId": srv.PoolID,
		"clientId":   clientID,
		"username":   username,
		"password":   password,
	})
	return n
}

func (n *nodeClient) send(t testing.TB, v any) {
	t.Helper()
	line, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.stdin.Write(append(line, '\n')); err != nil {
		t.Fatalf("write to node: %v\n%s", err, n.stderr)
	}
}

// signIn runs count sign-ins in the Node process and returns the result.
func (n *nodeClient) signIn(t testing.TB, count int) nodeResult {
	t.Helper()
	n.send(t, map[string]int{"n": count})
	if !n.lines.Scan() {
		t.Fatalf("node gave no result: %v\n%s", n.lines.Err(), n.stderr)
	}
	var r nodeResult
	if err := json.Unmarshal(n.lines.Bytes(), &r); err != nil {
		t.Fatalf("node result %q: %v", n.lines.Text(), err)
	}
	return r
}

func TestNodeClientSignsIn(t *testing.T) {
	f := newFixture(t, Options{})
	for _, username := range []string{"bob", aliceEmail} {
		t.Run(username, func(t *testing.T) {
			node := startNode(t, f.srv, testClientID, username, testPassword)
			r := node.signIn(t, 2)
			if !r.OK {
				t.Fatalf("amazon-cognito-identity-js sign-in failed: %s: %s", r.Code, r.Message)
			}
			claims := verifiedClaims(t, f.srv, r.IDToken)
			if got := claims["aud"]; got != testClientID {
				t.Errorf("aud = %v, want %s", got, testClientID)
			}
		})
	}
}

// A wrong password gets the same error in the official JavaScript client
// and in the Go SDK with cognito-srp.
func TestNodeAndGoClientsSeeWrongPassword(t *testing.T) {
	f := newFixture(t, Options{})
	node := startNode(t, f.srv, testClientID, aliceEmail, "wrong-password")
	r := node.signIn(t, 1)
	if r.OK {
		t.Fatal("amazon-cognito-identity-js signed in with a wrong password")
	}
	if r.Code != CodeNotAuthorized || r.Message != msgIncorrectCredentials {
		t.Errorf("Node client error = %s %q, want %s %q", r.Code, r.Message, CodeNotAuthorized, msgIncorrectCredentials)
	}
	_, err := f.srv.SignIn(t.Context(), aliceEmail, "wrong-password")
	assertCode(t, err, CodeNotAuthorized, msgIncorrectCredentials)
}
