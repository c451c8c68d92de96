// Package packaging reads the SAM template, samconfig.toml and the
// functions' source the way the packaging tests need them: the template as
// plain Go values with CloudFormation intrinsic functions resolved against
// parameter values, and the environment variables each function reads.
//
// The tests of this package check the template with cfn-lint and
// structural assertions, the sample events, and the Lambda build (static
// linux/arm64 binaries named bootstrap). They also run both functions under
// the Lambda Runtime Interface Emulator against the local Cognito pool, the
// fake Skylark API and moto_server. The benchmarks compare cold and warm
// starts with an aws-lambda-go hello-world function.
package packaging
