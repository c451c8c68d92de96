package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/streamkit/skylark-lambda/internal/localstack"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// modulePath is the module whose functions the stack builds.
const modulePath = "github.com/streamkit/skylark-lambda"

// Function packages and names.
const (
	ingestPackage  = "./functions/ingest"
	viewingPackage = "./functions/viewing"
)

// Dummy credentials that the functions and the SDK clients sign with. The
// local endpoints accept any.
const (
	dummyAccessKeyID     = "AKIALOCALSTACKDEMO01"
	dummySecretAccessKey = "local-stack-dummy-secret-access-key"
)

// stackOptions configures startStack.
type stackOptions struct {
	moduleDir string
	useMoto   bool
	motoPath  string
	tempDir   string
	logs      io.Writer // function and moto_server output
	progress  *printer
}

// stack is everything the command started. close stops it all in reverse
// order.
type stack struct {
	opts stackOptions

	integrationPool *cognitotest.Server
	endUserPool     *cognitotest.Server
	skylark         *skylarktest.Server
	assetUIDs       map[string]string // data source id or uid -> uid

	moto          *localstack.Moto
	secretsServer *localstack.SecretsServer
	visibility    *localstack.VisibilityServer
	secretsURL    string
	sqsURL        string
	queues        *sqs.Client
	queueURL      string
	queueARN      string
	dlqURL        string

	outcomes   *outcomeLog
	ingestEnv  map[string]string
	viewingEnv map[string]string
	ingest     *localstack.Function
	viewing    *localstack.Function
	authorizer *localstack.JWTAuthorizer

	closers []func()
}

// startStack starts the pools, the fake Skylark, the AWS endpoints and
// both functions. On error it stops what it started.
func startStack(ctx context.Context, opts stackOptions) (*stack, error) {
	st := &stack{opts: opts, outcomes: newOutcomeLog()}
	started := false
	defer func() {
		if !started {
			st.close()
		}
	}()
	p := opts.progress

	// Building takes longest, so it runs while the servers start.
	type buildResult struct {
		bins localstack.Binaries
		took time.Duration
		err  error
	}
	built := make(chan buildResult, 1)
	go func() {
		start := time.Now()
		bins, err := localstack.Build(ctx, localstack.BuildOptions{
			ModuleDir: opts.moduleDir,
			OutDir:    opts.tempDir,
			Functions: []string{ingestPackage, viewingPackage},
		})
		built <- buildResult{bins, time.Since(start), err}
	}()

	creds, err := st.startPools()
	if err != nil {
		return nil, err
	}
	p.step("Cognito pool for Skylark", "%s  %s", integrationPoolID, st.integrationPool.URL)
	p.step("Cognito pool for end users", "%s  %s", endUserPoolID, st.endUserPool.URL)

	if err := st.startSkylark(); err != nil {
		return nil, err
	}
	p.step("fake Skylark API", "%s  %d assets", st.skylark.URL, len(st.assetUIDs)/2)

	if err := st.startAWS(ctx, creds); err != nil {
		return nil, err
	}

	res := <-built
	if res.err != nil {
		return nil, res.err
	}
	p.step("build", "ingest, viewing and aws-lambda-rie for %s  (%s)", hostPlatform(), seconds(res.took))

	if err := st.startFunctions(ctx, res.bins); err != nil {
		return nil, err
	}
	st.authorizer = &localstack.JWTAuthorizer{
		Issuer:   st.endUserPool.Issuer(),
		Audience: []string{endUserClientID},
	}
	started = true
	return st, nil
}

