// Package lambdatest builds Go Lambda functions the way they are deployed
// and runs them under the AWS Lambda Runtime Interface Emulator
// (aws-lambda-rie), the runtime that `sam local invoke` uses, as plain
// processes on 127.0.0.1 with no container.
//
// A test builds a bootstrap binary for the host architecture with Build,
// starts it under the emulator with Start and calls Invoke with raw event
// JSON:
//
//	bootstrap := lambdatest.Build(t, "./functions/ingest")
//	fn := lambdatest.Start(t, bootstrap, lambdatest.Options{
//		Env:     map[string]string{"LOG_LEVEL": "debug"},
//		Timeout: 30 * time.Second,
//	})
//	resp, err := fn.Invoke(ctx, "", event)
//
// The emulator starts the bootstrap on the first invocation (a cold start),
// passes its whole environment to the function and sets the context deadline
// from AWS_LAMBDA_FUNCTION_TIMEOUT. It serves one invocation at a time, so a
// Function serialises calls to Invoke. A handler error comes back from the
// emulator as HTTP 200 with an errorType/errorMessage document, a panic as
// 502 and a timeout as 200 with a plain-text message: Invoke turns all three
// into a *FunctionError.
//
// The emulator runs only binaries for the host architecture, so tests build
// for the host while deployments use arm64; BuildFlags keeps the other build
// settings the same. Only Linux is supported.
//
// The emulator, build and process handling live in internal/localstack,
// which cmd/skylark-local also uses. This package adds the testing.TB
// helpers Build and Start and keeps the names the tests use.
package lambdatest
