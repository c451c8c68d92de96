package packaging

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// The integration's service account in the local copy of Skylark's user
// pool.
const (
	servicePoolID   = "us-east-1_Skylark1"
	serviceClientID = "skylark-app-client"
	serviceUser     = "integration"
	servicePassword = "Rie-Service-Passw0rd!"
)

// localStack is everything a function needs on one machine: Skylark's
// Cognito pool (SRP verified for real), the fake Skylark API that accepts
// only that pool's ID tokens, and Secrets Manager and SQS on moto_server.
type localStack struct {
	cognito   *cognitotest.Server
	skylark   *skylarktest.Server
	moto      string
	sqs       *sqs.Client
	secretARN string
	awsConfig string // an empty shared config file, so ~/.aws is never read
}

func newLocalStack(t testing.TB) *localStack {
	t.Helper()
	s := &localStack{moto: testenv.Moto(t)}

	s.cognito = cognitotest.NewServer(t, cognitotest.Options{PoolID: servicePoolID})
	if err := s.cognito.AddClient(cognitotest.Client{ID: serviceClientID}); err != nil {
		t.Fatal(err)
	}
	if err := s.cognito.AddUser(cognitotest.User{Username: serviceUser, Password: servicePassword}); err != nil {
		t.Fatal(err)
	}
	s.skylark = skylarktest.NewServer(skylarktest.Options{Issuer: s.cognito.Issuer(), ClientID: serviceClientID})
	t.Cleanup(s.skylark.Close)

	cfg := testenv.AWSConfig(t)
	sm := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(s.moto) })
	secret, err := json.Marshal(map[string]string{"username": serviceUser, "password": servicePassword})
	if err != nil {
		t.Fatal(err)
	}
	out, err := sm.CreateSecret(t.Context(), &secretsmanager.CreateSecretInput{
		Name:         aws.String("skylark/packaging/" + uniqueName(t)),
		SecretString: aws.String(string(secret)),
	})
	if err != nil {
		t.Fatalf("create the service account secret on moto_server: %v", err)
	}
	s.secretARN = aws.ToString(out.ARN)
	s.sqs = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(s.moto) })

	s.awsConfig = filepath.Join(t.TempDir(), "aws-config")
	if err := os.WriteFile(s.awsConfig, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9-]+`)

// uniqueName returns a name for moto resources that no other test uses,
// because all tests of the binary share one moto_server.
func uniqueName(t testing.TB) string {
	name := strings.Trim(unsafeNameChars.ReplaceAllString(t.Name(), "-"), "-")
	if len(name) > 50 {
		name = name[len(name)-50:]
	}
	return fmt.Sprintf("%s-%d", strings.TrimLeft(name, "-"), time.Now().UnixNano()%1e12)
}

// env returns the function environment: dummy AWS credentials, the SDK's
// endpoint variables pointing at the local services, the shared settings,
// and extra.
func (s *localStack) env(extra map[string]string) map[string]string {
	env := map[string]string{
		"AWS_REGION":                                 testenv.Region,
		"AWS_ACCESS_KEY_ID":                          "test",
		"AWS_SECRET_ACCESS_KEY":                      "test",
		"AWS_CONFIG_FILE":                            s.awsConfig,
		"AWS_SHARED_CREDENTIALS_FILE":                s.awsConfig,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           s.moto,
		"AWS_ENDPOINT_URL_SQS":                       s.moto,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": s.cognito.URL,
		"SKYLARK_BASE_URL":                           s.skylark.URL,
		"SKYLARK_SECRET_ID":                          s.secretARN,
		"COGNITO_USER_POOL_ID":                       s.cognito.PoolID,
		"COGNITO_CLIENT_ID":                          serviceClientID,
		"LOG_LEVEL":                                  "debug",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// start runs bootstrap under the emulator with the stack's environment.
func (s *localStack) start(t testing.TB, bootstrap, name string, extra map[string]string) *lambdatest.Function {
	t.Helper()
	fn := lambdatest.Start(t, bootstrap, lambdatest.Options{
		Env:     s.env(extra),
		Timeout: 30 * time.Second,
		Name:    name,
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output:\n%s", name, fn.Logs())
		}
		// The function must never write the service account's password,
		// whatever it logs.
		if strings.Contains(fn.Logs(), servicePassword) {
			t.Errorf("%s wrote the service account's password to its output", name)
		}
	})
	return fn
}

// createQueue creates a standard queue on moto_server and returns its URL.
func (s *localStack) createQueue(t testing.TB, role string) string {
	t.Helper()
	out, err := s.sqs.CreateQueue(t.Context(), &sqs.CreateQueueInput{
		QueueName: aws.String(role + "-" + uniqueName(t)),
	})
	if err != nil {
		t.Fatalf("create queue on moto_server: %v", err)
	}
	return aws.ToString(out.QueueUrl)
}

// receiveAll returns the messages on a queue, with their attributes.
func (s *localStack) receiveAll(t *testing.T, queueURL string) []sqstypes.Message {
	t.Helper()
	var all []sqstypes.Message
	for {
		out, err := s.sqs.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
			QueueUrl:              aws.String(queueURL),
			MaxNumberOfMessages:   10,
			MessageAttributeNames: []string{"All"},
			VisibilityTimeout:     60,
		})
		if err != nil {
			t.Fatalf("receive from %s: %v", queueURL, err)
		}
		if len(out.Messages) == 0 {
			return all
		}
		all = append(all, out.Messages...)
	}
}

// readEvent returns a sample event from events/.
func readEvent(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(repoPath(t, filepath.Join("events", name)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// writeRequests returns the requests that change Skylark data.
func writeRequests(srv *skylarktest.Server) []skylarktest.Request {
	var out []skylarktest.Request
	for _, r := range srv.Requests() {
		if r.Method != "GET" && r.Method != "HEAD" {
			out = append(out, r)
		}
	}
	return out
}
