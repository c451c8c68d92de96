package packaging

import (
	"fmt"
	"maps"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is a CloudFormation or SAM template decoded into plain Go values:
// map[string]any, []any, string, int, float64, bool and nil. Short-form
// intrinsic functions (!Ref, !Sub, !GetAtt, !If and the others) are turned
// into their long form ({"Ref": ...}, {"Fn::Sub": ...}, {"Fn::GetAtt":
// [resource, attribute]}), so code handles both forms alike.
type Template struct {
	Root map[string]any
}

// LoadTemplate reads and decodes the template at path.
func LoadTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("packaging: read template: %w", err)
	}
	var t Template
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("packaging: decode template %s: %w", path, err)
	}
	return &t, nil
}

// UnmarshalYAML decodes a template document. It implements yaml.Unmarshaler
// because the default decoding drops the CloudFormation short-form tags.
func (t *Template) UnmarshalYAML(n *yaml.Node) error {
	v, err := decodeNode(n)
	if err != nil {
		return err
	}
	root, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("packaging: template root is a %T, want a mapping", v)
	}
	t.Root = root
	return nil
}

// decodeNode converts a YAML node, expanding short-form intrinsic tags.
func decodeNode(n *yaml.Node) (any, error) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: want exactly one document", n.Line)
		}
		return decodeNode(n.Content[0])
	}
	if n.Kind == yaml.AliasNode {
		return decodeNode(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return decodeIntrinsic(n)
	}

	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if key.Kind == yaml.ScalarNode && key.Tag == "!!merge" {
				merged, err := decodeNode(val)
				if err != nil {
					return nil, err
				}
				mm, ok := merged.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("line %d: merge key needs a mapping", key.Line)
				}
				maps.Copy(m, mm)
				continue
			}
			if _, dup := m[key.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", key.Line, key.Value)
			}
			v, err := decodeNode(val)
			if err != nil {
				return nil, err
			}
			m[key.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := decodeNode(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node kind %d", n.Line, n.Kind)
}

// decodeIntrinsic expands a short-form tag such as !Sub into its long form.
// !Ref and !Condition keep their names; every other !Name becomes Fn::Name.
func decodeIntrinsic(n *yaml.Node) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	untagged := *n
	untagged.Tag = ""
	if n.Kind == yaml.ScalarNode {
		untagged.Tag = "!!str" // the argument of a tagged scalar is a string
	}
	arg, err := decodeNode(&untagged)
	if err != nil {
		return nil, err
	}

	switch name {
	case "Ref", "Condition":
		return map[string]any{name: arg}, nil
	case "GetAtt":
		// !GetAtt Resource.Attribute is the short form of
		// Fn::GetAtt: [Resource, Attribute]; nested attribute names keep
		// their dots.
		if s, ok := arg.(string); ok {
			resource, attr, found := strings.Cut(s, ".")
			if !found {
				return nil, fmt.Errorf("line %d: !GetAtt %q lacks an attribute", n.Line, s)
			}
			arg = []any{resource, attr}
		}
	}
	return map[string]any{"Fn::" + name: arg}, nil
}

// Section returns a top-level section, such as "Resources", or nil.
func (t *Template) Section(name string) map[string]any {
	m, _ := t.Root[name].(map[string]any)
	return m
}

// Resource returns the resource with the logical id, or nil.
func (t *Template) Resource(id string) map[string]any {
	m, _ := t.Section("Resources")[id].(map[string]any)
	return m
}

// ResourcesOfType returns the logical ids and definitions of the resources
// of type typ.
func (t *Template) ResourcesOfType(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range t.Section("Resources") {
		if m, ok := r.(map[string]any); ok && m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// Properties returns the Properties of the resource with the logical id.
func (t *Template) Properties(id string) map[string]any {
	m, _ := t.Resource(id)["Properties"].(map[string]any)
	return m
}

// FunctionProperties returns the properties of the AWS::Serverless::Function
// id after SAM applies Globals.Function. Maps are merged key by key, and
// lists are appended, so a list set in both places ends up with duplicates.
// Any other value set on the function wins.
func (t *Template) FunctionProperties(id string) map[string]any {
	globals, _ := t.Section("Globals")["Function"].(map[string]any)
	return mergeGlobals(globals, t.Properties(id))
}

func mergeGlobals(global, local map[string]any) map[string]any {
	out := make(map[string]any, len(global)+len(local))
	maps.Copy(out, global)
	for k, lv := range local {
		gv, ok := out[k]
		if !ok || isIntrinsic(lv) || isIntrinsic(gv) {
			out[k] = lv
			continue
		}
		switch l := lv.(type) {
		case map[string]any:
			if g, ok := gv.(map[string]any); ok {
				out[k] = mergeGlobals(g, l)
				continue
			}
		case []any:
			if g, ok := gv.([]any); ok {
				out[k] = append(append([]any{}, g...), l...)
				continue
			}
		}
		out[k] = lv
	}
	return out
}

// isIntrinsic reports whether v is a single-key map naming an intrinsic
// function or a Ref.
func isIntrinsic(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

// scalarString formats a decoded YAML scalar the way CloudFormation passes
// parameter values: as a string.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalarString(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
