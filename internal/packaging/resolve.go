package packaging

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// noValue is the result of Ref AWS::NoValue. Resolve removes the property
// or list item that contains it.
type noValue struct{}

// Pseudo-parameter values used by Resolver, the same as a stack in
// eu-west-1 of the example account.
var pseudoParameters = map[string]string{
	"AWS::Region":           "eu-west-1",
	"AWS::AccountId":        "111122223333",
	"AWS::Partition":        "aws",
	"AWS::URLSuffix":        "amazonaws.com",
	"AWS::StackName":        "skylark-integration",
	"AWS::StackId":          "arn:aws:cloudformation:eu-west-1:111122223333:stack/skylark-integration/1",
	"AWS::NotificationARNs": "",
}

// Resolver evaluates intrinsic functions that depend only on parameters:
// Ref of a parameter or pseudo parameter, Fn::FindInMap, Fn::If with the
// template's conditions, Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains,
// Fn::Sub, Fn::Join and Fn::Split. Values that depend on resources (Ref of a
// resource, Fn::GetAtt, a Sub naming a resource) are left as they are.
type Resolver struct {
	tmpl   *Template
	params map[string]string
}

// NewResolver returns a Resolver that uses the parameter defaults of t,
// replaced by overrides. Every parameter must end up with a value, and every
// override must name a declared parameter.
func NewResolver(t *Template, overrides map[string]string) (*Resolver, error) {
	decls, err := t.Parameters()
	if err != nil {
		return nil, err
	}
	params := map[string]string{}
	for name, p := range decls {
		if p.Default != nil {
			params[name] = *p.Default
		}
	}
	for name, v := range overrides {
		if _, ok := decls[name]; !ok {
			return nil, fmt.Errorf("packaging: override %s=%q names no template parameter", name, v)
		}
		params[name] = v
	}
	var missing []string
	for name := range decls {
		if _, ok := params[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("packaging: parameters without a default need a value: %s", strings.Join(missing, ", "))
	}
	return &Resolver{tmpl: t, params: params}, nil
}

// Param returns the value of a parameter.
func (r *Resolver) Param(name string) (string, bool) {
	v, ok := r.params[name]
	return v, ok
}

// Resolve returns v with every parameter-only intrinsic function evaluated
// and AWS::NoValue entries removed.
func (r *Resolver) Resolve(v any) (any, error) {
	out, err := r.resolve(v)
	if err != nil {
		return nil, fmt.Errorf("packaging: %w", err)
	}
	if _, ok := out.(noValue); ok {
		return nil, nil
	}
	return out, nil
}

func (r *Resolver) resolve(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, drop := rv.(noValue); !drop {
				out = append(out, rv)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for name, arg := range x {
				if name == "Ref" || name == "Condition" || strings.HasPrefix(name, "Fn::") {
					return r.intrinsic(name, arg, x)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			rv, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, drop := rv.(noValue); !drop {
				out[k] = rv
			}
		}
		return out, nil
	}
	return v, nil
}

func (r *Resolver) intrinsic(name string, arg any, original map[string]any) (any, error) {
	switch name {
	case "Ref":
		return r.ref(arg, original)
	case "Condition":
		b, err := r.condition(fmt.Sprint(arg))
		if err != nil {
			return nil, err
		}
		return b, nil
	case "Fn::FindInMap":
		return r.findInMap(arg)
	case "Fn::If":
		return r.ifThen(arg)
	case "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Fn::Contains":
		return r.boolean(name, arg)
	case "Fn::Sub":
		return r.sub(arg, original)
	case "Fn::Join":
		return r.join(arg, original)
	case "Fn::Split":
		return r.split(arg, original)
	}
	// Fn::GetAtt and functions of resources stay unresolved, but their
	// arguments are resolved where they can be.
	resolved, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	return map[string]any{name: resolved}, nil
}

func (r *Resolver) ref(arg any, original map[string]any) (any, error) {
	name, ok := arg.(string)
	if !ok {
		return nil, fmt.Errorf("invalid Ref of a %T, want a name", arg)
	}
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := pseudoParameters[name]; ok {
		return v, nil
	}
	if v, ok := r.params[name]; ok {
		if p, err := r.tmpl.Parameters(); err == nil && strings.HasPrefix(p[name].Type, "CommaDelimitedList") {
			return splitList(v), nil
		}
		return v, nil
	}
	if r.tmpl.Resource(name) == nil {
		return nil, fmt.Errorf("the Ref %s names neither a parameter nor a resource", name)
	}
	return original, nil
}

func splitList(v string) []any {
	parts := strings.Split(v, ",")
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

// condition evaluates the named condition of the Conditions section.
func (r *Resolver) condition(name string) (bool, error) {
	def, ok := r.tmpl.Section("Conditions")[name]
	if !ok {
		return false, fmt.Errorf("condition %s is not declared", name)
	}
	v, err := r.resolve(def)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s evaluates to %v, want a boolean", name, v)
	}
	return b, nil
}

// ConditionTrue evaluates a condition of the Conditions section.
func (r *Resolver) ConditionTrue(name string) (bool, error) {
	b, err := r.condition(name)
	if err != nil {
		return false, fmt.Errorf("packaging: %w", err)
	}
	return b, nil
}

func (r *Resolver) args(fn string, arg any, n int) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || (n > 0 && len(list) != n) {
		return nil, fmt.Errorf("%s needs a list of %d arguments, got %v", fn, n, arg)
	}
	return list, nil
}

func (r *Resolver) findInMap(arg any) (any, error) {
	list, err := r.args("Fn::FindInMap", arg, 3)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 3)
	for i, a := range list {
		v, err := r.resolve(a)
		if err != nil {
			return nil, err
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap key %v is not a string", v)
		}
		keys[i] = s
	}
	top, ok := r.tmpl.Section("Mappings")[keys[0]].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: mapping %s is not declared", keys[0])
	}
	second, ok := top[keys[1]].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: mapping %s has no key %q", keys[0], keys[1])
	}
	v, ok := second[keys[2]]
	if !ok {
		return nil, fmt.Errorf("Fn::FindInMap: mapping %s.%s has no key %q", keys[0], keys[1], keys[2])
	}
	return v, nil
}

