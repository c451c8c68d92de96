package packaging

import (
	"fmt"
	"testing"

	"gopkg.in/yaml.v3"
)

const sampleTemplate = `
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 10}
  Origins: {Type: String, Default: ""}
  Ids: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  Timeouts:
    "dev": {Seconds: 30}
    "prod": {Seconds: 90}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  HasOrigins: !Not [!Equals [!Ref Origins, ""]]
  ProdWithOrigins: !And [!Condition IsProd, !Condition HasOrigins]
  Either: !Or [!Condition IsProd, !Condition HasOrigins]
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !If [IsProd, !Sub "${AWS::StackName}-${Env}.fifo", !Ref AWS::NoValue]
      VisibilityTimeout: !FindInMap [Timeouts, !Ref Env, Seconds]
      Tags:
        - !If [HasOrigins, {Key: origins, Value: !Ref Origins}, !Ref AWS::NoValue]
        - {Key: size, Value: !Ref Size}
      Arn: !GetAtt Other.Arn
      Long: {"Fn::GetAtt": [Other, Arn]}
      Url: !Sub "https://${Other}.example.com/${Env}"
      Joined: !Join ["-", [!Ref Env, x]]
      Split: !Split [",", !Ref Origins]
      List: !Ref Ids
      Contains: !Contains [[dev, test], !Ref Env]
      Literal: !Sub "cost ${!Literal}"
  Other:
    Type: AWS::SQS::Queue
`

func decodeSample(t *testing.T) *Template {
	t.Helper()
	var tmpl Template
	if err := yaml.Unmarshal([]byte(sampleTemplate), &tmpl); err != nil {
		t.Fatal(err)
	}
	return &tmpl
}

func TestDecodeShortFormTags(t *testing.T) {
	props := decodeSample(t).Properties("Queue")
	tests := []struct {
		key  string
		want any
	}{
		{"Arn", getAtt("Other", "Arn")},
		{"Long", getAtt("Other", "Arn")},
		{"VisibilityTimeout", map[string]any{"Fn::FindInMap": []any{"Timeouts", ref("Env"), "Seconds"}}},
		{"Url", map[string]any{"Fn::Sub": "https://${Other}.example.com/${Env}"}},
		{"Joined", map[string]any{"Fn::Join": []any{"-", []any{ref("Env"), "x"}}}},
		{"List", ref("Ids")},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			assertEqual(t, tt.key, props[tt.key], tt.want)
		})
	}
}

func TestDecodeRejectsDuplicateKeys(t *testing.T) {
	var tmpl Template
	err := yaml.Unmarshal([]byte("Resources: {}\nResources: {}\n"), &tmpl)
	if err == nil {
		t.Fatal("decoded a template with a duplicate key, want an error")
	}
}

func TestResolver(t *testing.T) {
	tmpl := decodeSample(t)
	tests := []struct {
		name      string
		overrides map[string]string
		key       string
		want      any
	}{
		{"mapping by default", nil, "VisibilityTimeout", 30},
		{"mapping by override", map[string]string{"Env": "prod"}, "VisibilityTimeout", 90},
		{"if false drops the property", nil, "QueueName", nil},
		{"if true with sub", map[string]string{"Env": "prod"}, "QueueName", "skylark-integration-prod.fifo"},
		{"sub naming a resource stays", nil, "Url", map[string]any{"Fn::Sub": "https://${Other}.example.com/${Env}"}},
		{"getatt stays", nil, "Arn", getAtt("Other", "Arn")},
		{"join", nil, "Joined", "dev-x"},
		{"split", map[string]string{"Origins": "a,b"}, "Split", []any{"a", "b"}},
		{"comma delimited list", nil, "List", []any{"a", "b"}},
		{"contains", nil, "Contains", true},
		{"contains false", map[string]string{"Env": "prod"}, "Contains", false},
		{"escaped sub variable", nil, "Literal", "cost ${Literal}"},
		{"novalue list item dropped", nil, "Tags", []any{map[string]any{"Key": "size", "Value": "10"}}},
		{"novalue list item kept", map[string]string{"Origins": "x"}, "Tags", []any{
			map[string]any{"Key": "origins", "Value": "x"},
			map[string]any{"Key": "size", "Value": "10"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewResolver(tmpl, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			props := resolve(t, r, tmpl.Properties("Queue")).(map[string]any)
			assertEqual(t, tt.key, props[tt.key], tt.want)
		})
	}
}

func TestResolverConditions(t *testing.T) {
	tmpl := decodeSample(t)
	tests := []struct {
		env, origins string
		want         map[string]bool
	}{
		{"dev", "", map[string]bool{"IsProd": false, "HasOrigins": false, "ProdWithOrigins": false, "Either": false}},
		{"prod", "", map[string]bool{"IsProd": true, "HasOrigins": false, "ProdWithOrigins": false, "Either": true}},
		{"prod", "x", map[string]bool{"IsProd": true, "HasOrigins": true, "ProdWithOrigins": true, "Either": true}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s origins %q", tt.env, tt.origins), func(t *testing.T) {
			r, err := NewResolver(tmpl, map[string]string{"Env": tt.env, "Origins": tt.origins})
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tt.want {
				got, err := r.ConditionTrue(name)
				if err != nil {
					t.Fatal(err)
				}
				assertEqual(t, name, got, want)
			}
		})
	}
}

func TestNewResolverRejects(t *testing.T) {
	tmpl := decodeSample(t)
	if _, err := NewResolver(tmpl, map[string]string{"Unknown": "x"}); err == nil {
		t.Error("NewResolver accepted an override of an undeclared parameter")
	}
	tmpl.Section("Parameters")["Required"] = map[string]any{"Type": "String"}
	if _, err := NewResolver(tmpl, nil); err == nil {
		t.Error("NewResolver accepted a parameter without a default or a value")
	}
}

func TestParameterValidate(t *testing.T) {
	min, max := 1.0, 10.0
	p := Parameter{Name: "N", Type: "Number", MinValue: &min, MaxValue: &max, AllowedPattern: `[0-9]+`}
	for value, ok := range map[string]bool{"1": true, "10": true, "0": false, "11": false, "x": false, "5 ": false} {
		if err := p.Validate(value); (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want ok=%t", value, err, ok)
		}
	}
	allowed := Parameter{Name: "A", Type: "String", AllowedValues: []string{"true", "false"}}
	if err := allowed.Validate("yes"); err == nil {
		t.Error("Validate accepted a value outside AllowedValues")
	}
}
