package lambdatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

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
			return "", fmt.Errorf("lambdatest: emulator %q is not an executable: %w", explicit, err)
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
		return "", fmt.Errorf("lambdatest: locate %s with `go tool -n %s` failed: %w: %s "+
			"(pin it with `go get -tool`, or set AWS_LAMBDA_RIE to its path)",
			tool, tool, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// process identifies a process by id and start time, so a recycled pid is
// never mistaken for it.
type process struct {
	pid   int
	start uint64 // clock ticks after boot, field 22 of /proc/<pid>/stat
}

// procStat returns the fields of /proc/<pid>/stat after the command name,
// so index 0 is field 3 (state).
func procStat(pid int) ([]string, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, err
	}
	// The command name may contain spaces and parentheses: skip past the
	// last closing parenthesis.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return nil, fmt.Errorf("unexpected format of /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return nil, fmt.Errorf("unexpected format of /proc/%d/stat", pid)
	}
	return fields, nil
}

func lookupProcess(pid int) (process, error) {
	fields, err := procStat(pid)
	if err != nil {
		return process{}, err
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return process{}, fmt.Errorf("start time of pid %d: %w", pid, err)
	}
	return process{pid: pid, start: start}, nil
}

// alive reports whether p is still the same running process.
func (p process) alive() bool {
	q, err := lookupProcess(p.pid)
	if err != nil || q.start != p.start {
		return false
	}
	fields, err := procStat(p.pid)
	return err == nil && fields[0] != "Z"
}

// kill sends SIGKILL to p and to its process group when p leads one, as the
// emulator's bootstrap processes do.
func (p process) kill() {
	if !p.alive() {
		return
	}
	if fields, err := procStat(p.pid); err == nil && fields[2] == strconv.Itoa(p.pid) {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		return
	}
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
}

// children returns the processes whose parent is pid, from
// /proc/<pid>/task/*/children.
func children(pid int) ([]process, error) {
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "children"))
	if err != nil {
		return nil, err
	}
	if len(tasks) == 0 {
		return nil, fmt.Errorf("no /proc/%d/task/*/children files: the process has exited or the kernel lacks CONFIG_PROC_CHILDREN", pid)
	}
	var procs []process
	for _, path := range tasks {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the thread exited
		}
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			if err != nil {
				continue
			}
			if p, err := lookupProcess(child); err == nil {
				procs = append(procs, p)
			}
		}
	}
	return procs, nil
}

// trackRuntimes records the emulator's current child processes.
func (f *Function) trackRuntimes() {
	procs, err := children(f.cmd.Process.Pid)
	if err != nil {
		return
	}
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
	procs, err := children(f.cmd.Process.Pid)
	if err != nil {
		return 0, fmt.Errorf("lambdatest: find the bootstrap process: %w", err)
	}
	for _, p := range procs {
		if p.alive() {
			return p.pid, nil
		}
	}
	return 0, errors.New("lambdatest: no bootstrap process is running: invoke the function first")
}

// ProcessCPUTime returns the CPU time (user plus system) that the process
// pid has used so far. It sums the nanosecond counters in
// /proc/<pid>/task/*/schedstat, and falls back to the utime and stime fields
// of /proc/<pid>/stat (10 ms resolution) when schedstat is unavailable.
// Threads that have already exited are missing from the schedstat sum.
func ProcessCPUTime(pid int) (time.Duration, error) {
	if d, err := schedstatCPUTime(pid); err == nil {
		return d, nil
	}
	fields, err := procStat(pid)
	if err != nil {
		return 0, fmt.Errorf("lambdatest: CPU time of pid %d: %w", pid, err)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("lambdatest: CPU time of pid %d: %w", pid, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

func schedstatCPUTime(pid int) (time.Duration, error) {
	paths, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "schedstat"))
	if err != nil || len(paths) == 0 {
		return 0, fmt.Errorf("no schedstat for pid %d", pid)
	}
	var total uint64
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the thread exited
		}
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return 0, fmt.Errorf("unexpected format of %s", path)
		}
		ns, err := strconv.ParseUint(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected format of %s: %w", path, err)
		}
		total += ns
	}
	return time.Duration(total), nil
}
