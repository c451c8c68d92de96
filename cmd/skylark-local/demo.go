package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/streamkit/skylark-lambda/internal/localstack"
)

// check is one line of the summary.
type check struct {
	ok   bool
	text string
}

// runDemo starts the stack, runs the ingest and viewing steps and prints a
// summary. It returns true when every check passed.
func runDemo(ctx context.Context, env *runEnv) bool {
	start := time.Now()
	p := env.progress
	var checks []check
	fail := func(step string, err error) {
		if ctx.Err() != nil {
			err = errors.New("interrupted")
		}
		checks = append(checks, check{false, fmt.Sprintf("%s: %v", step, err)})
	}

	p.section("Starting the stack")
	st, err := startStack(ctx, env.stackOptions())
	if err != nil {
		fail("stack", err)
		return printSummary(p, checks, start)
	}
	defer st.close()
	checks = append(checks, check{true, "stack started: " + st.describe()})

	gatewayURL, stop, err := st.startGateway("127.0.0.1:0", nil)
	if err != nil {
		fail("gateway", err)
		return printSummary(p, checks, start)
	}
	defer stop(context.Background())

	st.printAssets(p, "OVP data before ingest")
	good, total, err := st.runIngest(ctx, p)
	if err != nil {
		fail("ingest", err)
	} else {
		checks = append(checks, check{good == total,
			fmt.Sprintf("ingest: %d of %d messages gave the expected outcome", good, total)})
	}
	st.printAssets(p, "OVP data after ingest")
	if problems := st.checkAssets(); len(problems) > 0 {
		checks = append(checks, check{false, "assets: " + strings.Join(problems, "; ")})
	} else {
		checks = append(checks, check{true, "assets: OVP data as expected after ingest"})
	}

	good, total, err = st.runViewings(ctx, p, gatewayURL)
	if err != nil {
		fail("viewings", err)
	} else {
		checks = append(checks, check{good == total,
			fmt.Sprintf("viewings: %d of %d responses as expected", good, total)})
	}
	return printSummary(p, checks, start)
}

// printSummary prints the checks and the verdict line, and returns whether
// every check passed.
func printSummary(p *printer, checks []check, start time.Time) bool {
	p.section("Summary")
	passed := len(checks) > 0
	failed := 0
	for _, c := range checks {
		p.line("%-4s  %s", verdict(c.ok), c.text)
		if !c.ok {
			passed = false
			failed++
		}
	}
	if passed {
		p.section(fmt.Sprintf("PASS  every step gave the expected result in %s", seconds(time.Since(start))))
	} else {
		p.section(fmt.Sprintf("FAIL  %d of %d checks failed after %s", max(failed, 1), max(len(checks), 1),
			seconds(time.Since(start))))
	}
	return passed
}

// describe names what the stack runs, for the summary.
func (st *stack) describe() string {
	aws := "built-in Secrets Manager endpoint, no SQS queues without moto_server"
	if st.moto != nil {
		aws = "moto_server (Secrets Manager, SQS)"
	}
	return "2 user pools, fake Skylark, " + aws + ", 2 functions under aws-lambda-rie"
}

// startGateway serves the HTTP API stand-in for the viewing function on
// addr. log, when not nil, receives each request.
func (st *stack) startGateway(addr string, log func(localstack.GatewayRequest)) (string, func(context.Context) error, error) {
	g := &localstack.Gateway{
		Authorizer: st.authorizer,
		Routes: []localstack.Route{
			{Method: "POST", Path: "/assets/{uid}/viewings", Function: st.viewing},
		},
		Log: log,
	}
	return localstack.StartGateway(g, addr)
}
