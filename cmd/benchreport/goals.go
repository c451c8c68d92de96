package main

const modulePath = "github.com/streamkit/skylark-lambda/"

// comparisons lists the report's rows: each promise of the project, the two
// benchmarks that measure it side by side, and its goal.
func comparisons() []comparison {
	return []comparison{
		{
			name: "warm Token call: requests to Cognito",
			pkg:  modulePath + "pkg/auth", ours: "BenchmarkTokenWarm",
			unit: "cognito-requests/op", kind: valueAtMost, goal: 0,
		},
		{
			name: "client SRP work vs bare exponentiations",
			pkg:  modulePath + "pkg/auth", ours: "BenchmarkSRPClient", baseline: "BenchmarkSRPBareExp",
			kind: atMost, goal: 1.1,
		},
		{
			name: "sign-in: Go client vs amazon-cognito-identity-js",
			pkg:  modulePath + "pkg/auth/cognitotest", ours: "BenchmarkSignInGo", baseline: "BenchmarkSignInNode",
			kind: atLeast, goal: 20,
		},
		{
			name: "warm GET asset: client vs plain net/http",
			pkg:  modulePath + "pkg/skylark", ours: "BenchmarkGetAssetClient", baseline: "BenchmarkGetAssetRawHTTP",
			kind: atMost, goal: 1.2,
		},
		{
			name: "ingest: batch of 10 assets vs 1 message",
			pkg:  modulePath + "functions/ingest", ours: "BenchmarkBatch10Assets", baseline: "BenchmarkBatch1",
			kind: atMost, goal: 2,
		},
		{
			name: "viewing: warm handler vs direct HTTP calls",
			pkg:  modulePath + "functions/viewing", ours: "BenchmarkHandlerWarm", baseline: "BenchmarkRawHTTPTwoCalls",
			kind: atMost, goal: 1.2,
		},
	}
}
