package main

const modulePath = "github.com/streamkit/skylark-lambda/"

// fixedBenchtimes overrides -benchtime for packages whose benchmark
// iterations start processes: a fixed count keeps their run short.
var fixedBenchtimes = map[string]string{
	modulePath + "internal/packaging": "10x",
}

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
			name: "ingest: batch of 100 with the default workers",
			pkg:  modulePath + "functions/ingest", ours: "BenchmarkBatch100",
			unit: "msgs/s", kind: valueOnly,
		},
		{
			name: "viewing: warm handler vs direct HTTP calls",
			pkg:  modulePath + "functions/viewing", ours: "BenchmarkHandlerWarm", baseline: "BenchmarkRawHTTPTwoCalls",
			kind: atMost, goal: 1.2,
		},
		{
			// With the asset cached the warm handler makes one HTTP call, the
			// viewing POST; this row shows its overhead over that call alone.
			name: "viewing: warm handler vs its one uncached call",
			pkg:  modulePath + "functions/viewing", ours: "BenchmarkHandlerWarm", baseline: "BenchmarkRawHTTPViewingOnly",
			kind: ratioOnly,
		},
		{
			name: "cold start: ingest vs hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkColdStart/ingest/s3-test-event", baseline: "BenchmarkColdStart/hello",
			unit: "ms/cold", kind: ratioOnly,
		},
		{
			name: "cold start: viewing vs hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkColdStart/viewing/no-claims", baseline: "BenchmarkColdStart/hello",
			unit: "ms/cold", kind: ratioOnly,
		},
		{
			name: "init CPU: ingest beyond hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkColdStart/ingest/s3-test-event", baseline: "BenchmarkColdStart/hello",
			unit: "init-cpu-ms", kind: diffAtMost, goal: 50,
		},
		{
			name: "init CPU: viewing beyond hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkColdStart/viewing/no-claims", baseline: "BenchmarkColdStart/hello",
			unit: "init-cpu-ms", kind: diffAtMost, goal: 50,
		},
		{
			name: "warm invoke: ingest vs hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkWarmInvoke/ingest/native-update", baseline: "BenchmarkWarmInvoke/hello",
			unit: "µs/warm", kind: ratioOnly,
		},
		{
			name: "warm invoke: viewing vs hello-world",
			pkg:  modulePath + "internal/packaging", ours: "BenchmarkWarmInvoke/viewing/v2", baseline: "BenchmarkWarmInvoke/hello",
			unit: "µs/warm", kind: ratioOnly,
		},
	}
}
