// Command skylark-fake runs the fake Skylark REST API from
// pkg/skylark/skylarktest as a process, for local runs of the functions and
// for clients written in other languages.
//
// It prints the base URL on the first line of standard output. On standard
// error it logs its start and stop and, unless -quiet is set, one line per
// request with the method, path, status and duration. Request headers,
// the Authorization header among them, are not logged. It stops on SIGINT
// or SIGTERM.
//
// Usage:
//
//	skylark-fake -issuer http://127.0.0.1:9229/us-east-1_Local1 -client-id abc [-addr 127.0.0.1:8089] [-seed seed.json] [-quiet]
//	skylark-fake -no-auth [-seed seed.json]
//
// # Seed file
//
// -seed loads assets and entitlements at start from a JSON file, either
// an array of asset objects or an object with an "assets" array and an
// "entitlements" array. testdata/seed.json is an example.
//
// Asset objects are stored as given, without the checks that the API
// applies to writes. Keys with a meaning to the fake:
//
//   - "uid": "asse_" and 32 lower-case hex digits; generated when absent.
//   - "language": the language version that language fields such as
//     "title" go to; en-gb when absent.
//   - "data_source_id": makes the asset readable and writable at
//     /api/assets/versions/data-source/<id>/.
//   - "plan_urls": the plans of which a viewer needs one; without it the
//     asset plays for anyone.
//   - "ovps": the entries a viewing returns, each with an "account_url"
//     whose last path segment names the OVP, and a "stream_url",
//     "full_stream_url" or "playback_id".
//
// The fake sets "self", "created" and "modified" itself and ignores them
// in the file. Each entitlement, {"user_identifier": "...", "plan_url":
// "..."}, lets the user_identifier of a viewing request play assets that
// list that plan.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/streamkit/skylark-lambda/pkg/skylark/skylarktest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// The usage text has been printed.
	case err != nil:
		fmt.Fprintln(os.Stderr, "skylark-fake:", err)
		stop()
		os.Exit(2)
	}
}

// config holds the parsed command line.
type config struct {
	addr  string
	seed  string
	quiet bool
	opts  skylarktest.Options
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("skylark-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "`host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&c.opts.Issuer, "issuer", "",
		"Cognito issuer `URL` whose ID tokens are accepted; keys come from <URL>/.well-known/jwks.json")
	fs.StringVar(&c.opts.ClientID, "client-id", "", "app client `id` that ID tokens must carry as aud")
	fs.StringVar(&c.seed, "seed", "", "JSON `file` with assets and entitlements to load at start")
	fs.BoolVar(&c.opts.NoAuth, "no-auth", false, "accept requests without verifying tokens")
	fs.BoolVar(&c.opts.AnonymousReads, "anonymous-reads", false, "allow GET of assets without a token")
	fs.BoolVar(&c.quiet, "quiet", false, "do not log a line per request on standard error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q; all settings are flags", fs.Args())
	}
	if !c.opts.NoAuth && (c.opts.Issuer == "" || c.opts.ClientID == "") {
		return c, errors.New("-issuer and -client-id are required unless -no-auth is set")
	}
	return c, nil
}

// run serves until ctx is done. It writes the base URL to stdout once the
// server listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	var seed []byte
	if cfg.seed != "" {
		if seed, err = os.ReadFile(cfg.seed); err != nil {
			return fmt.Errorf("read seed file: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}

	srv := skylarktest.NewUnstartedServer(cfg.opts)
	if seed != nil {
		if err := srv.Seed(seed); err != nil {
			srv.Listener.Close()
			ln.Close()
			return fmt.Errorf("load seed file %s: %w", cfg.seed, err)
		}
	}
	if !cfg.quiet {
		srv.Config.Handler = logRequests(srv.Config.Handler, log)
	}
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	log.Info("skylark-fake started", "url", srv.URL, "no_auth", cfg.opts.NoAuth,
		"issuer", cfg.opts.Issuer, "seed", cfg.seed)
	fmt.Fprintln(stdout, srv.URL)

	<-ctx.Done()
	srv.Close()
	log.Info("skylark-fake stopped", "requests", len(srv.Requests()))
	return nil
}
