package localstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
)

var pinnedEmulator struct {
	once sync.Once
	path string
	err  error
}

// emulatorPath returns the aws-lambda-rie executable to run.
func emulatorPath(ctx context.Context, explicit string) (string, error) {
	if explicit == "" {
		explicit = os.Getenv("AWS_LAMBDA_RIE")
	}
	if explicit != "" {
		path, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("localstack: emulator %q is not an executable: %w", explicit, err)
		}
		return path, nil
	}

	pinnedEmulator.once.Do(func() {
		pinnedEmulator.path, pinnedEmulator.err = goToolPath(ctx, "aws-lambda-rie")
	})
	return pinnedEmulator.path, pinnedEmulator.err
}

// goToolPath builds (or finds in the build cache) a tool pinned in go.mod
// and returns the path of its executable.
func goToolPath(ctx context.Context, tool string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", tool)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("localstack: locate %s with `go tool -n %s` failed: %w: %s "+
			"(pin it with `go get -tool`, or set AWS_LAMBDA_RIE to its path)",
			tool, tool, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// trackRuntimes records the emulator's current child processes.
func (f *Function) trackRuntimes() {
	procs := childProcesses(f.proc.Pid())
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range procs {
		known := false
		for _, q := range f.runtimes {
			known = known || q == p
		}
		if !known {
			f.runtimes = append(f.runtimes, p)
		}
	}
}

// RuntimePID returns the process id of the running bootstrap. The emulator
// starts it on the first invocation and starts a new one after a timeout
// or crash, so call it after Invoke.
func (f *Function) RuntimePID() (int, error) {
	procs := childProcesses(f.proc.Pid())
	for _, p := range procs {
		if p.alive() {
			return p.pid, nil
		}
	}
	return 0, errors.New("localstack: no bootstrap process is running: invoke the function first")
}
