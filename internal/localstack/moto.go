package localstack

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"time"
)

// motoStartTimeout bounds how long StartMoto waits for moto_server to
// respond. It imports many Python modules at start-up, which took about one
// second on an idle two-core machine and over three on a loaded one.
const motoStartTimeout = 60 * time.Second

// Moto is a moto_server process serving the AWS APIs that the local stack
// uses from it: SQS and Secrets Manager.
type Moto struct {
	// URL is the endpoint for every service, "http://127.0.0.1:PORT".
	URL string

	proc *Process
}

// MotoPath returns the path of moto_server on PATH, or "" when it is not
// installed.
func MotoPath() string {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return ""
	}
	return path
}

// StartMoto starts moto_server (path from MotoPath) on a free 127.0.0.1
// port and waits until it responds. Its output goes to output, which may be
// nil. Call Stop when done.
func StartMoto(ctx context.Context, path string, output io.Writer) (*Moto, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "-H", host, "-p", port)
	cmd.Stdout = output
	cmd.Stderr = output
	proc, err := StartProcess("moto_server", cmd)
	if err != nil {
		return nil, err
	}
	m := &Moto{URL: "http://" + addr, proc: proc}
	if err := m.waitReady(ctx); err != nil {
		m.Stop()
		return nil, err
	}
	return m, nil
}

// waitReady polls moto's own API until it responds with any status.
func (m *Moto) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, motoStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/", nil)
		if err != nil {
			return fmt.Errorf("localstack: moto_server readiness request: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if exited, werr := m.proc.Exited(); exited {
			return fmt.Errorf("localstack: moto_server exited during start-up: %v", werr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localstack: moto_server did not respond on %s within %s: %w",
				m.URL, motoStartTimeout, context.Cause(ctx))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Pid returns the process id of moto_server.
func (m *Moto) Pid() int { return m.proc.Pid() }

// Stop stops moto_server and its process group.
func (m *Moto) Stop() { m.proc.Stop() }
