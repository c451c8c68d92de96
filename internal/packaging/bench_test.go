package packaging

import (
	"strings"
	"testing"
	"time"

	"github.com/streamkit/skylark-lambda/internal/lambdatest"
)

// benchCase is one function and event under the emulator.
type benchCase struct {
	name    string
	pkg     string
	event   string // file in events/, or "" for an empty object
	env     func(*localStack) map[string]string
	seed    func(*localStack)
	wantSub string // a substring the response must contain
}

// benchCases lists the baseline first: the ratios are relative to it. The
// cheap events (an S3 test event, a request without claims) need no call to
// Cognito, Secrets Manager or Skylark, so they measure the runtime start-up
// and the functions' own initialisation. The others include the service
// account's SRP sign-in and the secret read that a real first request pays.
var benchCases = []benchCase{
	{name: "hello", pkg: "./internal/packaging/testdata/hello", wantSub: "hello"},
	{name: "ingest/s3-test-event", pkg: "./functions/ingest", event: "ingest-s3-test-event.json",
		env: func(s *localStack) map[string]string { return ingestEnv("") }, wantSub: "batchItemFailures"},
	{name: "ingest/native-update", pkg: "./functions/ingest", event: "ingest-native-update.json",
		env: func(s *localStack) map[string]string { return ingestEnv("") }, wantSub: `"batchItemFailures":[]`,
		seed: func(s *localStack) { seedIngestAssets(s.skylark) }},
	{name: "viewing/no-claims", pkg: "./functions/viewing", event: "viewing-no-claims.json",
		env: viewingBenchEnv, wantSub: `"statusCode":401`},
	{name: "viewing/v2", pkg: "./functions/viewing", event: "viewing-v2.json",
		env: viewingBenchEnv, wantSub: `"statusCode":201`, seed: seedViewingAssets},
}

func viewingBenchEnv(*localStack) map[string]string {
	return map[string]string{"CORS_ALLOWED_ORIGINS": appOrigin}
}

// benchSetup builds each package once and starts one local stack for all
// cases of a benchmark.
type benchSetup struct {
	stack      *localStack
	bootstraps map[string]string
}

func newBenchSetup(b *testing.B) *benchSetup {
	b.Helper()
	s := &benchSetup{stack: newLocalStack(b), bootstraps: map[string]string{}}
	for _, c := range benchCases {
		if _, ok := s.bootstraps[c.pkg]; !ok {
			s.bootstraps[c.pkg] = lambdatest.Build(b, c.pkg)
		}
		if c.seed != nil {
			c.seed(s.stack)
		}
	}
	return s
}

func (s *benchSetup) options(c benchCase) lambdatest.Options {
	var extra map[string]string
	if c.env != nil {
		extra = c.env(s.stack)
	}
	return lambdatest.Options{Env: s.stack.env(extra), Timeout: 30 * time.Second, Name: c.name}
}

func benchEvent(b *testing.B, c benchCase) []byte {
	if c.event == "" {
		return []byte(`{}`)
	}
	return readEvent(b, c.event)
}

func invokeBench(b *testing.B, fn *lambdatest.Function, c benchCase, event []byte) *lambdatest.Response {
	resp, err := fn.Invoke(b.Context(), "", event)
	if err != nil {
		b.Fatalf("%s: %v\n%s", c.name, err, fn.Logs())
	}
	if !strings.Contains(string(resp.Payload), c.wantSub) {
		b.Fatalf("%s: response %s lacks %s\n%s", c.name, resp.Payload, c.wantSub, fn.Logs())
	}
	return resp
}

// BenchmarkColdStart measures the first invocation of a fresh emulator: the
// emulator starts the bootstrap process on it, so the time covers process
// start, runtime and function initialisation and the first handler call.
// The emulator's own start-up is outside the timer. Metrics: x-hello is
// the ratio to the hello-world function of the same run, and init-cpu-ms
// the CPU time of the bootstrap process after its first response. Each
// iteration starts processes, so run it with a fixed count:
//
//	go test -run '^$' -bench ColdStart -benchtime 20x ./internal/packaging
func BenchmarkColdStart(b *testing.B) {
	s := newBenchSetup(b)
	var baseline time.Duration
	for _, c := range benchCases {
		event := benchEvent(b, c)
		b.Run(c.name, func(b *testing.B) {
			var total, cpu time.Duration
			b.StopTimer()
			for range b.N {
				fn, err := lambdatest.StartEmulator(b.Context(), s.bootstraps[c.pkg], s.options(c))
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				resp := invokeBench(b, fn, c, event)
				b.StopTimer()
				total += resp.Duration

				pid, err := fn.RuntimePID()
				if err == nil {
					used, err := lambdatest.ProcessCPUTime(pid)
					if err == nil {
						cpu += used
					}
				}
				if err := fn.Close(); err != nil {
					b.Fatal(err)
				}
			}
			mean := total / time.Duration(b.N)
			if c.name == "hello" {
				baseline = mean
			}
			b.ReportMetric(float64(mean)/float64(time.Millisecond), "ms/cold")
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "init-cpu-ms")
			if baseline > 0 {
				b.ReportMetric(float64(mean)/float64(baseline), "x-hello")
			}
		})
	}
}

// BenchmarkWarmInvoke measures invocations of a warm container: one cold
// start outside the timer, then b.N invocations of the same event. x-hello
// is the ratio to the hello-world function of the same run.
func BenchmarkWarmInvoke(b *testing.B) {
	s := newBenchSetup(b)
	var baseline time.Duration
	for _, c := range benchCases {
		event := benchEvent(b, c)
		b.Run(c.name, func(b *testing.B) {
			fn := lambdatest.Start(b, s.bootstraps[c.pkg], s.options(c))
			invokeBench(b, fn, c, event)

			var total time.Duration
			b.ResetTimer()
			for range b.N {
				total += invokeBench(b, fn, c, event).Duration
			}
			b.StopTimer()
			mean := total / time.Duration(b.N)
			if c.name == "hello" {
				baseline = mean
			}
			b.ReportMetric(float64(mean)/float64(time.Microsecond), "µs/warm")
			if baseline > 0 {
				b.ReportMetric(float64(mean)/float64(baseline), "x-hello")
			}
		})
	}
}
