package packaging

import (
	"slices"
	"strings"
	"testing"
)

func TestHTTPAPIJWTAuthorizer(t *testing.T) {
	tmpl := loadTemplate(t)
	assertEqual(t, "ViewingApi Type", tmpl.Resource("ViewingApi")["Type"], "AWS::Serverless::HttpApi")

	r := newResolver(t, tmpl, map[string]string{
		"EndUserPoolId":    "eu-west-1_Players9",
		"EndUserClientIds": "ios-client,web-client",
	})
	auth := resolve(t, r, path(tmpl.Properties("ViewingApi"), "Auth"))
	name, _ := path(auth, "DefaultAuthorizer").(string)
	if name == "" {
		t.Fatalf("ViewingApi has no DefaultAuthorizer: every route must require a signed-in end user")
	}
	jwt := path(auth, "Authorizers", name, "JwtConfiguration")
	assertEqual(t, "issuer", path(jwt, "issuer"), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Players9")
	assertEqual(t, "audience", path(jwt, "audience"), []any{"ios-client", "web-client"})
	assertEqual(t, "IdentitySource", path(auth, "Authorizers", name, "IdentitySource"), "$request.header.Authorization")
}

func TestViewingRoute(t *testing.T) {
	tmpl := loadTemplate(t)
	events, _ := tmpl.FunctionProperties("ViewingFunction")["Events"].(map[string]any)
	if len(events) != 1 {
		t.Fatalf("ViewingFunction has %d events, want 1", len(events))
	}
	for name, e := range events {
		assertEqual(t, name+".Type", path(e, "Type"), "HttpApi")
		assertEqual(t, name+".ApiId", path(e, "Properties", "ApiId"), ref("ViewingApi"))
		assertEqual(t, name+".Method", path(e, "Properties", "Method"), "POST")
		assertEqual(t, name+".Path", path(e, "Properties", "Path"), "/assets/{uid}/viewings")
		assertEqual(t, name+".PayloadFormatVersion", path(e, "Properties", "PayloadFormatVersion"), "2.0")
		if auth := path(e, "Properties", "Auth"); auth != nil {
			t.Errorf("%s overrides the API's authorizer with %#v, want the JWT default", name, auth)
		}
	}
}

func TestHTTPAPICORS(t *testing.T) {
	tmpl := loadTemplate(t)
	tests := []struct {
		name        string
		origins     string
		credentials string
		want        map[string]any // nil: no CORS configuration
	}{
		{name: "off by default", origins: "", credentials: "false"},
		{
			name:    "listed origins",
			origins: "https://watch.example.com,https://www.example.com", credentials: "true",
			want: map[string]any{
				"AllowOrigins":     []any{"https://watch.example.com", "https://www.example.com"},
				"AllowMethods":     []any{"POST"},
				"AllowCredentials": true,
			},
		},
		{
			name:    "wildcard",
			origins: "*", credentials: "false",
			want: map[string]any{
				"AllowOrigins":     []any{"*"},
				"AllowMethods":     []any{"POST"},
				"AllowCredentials": false,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newResolver(t, tmpl, map[string]string{
				"CorsAllowedOrigins":   tt.origins,
				"CorsAllowCredentials": tt.credentials,
			})
			cors := resolve(t, r, tmpl.Properties("ViewingApi"))
			got := path(cors, "CorsConfiguration")
			if tt.want == nil {
				if got != nil {
					t.Errorf("CorsConfiguration = %#v, want none", got)
				}
				return
			}
			for key, want := range tt.want {
				assertEqual(t, "CorsConfiguration."+key, path(got, key), want)
			}
			headers := strs(t, "AllowHeaders", path(got, "AllowHeaders"))
			if !slices.Contains(headers, "authorization") {
				t.Errorf("AllowHeaders = %v, want authorization among them", headers)
			}
		})
	}
}

// statement is one resolved IAM policy statement, for comparisons.
type statement struct {
	Actions  []string
	Resource any
}

func roleStatements(t *testing.T, tmpl *Template, r *Resolver, role string) []statement {
	t.Helper()
	props := tmpl.Properties(role)
	if arns, ok := props["ManagedPolicyArns"]; ok {
		t.Errorf("%s attaches managed policies %v, want only its inline least-privilege policy", role, arns)
	}
	var out []statement
	policies, _ := props["Policies"].([]any)
	for _, p := range policies {
		doc := resolve(t, r, path(p, "PolicyDocument"))
		list, _ := path(doc, "Statement").([]any)
		for _, s := range list {
			assertEqual(t, role+" statement Effect", path(s, "Effect"), "Allow")
			var actions []string
			switch a := path(s, "Action").(type) {
			case string:
				actions = []string{a}
			default:
				actions = strs(t, role+" Action", a)
			}
			slices.Sort(actions)
			out = append(out, statement{Actions: actions, Resource: path(s, "Resource")})
		}
	}
	return out
}

func TestLeastPrivilegePolicies(t *testing.T) {
	tmpl := loadTemplate(t)
	logs := []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	secret := statement{[]string{"secretsmanager:GetSecretValue"}, requiredOverrides["SkylarkSecretArn"]}
	kms := statement{[]string{"kms:Decrypt"}, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
	tests := []struct {
		function string
		want     []statement
	}{
		{"IngestFunction", []statement{
			{logs, getAtt("IngestLogGroup", "Arn")},
			secret,
			{[]string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"},
				getAtt("IngestQueue", "Arn")},
			{[]string{"sqs:SendMessage"}, getAtt("IngestDeadLetterQueue", "Arn")},
		}},
		{"ViewingFunction", []statement{
			{logs, getAtt("ViewingLogGroup", "Arn")},
			secret,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			props := tmpl.FunctionProperties(tt.function)
			// A role that SAM generates for an SQS event carries
			// AWSLambdaSQSQueueExecutionRole, which allows every queue.
			role, _ := path(props, "Role", "Fn::GetAtt").([]any)
			if len(role) != 2 || role[1] != "Arn" {
				t.Fatalf("Role = %#v, want !GetAtt <role>.Arn of an explicit role", props["Role"])
			}
			for _, key := range []string{"Policies", "PermissionsBoundary"} {
				if v, ok := props[key]; ok {
					t.Errorf("%s = %#v, want the permissions only in the explicit role", key, v)
				}
			}
			roleID := role[0].(string)
			assertEqual(t, roleID+" Type", tmpl.Resource(roleID)["Type"], "AWS::IAM::Role")

			without := roleStatements(t, tmpl, newResolver(t, tmpl, nil), roleID)
			assertEqual(t, roleID+" statements", without, tt.want)

			withKey := roleStatements(t, tmpl, newResolver(t, tmpl, map[string]string{
				"SkylarkSecretKmsKeyArn": kms.Resource.(string),
			}), roleID)
			assertEqual(t, roleID+" statements with a KMS key", withKey,
				append(slices.Clone(tt.want[:2]), append([]statement{kms}, tt.want[2:]...)...))

			for _, s := range withKey {
				for _, a := range s.Actions {
					if strings.Contains(a, "*") {
						t.Errorf("%s allows the wildcard action %s", roleID, a)
					}
				}
				if res, ok := s.Resource.(string); ok && strings.Contains(res, "*") {
					t.Errorf("%s allows %v on the wildcard resource %s", roleID, s.Actions, res)
				}
			}
		})
	}
}
