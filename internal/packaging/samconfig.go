package packaging

import (
	"fmt"
	"maps"
	"strings"

	"github.com/BurntSushi/toml"
)

// SAMConfig is a decoded samconfig.toml: the format version and, per
// environment and command, the command's parameters.
type SAMConfig struct {
	Version float64
	// Environments maps an environment name, such as "default", to its
	// commands ("global", "build", "deploy", "local_invoke", ...) and their
	// parameters.
	Environments map[string]map[string]map[string]any
}

// LoadSAMConfig reads samconfig.toml at path.
func LoadSAMConfig(path string) (*SAMConfig, error) {
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return nil, fmt.Errorf("packaging: decode %s: %w", path, err)
	}
	c := &SAMConfig{Environments: map[string]map[string]map[string]any{}}
	for key, v := range raw {
		if key == "version" {
			f, ok := v.(float64)
			if !ok {
				return nil, fmt.Errorf("packaging: %s: version %v is not a number", path, v)
			}
			c.Version = f
			continue
		}
		env, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("packaging: %s: %s is not a table of commands", path, key)
		}
		commands := map[string]map[string]any{}
		for cmd, cv := range env {
			table, ok := cv.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("packaging: %s: %s.%s is not a table", path, key, cmd)
			}
			params, ok := table["parameters"].(map[string]any)
			if !ok || len(table) != 1 {
				return nil, fmt.Errorf("packaging: %s: %s.%s must contain only a parameters table", path, key, cmd)
			}
			commands[cmd] = params
		}
		c.Environments[key] = commands
	}
	return c, nil
}

// Parameters returns the parameters that SAM CLI applies to command in env:
// the environment's global parameters, replaced by the command's own.
func (c *SAMConfig) Parameters(env, command string) map[string]any {
	out := map[string]any{}
	maps.Copy(out, c.Environments[env]["global"])
	maps.Copy(out, c.Environments[env][command])
	return out
}

// ParseParameterOverrides parses a parameter_overrides value: a list of
// "Key=Value" strings or one string of space-separated Key=Value pairs,
// where a value may be wrapped in double quotes to contain spaces.
func ParseParameterOverrides(v any) (map[string]string, error) {
	var items []string
	switch x := v.(type) {
	case nil:
		return map[string]string{}, nil
	case string:
		fields, err := splitQuoted(x)
		if err != nil {
			return nil, err
		}
		items = fields
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("parameter override %v is not a string", e)
			}
			items = append(items, s)
		}
	default:
		return nil, fmt.Errorf("parameter_overrides is a %T, want a string or a list of strings", v)
	}

	out := map[string]string{}
	for _, item := range items {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("parameter override %q is not Key=Value", item)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("parameter %s is overridden twice", key)
		}
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = strings.ReplaceAll(value[1:len(value)-1], `\"`, `"`)
		}
		out[key] = value
	}
	return out, nil
}

// splitQuoted splits s at spaces outside double quotes.
func splitQuoted(s string) ([]string, error) {
	var fields []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			cur.WriteByte(ch)
			cur.WriteByte(s[i+1])
			i++
		case ch == '"':
			quoted = !quoted
			cur.WriteByte(ch)
		case ch == ' ' && !quoted:
			if cur.Len() > 0 {
				fields = append(fields, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if quoted {
		return nil, fmt.Errorf("parameter_overrides %q has an unterminated quote", s)
	}
	if cur.Len() > 0 {
		fields = append(fields, cur.String())
	}
	return fields, nil
}
