// Command cognito-local runs a local Cognito user pool on 127.0.0.1 for
// development: the emulator of package cognitotest, which verifies
// USER_SRP_AUTH proofs for real and issues RS256 tokens.
//
// Usage:
//
//	cognito-local [-addr 127.0.0.1:0] [-pool us-east-1_Local1] [-client local-client]
//	              [-secret SECRET] [-user name:password[:attr=value,...]]...
//
// On start it prints key=value lines to stdout (url, issuer, jwks,
// pool_id, region, client_id, then one user= line per user) and logs to
// stderr. Point an SDK client at the url, for example with
// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER. It stops on SIGINT or SIGTERM.
//
// It accepts USER_SRP_AUTH and REFRESH_TOKEN_AUTH but not USER_PASSWORD_AUTH,
// so signing in takes an SRP client. To print an ID token from a shell:
//
//	printf '%s\n' "$PASSWORD" | go run ./cmd/skylark-local token \
//	  -endpoint <url> -pool <pool_id> -client <client_id> -password-stdin <user>
//
// The secret and passwords given on the command line are visible to other
// local users in the process list; use throwaway values.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/streamkit/skylark-lambda/pkg/auth/cognitotest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cognito-local:", err)
		os.Exit(2)
	}
}

// run starts the emulator as configured by args, prints its endpoints to
// stdout and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cognito-local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "TCP `address` to listen on; port 0 picks a free port")
	pool := fs.String("pool", cognitotest.DefaultPoolID, "user pool `id`, <region>_<name>")
	clientID := fs.String("client", "local-client", "app client `id`")
	secret := fs.String("secret", "", "app client `secret`; empty for a client without a secret")
	tokenLifetime := fs.Duration("token-lifetime", cognitotest.DefaultTokenLifetime, "lifetime of ID and access tokens")
	refreshLifetime := fs.Duration("refresh-token-lifetime", cognitotest.DefaultRefreshTokenLifetime, "lifetime of refresh tokens")
	// The -user values are parsed after fs.Parse, because the flag package
	// repeats a rejected value, password included, in its error.
	var userValues stringList
	fs.Var(&userValues, "user", "add a user `name:password[:attr=value,...]` (repeatable); the attribute email\n"+
		"becomes a sign-in alias; the password must not contain ':'")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: all settings are flags, see -help", fs.Arg(0))
	}
	users := make([]cognitotest.User, 0, len(userValues))
	for _, v := range userValues {
		u, err := parseUser(v)
		if err != nil {
			return err
		}
		users = append(users, u)
	}

	srv, err := cognitotest.Start(cognitotest.Options{
		PoolID:               *pool,
		Addr:                 *addr,
		TokenLifetime:        *tokenLifetime,
		RefreshTokenLifetime: *refreshLifetime,
	})
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := srv.AddClient(cognitotest.Client{ID: *clientID, Secret: *secret}); err != nil {
		return err
	}
	for _, u := range users {
		if err := srv.AddUser(u); err != nil {
			return err
		}
	}

	var out strings.Builder
	fmt.Fprintf(&out, "url=%s\nissuer=%s\njwks=%s\npool_id=%s\nregion=%s\nclient_id=%s\n",
		srv.URL, srv.Issuer(), srv.JWKSURL(), srv.PoolID, srv.Region(), *clientID)
	for _, u := range users {
		fmt.Fprintf(&out, "user=%s\n", u.Username)
	}
	if _, err := io.WriteString(stdout, out.String()); err != nil {
		return fmt.Errorf("write endpoints to stdout: %w", err)
	}

	logger := slog.New(slog.NewTextHandler(stderr, nil))
	logger.Info("cognito-local started", "url", srv.URL, "pool_id", srv.PoolID,
		"client_id", *clientID, "client_secret", *secret != "", "users", len(users))
	<-ctx.Done()
	logger.Info("cognito-local stopping", "reason", context.Cause(ctx))
	srv.Close()
	return nil
}

// parseUser parses name:password[:attr=value,...]. Errors name the user
// but never repeat the password.
func parseUser(v string) (cognitotest.User, error) {
	name, rest, ok := strings.Cut(v, ":")
	if !ok || name == "" {
		return cognitotest.User{}, errors.New("invalid -user value: want name:password[:attr=value,...]")
	}
	password, attrText, _ := strings.Cut(rest, ":")
	if password == "" {
		return cognitotest.User{}, fmt.Errorf("invalid -user value for %q: the password is empty", name)
	}
	u := cognitotest.User{Username: name, Password: password}
	if attrText == "" {
		return u, nil
	}
	u.Attributes = map[string]string{}
	for _, pair := range strings.Split(attrText, ",") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || key == "" {
			return cognitotest.User{}, fmt.Errorf("invalid attribute %q for user %q: want attr=value", pair, name)
		}
		u.Attributes[key] = value
	}
	return u, nil
}

// stringList collects the values of a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, " ") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}
