package localstack

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func TestStartFunctionRejectsShortTimeout(t *testing.T) {
	_, err := StartFunction(testenv.Context(t), FunctionOptions{
		Name: "echo", Bootstrap: testBinaries.Functions[echoPackage], RIE: testBinaries.RIE,
		Timeout: 500 * time.Millisecond,
	})
	if err == nil {
		t.Fatal("StartFunction accepted a timeout below one second")
	}
}

// assertGone fails the test when pid is still a live process a few seconds
// later. A zombie counts as gone.
func assertGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := procStat(pid)
		if err != nil || f[0] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("process %d is still running (state %s)", pid, f[0])
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFindModuleDir(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := FindModuleDir(wd, "github.com/streamkit/skylark-lambda")
	if err != nil {
		t.Fatalf("FindModuleDir: %v", err)
	}
	if _, err := os.Stat(root + "/functions/ingest"); err != nil {
		t.Errorf("FindModuleDir = %s, which has no functions/ingest", root)
	}
	if rel, err := FindModuleDir(".", "github.com/streamkit/skylark-lambda"); err != nil || rel != root {
		t.Errorf("FindModuleDir(\".\") = %q, %v; want %q", rel, err, root)
	}
	if _, err := FindModuleDir(t.TempDir(), "github.com/streamkit/skylark-lambda"); err == nil {
		t.Error("FindModuleDir found the module above an unrelated directory")
	}
}
