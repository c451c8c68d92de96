package localstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a stopped process group gets between SIGTERM and
// SIGKILL. In local runs the emulator and moto_server exited within a few
// hundred milliseconds of SIGTERM.
const stopGrace = 3 * time.Second

// Process is a child process that runs in its own process group, so that
// Stop also ends the processes it started in that group. Stop also ends
// its direct children in other groups, such as the emulator's function
// process. A terminal's Ctrl-C does not reach the group, so the parent
// decides when its children stop.
type Process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed

	stopOnce sync.Once
}

// StartProcess starts cmd in a new process group. Linux sends the child
// SIGKILL when the parent dies without stopping it (the parent-death
// signal), so a killed parent leaves no emulator or moto_server behind.
func StartProcess(name string, cmd *exec.Cmd) (*Process, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("localstack: start %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid returns the process id, which is also the process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, with its error from Wait.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, waits up to stopGrace, then sends
// SIGKILL to the group. It returns once the process has been reaped and is
// safe to call more than once.
func (p *Process) Stop() { p.stop() }

// stop is Stop, and reports whether the process outlived stopGrace and was
// killed. Only the first call stops the process; later ones return false.
func (p *Process) stop() (killed bool) {
	p.stopOnce.Do(func() {
		pgid := p.cmd.Process.Pid
		// The emulator starts the function in a process group of its own,
		// which signals to this group do not reach: remember the children
		// now and stop any that outlive the leader.
		children := childProcesses(pgid)
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			killed = true
		}
		// Children that ignored SIGTERM or outlived the leader still belong
		// to the group.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
		for _, c := range children {
			c.kill()
		}
	})
	return killed
}

// waitTCP waits until addr accepts a TCP connection, the process exits, ctx
// ends or timeout passes.
func waitTCP(ctx context.Context, p *Process, addr string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var dialer net.Dialer
	for {
		conn, err := dialer.DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		if exited, werr := p.Exited(); exited {
			if werr == nil {
				werr = errors.New("exit status 0")
			}
			return fmt.Errorf("localstack: %s exited before listening on %s: %w", p.name, addr, werr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localstack: %s did not listen on %s within %s: %w", p.name, addr, timeout, ctx.Err())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago,
// for programs that cannot listen on port 0 and report the port.
func freeAddr() (string, error) {
	ports, err := freePorts(1)
	if err != nil {
		return "", fmt.Errorf("localstack: find a free port: %w", err)
	}
	return "127.0.0.1:" + strconv.Itoa(ports[0]), nil
}

// freePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago. All n listeners stay open until every port is chosen, so the
// ports differ.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
