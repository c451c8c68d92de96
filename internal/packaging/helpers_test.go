package packaging

import (
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/streamkit/skylark-lambda/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// functionDirs maps each function's logical id to its source directory.
var functionDirs = map[string]string{
	"IngestFunction":  "functions/ingest",
	"ViewingFunction": "functions/viewing",
}

// repoPath returns the path of a file in the repository.
func repoPath(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(testenv.RepoRoot(t), rel)
}

func loadTemplate(t *testing.T) *Template {
	t.Helper()
	tmpl, err := LoadTemplate(repoPath(t, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// requiredOverrides gives a value to every parameter that has no default.
var requiredOverrides = map[string]string{
	"SkylarkBaseUrl":    "https://api.test.example.skylarkplatform.io",
	"SkylarkSecretArn":  "arn:aws:secretsmanager:eu-west-1:111122223333:secret:skylark-AbC123",
	"SkylarkUserPoolId": "eu-west-1_Skylark1",
	"SkylarkClientId":   "skylarkclient1",
	"EndUserPoolId":     "eu-west-1_EndUser1",
	"EndUserClientIds":  "player1,player2",
}

// newResolver returns a resolver with requiredOverrides plus overrides.
func newResolver(t *testing.T, tmpl *Template, overrides map[string]string) *Resolver {
	t.Helper()
	all := map[string]string{}
	for k, v := range requiredOverrides {
		all[k] = v
	}
	for k, v := range overrides {
		all[k] = v
	}
	r, err := NewResolver(tmpl, all)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func resolve(t *testing.T, r *Resolver, v any) any {
	t.Helper()
	out, err := r.Resolve(v)
	if err != nil {
		t.Fatalf("resolve %v: %v", v, err)
	}
	return out
}

// path walks nested maps by key and returns nil when a key is missing.
func path(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// ref and getAtt build the long form of !Ref and !GetAtt for comparisons.
func ref(name string) map[string]any { return map[string]any{"Ref": name} }

func getAtt(resource, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{resource, attr}}
}

func assertEqual(t *testing.T, label string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", label, got, want)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// strs converts a decoded YAML list of strings.
func strs(t *testing.T, label string, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%s = %#v, want a list", label, v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("%s[%d] = %#v, want a string", label, i, e)
		}
		out[i] = s
	}
	return out
}

// reservedEnv reports whether Lambda or the SDK sets the variable, so the
// template must not (and cannot) declare it.
func reservedEnv(name string) bool {
	switch name {
	case "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_EXECUTION_ENV", "_HANDLER", "_X_AMZN_TRACE_ID",
		"LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "TZ":
		return true
	}
	return strings.HasPrefix(name, "AWS_LAMBDA_")
}

// sdkEndpointEnv reports whether name is one of the AWS SDK's endpoint
// variables. The template declares them empty, which the SDK ignores, so
// that sam local invoke --env-vars can point the functions at emulators.
func sdkEndpointEnv(name string) bool {
	return strings.HasPrefix(name, "AWS_ENDPOINT_URL_")
}
