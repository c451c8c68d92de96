package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/streamkit/skylark-lambda/pkg/auth"
)

// clientSecretEnv names the variable that holds the app client's secret,
// for a pool whose client has one (cognito-local -secret).
const clientSecretEnv = "COGNITO_CLIENT_SECRET"

// maxPasswordBytes bounds the password line read from standard input.
const maxPasswordBytes = 4096

// tokenTimeout bounds the sign-in, retries of throttled requests included.
const tokenTimeout = 30 * time.Second

// tokenRequest is the pool, client, user and password of one sign-in.
type tokenRequest struct {
	endpoint, poolID, clientID string
	username, password         string
	clientSecret               string
}

// runToken signs a user in with USER_SRP_AUTH through pkg/auth, the
// client the functions use, and prints the ID token on its own line.
func runToken(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	req, err := parseTokenArgs(args, stdin, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitUsage
	}
	if err != nil {
		fmt.Fprintf(stderr, "skylark-local token: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	token, err := signIn(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "skylark-local token: sign %s in at %s: %v\n", req.username, req.endpoint, err)
		return exitFailed
	}
	if _, err := io.WriteString(stdout, token.IDToken+"\n"); err != nil {
		fmt.Fprintf(stderr, "skylark-local token: write the ID token: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// parseTokenArgs reads the flags, then fills what they leave out from the
// -users file. Flags win over the file.
func parseTokenArgs(args []string, stdin io.Reader, stderr io.Writer) (tokenRequest, error) {
	var req tokenRequest
	fs := flag.NewFlagSet("skylark-local token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: skylark-local token [flags] USERNAME

Signs USERNAME in with USER_SRP_AUTH and prints the ID token. Either pass
-users with the end-users.json that serve writes, or -endpoint, -pool and
-client with -password-stdin for a pool of cmd/cognito-local. For an app
client with a secret, set `+clientSecretEnv+`.

`)
		fs.PrintDefaults()
	}
	usersFile := fs.String("users", "", "end-users.json `file` written by skylark-local serve: endpoint, pool, client and passwords")
	fs.StringVar(&req.endpoint, "endpoint", "", "Cognito endpoint `URL`, the url= line of cognito-local")
	fs.StringVar(&req.poolID, "pool", "", "user pool `id`, such as us-east-1_Local1")
	fs.StringVar(&req.clientID, "client", "", "app client `id`")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return req, err
	}
	switch fs.NArg() {
	case 0:
		return req, errors.New("missing USERNAME: name the user to sign in after the flags")
	case 1:
		req.username = fs.Arg(0)
	default:
		return req, fmt.Errorf("unexpected argument %q: give exactly one USERNAME, after the flags", fs.Arg(1))
	}

	if *usersFile != "" {
		if err := req.fillFromUsersFile(*usersFile); err != nil {
			return req, err
		}
	}
	if *passwordStdin {
		password, err := readPassword(stdin)
		if err != nil {
			return req, err
		}
		req.password = password
	}
	req.clientSecret = os.Getenv(clientSecretEnv)
	return req, req.validate()
}

// fillFromUsersFile sets the fields still empty from serve's
// end-users.json.
func (r *tokenRequest) fillFromUsersFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read -users file: %w", err)
	}
	var creds credentialsFile
	if err := json.Unmarshal(data, &creds); err != nil {
		return fmt.Errorf("-users file %s is not the end-users.json that serve writes: %w", path, err)
	}
	r.endpoint = cmp.Or(r.endpoint, creds.Endpoint)
	r.poolID = cmp.Or(r.poolID, creds.PoolID)
	r.clientID = cmp.Or(r.clientID, creds.ClientID)
	names := make([]string, 0, len(creds.Users))
	for _, u := range creds.Users {
		if u.Username == r.username {
			r.password = u.Password
			return nil
		}
		names = append(names, u.Username)
	}
	return fmt.Errorf("user %q is not in %s: use one of %s", r.username, path, strings.Join(names, ", "))
}

// readPassword returns the first line of r without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, maxPasswordBytes)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	if errors.Is(err, io.EOF) && len(line) == maxPasswordBytes {
		return "", fmt.Errorf("the password on standard input is longer than %d bytes", maxPasswordBytes-1)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("-password-stdin: standard input has no password: " +
			"write it on the first line, for example with printf '%s\\n' \"$PASSWORD\" |")
	}
	return password, nil
}

// validate checks that the request has an endpoint URL, a pool id, a
// client id and a password. Messages never repeat the password.
func (r *tokenRequest) validate() error {
	switch {
	case r.endpoint == "":
		return errors.New("missing -endpoint: pass the url= printed by cognito-local, or -users")
	case r.poolID == "":
		return errors.New("missing -pool: pass the pool_id= printed by cognito-local, or -users")
	case r.clientID == "":
		return errors.New("missing -client: pass the client_id= printed by cognito-local, or -users")
	case r.password == "":
		return errors.New("missing password: pass -password-stdin and write it to standard input, or -users")
	}
	u, err := url.Parse(r.endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-endpoint %q is not an http or https URL such as http://127.0.0.1:9229", r.endpoint)
	}
	if region, _, ok := strings.Cut(r.poolID, "_"); !ok || region == "" {
		return fmt.Errorf("-pool %q is not a user pool id: use <region>_<name>, such as us-east-1_Local1", r.poolID)
	}
	return nil
}

// signIn runs one USER_SRP_AUTH sign-in. The token source hands out the
// token it just received whatever its lifetime, so a pool started with a
// short -token-lifetime works too.
func signIn(ctx context.Context, r tokenRequest) (*auth.Token, error) {
	region, _, _ := strings.Cut(r.poolID, "_")
	api := cip.New(cip.Options{
		Region:       region,
		BaseEndpoint: aws.String(r.endpoint),
		// InitiateAuth and RespondToAuthChallenge are unsigned requests.
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
	source, err := auth.NewTokenSource(auth.Config{
		UserPoolID: r.poolID,
		ClientID:   r.clientID,
		Cognito:    api,
		Credentials: auth.StaticCredentials{
			Username: r.username, Password: r.password, ClientSecret: r.clientSecret,
		},
	})
	if err != nil {
		return nil, err
	}
	return source.Token(ctx)
}
