package reliability

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
	"github.com/streamkit/skylark-lambda/internal/testenv"
	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

// Settings shared by every world.
const (
	serviceUser = "svc-skylark-reliability"
	clientID    = "reliability-app-client"

	// ovpAccount is the OVP_ACCOUNT_URL that S3 and MediaConvert events
	// write.
	ovpAccount = "/api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/"

	// s3KeyPattern and s3StreamTemplate map uploads/<id>.mp4 to the asset
	// with data_source_id <id>.
	s3KeyPattern     = `^uploads/(?P<data_source_id>[^/]+)\.mp4$`
	s3StreamTemplate = "https://cdn.example.com/{key}"
	mediaConvertMap  = "s3://example-media-bucket/output=https://cdn.example.com/vod"
)

// functionBinaries are the function executables of one test.
type functionBinaries struct {
	ingest, viewing string
}

// buildFunctions builds both functions with the deployment's build flags
// into a directory of t. The go command caches the link, so a build that
// changed nothing takes a fraction of a second.
func buildFunctions(t *testing.T) *functionBinaries {
	t.Helper()
	root, err := lambdatest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bins := &functionBinaries{ingest: dir + "/ingest", viewing: dir + "/viewing"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for pkg, out := range map[string]string{"./functions/ingest": bins.ingest, "./functions/viewing": bins.viewing} {
		if err := lambdatest.BuildBinary(ctx, pkg, out, lambdatest.BuildOptions{Dir: root}); err != nil {
			t.Fatal(err)
		}
	}
	return bins
}

// world is the set of services one test runs the functions against. It
// has a Cognito user pool behind a proxy that records the tokens it issues,
// a fake Skylark that verifies the pool's ID tokens, and a secret and queues
// on moto_server. Everything a function or a test observer produced goes to
// rec, for the secret scan.
type world struct {
	t       *testing.T
	name    string
	bins    *functionBinaries
	moto    string
	pool    *cognitotest.Server
	poolAPI string // the proxy's URL, which the functions use as endpoint
	sky     *skylarktest.Server
	sqs     *sqs.Client
	secrets *secretsmanager.Client
	rec     *recorder

	secretID     string
	clientSecret string

	mu        sync.Mutex
	passwords []string // every password the service user ever had
	tokens    []string // every token the pool issued
	seq       atomic.Int64
}

// newWorld starts the services for one test or fault-matrix row.
func newWorld(t *testing.T, bins *functionBinaries) *world {
	t.Helper()
	w := &world{t: t, name: uniqueName(t), bins: bins, moto: testenv.Moto(t), rec: &recorder{}}

	w.pool = cognitotest.NewServer(t, cognitotest.Options{})
	w.clientSecret = randomText("cs", 24)
	if err := w.pool.AddClient(cognitotest.Client{ID: clientID, Secret: w.clientSecret}); err != nil {
		t.Fatal(err)
	}
	password := newPassword()
	if err := w.pool.AddUser(cognitotest.User{Username: serviceUser, Password: password}); err != nil {
		t.Fatal(err)
	}
	w.passwords = append(w.passwords, password)
	w.poolAPI = w.tokenRecordingProxy(w.pool.URL)

	w.sky = skylarktest.NewServer(skylarktest.Options{Issuer: w.pool.Issuer(), ClientID: clientID})
	t.Cleanup(w.sky.Close)

	cfg := testenv.AWSConfig(t)
	w.sqs = sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.BaseEndpoint = aws.String(w.moto) })
	w.secrets = secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) {
		o.BaseEndpoint = aws.String(w.moto)
	})
	w.secretID = "reliability/" + w.name
	w.createSecret(w.secretID, secretJSON(serviceUser, password, w.clientSecret))
	return w
}

