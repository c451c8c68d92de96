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
//	go run ./cmd/skylark-local token [flags] USERNAME
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
// token signs a user in to a local user pool with USER_SRP_AUTH, the flow
// a player app uses, and prints the ID token. It reads the pool and the
// password from the end-users.json that serve writes, or takes them from
// flags and standard input for a pool started with cmd/cognito-local.
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
	// exitOutputClosed is what a shell reports for a process that SIGPIPE
	// killed (128 + 13), the usual end of a command whose reader exited.
	exitOutputClosed = 141
)

// errOutputClosed is the cause of the stop when standard output or, with
// -v, standard error can no longer be written, such as after the reader
// of `skylark-local demo | head` exited.
var errOutputClosed = errors.New("skylark-local: output closed")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
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
	fmt.Fprint(w, `usage: skylark-local <demo|serve|token> [flags]

  demo    run the whole product once on a local stack and check every step
  serve   keep the local stack running and print how to use it
  token   sign a user in to a local user pool with SRP and print the ID token

Run "skylark-local <demo|serve|token> -h" for the flags.
`)
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		return exitUsage
	}
	mode := args[0]
	if mode != "demo" && mode != "serve" && mode != "token" {
		fmt.Fprintf(stderr, "skylark-local: unknown command %q\n\n", mode)
		usage(stderr)
		return exitUsage
	}

	// A closed terminal sends SIGHUP. It stops the stack as Ctrl-C does, so
	// the temporary directory with the end users' passwords and tokens is
	// removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	if mode == "token" {
		return runToken(ctx, args[1:], stdin, stdout, stderr)
	}
	divertSIGPIPE()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	outputFailed := func(err error) { cancel(fmt.Errorf("%w: %w", errOutputClosed, err)) }

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

	env.progress = newPrinter(stdout)
	env.progress.onError = outputFailed
	code, err := setUp(&env, *moto, *repo, *verbose, &errorWatcher{w: stderr, onError: outputFailed})
	if err != nil {
		fmt.Fprintf(stderr, "skylark-local: %v\n", err)
		return code
	}
	passed := false
	defer func() {
		// A failed demo keeps its logs for reading.
		if *keep || (mode == "demo" && !passed && ctx.Err() == nil) {
			env.progress.line("files kept in %s", env.tempDir)
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
	case errors.Is(context.Cause(ctx), errOutputClosed):
		return exitOutputClosed
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
// directory and log destination. env.progress must be set.
func setUp(env *runEnv, moto, repo string, verbose bool, stderr io.Writer) (int, error) {
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
	env.progress.heading("skylark-local: the stack on 127.0.0.1, no AWS account")
	env.progress.line("temp dir %s (%s)", env.tempDir, where)
	return exitOK, nil
}

// divertSIGPIPE keeps a write to a closed pipe from killing the process,
// so that `skylark-local demo | head` still stops the stack and removes
// the temporary directory. The write returns EPIPE instead, and the
// printer turns that into a stop. The signal is caught and dropped rather
// than ignored with signal.Ignore, because an ignored signal stays ignored
// in every child through exec, while a caught one is reset to the default.
func divertSIGPIPE() {
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
}
