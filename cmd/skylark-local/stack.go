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

	"github.com/aws/aws-sdk-go-v2/service/sqs"

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
	p.step("fake Skylark API", "%s  %d assets", st.skylark.URL, len(seedAssets()))

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
		}
	}
	// Skylark checks entitlements itself too: only the premium viewer
	// holds the premium plan.
	for _, u := range endUsers() {
		if containsPlan(u.Plans, premiumPlanUID) {
			st.skylark.GrantEntitlement(u.Sub, premiumPlanURL)
		}
	}
	return nil
}

// containsPlan reports whether plans, a custom:plans value holding a JSON
// array, lists the plan uid.
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

// startFunctions runs both bootstraps under the emulator.
func (st *stack) startFunctions(ctx context.Context, bins localstack.Binaries) error {
	st.ingestEnv = st.functionEnv(ingestSettings(st.dlqURL))
	st.viewingEnv = st.functionEnv(viewingSettings())

	var err error
	st.ingest, err = localstack.StartFunction(ctx, localstack.FunctionOptions{
		Name: "skylark-local-ingest", Bootstrap: bins.Functions[ingestPackage], RIE: bins.RIE,
		Env: st.ingestEnv, Timeout: 60 * time.Second, LogLevel: "info",
		Output: newLineWriter("ingest", st.opts.logs, st.outcomes),
	})
	if err != nil {
		return err
	}
	st.closers = append(st.closers, st.ingest.Stop)
	st.opts.progress.step("ingest function", "aws-lambda-rie pid %d  %s", st.ingest.Pid(), st.ingest.URL)

	st.viewing, err = localstack.StartFunction(ctx, localstack.FunctionOptions{
		Name: "skylark-local-viewing", Bootstrap: bins.Functions[viewingPackage], RIE: bins.RIE,
		Env: st.viewingEnv, Timeout: 10 * time.Second, LogLevel: "info",
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
