package main

import (
	"strings"
	"testing"
)

const sampleOutput = `goos: linux
goarch: amd64
BenchmarkOurs-2          1000     1200 ns/op     96 B/op     3 allocs/op
BenchmarkOurs-2          1000     1000 ns/op     96 B/op     3 allocs/op
BenchmarkOurs-2          1000     1100 ns/op     96 B/op     3 allocs/op
BenchmarkBase-2          1000     1000 ns/op     64 B/op     2 allocs/op
BenchmarkWarm-2       5000000      210 ns/op      0 cognito-requests/op     0 B/op     0 allocs/op
PASS
ok  	example.com/p	3.2s
`

func TestParseBenchmarksMedian(t *testing.T) {
	results := parseBenchmarks(sampleOutput)
	got, ok := results["BenchmarkOurs"].median("ns/op")
	if !ok || got != 1100 {
		t.Errorf("median ns/op of BenchmarkOurs = %v, %v; want 1100, true", got, ok)
	}
	if got, ok := results["BenchmarkWarm"].median("cognito-requests/op"); !ok || got != 0 {
		t.Errorf("custom metric = %v, %v; want 0, true", got, ok)
	}
	if _, ok := results["BenchmarkMissing"].median("ns/op"); ok {
		t.Error("median of a missing benchmark reported ok")
	}
}

func TestEvaluateVerdicts(t *testing.T) {
	results := parseBenchmarks(sampleOutput)
	tests := []struct {
		name    string
		c       comparison
		verdict string
	}{
		{"ratio within goal", comparison{ours: "BenchmarkOurs", baseline: "BenchmarkBase", kind: atMost, goal: 1.2}, "yes"},
		{"ratio over goal", comparison{ours: "BenchmarkOurs", baseline: "BenchmarkBase", kind: atMost, goal: 1.05}, "no"},
		{"faster by enough", comparison{ours: "BenchmarkBase", baseline: "BenchmarkOurs", kind: atLeast, goal: 1.05}, "yes"},
		{"not faster by enough", comparison{ours: "BenchmarkBase", baseline: "BenchmarkOurs", kind: atLeast, goal: 2}, "no"},
		{"value within goal", comparison{ours: "BenchmarkWarm", unit: "cognito-requests/op", kind: valueAtMost, goal: 0}, "yes"},
		{"value reported", comparison{ours: "BenchmarkWarm", unit: "cognito-requests/op", kind: valueOnly}, "-"},
		{"missing baseline", comparison{ours: "BenchmarkOurs", baseline: "BenchmarkNone", kind: atMost, goal: 2}, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := evaluateOne(tt.c, results)
			if r.verdict != tt.verdict {
				t.Errorf("verdict = %q, want %q (value %s, detail %s)", r.verdict, tt.verdict, r.value, r.detail)
			}
		})
	}
}

func TestPackagesPattern(t *testing.T) {
	for _, p := range packages() {
		if !strings.HasPrefix(p.pattern, "^Benchmark(") {
			t.Errorf("pattern %q for %s does not select benchmarks", p.pattern, p.path)
		}
	}
}
