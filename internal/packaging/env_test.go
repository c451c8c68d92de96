package packaging

import (
	"slices"
	"testing"
)

// TestEnvVarsDeclared checks both directions: every variable a function
// reads is declared under its Environment.Variables (SAM's --env-vars only
// replaces declared variables, so an undeclared one cannot be set locally
// either), and every declared variable is read by the code.
func TestEnvVarsDeclared(t *testing.T) {
	tmpl := loadTemplate(t)
	shared, err := EnvVarsRead(repoPath(t, "internal/setup"))
	if err != nil {
		t.Fatal(err)
	}
	if len(shared) == 0 {
		t.Fatal("found no environment variables read in internal/setup: the scan does not match how the code reads them")
	}
	params, err := tmpl.Parameters()
	if err != nil {
		t.Fatal(err)
	}

	for id, dir := range functionDirs {
		t.Run(id, func(t *testing.T) {
			own, err := EnvVarsRead(repoPath(t, dir))
			if err != nil {
				t.Fatal(err)
			}
			read := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(shared), own...))))
			declared, _ := path(tmpl.FunctionProperties(id), "Environment", "Variables").(map[string]any)

			for _, name := range read {
				if reservedEnv(name) {
					continue
				}
				if _, ok := declared[name]; !ok {
					t.Errorf("%s reads %s, which %s does not declare in Environment.Variables", dir, name, id)
				}
			}
			for _, name := range sortedKeys(declared) {
				if sdkEndpointEnv(name) {
					if declared[name] != "" {
						t.Errorf("%s.%s = %#v, want an empty value that only sam local invoke overrides", id, name, declared[name])
					}
					continue
				}
				if !slices.Contains(read, name) {
					t.Errorf("%s declares %s, which neither %s nor internal/setup reads", id, name, dir)
				}
				if reservedEnv(name) {
					t.Errorf("%s declares %s, which Lambda reserves", id, name)
				}
				// Every setting comes from a parameter, except values the
				// stack itself creates (such as the dead-letter queue URL).
				value := declared[name]
				refName, _ := path(value, "Ref").(string)
				if _, isParam := params[refName]; !isParam && tmpl.Resource(refName) == nil {
					t.Errorf("%s.%s = %#v, want a Ref to a parameter or a resource", id, name, value)
				}
			}
		})
	}
}

func TestEnvVarsReadScan(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "config.go", `package main

import (
	"os"

	"example.com/setup"
)

func load(getenv func(string) string) {
	_ = getenv("DIRECT_NAME")
	_, _ = setup.Duration(getenv, "PASSED_GETENV", 0)
	_ = os.Getenv("OS_GETENV")
	_, _ = os.LookupEnv("OS_LOOKUP")
	_ = fmt("NOT_AN_ENV_READ")
	_ = getenv("lower_case_is_not_a_variable")
}
`)
	writeFile(t, dir, "config_test.go", `package main

func init() { _ = getenv("ONLY_IN_TEST") }
`)
	got, err := EnvVarsRead(dir)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "EnvVarsRead", got, []string{"DIRECT_NAME", "OS_GETENV", "OS_LOOKUP", "PASSED_GETENV"})
}
