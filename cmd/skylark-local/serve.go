package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// credentialsFile is the content of end-users.json, which serve writes for
// signing end users in: the pool's endpoint and ids and the demo users.
type credentialsFile struct {
	Endpoint string          `json:"endpoint"`
	PoolID   string          `json:"user_pool_id"`
	ClientID string          `json:"client_id"`
	Issuer   string          `json:"issuer"`
	Users    []credentialRow `json:"users"`
}

type credentialRow struct {
	Username  string `json:"username"`
	Password  string `json:"password"`
	Sub       string `json:"sub"`
	Plans     string `json:"custom:plans,omitempty"`
	TokenFile string `json:"id_token_file"`
}

// runServe starts the stack and keeps it running until ctx ends. It returns
// false when the stack could not start.
func runServe(ctx context.Context, env *runEnv) bool {
	p := env.progress
	p.section("Starting the stack")
	st, err := startStack(ctx, env.stackOptions())
	if err != nil {
		p.line("FAIL  %v", err)
		return false
	}
	defer st.close()

	gatewayURL, stop, err := st.startGateway(env.gatewayAddr, func(r localstack.GatewayRequest) {
		line := fmt.Sprintf("%s %s -> %d (%s)", r.Method, r.Path, r.Status, r.Duration.Round(time.Millisecond))
		if r.Subject != "" {
			line += " sub " + r.Subject
		}
		if r.Err != nil {
			line += ": " + shorten(r.Err.Error(), 100)
		}
		p.line("gateway  %s", line)
	})
	if err != nil {
		p.line("FAIL  %v", err)
		return false
	}
	defer stop(context.Background())
	p.step("gateway (HTTP API + JWT)", "%s", gatewayURL)

	envFile := env.envFile
	if envFile == "" {
		envFile = filepath.Join(env.tempDir, "env.json")
	}
	if err := st.writeEnvJSON(envFile); err != nil {
		p.line("FAIL  %v", err)
		return false
	}
	credsPath, err := st.writeEndUserFiles(ctx, env.tempDir)
	if err != nil {
		p.line("FAIL  %v", err)
		return false
	}

	st.printServeInfo(p, gatewayURL, envFile, credsPath)
	if st.moto != nil {
		go st.pollForever(ctx, p)
	}
	p.section("Ready. Press Ctrl-C to stop.")
	<-ctx.Done()
	p.section("Stopping")
	return true
}

// writeEndUserFiles signs every end user in once, writes each ID token to
// a file of its own and the users' credentials to end-users.json, all with
// mode 0600. It returns the credentials file's path.
func (st *stack) writeEndUserFiles(ctx context.Context, dir string) (string, error) {
	tokenDir := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokenDir, 0o700); err != nil {
		return "", fmt.Errorf("create the token directory: %w", err)
	}
	creds := credentialsFile{
		Endpoint: st.endUserPool.URL, PoolID: endUserPoolID, ClientID: endUserClientID,
		Issuer: st.endUserPool.Issuer(),
	}
	for _, u := range endUsers() {
		token, err := st.endUserPool.SignIn(ctx, u.Username, u.Password)
		if err != nil {
			return "", fmt.Errorf("sign %s in: %w", u.Username, err)
		}
		path := filepath.Join(tokenDir, u.Username+".jwt")
		if err := os.WriteFile(path, []byte(token), 0o600); err != nil {
			return "", fmt.Errorf("write the token file: %w", err)
		}
		creds.Users = append(creds.Users, credentialRow{
			Username: u.Username, Password: u.Password, Sub: u.Sub, Plans: u.Plans, TokenFile: path,
		})
	}
	data, err := json.MarshalIndent(creds, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "end-users.json")
	if err := os.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("write end-users.json: %w", err)
	}
	return path, nil
}

// printServeInfo prints the endpoints, files and example commands.
func (st *stack) printServeInfo(p *printer, gatewayURL, envFile, credsPath string) {
	p.section("Endpoints")
	rows := [][]string{
		{"gateway", gatewayURL, "POST /assets/{uid}/viewings, JWT from the end-user pool"},
		{"ingest function", st.ingest.URL, "aws-lambda-rie invoke URL"},
		{"viewing function", st.viewing.URL, "aws-lambda-rie invoke URL"},
		{"fake Skylark API", st.skylark.URL, "ID tokens of " + integrationPoolID},
		{"Skylark user pool", st.integrationPool.URL, integrationPoolID + ", client " + integrationClientID},
		{"end-user pool", st.endUserPool.URL, endUserPoolID + ", client " + endUserClientID},
		{"Secrets Manager", st.secretsURL, "secret " + secretName},
	}
	if st.moto != nil {
		rows = append(rows, []string{"SQS (moto_server)", st.sqsURL, ingestQueueName + " polled into the ingest function"})
	} else {
		rows = append(rows, []string{"SQS stand-in", st.sqsURL, "no queues without moto_server; records ChangeMessageVisibility"})
	}
	p.table([]string{"NAME", "URL", "NOTES"}, rows)

	p.section("Files")
	p.line("env.json      %s  (sam local invoke --env-vars)", envFile)
	p.line("end users     %s  (usernames, passwords, token files)", credsPath)
	p.line("ID tokens     %s  (valid 1 hour)", filepath.Join(filepath.Dir(credsPath), "tokens"))

	p.section("Try it, in this order, from the repository root")
	for _, ex := range st.examples(gatewayURL, envFile, credsPath) {
		for _, c := range strings.Split(ex.comment, "\n") {
			p.line("# %s", c)
		}
		for _, l := range ex.lines {
			p.line("%s", l)
		}
	}
}

