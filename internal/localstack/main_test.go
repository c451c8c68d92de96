package localstack

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// Test functions that the emulator tests run.
const (
	echoPackage  = "./internal/localstack/testdata/echo"
	probePackage = "./internal/localstack/testdata/probe"
)

// testBinaries holds the test functions and the emulator, built once for
// the test binary by TestMain.
var testBinaries Binaries

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "localstack-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)

	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	root, err := FindModuleDir(wd, "github.com/streamkit/skylark-lambda")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	testBinaries, err = Build(ctx, BuildOptions{ModuleDir: root, OutDir: dir, Functions: []string{echoPackage, probePackage}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if sharedMoto.moto != nil {
		sharedMoto.moto.Stop()
	}
	return code
}

// sharedMoto is one moto_server for the whole test binary, started by the
// first test that needs it. Tests create queues with names of their own.
var sharedMoto struct {
	once sync.Once
	moto *Moto
	err  error
}

// startEcho runs the echo function under the emulator for one test.
func startEcho(t *testing.T, opts FunctionOptions) *Function {
	t.Helper()
	opts.Name = "echo"
	opts.Bootstrap = testBinaries.Functions[echoPackage]
	opts.RIE = testBinaries.RIE
	f, err := StartFunction(testenv.Context(t), opts)
	if err != nil {
		t.Fatalf("StartFunction: %v", err)
	}
	t.Cleanup(f.Stop)
	return f
}

// startMoto returns the shared moto_server, skipping the test when
// moto_server is not installed (failing it under CI).
func startMoto(t *testing.T) *Moto {
	t.Helper()
	path := MotoPath()
	if path == "" {
		testenv.Require(t, "moto_server", "install the Python package moto[server]")
	}
	sharedMoto.once.Do(func() {
		sharedMoto.moto, sharedMoto.err = StartMoto(context.Background(), path, nil)
	})
	if sharedMoto.err != nil {
		t.Fatalf("StartMoto: %v", sharedMoto.err)
	}
	return sharedMoto.moto
}