// uniqueName returns a name for moto resources that no other test uses,
// because every test binary shares one moto_server.
func uniqueName(t *testing.T) string {
	name := regexp.MustCompile(`[^A-Za-z0-9-]+`).ReplaceAllString(t.Name(), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return strings.Trim(name, "-") + "-" + randomText("", 4)
}

// newPassword returns a password with characters that JSON and URLs
// escape, so the secret scan also looks for escaped forms.
func newPassword() string {
	return randomText("Pw<&>\"/+", 12)
}

// randomText returns prefix followed by n random bytes in hex.
func randomText(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func secretJSON(username, password, clientSecret string) string {
	b, _ := json.Marshal(map[string]string{
		"username": username, "password": password, "client_secret": clientSecret,
	})
	return string(b)
}

// createSecret stores a secret with the given SecretString.
func (w *world) createSecret(id, value string) {
	w.t.Helper()
	_, err := w.secrets.CreateSecret(waitCtx(w.t, 30*time.Second), &secretsmanager.CreateSecretInput{
		Name: aws.String(id), SecretString: aws.String(value)})
	if err != nil {
		w.t.Fatalf("CreateSecret %s: %v", id, err)
	}
}

// rotatePassword gives the service user a new password in the pool and in
// the secret, as a rotation does.
func (w *world) rotatePassword() {
	w.t.Helper()
	password := newPassword()
	w.mu.Lock()
	w.passwords = append(w.passwords, password)
	w.mu.Unlock()
	if err := w.pool.SetPassword(serviceUser, password); err != nil {
		w.t.Fatal(err)
	}
	w.putSecret(secretJSON(serviceUser, password, w.clientSecret))
}

// changePoolPassword changes the password in the pool only, so the secret
// is stale.
func (w *world) changePoolPassword() string {
	w.t.Helper()
	password := newPassword()
	w.mu.Lock()
	w.passwords = append(w.passwords, password)
	w.mu.Unlock()
	if err := w.pool.SetPassword(serviceUser, password); err != nil {
		w.t.Fatal(err)
	}
	return password
}

// putSecret stores a new AWSCURRENT value of the credentials secret.
func (w *world) putSecret(value string) {
	w.t.Helper()
	_, err := w.secrets.PutSecretValue(waitCtx(w.t, 30*time.Second), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(w.secretID), SecretString: aws.String(value)})
	if err != nil {
		w.t.Fatalf("PutSecretValue: %v", err)
	}
}

// tokenRecordingProxy starts a reverse proxy in front of the pool that
// records every token in the pool's responses, so the secret scan has
// the ID, access and refresh tokens the functions received.
func (w *world) tokenRecordingProxy(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		w.t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		w.recordTokens(body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	w.t.Cleanup(srv.Close)
	return srv.URL
}

func (w *world) recordTokens(body []byte) {
	var out struct {
		AuthenticationResult struct {
			IdToken, AccessToken, RefreshToken string
		}
	}
	if json.Unmarshal(body, &out) != nil {
		return
	}
	r := out.AuthenticationResult
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, tok := range []string{r.IdToken, r.AccessToken, r.RefreshToken} {
		if tok != "" {
			w.tokens = append(w.tokens, tok)
		}
	}
}

// commonEnv returns the environment both functions get: the shared
// settings and the SDK's standard variables, pointing every AWS client at
// the local services. Nothing comes from the test's own environment or
// ~/.aws.
func (w *world) commonEnv() map[string]string {
	return map[string]string{
		"AWS_REGION":                                 testenv.Region,
		"AWS_ACCESS_KEY_ID":                          "reliability",
		"AWS_SECRET_ACCESS_KEY":                      "reliability",
		"AWS_CONFIG_FILE":                            "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE":                "/dev/null",
		"AWS_EC2_METADATA_DISABLED":                  "true",
		"AWS_ENDPOINT_URL_SQS":                       w.moto,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           w.moto,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": w.poolAPI,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE":            "128",
		"AWS_LAMBDA_FUNCTION_VERSION":                "$LATEST",
		"SKYLARK_BASE_URL":                           w.sky.URL,
		"SKYLARK_SECRET_ID":                          w.secretID,
		"COGNITO_USER_POOL_ID":                       w.pool.PoolID,
		"COGNITO_CLIENT_ID":                          clientID,
		"LOG_LEVEL":                                  "debug",
	}
}

// ingestEnv returns the ingest function's environment with a dead-letter
// queue.
func (w *world) ingestEnv(dlqURL string) map[string]string {
	env := w.commonEnv()
	env["AWS_LAMBDA_FUNCTION_NAME"] = "reliability-ingest"
	env["DEAD_LETTER_QUEUE_URL"] = dlqURL
	env["INGEST_WORKERS"] = "4"
	env["DEADLINE_MARGIN"] = "500ms"
	env["VISIBILITY_BACKOFF_BASE"] = "1s"
	env["VISIBILITY_BACKOFF_MAX"] = "4s"
	env["S3_KEY_PATTERN"] = s3KeyPattern
	env["S3_STREAM_URL_TEMPLATE"] = s3StreamTemplate
	env["OVP_ACCOUNT_URL"] = ovpAccount
	env["MEDIACONVERT_URL_MAP"] = mediaConvertMap
	return env
}

// viewingEnv returns the viewing function's environment. Asset caching is
// off, so every request reaches Skylark and meets the injected faults.
func (w *world) viewingEnv() map[string]string {
	env := w.commonEnv()
	env["AWS_LAMBDA_FUNCTION_NAME"] = "reliability-viewing"
	env["ASSET_CACHE_TTL"] = "0s"
	return env
}

// start runs a function binary in a new execution environment.
func (w *world) start(function string, env map[string]string) *container {
	w.t.Helper()
	name := fmt.Sprintf("%s-%d", function, w.seq.Add(1))
	binary := w.bins.ingest
	if function == "viewing" {
		binary = w.bins.viewing
	}
	return startContainer(w.t, name, binary, env, w.rec)
}

// secretValues returns every value that must never appear in output: the
// passwords, the client secret, the tokens the pool issued, the
// Authorization header values Skylark received and the end user's token.
func (w *world) secretValues() []string {
	w.mu.Lock()
	values := append([]string{w.clientSecret, endUserToken}, w.passwords...)
	values = append(values, w.tokens...)
	w.mu.Unlock()
	for _, r := range w.sky.Requests() {
		if v := r.Header.Get("Authorization"); v != "" {
			values = append(values, v)
		}
	}
	return values
}
