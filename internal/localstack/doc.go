// Package localstack runs the pieces of the deployed stack on one machine,
// with no AWS account and no container engine. It provides:
//
//   - Lambda functions built as deployed and run under the AWS Lambda
//     Runtime Interface Emulator (aws-lambda-rie);
//   - moto_server for SQS and Secrets Manager, and for machines without
//     moto a built-in Secrets Manager endpoint (GetSecretValue) and an SQS
//     endpoint that records ChangeMessageVisibility;
//   - an SQS poller that does the work of Lambda's event source mapping;
//   - an HTTP gateway that verifies end-user JWTs the way an API Gateway
//     HTTP API JWT authorizer does and invokes a function with a payload
//     2.0 event.
//
// Every server listens on 127.0.0.1 only. Child processes run in their own
// process groups, so stopping one also stops what it started. Only Linux is
// supported, because the emulator and the process handling need it.
//
// cmd/skylark-local builds the demo and the long-running local stack from
// these parts.
package localstack
