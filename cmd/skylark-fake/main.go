// Command skylark-fake runs the fake Skylark REST API from
// pkg/skylark/skylarktest as a process, for local runs of the functions and
// for clients written in other languages.
//
// It prints the base URL on the first line of standard output, logs to
// standard error, and stops on SIGINT or SIGTERM.
//
// Usage:
//
//	skylark-fake -issuer http://127.0.0.1:9229/us-east-1_Local1 -client-id abc [-addr 127.0.0.1:8089] [-seed seed.json]
//	skylark-fake -no-auth
//
// The seed file is JSON: an array of asset objects, or {"assets": [...],
// "entitlements": [{"user_identifier": "...", "plan_url": "..."}]}.
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
	addr string
	seed string
	opts skylarktest.Options
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
