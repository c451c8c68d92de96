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

// BuildFlags are the go build flags of a Lambda bootstrap, the same as the
// Makefile's. The lambda.norpc tag drops the RPC mode that only the retired
// go1.x runtime used (provided.al2023 always talks to the Runtime API), and
// -trimpath with -s -w makes the binary smaller and independent of the
// build machine's paths. Builds also set CGO_ENABLED=0, so the binary is
// static and does not depend on the glibc version of the runtime image.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

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

	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", binDir+string(filepath.Separator))
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

// BinaryOptions selects the target and working directory of BuildBinary.
type BinaryOptions struct {
	// GOOS is the target operating system; empty means linux.
	GOOS string
	// GOARCH is the target architecture; empty means the host's
	// (runtime.GOARCH), the only one the emulator can run.
	GOARCH string
	// Dir is the directory go build runs in, which must lie inside the
	// module; empty means the current directory.
	Dir string
}

// BuildBinary compiles the main package pkg (a path relative to opts.Dir,
// such as ./functions/ingest, or an import path) into the executable output
// with BuildFlags and CGO_ENABLED=0. The error carries the compiler output.
func BuildBinary(ctx context.Context, pkg, output string, opts BinaryOptions) error {
	goos, goarch := opts.GOOS, opts.GOARCH
	if goos == "" {
		goos = "linux"
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("localstack: go command not found in PATH: %w", err)
	}

	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", output, pkg)
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("localstack: go build %s for %s/%s failed: %w\n%s",
			pkg, goos, goarch, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// ModuleRoot returns the directory of the go.mod that contains the current
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("localstack: get working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("localstack: no go.mod found above the working directory")
		}
		dir = parent
	}
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
