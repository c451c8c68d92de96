package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeStopsOnSIGHUP sends the signal a closing terminal sends, and
// checks that serve stops its processes and removes the temporary
// directory, which holds the end users' passwords and tokens.
func TestServeStopsOnSIGHUP(t *testing.T) {
	cmd, exited, lines := startCommand(t, "serve", "-moto=off", "-repo="+repoRoot(t))
	tempDir := lines.waitFor(t, `temp dir (\S+)`, commandTimeout)
	lines.waitFor(t, `^Ready\. Press Ctrl-C to stop\.`, commandTimeout)
	if _, err := os.Stat(filepath.Join(tempDir, "end-users.json")); err != nil {
		t.Fatalf("serve did not write end-users.json: %v", err)
	}
	family := descendants(cmd.Process.Pid)
	if len(family) < 2 {
		t.Errorf("serve runs %d child processes, want at least the two emulators", len(family))
	}

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGHUP, want status 0\n%s", err, lines.text())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not exit within 30s of SIGHUP\n%s", lines.text())
	}
	lines.waitFor(t, `^Stopping`, time.Second)
	for _, p := range family {
		assertProcessGone(t, p)
	}
	assertRemoved(t, tempDir)
}

// TestDemoStopsWhenOutputCloses runs the demo as `demo | head` would: the
// reader of standard output goes away once the first emulator has started.
// The next write fails with EPIPE, and the demo must stop its processes
// and remove its temporary directory instead of dying from SIGPIPE.
func TestDemoStopsWhenOutputCloses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "demo", "-moto=off", "-repo="+repoRoot(t))
	cmd.Stdout = w
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	w.Close()

	// Read up to the ingest function's line, then close the pipe.
	reader := bufio.NewReader(r)
	var tempDir string
	var read strings.Builder
	for {
		line, err := reader.ReadString('\n')
		if err != nil {
			t.Fatalf("read the demo's output: %v\n%s", err, read.String())
		}
		read.WriteString(line)
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "temp" && f[1] == "dir" {
			tempDir = f[2]
		}
		if strings.Contains(line, "ok  ingest function") {
			break
		}
	}
	r.Close()
	if tempDir == "" {
		t.Fatalf("the output does not name the temporary directory:\n%s", read.String())
	}
	emulators := startedPIDs(read.String())

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		var exitErr *exec.ExitError
		switch {
		case !errors.As(err, &exitErr):
			t.Errorf("exit = %v, want status %d", err, exitOutputClosed)
		case !exitErr.Exited():
			t.Errorf("demo was killed by %v, want exit status %d; stderr:\n%s", exitErr, exitOutputClosed, stderr.String())
		case exitErr.ExitCode() != exitOutputClosed:
			t.Errorf("exit status %d, want %d; stderr:\n%s", exitErr.ExitCode(), exitOutputClosed, stderr.String())
		}
	case <-time.After(commandTimeout):
		t.Fatalf("demo did not exit after its output closed; stderr:\n%s", stderr.String())
	}
	assertRemoved(t, tempDir)
	assertNoProcessUses(t, tempDir)
	assertStopped(t, emulators)
}

// assertRemoved fails when dir still exists.
func assertRemoved(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s still exists (stat error %v)", dir, err)
		_ = os.RemoveAll(dir)
	}
}

// assertNoProcessUses fails when a live process runs a program from dir,
// where the stack puts the function binaries and the emulator.
func assertNoProcessUses(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := processesUsing(dir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("processes %v still run programs from %s", pids, dir)
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processesUsing returns the ids of live processes whose command line
// names a path below dir.
func processesUsing(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f, ok := stat(pid); !ok || f[0] == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}