// startPools starts both user pools and returns the integration's
// credentials as the secret's JSON.
func (st *stack) startPools() (string, error) {
	var err error
	st.integrationPool, err = cognitotest.Start(cognitotest.Options{PoolID: integrationPoolID})
	if err != nil {
		return "", err
	}
	st.closers = append(st.closers, st.integrationPool.Close)
	clientSecret, err := randomString(24)
	if err != nil {
		return "", err
	}
	password, err := randomString(16)
	if err != nil {
		return "", err
	}
	// Cognito's default password policy requires upper and lower case
	// letters, a digit and a symbol.
	password = "Pw-" + password + "-9"
	if err := st.integrationPool.AddClient(cognitotest.Client{ID: integrationClientID, Secret: clientSecret}); err != nil {
		return "", err
	}
	if err := st.integrationPool.AddUser(cognitotest.User{Username: integrationUser, Password: password}); err != nil {
		return "", err
	}

	st.endUserPool, err = cognitotest.Start(cognitotest.Options{PoolID: endUserPoolID})
	if err != nil {
		return "", err
	}
	st.closers = append(st.closers, st.endUserPool.Close)
	if err := st.endUserPool.AddClient(cognitotest.Client{ID: endUserClientID}); err != nil {
		return "", err
	}
	for _, u := range endUsers() {
		attrs := map[string]string{"sub": u.Sub}
		if u.Plans != "" {
			attrs[plansClaim] = u.Plans
		}
		err := st.endUserPool.AddUser(cognitotest.User{
			Username: u.Username, Password: u.Password,
			Email: u.Username + "@example.com", Attributes: attrs,
		})
		if err != nil {
			return "", err
		}
	}

	secret, err := json.Marshal(map[string]string{
		"username": integrationUser, "password": password, "client_secret": clientSecret,
	})
	return string(secret), err
}

// startSkylark starts the fake Skylark API, which accepts ID tokens of the
// integration pool, and seeds it.
func (st *stack) startSkylark() error {
	st.skylark = skylarktest.NewServer(skylarktest.Options{
		Issuer:   st.integrationPool.Issuer(),
		ClientID: integrationClientID,
	})
	st.closers = append(st.closers, st.skylark.Close)
	st.assetUIDs = map[string]string{}
	for _, a := range seedAssets() {
		uid := st.skylark.PutAsset(a)
		st.assetUIDs[uid] = uid
		if ds, ok := a["data_source_id"].(string); ok {
			st.assetUIDs[ds] = uid
		} else {
			st.assetUIDs[a["title"].(string)] = uid
		}
	}
	// Skylark checks entitlements itself too: only the premium viewer
	// holds the premium plan.
	for _, u := range endUsers() {
		if u.Plans != "" && json.Valid([]byte(u.Plans)) && containsPlan(u.Plans, premiumPlanUID) {
			st.skylark.GrantEntitlement(u.Sub, premiumPlanURL)
		}
	}
	return nil
}

func containsPlan(plans, uid string) bool {
	var list []string
	if json.Unmarshal([]byte(plans), &list) != nil {
		return false
	}
	for _, p := range list {
		if p == uid {
			return true
		}
	}
	return false
}

// startAWS starts the Secrets Manager and SQS endpoints: moto_server when
// it is used, otherwise the built-in endpoints.
func (st *stack) startAWS(ctx context.Context, secret string) error {
	p := st.opts.progress
	if !st.opts.useMoto {
		var err error
		st.secretsServer, err = localstack.StartSecretsServer(region)
		if err != nil {
			return err
		}
		st.closers = append(st.closers, func() { st.secretsServer.Close() })
		if _, err := st.secretsServer.PutSecret(secretName, secret); err != nil {
			return err
		}
		st.secretsURL = st.secretsServer.URL
		p.step("Secrets Manager", "built-in endpoint %s  secret %s", st.secretsURL, secretName)

		// The ingest function changes the visibility timeout of a message
		// it reports for retry; this endpoint keeps that call on this
		// machine and records it.
		st.visibility, err = localstack.StartVisibilityServer(region)
		if err != nil {
			return err
		}
		st.closers = append(st.closers, func() { st.visibility.Close() })
		st.sqsURL = st.visibility.URL
		p.step("SQS", "moto_server not used: no queues; ChangeMessageVisibility recorded at %s", st.sqsURL)
		return nil
	}

	start := time.Now()
	moto, err := localstack.StartMoto(ctx, st.opts.motoPath, newLineWriter("moto_server", st.opts.logs, nil))
	if err != nil {
		return err
	}
	st.moto = moto
	st.closers = append(st.closers, moto.Stop)
	st.secretsURL, st.sqsURL = moto.URL, moto.URL
	p.step("moto_server", "%s  pid %d  (%s)", moto.URL, moto.Pid(), seconds(time.Since(start)))

	cfg := awsConfig()
	secrets := secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	if _, err := secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name: aws.String(secretName), SecretString: aws.String(secret),
	}); err != nil {
		return fmt.Errorf("create secret %s in moto_server: %w", secretName, err)
	}
	p.step("Secrets Manager", "moto_server  secret %s", secretName)

	st.queues = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(moto.URL) })
	if err := st.createQueues(ctx); err != nil {
		return err
	}
	p.step("SQS", "moto_server  %s -> dead-letter queue %s", ingestQueueName, deadLetterQueueName)
	return nil
}

