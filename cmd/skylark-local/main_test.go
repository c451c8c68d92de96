package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// commandTimeout bounds one run of the command. The first run in a fresh
// build cache compiles the functions and the emulator, which took about
// 40 s on a two-core machine. Later runs take a few seconds.
const commandTimeout = 4 * time.Minute

// binary is the skylark-local executable that TestMain builds.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "skylark-local-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "skylark-local")
	build := exec.Command("go", "build", "-o", binary, ".")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// repoRoot returns the repository the command runs against.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := localstack.FindModuleDir(".", modulePath)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// runCommand runs the built command to completion and returns its exit
// status and output.
func runCommand(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		return exitErr.ExitCode(), out.String()
	default:
		t.Fatalf("run %v: %v\n%s", args, err, out.String())
		return 0, ""
	}
}

func TestDemo(t *testing.T) {
	root := repoRoot(t)
	tests := []struct {
		name, moto string
		needMoto   bool
		wantStack  string
	}{
		{"moto_server", "on", true, "moto_server (Secrets Manager, SQS)"},
		{"built-in endpoints", "off", false, "built-in Secrets Manager endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needMoto && localstack.MotoPath() == "" {
				testenv.Require(t, "moto_server", "install the Python package moto[server]")
			}
			code, out := runCommand(t, "demo", "-moto="+tt.moto, "-repo="+root)
			if code != 0 {
				t.Fatalf("exit status %d, want 0\n%s", code, out)
			}
			for _, want := range []string{
				"ok    stack started: 2 user pools, fake Skylark, " + tt.wantStack,
				"ok    ingest: 7 of 7 messages gave the expected outcome",
				"ok    assets: OVP data as expected after ingest",
				"ok    viewings: 4 of 4 responses as expected",
				"PASS  every step gave the expected result",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q\n%s", want, out)
				}
			}
			assertStopped(t, startedPIDs(out))
			if dir := matchOne(out, `temp dir (\S+)`); dir == "" {
				t.Error("output does not name the temporary directory")
			} else if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("temporary directory %s still exists after a passing demo", dir)
			}
		})
	}
}

func TestDemoInterruptedDuringStart(t *testing.T) {
	cmd, exited, lines := startCommand(t, "demo", "-repo="+repoRoot(t))
	// The build runs from the start until after the pools are up, so the
	// signal arrives while go build and possibly moto_server run.
	lines.waitFor(t, `ok  Cognito pool for Skylark`, commandTimeout)
	family := descendants(cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitInterrupted {
			t.Errorf("exit = %v, want status %d\n%s", err, exitInterrupted, lines.text())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not exit within 30s of SIGINT\n%s", lines.text())
	}
	lines.waitFor(t, `FAIL  stack: interrupted`, time.Second)
	for _, p := range family {
		assertProcessGone(t, p)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage: skylark-local"},
		{"unknown command", []string{"deploy"}, `unknown command "deploy"`},
		{"bad moto flag", []string{"demo", "-moto=maybe"}, `-moto="maybe" is not valid`},
		{"not a repository", []string{"demo", "-repo=/"}, "no go.mod for module"},
		{"extra argument", []string{"demo", "now"}, `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := runCommand(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit status %d, want %d", code, exitUsage)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q\n%s", tt.want, out)
			}
		})
	}
}

func TestPrintSummaryFails(t *testing.T) {
	var out bytes.Buffer
	passed := printSummary(newPrinter(&out), []check{{true, "stack started"}, {false, "ingest: 6 of 7"}}, time.Now())
	if passed {
		t.Error("printSummary passed with a failed check")
	}
	for _, want := range []string{"ok    stack started", "FAIL  ingest: 6 of 7", "FAIL  1 of 2 checks failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q\n%s", want, out.String())
		}
	}
	out.Reset()
	if printSummary(newPrinter(&out), nil, time.Now()) {
		t.Error("printSummary passed with no checks")
	}
}

// startedPIDs returns the process ids of the emulators and moto_server that
// the command reported starting.
func startedPIDs(out string) []int {
	var pids []int
	for _, m := range regexp.MustCompile(`(?:aws-lambda-rie|moto_server .*) pid (\d+)`).FindAllStringSubmatch(out, -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	return pids
}

func matchOne(out, pattern string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// lineReader collects a process's output lines and lets a test wait for a
// pattern.
type lineReader struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{more: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lr.mu.Lock()
			lr.lines = append(lr.lines, sc.Text())
			close(lr.more)
			lr.more = make(chan struct{})
			lr.mu.Unlock()
		}
	}()
	return lr
}

func (lr *lineReader) text() string {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return strings.Join(lr.lines, "\n")
}

// waitFor returns the first submatch of pattern once a line matches it.
func (lr *lineReader) waitFor(t *testing.T, pattern string, timeout time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.After(timeout)
	for i := 0; ; {
		lr.mu.Lock()
		for ; i < len(lr.lines); i++ {
			if m := re.FindStringSubmatch(lr.lines[i]); m != nil {
				lr.mu.Unlock()
				if len(m) > 1 {
					return m[1]
				}
				return m[0]
			}
		}
		more := lr.more
		lr.mu.Unlock()
		select {
		case <-more:
		case <-deadline:
			t.Fatalf("no line matching %q within %s; output:\n%s", pattern, timeout, lr.text())
		}
	}
}
