package localstack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
)

// RIEPackage is the import path of the AWS Lambda Runtime Interface
// Emulator, pinned as a tool in go.mod.
const RIEPackage = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// BuildOptions selects what Build compiles.
type BuildOptions struct {
	// ModuleDir is the directory that holds go.mod.
	ModuleDir string

	// OutDir receives the binaries. It is created if missing.
	OutDir string

	// Functions are the packages of Lambda functions, such as
	// "./functions/ingest". Their last path elements must differ.
	Functions []string
}

// Binaries are the paths of built programs.
type Binaries struct {
	// Functions maps each package of BuildOptions.Functions to its
	// bootstrap binary, OutDir/<last path element>/bootstrap.
	Functions map[string]string

	// RIE is the runtime interface emulator binary.
	RIE string
}

// Build compiles the functions the way they are deployed to the
// provided.al2023 runtime (CGO off, -tags lambda.norpc, stripped, trimmed
// paths) but for the host's OS and architecture, because the emulator runs
// only host binaries. The emulator itself is built from the module's
// pinned version in the same go build run, so the module graph is loaded
// once and `go tool` is not started on every use.
func Build(ctx context.Context, opts BuildOptions) (Binaries, error) {
	binDir := filepath.Join(opts.OutDir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return Binaries{}, fmt.Errorf("localstack: create build directory: %w", err)
	}
	seen := map[string]string{}
	for _, pkg := range opts.Functions {
		base := path.Base(pkg)
		if other, ok := seen[base]; ok {
			return Binaries{}, fmt.Errorf("localstack: packages %s and %s both build a binary named %s: "+
				"give the function directories different names", other, pkg, base)
		}
		seen[base] = pkg
	}

	args := []string{"build", "-trimpath", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", binDir + string(filepath.Separator)}
	args = append(args, opts.Functions...)
	args = append(args, RIEPackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	// In a process group of its own, go build and the compilers it runs
	// stop together when ctx ends, rather than go alone.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Dir = opts.ModuleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return Binaries{}, fmt.Errorf("localstack: go %s: %w\n%s", strings.Join(args, " "), err,
			strings.TrimSpace(out.String()))
	}

	bins := Binaries{Functions: map[string]string{}, RIE: filepath.Join(binDir, path.Base(RIEPackage))}
	for _, pkg := range opts.Functions {
		base := path.Base(pkg)
		dir := filepath.Join(opts.OutDir, base)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return Binaries{}, fmt.Errorf("localstack: create function directory: %w", err)
		}
		bootstrap := filepath.Join(dir, "bootstrap")
		if err := os.Rename(filepath.Join(binDir, base), bootstrap); err != nil {
			return Binaries{}, fmt.Errorf("localstack: move the %s binary into place: %w", pkg, err)
		}
		bins.Functions[pkg] = bootstrap
	}
	return bins, nil
}

// FindModuleDir returns the directory of the go.mod of module modulePath,
// searching dir and its parents.
func FindModuleDir(dir, modulePath string) (string, error) {
	start := dir
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("localstack: resolve %s: %w", start, err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && moduleLine(data) == modulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("localstack: no go.mod for module %s in %s or its parents: "+
				"run from a clone of the repository or pass its directory", modulePath, start)
		}
		dir = parent
	}
}

func moduleLine(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