func (r *Resolver) ifThen(arg any) (any, error) {
	list, err := r.args("Fn::If", arg, 3)
	if err != nil {
		return nil, err
	}
	name, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If condition %v is not a name", list[0])
	}
	cond, err := r.condition(name)
	if err != nil {
		return nil, err
	}
	if cond {
		return r.resolve(list[1])
	}
	return r.resolve(list[2])
}

func (r *Resolver) boolean(name string, arg any) (any, error) {
	resolved, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	list, ok := resolved.([]any)
	if !ok {
		return nil, fmt.Errorf("%s needs a list, got %v", name, arg)
	}
	switch name {
	case "Fn::Equals":
		if len(list) != 2 {
			return nil, fmt.Errorf("Fn::Equals needs two values, got %v", list)
		}
		return scalarString(list[0]) == scalarString(list[1]), nil
	case "Fn::Contains":
		if len(list) != 2 {
			return nil, fmt.Errorf("Fn::Contains needs a list and a value, got %v", list)
		}
		values, ok := list[0].([]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Contains needs a list first, got %v", list[0])
		}
		return slices.ContainsFunc(values, func(v any) bool {
			return scalarString(v) == scalarString(list[1])
		}), nil
	}
	bools := make([]bool, len(list))
	for i, v := range list {
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("%s argument %v is not a boolean", name, v)
		}
		bools[i] = b
	}
	switch name {
	case "Fn::Not":
		if len(bools) != 1 {
			return nil, fmt.Errorf("Fn::Not needs one condition, got %v", list)
		}
		return !bools[0], nil
	case "Fn::And":
		return !slices.Contains(bools, false), nil
	default: // Fn::Or
		return slices.Contains(bools, true), nil
	}
}

var subVariable = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// sub substitutes parameters and pseudo parameters. A Sub that names a
// resource or an attribute stays unresolved.
func (r *Resolver) sub(arg any, original map[string]any) (any, error) {
	text, ok := arg.(string)
	vars := map[string]any{}
	if !ok {
		list, err := r.args("Fn::Sub", arg, 2)
		if err != nil {
			return nil, err
		}
		if text, ok = list[0].(string); !ok {
			return nil, fmt.Errorf("Fn::Sub template %v is not a string", list[0])
		}
		m, ok := list[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub variables %v are not a mapping", list[1])
		}
		maps.Copy(vars, m)
	}
	unresolved := false
	out := subVariable.ReplaceAllStringFunc(text, func(match string) string {
		name := match[2 : len(match)-1]
		var v any
		if raw, ok := vars[name]; ok {
			rv, err := r.resolve(raw)
			if err != nil {
				unresolved = true
				return match
			}
			v = rv
		} else if pv, ok := pseudoParameters[name]; ok {
			v = pv
		} else if pv, ok := r.params[name]; ok {
			v = pv
		}
		s, ok := v.(string)
		if !ok {
			unresolved = true
			return match
		}
		return s
	})
	if unresolved {
		return original, nil
	}
	return strings.ReplaceAll(out, "${!", "${"), nil
}

func (r *Resolver) join(arg any, original map[string]any) (any, error) {
	list, err := r.args("Fn::Join", arg, 2)
	if err != nil {
		return nil, err
	}
	values, err := r.resolve(list[1])
	if err != nil {
		return nil, err
	}
	items, ok := values.([]any)
	if !ok {
		return original, nil
	}
	parts := make([]string, len(items))
	for i, v := range items {
		s, ok := v.(string)
		if !ok {
			return original, nil
		}
		parts[i] = s
	}
	return strings.Join(parts, scalarString(list[0])), nil
}

func (r *Resolver) split(arg any, original map[string]any) (any, error) {
	list, err := r.args("Fn::Split", arg, 2)
	if err != nil {
		return nil, err
	}
	v, err := r.resolve(list[1])
	if err != nil {
		return nil, err
	}
	s, ok := v.(string)
	if !ok {
		return original, nil
	}
	parts := strings.Split(s, scalarString(list[0]))
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}
