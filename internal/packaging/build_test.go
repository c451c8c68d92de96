package packaging

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// maxBinarySize bounds a function binary, because a larger binary takes
// longer to load on a cold start. Lambda's own limit is far higher (250 MB
// unzipped).
const maxBinarySize = 10 << 20

// makeCommand returns the recipe that `make build-<id>` runs, split into
// words the way the shell does.
func makeCommand(t *testing.T, target, artifacts string) []string {
	t.Helper()
	mk, err := exec.LookPath("make")
	if err != nil {
		testenv.Require(t, "make", "install it with apt-get install make")
	}
	cmd := exec.CommandContext(t.Context(), mk, "--no-print-directory", "-n", target, "ARTIFACTS_DIR="+artifacts)
	cmd.Dir = testenv.RepoRoot(t)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n %s: %v\n%s", target, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, " go build ") {
			return shellFields(t, line)
		}
	}
	t.Fatalf("make -n %s runs no go build:\n%s", target, out)
	return nil
}

// shellFields splits a command line at blanks outside single quotes, which
// is all the quoting the Makefile recipes use.
func shellFields(t *testing.T, line string) []string {
	t.Helper()
	var fields []string
	var cur strings.Builder
	quoted, inField := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			quoted, inField = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if inField {
				fields = append(fields, cur.String())
				cur.Reset()
				inField = false
			}
		default:
			cur.WriteRune(r)
			inField = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if inField {
		fields = append(fields, cur.String())
	}
	return fields
}

func TestMakefileMatchesTestBuilds(t *testing.T) {
	for id, dir := range functionDirs {
		t.Run(id, func(t *testing.T) {
			artifacts := "/artifacts/" + id
			got := makeCommand(t, "build-"+id, artifacts)
			want := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "go", "build"}
			want = append(want, lambdatest.BuildFlags...)
			want = append(want, "-o", artifacts+"/bootstrap", "./"+dir)
			// The emulator tests build with lambdatest.BuildFlags, so they
			// run the same binary as Lambda, except for the architecture.
			assertEqual(t, "make -n build-"+id, got, want)
		})
	}
}

func TestLambdaBuildIsStaticArm64(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the arm64 builds in -short mode")
	}
	mk, err := exec.LookPath("make")
	if err != nil {
		testenv.Require(t, "make", "install it with apt-get install make")
	}
	for _, id := range sortedKeys(functionDirs) {
		t.Run(id, func(t *testing.T) {
			artifacts := t.TempDir()
			cmd := exec.CommandContext(t.Context(), mk, "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+artifacts)
			cmd.Dir = testenv.RepoRoot(t)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make build-%s: %v\n%s", id, err, out)
			}

			// The zip root is the artifacts directory, and provided.al2023
			// executes the file named bootstrap there.
			entries, err := os.ReadDir(artifacts)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assertEqual(t, "artifacts", names, []string{"bootstrap"})
			checkLambdaBinary(t, filepath.Join(artifacts, "bootstrap"))
		})
	}
}

func checkLambdaBinary(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm()&0o111 == 0 {
		t.Errorf("bootstrap mode %v is not executable", info.Mode())
	}
	if info.Size() > maxBinarySize {
		t.Errorf("bootstrap is %.1f MiB, want at most %d MiB", float64(info.Size())/(1<<20), maxBinarySize>>20)
	}
	t.Logf("bootstrap: %.2f MiB", float64(info.Size())/(1<<20))

	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("bootstrap is not an ELF file: %v", err)
	}
	defer f.Close()
	// An amd64 binary fails on arm64 Lambda with "exec format error".
	assertEqual(t, "ELF machine", f.Machine, elf.EM_AARCH64)
	assertEqual(t, "ELF class", f.Class, elf.ELFCLASS64)
	assertEqual(t, "ELF type", f.Type, elf.ET_EXEC)

	// A dynamically linked binary needs the build machine's glibc, which
	// the runtime image may not have ("GLIBC_2.34 not found").
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("bootstrap has a %v program header: it is dynamically linked", p.Type)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatalf("read DT_NEEDED entries: %v", err)
	}
	if len(libs) > 0 {
		t.Errorf("bootstrap needs shared libraries %v, want a static binary", libs)
	}
	if syms, err := f.Symbols(); err == nil && len(syms) > 0 {
		t.Errorf("bootstrap has %d symbols, want a stripped binary (-ldflags='-s -w')", len(syms))
	}
	if slices.ContainsFunc(f.Sections, func(s *elf.Section) bool { return s.Name == ".debug_info" }) {
		t.Errorf("bootstrap carries DWARF debug information, want it stripped")
	}
}
