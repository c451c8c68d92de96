// Package reliability holds the tests that prove how the two Lambda
// functions behave when their dependencies fail, under load, with hostile
// input, and that they never reveal a secret. It has no code outside its
// tests.
//
// The functions are main packages, which Go cannot import. So the tests
// build them with the deployment's build flags and run each binary as a
// Lambda execution environment. That is a process whose Runtime API the
// test serves on 127.0.0.1, with the deadline set per invocation as Lambda
// sets it. Each environment reaches a local Cognito user pool
// (cognitotest), a fake Skylark (skylarktest), and SQS and Secrets Manager
// on moto_server through the SDK's standard endpoint variables, exactly as
// main.go builds its clients.
//
// The suites:
//
//   - TestFaultMatrix runs every row of the fault table (also in FAULTS.md)
//     and checks the outcome of each message and request, and that no
//     password, client secret, token or Authorization header reaches a log
//     line, error message or response body.
//   - TestLoadNothingLost drives the ingest function with a poller that
//     does what Lambda's event source mapping does, with faults injected at
//     random, and accounts for every message sent. Run it with
//     -reliability.long for 1,000 messages.
//   - TestHostileIngest and TestHostileViewing feed hostile bodies and
//     events to the functions and check that they get a clear error and
//     never reach Skylark outside its asset URL space.
//
// Every suite needs moto_server: it is skipped without it, and fails under
// CI (CI=true).
package reliability