// example is one command that serve prints: what it shows, on one or more
// lines, and the shell lines to run. A comment ending in "-> NNN" names
// the HTTP status of the command's response.
type example struct {
	comment string
	lines   []string
}

// examples returns the commands that serve prints. Each works on a fresh
// stack in the order given: the viewings come first and need no ingest,
// because every asset they use has another OVP account's ovps entry from
// the seed.
func (st *stack) examples(gatewayURL, envFile, credsPath string) []example {
	joy := st.assetUIDs[joyUID]
	trailer := st.assetUIDs[trailerDataSource]
	tokens := filepath.Join(filepath.Dir(credsPath), "tokens")
	viewing := func(user, uid string) string {
		return fmt.Sprintf("curl -i -X POST -H \"Authorization: Bearer $(cat %s/%s.jwt)\" %s/assets/%s/viewings",
			tokens, user, gatewayURL, uid)
	}
	out := []example{
		{"premium-viewer has the asset's plan -> 201 with the playback URLs",
			[]string{viewing("premium-viewer", joy)}},
		{"basic-viewer lacks the asset's plan -> 403",
			[]string{viewing("basic-viewer", joy)}},
		{"a free asset plays for anyone signed in -> 201",
			[]string{viewing("free-viewer", trailer)}},
		{"no token: the JWT authorizer rejects the request -> 401",
			[]string{fmt.Sprintf("curl -i -X POST %s/assets/%s/viewings", gatewayURL, joy)}},
		{"invoke the ingest function with a sample event, as sam local invoke -e does",
			[]string{fmt.Sprintf("curl -s -d @%s %s", filepath.Join(st.opts.moduleDir, "events", "ingest-s3-put.json"),
				st.ingest.URL)}},
		{"a fresh ID token, for when the token files have expired",
			[]string{fmt.Sprintf("go run ./cmd/skylark-local token -users %s premium-viewer", credsPath)}},
	}
	if st.moto != nil {
		out = append(out, example{"send a message to the queue; the poller hands it to the ingest function", []string{
			fmt.Sprintf("AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s \\",
				dummyAccessKeyID, dummySecretAccessKey, region),
			fmt.Sprintf("  aws --endpoint-url %s sqs send-message --queue-url %s \\", st.sqsURL, st.queueURL),
			fmt.Sprintf("  --message-body '{\"version\":1,\"data_source_id\":\"%s\",\"fields\":{\"title\":\"Trailer 01 (final cut)\"}}'",
				trailerDataSource),
		}})
	}
	out = append(out, example{"with SAM and Docker on Linux: template.yaml declares the AWS_ENDPOINT_URL_*\n" +
		"variables empty, so env.json can point the functions at this stack", []string{
		fmt.Sprintf("sam local invoke %s -e events/ingest-s3-put.json --env-vars %s --docker-network host",
			ingestLogicalID, envFile),
	}})
	return out
}

// pollForever does the work of the SQS event source mapping while serve
// runs, printing each message's outcome.
func (st *stack) pollForever(ctx context.Context, p *printer) {
	poller := st.poller()
	poller.WaitTime = 5 * time.Second
	poller.Run(ctx, func(b *localstack.Batch) {
		if b.Err != nil {
			p.line("ingest   batch of %d failed, messages stay on the queue: %s", len(b.Records), shorten(b.Err.Error(), 100))
			return
		}
		ids := make([]string, len(b.Records))
		for i, r := range b.Records {
			ids[i] = r.MessageId
		}
		outcomes := st.outcomes.wait(ids, 2*time.Second)
		for _, id := range ids {
			o := outcomes[id]
			p.line("ingest   message %s %s %s: %s", shorten(id, 13), orDash(o.Outcome), st.assetsLabel(o.Asset),
				shorten(st.withoutUIDs(strings.TrimSpace(o.Reason)), 90))
		}
	}, func(err error) {
		p.line("ingest   poller: %s", shorten(err.Error(), 120))
	})
}
