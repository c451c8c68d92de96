package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// printedExample is one example that serve printed: its comment and the
// shell text to run.
type printedExample struct {
	comment, command string
}

// parseExamples returns the examples below the "Try it" heading of serve's
// output, up to the next blank line.
func parseExamples(out string) []printedExample {
	var examples []printedExample
	inSection := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "Try it"):
			inSection = true
		case !inSection:
		case strings.TrimSpace(line) == "":
			return examples
		case strings.HasPrefix(line, "  # "):
			text := strings.TrimPrefix(line, "  # ")
			if n := len(examples); n > 0 && examples[n-1].command == "" {
				examples[n-1].comment += " " + text
			} else {
				examples = append(examples, printedExample{comment: text})
			}
		case len(examples) > 0:
			ex := &examples[len(examples)-1]
			ex.command += strings.TrimPrefix(line, "  ") + "\n"
		}
	}
	return examples
}

// statusRE matches the status that an example's comment promises.
var statusRE = regexp.MustCompile(`-> (\d{3})\b`)

// runPrintedExamples runs every example that serve printed, in order, with
// the built binary in place of `go run ./cmd/skylark-local`, and checks
// each result.
func runPrintedExamples(t *testing.T, lines *lineReader, gateway string) {
	t.Helper()
	examples := parseExamples(lines.text())
	if len(examples) < 6 {
		t.Fatalf("serve printed %d examples, want at least 6:\n%s", len(examples), lines.text())
	}
	for _, ex := range examples {
		command := strings.ReplaceAll(ex.command, "go run ./cmd/skylark-local", binary)
		switch {
		case strings.HasPrefix(command, "sam "):
			t.Logf("not run, needs the SAM CLI and Docker: %s", strings.TrimSpace(command))
		case strings.Contains(command, " aws --endpoint-url "):
			if _, err := exec.LookPath("aws"); err != nil {
				t.Logf("not run, the aws CLI is not on PATH: %s", ex.comment)
				continue
			}
			out := runShell(t, command)
			if !strings.Contains(out, "MessageId") {
				t.Errorf("example %q: output has no MessageId:\n%s", ex.comment, out)
			}
			lines.waitFor(t, `ingest   message \S+ applied data source trailer-01: updated title`, 30*time.Second)
		case statusRE.MatchString(ex.comment):
			want := statusRE.FindStringSubmatch(ex.comment)[1]
			out := runShell(t, command)
			if !strings.HasPrefix(out, "HTTP/1.1 "+want+" ") {
				t.Errorf("example %q: want status %s, got:\n%s", ex.comment, want, out)
			}
			if want == "201" && !strings.Contains(out, `"tokenised_url"`) {
				t.Errorf("example %q: 201 response has no tokenised_url:\n%s", ex.comment, out)
			}
		case strings.Contains(command, "/functions/function/invocations"):
			out := runShell(t, command)
			if !strings.Contains(out, `"batchItemFailures":[]`) {
				t.Errorf("example %q: want an empty batchItemFailures, got:\n%s", ex.comment, out)
			}
		case strings.Contains(command, binary+" token "):
			token := strings.TrimSpace(runShell(t, command))
			if strings.Count(token, ".") != 2 {
				t.Fatalf("example %q printed %d bytes that are not a JWT", ex.comment, len(token))
			}
			if status, body := post(t, gateway+"/assets/"+joyUID+"/viewings", token); status != http.StatusCreated {
				t.Errorf("POST with the printed token: status %d, want 201; body %s", status, body)
			}
		default:
			t.Errorf("no check for the printed example %q:\n%s", ex.comment, command)
		}
	}
}

// runShell runs command with sh in the repository root and returns its
// standard output. The AWS CLI gets no configuration or credentials files,
// so only the values in the command count.
func runShell(t *testing.T, command string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(withoutAWSVariables(os.Environ()), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run %s: %v\nstderr: %s", command, err, stderr.String())
	}
	return string(out)
}

// withoutAWSVariables drops AWS_* variables, such as a profile or
// endpoint of the developer's own account.
func withoutAWSVariables(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

func TestParseExamples(t *testing.T) {
	out := `Files
  env.json  /tmp/env.json

Try it, in this order, from the repository root
  # first -> 201
  curl -i http://127.0.0.1:1/a
  # a comment on
  # two lines
  aws one \
    two

Ready. Press Ctrl-C to stop.
  # not an example
`
	got := parseExamples(out)
	want := []printedExample{
		{comment: "first -> 201", command: "curl -i http://127.0.0.1:1/a\n"},
		{comment: "a comment on two lines", command: "aws one \\\n  two\n"},
	}
	if len(got) != len(want) {
		t.Fatalf("parseExamples returned %d examples, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("example %d = %q, want %q", i, got[i], want[i])
		}
	}
}
