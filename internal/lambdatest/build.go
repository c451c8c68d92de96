package lambdatest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// BuildFlags are the go build flags of a Lambda bootstrap, the same as the
// Makefile's. The lambda.norpc tag drops the RPC mode that only the retired
// go1.x runtime used (provided.al2023 always talks to the Runtime API), and
// -trimpath with -s -w makes the binary smaller and independent of the
// build machine's paths. Builds also set CGO_ENABLED=0, so the binary is
// static and does not depend on the glibc version of the runtime image.
var BuildFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w"}

// BuildOptions selects the target and working directory of BuildBinary.
type BuildOptions struct {
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
func BuildBinary(ctx context.Context, pkg, output string, opts BuildOptions) error {
	goos, goarch := opts.GOOS, opts.GOARCH
	if goos == "" {
		goos = "linux"
	}
	if goarch == "" {
		goarch = runtime.GOARCH
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("lambdatest: go command not found in PATH: %w", err)
	}

	args := append([]string{"build"}, BuildFlags...)
	args = append(args, "-o", output, pkg)
	cmd := exec.CommandContext(ctx, gocmd, args...)
	cmd.Dir = opts.Dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("lambdatest: go build %s for %s/%s failed: %w\n%s",
			pkg, goos, goarch, err, strings.TrimSpace(out.String()))
	}
	return nil
}

// Build compiles the main package pkg for linux and the host architecture
// into a file named bootstrap in a temporary directory of t, and returns its
// path. A relative pkg such as ./functions/viewing is resolved against the
// module root, so tests in any package can name the functions the same way.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	output := filepath.Join(t.TempDir(), "bootstrap")
	if err := BuildBinary(t.Context(), pkg, output, BuildOptions{Dir: root}); err != nil {
		t.Fatal(err)
	}
	return output
}

// ModuleRoot returns the directory of the go.mod that contains the current
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("lambdatest: get working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("lambdatest: no go.mod found above the working directory")
		}
		dir = parent
	}
}
