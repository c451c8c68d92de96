package localstack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/<pid>/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

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

// childProcesses lists the live child processes of pid.
func childProcesses(pid int) []process {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := strconv.Itoa(pid)
	var out []process
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		f, err := procStat(child)
		// Index 1 is field 4 (ppid) and index 19 is field 22 (starttime).
		if err != nil || f[1] != parent || f[0] == "Z" {
			continue
		}
		start, err := strconv.ParseUint(f[19], 10, 64)
		if err != nil {
			continue
		}
		out = append(out, process{pid: child, start: start})
	}
	return out
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
		return 0, fmt.Errorf("localstack: CPU time of pid %d: %w", pid, err)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("localstack: CPU time of pid %d: %w", pid, err)
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
