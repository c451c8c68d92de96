// Package testenv starts and locates the external components that the
// project's tests run against: moto_server for SQS and Secrets Manager, and
// Node.js for the independent Cognito client.
//
// A test that needs a missing component is skipped with a message that names
// what is missing and how to install it, except under CI (CI=true), where it
// fails: a CI run must never pass by skipping the tests that matter.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region is the AWS region that tests configure their SDK clients with.
const Region = "us-east-1"

// InCI reports whether the tests run under continuous integration, where a
// missing component is a failure rather than a reason to skip.
func InCI() bool {
	return os.Getenv("CI") == "true"
}

// Require skips the test, or fails it under CI, because a component is
// missing. The message names what is missing and how to get it.
func Require(t testing.TB, component, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is required under CI but was not found: %s", component, install)
	}
	t.Skipf("skipping: %s not found (%s)", component, install)
}

// Node returns the path of the node executable.
func Node(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		Require(t, "node", "install Node.js 20 or later, for example with apt-get install nodejs")
	}
	return path
}

// RepoRoot returns the directory that contains the module's go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: get working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// AWSConfig returns an SDK configuration with static dummy credentials and
// the test region. It reads nothing from the environment or ~/.aws, so tests
// never pick up a developer's real account. Point each client at a local
// endpoint with its BaseEndpoint option.
func AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
}

// Context returns a context that ends when the test ends.
func Context(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