// createQueues creates the dead-letter queue and the ingest queue with a
// redrive policy, as the template does.
func (st *stack) createQueues(ctx context.Context) error {
	dlq, err := st.queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(deadLetterQueueName)})
	if err != nil {
		return fmt.Errorf("create queue %s: %w", deadLetterQueueName, err)
	}
	st.dlqURL = aws.ToString(dlq.QueueUrl)
	dlqARN, err := st.queueAttribute(ctx, st.dlqURL, "QueueArn")
	if err != nil {
		return err
	}
	redrive, _ := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": "5"})
	q, err := st.queues.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(ingestQueueName),
		Attributes: map[string]string{
			"RedrivePolicy":     string(redrive),
			"VisibilityTimeout": "180",
		},
	})
	if err != nil {
		return fmt.Errorf("create queue %s: %w", ingestQueueName, err)
	}
	st.queueURL = aws.ToString(q.QueueUrl)
	st.queueARN, err = st.queueAttribute(ctx, st.queueURL, "QueueArn")
	return err
}

func (st *stack) queueAttribute(ctx context.Context, queueURL, name string) (string, error) {
	out, err := st.queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeName(name)},
	})
	if err != nil {
		return "", fmt.Errorf("read %s of %s: %w", name, queueURL, err)
	}
	return out.Attributes[name], nil
}

// startFunctions runs both bootstraps under the emulator.
func (st *stack) startFunctions(ctx context.Context, bins localstack.Binaries) error {
	st.ingestEnv = st.functionEnv(ingestSettings(st.dlqURL))
	st.viewingEnv = st.functionEnv(viewingSettings())

	var err error
	st.ingest, err = localstack.StartFunction(ctx, localstack.FunctionOptions{
		Name: "skylark-local-ingest", Bootstrap: bins.Functions[ingestPackage], RIE: bins.RIE,
		Env: st.ingestEnv, Timeout: 60 * time.Second,
		Output: newLineWriter("ingest", st.opts.logs, st.outcomes),
	})
	if err != nil {
		return err
	}
	st.closers = append(st.closers, st.ingest.Stop)
	st.opts.progress.step("ingest function", "aws-lambda-rie pid %d  %s", st.ingest.Pid(), st.ingest.URL)

	st.viewing, err = localstack.StartFunction(ctx, localstack.FunctionOptions{
		Name: "skylark-local-viewing", Bootstrap: bins.Functions[viewingPackage], RIE: bins.RIE,
		Env: st.viewingEnv, Timeout: 10 * time.Second,
		Output: newLineWriter("viewing", st.opts.logs, nil),
	})
	if err != nil {
		return err
	}
	st.closers = append(st.closers, st.viewing.Stop)
	st.opts.progress.step("viewing function", "aws-lambda-rie pid %d  %s", st.viewing.Pid(), st.viewing.URL)
	return nil
}

// close stops everything that was started, newest first.
func (st *stack) close() {
	for i := len(st.closers) - 1; i >= 0; i-- {
		st.closers[i]()
	}
	st.closers = nil
}

// awsConfig returns the SDK configuration of the command's own clients:
// dummy static credentials and the stack's region, nothing read from the
// environment or ~/.aws.
func awsConfig() aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(dummyAccessKeyID, dummySecretAccessKey, ""),
	}
}

// randomString returns n random bytes as hex.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// newTempDir creates the directory for binaries, logs and files.
func newTempDir() (string, error) {
	dir, err := os.MkdirTemp("", "skylark-local-")
	if err != nil {
		return "", fmt.Errorf("create temporary directory: %w", err)
	}
	return filepath.Abs(dir)
}
