package localstack

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// procEntry identifies a process by id and start time, so that a recycled
// process id is never mistaken for it.
type procEntry struct {
	pid   int
	start string // field 22 of /proc/<pid>/stat, clock ticks after boot
}

// statFields returns the fields of /proc/<pid>/stat after the command
// name, so index 0 is field 3 (state). The command name is skipped by its
// closing parenthesis because it may contain spaces.
func statFields(pid int) ([]string, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, false
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil, false
	}
	return strings.Fields(string(data[i+1:])), true
}

// childProcesses lists the live child processes of pid.
func childProcesses(pid int) []procEntry {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := strconv.Itoa(pid)
	var out []procEntry
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		f, ok := statFields(child)
		// Index 1 is field 4 (ppid) and index 19 is field 22 (starttime).
		if !ok || len(f) < 20 || f[1] != parent || f[0] == "Z" {
			continue
		}
		out = append(out, procEntry{pid: child, start: f[19]})
	}
	return out
}

// kill sends SIGKILL to the process if it is still the same process.
func (p procEntry) kill() {
	f, ok := statFields(p.pid)
	if !ok || len(f) < 20 || f[19] != p.start || f[0] == "Z" {
		return
	}
	_ = syscall.Kill(p.pid, syscall.SIGKILL)
}
