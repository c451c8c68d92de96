// Command probe is a Lambda function for the lambdatest tests. Its event
// selects a behaviour, and its response reports what the function saw.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// event selects what the probe does.
type event struct {
	// Action is "report" (the default), "error", "panic", "sleep" or "exit".
	Action string `json:"action"`
	// Env lists the environment variables to report.
	Env []string `json:"env"`
	// Sleep is how long the "sleep" action waits, as a Go duration.
	Sleep string `json:"sleep"`
}

// report is the probe's response.
type report struct {
	RequestID       string            `json:"request_id"`
	DeadlineSeconds float64           `json:"deadline_seconds"`
	Env             map[string]string `json:"env"`
	PID             int               `json:"pid"`
}

func handle(ctx context.Context, e event) (*report, error) {
	switch e.Action {
	case "error":
		return nil, errors.New("probe failed on request")
	case "panic":
		panic("probe panicked on request")
	case "exit":
		os.Exit(3)
	case "sleep":
		d, err := time.ParseDuration(e.Sleep)
		if err != nil {
			return nil, err
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			// Keep running past the deadline, as a handler that ignores
			// its context would.
			time.Sleep(d)
		}
	}

	r := &report{Env: map[string]string{}, PID: os.Getpid()}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.RequestID = lc.AwsRequestID
	}
	if deadline, ok := ctx.Deadline(); ok {
		r.DeadlineSeconds = time.Until(deadline).Seconds()
	}
	for _, name := range e.Env {
		if v, ok := os.LookupEnv(name); ok {
			r.Env[name] = v
		}
	}
	return r, nil
}

func main() {
	lambda.Start(handle)
}
