package packaging

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func loadSAMConfig(t *testing.T) *SAMConfig {
	t.Helper()
	c, err := LoadSAMConfig(repoPath(t, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSAMConfigEnvironments(t *testing.T) {
	c := loadSAMConfig(t)
	assertEqual(t, "version", c.Version, 0.1)
	assertEqual(t, "environments", sortedKeys(c.Environments), []string{"default", "prod"})

	stacks := map[string]string{}
	for env := range c.Environments {
		t.Run(env, func(t *testing.T) {
			for _, cmd := range []string{"build", "deploy", "local_invoke"} {
				if _, ok := c.Environments[env][cmd]; !ok {
					t.Errorf("[%s.%s.parameters] is missing", env, cmd)
				}
			}
			deploy := c.Parameters(env, "deploy")
			stack, _ := deploy["stack_name"].(string)
			if stack == "" {
				t.Fatalf("%s has no stack_name", env)
			}
			if other, dup := stacks[stack]; dup {
				t.Errorf("%s and %s deploy the same stack %s", env, other, stack)
			}
			stacks[stack] = env
			assertEqual(t, "confirm_changeset", deploy["confirm_changeset"], true)
			// The template creates IAM roles without names.
			assertEqual(t, "capabilities", deploy["capabilities"], "CAPABILITY_IAM")
			if deploy["region"] == nil {
				t.Errorf("%s sets no region", env)
			}
		})
	}
}

// TestSAMConfigParameterOverrides deploys every environment on paper: the
// overrides must name template parameters, satisfy their constraints and
// rules, and give every parameter without a default a value, and the queue
// settings they produce must keep the visibility timeout rule.
func TestSAMConfigParameterOverrides(t *testing.T) {
	tmpl := loadTemplate(t)
	c := loadSAMConfig(t)
	decls, err := tmpl.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range sortedKeys(c.Environments) {
		for _, cmd := range []string{"deploy", "local_invoke"} {
			t.Run(env+" "+cmd, func(t *testing.T) {
				overrides, err := ParseParameterOverrides(c.Parameters(env, cmd)["parameter_overrides"])
				if err != nil {
					t.Fatal(err)
				}
				r, err := NewResolver(tmpl, overrides)
				if err != nil {
					t.Fatalf("[%s.%s] parameter_overrides: %v", env, cmd, err)
				}
				for _, name := range sortedKeys(decls) {
					value, _ := r.Param(name)
					if err := decls[name].Validate(value); err != nil {
						t.Errorf("[%s.%s]: %v", env, cmd, err)
					}
				}
				if failed := failedRules(t, tmpl, r); len(failed) > 0 {
					t.Errorf("[%s.%s] parameters break the template rules %v", env, cmd, failed)
				}
				checkVisibilityTimeout(t, tmpl, r)
			})
		}
	}
}

func TestParameterDefaultsValid(t *testing.T) {
	tmpl := loadTemplate(t)
	decls, err := tmpl.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range sortedKeys(decls) {
		p := decls[name]
		if p.Description == "" {
			t.Errorf("parameter %s has no Description", name)
		}
		if p.Default == nil {
			continue
		}
		if err := p.Validate(*p.Default); err != nil {
			t.Errorf("default: %v", err)
		}
	}
	// The constraints must be able to reject something.
	if err := decls["SkylarkBaseUrl"].Validate("http://api.example.com"); err == nil {
		t.Error("SkylarkBaseUrl accepts a plain http URL, want https only")
	}
	if err := decls["IngestTimeout"].Validate("45"); err == nil {
		t.Error("IngestTimeout accepts 45, which the visibility timeout mapping lacks")
	}
}

func TestParseParameterOverrides(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		want    map[string]string
		wantErr bool
	}{
		{"list", []any{"A=1", "B=x=y", `C="two words"`}, map[string]string{"A": "1", "B": "x=y", "C": "two words"}, false},
		{"string", `A=1 B="two words" C=`, map[string]string{"A": "1", "B": "two words", "C": ""}, false},
		{"absent", nil, map[string]string{}, false},
		{"no equals sign", []any{"A"}, nil, true},
		{"duplicate", []any{"A=1", "A=2"}, nil, true},
		{"unterminated quote", `A="x`, nil, true},
		{"number", 3, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseParameterOverrides(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("got %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "overrides", got, tt.want)
		})
	}
}
