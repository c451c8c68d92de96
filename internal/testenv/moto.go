package testenv

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// motoStartTimeout bounds how long Moto waits for moto_server to accept
// requests. A cold start imports many Python modules and takes a few seconds
// on a loaded two-core machine.
const motoStartTimeout = 60 * time.Second

var moto struct {
	once     sync.Once
	endpoint string
	cmd      *exec.Cmd
	err      error
	output   bytes.Buffer
}

// Moto returns the endpoint of a moto_server that listens on a free
// 127.0.0.1 port, for example "http://127.0.0.1:41234". The first call in a
// test binary starts the server; later calls share it, so tests that use it
// must create resources with unique names. Call Main from TestMain to stop
// the server when the tests end.
func Moto(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("moto_server")
	if err != nil {
		Require(t, "moto_server", "install the Python package moto[server]")
	}
	moto.once.Do(func() { moto.endpoint, moto.err = startMoto(path) })
	if moto.err != nil {
		t.Fatalf("testenv: start moto_server: %v\n%s", moto.err, moto.output.String())
	}
	return moto.endpoint
}

func startMoto(path string) (string, error) {
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(path, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout = &moto.output
	cmd.Stderr = &moto.output
	// Its own process group lets Stop end the Python process and any
	// children together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	moto.cmd = cmd

	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(endpoint+"/moto-api/", motoStartTimeout); err != nil {
		stopMoto()
		return "", err
	}
	return endpoint, nil
}

// waitHTTP polls url until it responds with any HTTP status or the timeout
// passes.
func waitHTTP(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not respond within %s: %w", url, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func stopMoto() {
	if moto.cmd == nil || moto.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-moto.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = moto.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-moto.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	moto.cmd = nil
}

// Main runs the tests of a package and then stops the components this
// package started. Use it as the body of TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	stopMoto()
	os.Exit(code)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the caller binds it; callers that can
// listen on port 0 themselves should do that instead.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
