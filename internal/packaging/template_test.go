package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

// runCfnLint runs cfn-lint on a template and returns its parseable output
// and exit code. cfn-lint's exit code is a bit mask: 2 errors, 4 warnings,
// 8 informational findings; 1 means cfn-lint itself failed.
func runCfnLint(t *testing.T, dir, file string) (string, int) {
	t.Helper()
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		testenv.Require(t, "cfn-lint", "install it with python3 -m pip install cfn-lint")
	}
	cmd := exec.CommandContext(t.Context(), bin, "--format", "parseable", file)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run cfn-lint: %v", err)
	}
	return string(out), code
}

func TestTemplatePassesCfnLint(t *testing.T) {
	out, code := runCfnLint(t, testenv.RepoRoot(t), "template.yaml")
	if code&1 != 0 {
		t.Fatalf("cfn-lint failed to run (exit %d):\n%s", code, out)
	}
	if code&(2|4) != 0 {
		t.Errorf("cfn-lint reports errors or warnings (exit %d):\n%s", code, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if regexp.MustCompile(`:[EW]\d{4}:`).MatchString(line) {
			t.Errorf("cfn-lint: %s", line)
		}
	}
}

// The lint above only counts if cfn-lint really checks this template: a
// copy with the retired go1.x runtime must fail.
func TestCfnLintRejectsGo1xRuntime(t *testing.T) {
	data, err := os.ReadFile(repoPath(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), "Runtime: provided.al2023", "Runtime: go1.x", 1)
	if broken == string(data) {
		t.Fatal("template.yaml has no 'Runtime: provided.al2023' line to replace")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runCfnLint(t, dir, "template.yaml")
	if code&2 == 0 || !strings.Contains(out, "E2533") {
		t.Errorf("cfn-lint on a go1.x template: exit %d, want error E2533:\n%s", code, out)
	}
}

func TestFunctionsRuntimeAndBuild(t *testing.T) {
	tmpl := loadTemplate(t)
	functions := tmpl.ResourcesOfType("AWS::Serverless::Function")
	assertEqual(t, "function logical ids", sortedKeys(functions), sortedKeys(functionDirs))

	makefile, err := os.ReadFile(repoPath(t, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for id := range functions {
		t.Run(id, func(t *testing.T) {
			props := tmpl.FunctionProperties(id)
			assertEqual(t, "Runtime", props["Runtime"], "provided.al2023")
			assertEqual(t, "Handler", props["Handler"], "bootstrap")
			// After SAM merges Globals, a list set in two places has two
			// entries, which Lambda rejects.
			assertEqual(t, "Architectures", props["Architectures"], []any{"arm64"})
			assertEqual(t, "CodeUri", props["CodeUri"], ".")
			assertEqual(t, "Metadata.BuildMethod", path(tmpl.Resource(id), "Metadata", "BuildMethod"), "makefile")

			target := regexp.MustCompile(`(?m)^build-` + id + `:`)
			if !target.Match(makefile) {
				t.Errorf("Makefile has no build-%s target for sam build", id)
			}
		})
	}
}

func TestArchitecturesSetOnce(t *testing.T) {
	tmpl := loadTemplate(t)
	var places []string
	if _, ok := path(tmpl.Root, "Globals", "Function").(map[string]any)["Architectures"]; ok {
		places = append(places, "Globals.Function")
	}
	for id := range tmpl.ResourcesOfType("AWS::Serverless::Function") {
		if _, ok := tmpl.Properties(id)["Architectures"]; ok {
			places = append(places, id)
		}
	}
	if len(places) != 1 {
		t.Errorf("Architectures is set in %d places (%v), want exactly one", len(places), places)
	}
}

func TestNoGo1xAnywhere(t *testing.T) {
	f, err := os.Open(repoPath(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for line := 1; scanner.Scan(); line++ {
		if strings.Contains(scanner.Text(), "go1.x") {
			t.Errorf("template.yaml:%d names the retired go1.x runtime: %s", line, scanner.Text())
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestLogGroupPerFunction(t *testing.T) {
	tmpl := loadTemplate(t)
	groups := map[string]string{}
	for id := range tmpl.ResourcesOfType("AWS::Serverless::Function") {
		logging, _ := tmpl.FunctionProperties(id)["LoggingConfig"].(map[string]any)
		group, ok := logging["LogGroup"].(map[string]any)
		name, _ := group["Ref"].(string)
		if !ok || name == "" {
			t.Errorf("%s: LoggingConfig.LogGroup = %#v, want a Ref to an AWS::Logs::LogGroup", id, logging["LogGroup"])
			continue
		}
		if other, dup := groups[name]; dup {
			t.Errorf("%s and %s share the log group %s", id, other, name)
		}
		groups[name] = id
		assertEqual(t, name+" Type", tmpl.Resource(name)["Type"], "AWS::Logs::LogGroup")
		assertEqual(t, name+" RetentionInDays", tmpl.Properties(name)["RetentionInDays"], ref("LogRetentionInDays"))
	}
}

func TestOutputs(t *testing.T) {
	tmpl := loadTemplate(t)
	outputs := tmpl.Section("Outputs")
	want := map[string]any{
		"IngestQueueUrl":           ref("IngestQueue"),
		"IngestQueueArn":           getAtt("IngestQueue", "Arn"),
		"IngestDeadLetterQueueUrl": ref("IngestDeadLetterQueue"),
		"IngestDeadLetterQueueArn": getAtt("IngestDeadLetterQueue", "Arn"),
	}
	for name, value := range want {
		assertEqual(t, "Outputs."+name+".Value", path(outputs, name, "Value"), value)
	}
	url := path(outputs, "ViewingApiUrl", "Value", "Fn::Sub")
	if s, ok := url.(string); !ok || !strings.Contains(s, "${ViewingApi}.execute-api.${AWS::Region}") {
		t.Errorf("Outputs.ViewingApiUrl = %#v, want the execute-api URL of ViewingApi", url)
	}
}
