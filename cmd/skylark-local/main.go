// Command skylark-local runs the Skylark integration end to end on one
// machine, with no AWS account and no container engine. The stack is two
// local Cognito user pools that verify SRP, a fake Skylark API, Secrets
// Manager and SQS, and both Lambda functions. Secrets Manager and SQS come
// from moto_server when it is installed; otherwise a built-in endpoint
// serves the secret and there are no queues. The functions are built as
// they are deployed and run under the AWS Lambda Runtime Interface
// Emulator.
//
// Usage:
//
//	go run ./cmd/skylark-local demo [flags]
//	go run ./cmd/skylark-local serve [flags]
//
// demo sends the sample content-pipeline events from events/ to the ingest
// function, shows the assets' OVP data before and after, signs end users
// in and calls the viewing function, then prints a summary. It exits 0
// only when every step gave the expected result.
//
// serve starts the same stack and keeps it running until Ctrl-C. It
// prints the endpoints, writes an env.json for `sam local invoke
// --env-vars`, and serves a local HTTP API that verifies end-user JWTs
// and forwards POST /assets/{uid}/viewings to the viewing function.
//
// Every server listens on 127.0.0.1 on a free port. Function logs go to a
// file in the temporary directory, or to standard error with -v.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// runEnv is the parsed command line and the resources every mode uses.
type runEnv struct {
	moduleDir string
	useMoto   bool
	motoPath  string
	tempDir   string
	logs      io.Writer
	progress  *printer

	gatewayAddr string // serve only
	envFile     string // serve only
}

func (e *runEnv) stackOptions() stackOptions {
	return stackOptions{
		moduleDir: e.moduleDir, useMoto: e.useMoto, motoPath: e.motoPath,
		tempDir: e.tempDir, logs: e.logs, progress: e.progress,
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: skylark-local <demo|serve> [flags]

  demo    run the whole product once on a local stack and check every step
  serve   keep the local stack running and print how to use it

Run "skylark-local <demo|serve> -h" for the flags.
`)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return exitUsage
	}
	mode := args[0]
	if mode != "demo" && mode != "serve" {
		fmt.Fprintf(stderr, "skylark-local: unknown command %q\n\n", mode)
		usage(stderr)
		return exitUsage
	}

	fs := flag.NewFlagSet("skylark-local "+mode, flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "write the functions' and moto_server's logs to standard error instead of a file")
	moto := fs.String("moto", "auto", "use moto_server for Secrets Manager and SQS: auto (when on PATH), on or off")
	repo := fs.String("repo", "", "directory of the repository (default: found from the working directory)")
	keep := fs.Bool("keep", false, "keep the temporary directory with binaries and logs")
	var env runEnv
	if mode == "serve" {
		fs.StringVar(&env.gatewayAddr, "addr", "127.0.0.1:0", "listen address of the local HTTP API, on 127.0.0.1")
		fs.StringVar(&env.envFile, "env-file", "", "where to write env.json (default: in the temporary directory)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "skylark-local: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	code, err := setUp(&env, *moto, *repo, *verbose, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "skylark-local: %v\n", err)
		return code
	}
	passed := false
	defer func() {
		// A failed demo keeps its logs for reading.
		if *keep || (mode == "demo" && !passed && ctx.Err() == nil) {
			fmt.Fprintf(stdout, "  files kept in %s\n", env.tempDir)
			return
		}
		os.RemoveAll(env.tempDir)
	}()

	switch mode {
	case "demo":
		passed = runDemo(ctx, &env)
	case "serve":
		passed = runServe(ctx, &env)
	}
	switch {
	case mode == "serve" && passed:
		// Ctrl-C is how serve is meant to stop.
		return exitOK
	case ctx.Err() != nil:
		return exitInterrupted
	case !passed:
		return exitFailed
	}
	return exitOK
}

// setUp resolves the flags into env: repository, moto_server, temporary
// directory and log destination.
func setUp(env *runEnv, moto, repo string, verbose bool, stdout, stderr io.Writer) (int, error) {
	var err error
	if repo == "" {
		repo, err = os.Getwd()
		if err != nil {
			return exitFailed, err
		}
	}
	env.moduleDir, err = localstack.FindModuleDir(repo, modulePath)
	if err != nil {
		return exitUsage, err
	}

	switch moto {
	case "auto":
		env.motoPath = localstack.MotoPath()
	case "on":
		env.motoPath = localstack.MotoPath()
		if env.motoPath == "" {
			return exitUsage, errors.New("-moto=on but moto_server is not on PATH: install moto[server] or use -moto=auto")
		}
	case "off":
	default:
		return exitUsage, fmt.Errorf("-moto=%q is not valid: use auto, on or off", moto)
	}
	env.useMoto = env.motoPath != ""

	env.tempDir, err = newTempDir()
	if err != nil {
		return exitFailed, err
	}
	env.progress = newPrinter(stdout)
	if verbose {
		env.logs = stderr
	} else {
		logPath := filepath.Join(env.tempDir, "functions.log")
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return exitFailed, fmt.Errorf("create the log file: %w", err)
		}
		// The file stays open until the process exits: the functions
		// write to it until the very end.
		env.logs = f
	}
	where := "function logs: " + filepath.Join(env.tempDir, "functions.log")
	if verbose {
		where = "function logs: standard error"
	}
	fmt.Fprintf(stdout, "skylark-local: the stack on 127.0.0.1, no AWS account\n  temp dir %s (%s)\n", env.tempDir, where)
	return exitOK, nil
}
