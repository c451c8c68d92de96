package packaging

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Parameter is a template parameter declaration.
type Parameter struct {
	Name           string
	Type           string
	Default        *string // nil when the parameter has no default
	AllowedValues  []string
	AllowedPattern string
	Description    string
	MinValue       *float64
	MaxValue       *float64
}

// Parameters returns the template's parameter declarations by name.
func (t *Template) Parameters() (map[string]Parameter, error) {
	out := map[string]Parameter{}
	for name, raw := range t.Section("Parameters") {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("packaging: parameter %s is not a mapping", name)
		}
		p := Parameter{Name: name}
		p.Type, _ = m["Type"].(string)
		p.AllowedPattern, _ = m["AllowedPattern"].(string)
		p.Description, _ = m["Description"].(string)
		if d, ok := m["Default"]; ok {
			s := scalarString(d)
			p.Default = &s
		}
		if list, ok := m["AllowedValues"].([]any); ok {
			for _, v := range list {
				p.AllowedValues = append(p.AllowedValues, scalarString(v))
			}
		}
		for key, dst := range map[string]**float64{"MinValue": &p.MinValue, "MaxValue": &p.MaxValue} {
			if v, ok := m[key]; ok {
				f, err := strconv.ParseFloat(scalarString(v), 64)
				if err != nil {
					return nil, fmt.Errorf("packaging: parameter %s: %s %v is not a number", name, key, v)
				}
				*dst = &f
			}
		}
		out[name] = p
	}
	return out, nil
}

// Validate checks value against the parameter's constraints the way
// CloudFormation does when a stack is created: AllowedValues, AllowedPattern
// (which must match the whole value), and MinValue and MaxValue for a
// Number. The error names the parameter, the value and the constraint.
func (p Parameter) Validate(value string) error {
	if len(p.AllowedValues) > 0 && !slices.Contains(p.AllowedValues, value) {
		return fmt.Errorf("packaging: parameter %s=%q is not one of the allowed values %s",
			p.Name, value, strings.Join(p.AllowedValues, ", "))
	}
	if p.AllowedPattern != "" {
		re, err := regexp.Compile(`^(?:` + p.AllowedPattern + `)$`)
		if err != nil {
			return fmt.Errorf("packaging: parameter %s: AllowedPattern %q does not compile: %w", p.Name, p.AllowedPattern, err)
		}
		if !re.MatchString(value) {
			return fmt.Errorf("packaging: parameter %s=%q does not match AllowedPattern %s", p.Name, value, p.AllowedPattern)
		}
	}
	if p.Type == "Number" {
		f, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return fmt.Errorf("packaging: parameter %s=%q is not a number", p.Name, value)
		}
		if p.MinValue != nil && f < *p.MinValue {
			return fmt.Errorf("packaging: parameter %s=%s is below MinValue %v", p.Name, value, *p.MinValue)
		}
		if p.MaxValue != nil && f > *p.MaxValue {
			return fmt.Errorf("packaging: parameter %s=%s is above MaxValue %v", p.Name, value, *p.MaxValue)
		}
	}
	return nil
}
