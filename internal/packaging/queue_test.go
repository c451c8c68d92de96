package packaging

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// sqsEvent returns the single SQS event of the ingest function.
func sqsEvent(t *testing.T, tmpl *Template) map[string]any {
	t.Helper()
	events, _ := tmpl.FunctionProperties("IngestFunction")["Events"].(map[string]any)
	var found []map[string]any
	for _, e := range events {
		if m, ok := e.(map[string]any); ok && m["Type"] == "SQS" {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("IngestFunction has %d SQS events, want 1", len(found))
	}
	props, _ := found[0]["Properties"].(map[string]any)
	return props
}

func TestIngestEventReportsBatchItemFailures(t *testing.T) {
	tmpl := loadTemplate(t)
	props := sqsEvent(t, tmpl)

	// Without ReportBatchItemFailures Lambda ignores the batchItemFailures
	// the handler returns and deletes the whole batch.
	assertEqual(t, "FunctionResponseTypes", props["FunctionResponseTypes"], []any{"ReportBatchItemFailures"})
	assertEqual(t, "Queue", props["Queue"], getAtt("IngestQueue", "Arn"))
	assertEqual(t, "BatchSize", props["BatchSize"], ref("IngestBatchSize"))
}

// numberOf resolves v to a whole number.
func numberOf(t *testing.T, r *Resolver, label string, v any) int {
	t.Helper()
	resolved := resolve(t, r, v)
	n, err := strconv.Atoi(scalarString(resolved))
	if err != nil {
		t.Fatalf("%s = %#v, want a number", label, resolved)
	}
	return n
}

// checkVisibilityTimeout asserts the queue's visibility timeout against the
// function timeout and batching window that r resolves to.
func checkVisibilityTimeout(t *testing.T, tmpl *Template, r *Resolver) {
	t.Helper()
	timeout := numberOf(t, r, "IngestFunction Timeout", tmpl.FunctionProperties("IngestFunction")["Timeout"])
	visibility := numberOf(t, r, "IngestQueue VisibilityTimeout", tmpl.Properties("IngestQueue")["VisibilityTimeout"])
	window := 0
	if w := resolve(t, r, sqsEvent(t, tmpl)["MaximumBatchingWindowInSeconds"]); w != nil {
		window = numberOf(t, r, "MaximumBatchingWindowInSeconds", w)
	}
	// A visibility timeout shorter than this lets SQS hand a message of a
	// slow or throttled batch to another invocation while the first one is
	// still working on it.
	if min := 6*timeout + window; visibility < min {
		t.Errorf("IngestQueue VisibilityTimeout %ds < 6 x function timeout %ds + batching window %ds = %ds",
			visibility, timeout, window, min)
	}
}

func TestVisibilityTimeoutForEveryTimeout(t *testing.T) {
	tmpl := loadTemplate(t)
	params, err := tmpl.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	timeouts := params["IngestTimeout"].AllowedValues
	if len(timeouts) == 0 {
		t.Fatal("IngestTimeout has no AllowedValues: the visibility timeout mapping needs a closed list")
	}
	maxWindow := params["IngestMaxBatchingWindow"].MaxValue
	if maxWindow == nil {
		t.Fatal("IngestMaxBatchingWindow has no MaxValue")
	}
	for _, timeout := range timeouts {
		for _, fifo := range []string{"false", "true"} {
			name := fmt.Sprintf("timeout %s fifo %s", timeout, fifo)
			t.Run(name, func(t *testing.T) {
				r := newResolver(t, tmpl, map[string]string{
					"IngestTimeout":           timeout,
					"IngestMaxBatchingWindow": strconv.Itoa(int(*maxWindow)),
					"FifoQueue":               fifo,
				})
				checkVisibilityTimeout(t, tmpl, r)
			})
		}
	}
}

func TestQueuesStandardOrFifo(t *testing.T) {
	tmpl := loadTemplate(t)
	for _, fifo := range []bool{false, true} {
		t.Run(fmt.Sprintf("fifo %t", fifo), func(t *testing.T) {
			r := newResolver(t, tmpl, map[string]string{"FifoQueue": strconv.FormatBool(fifo)})
			for _, id := range []string{"IngestQueue", "IngestDeadLetterQueue"} {
				props := resolve(t, r, tmpl.Properties(id)).(map[string]any)
				name, named := props["QueueName"].(string)
				if !fifo {
					for _, key := range []string{"FifoQueue", "ContentBasedDeduplication", "QueueName"} {
						if v, ok := props[key]; ok {
							t.Errorf("%s.%s = %#v on a standard queue, want it absent", id, key, v)
						}
					}
					continue
				}
				assertEqual(t, id+".FifoQueue", props["FifoQueue"], true)
				assertEqual(t, id+".ContentBasedDeduplication", props["ContentBasedDeduplication"], true)
				if !named || !strings.HasSuffix(name, ".fifo") {
					t.Errorf("%s.QueueName = %#v, want a name ending in .fifo", id, props["QueueName"])
				}
			}
			window := resolve(t, r, sqsEvent(t, tmpl)["MaximumBatchingWindowInSeconds"])
			if fifo && window != nil {
				t.Errorf("MaximumBatchingWindowInSeconds = %#v on a FIFO queue, which does not support it", window)
			}
			if !fifo && window == nil {
				t.Errorf("MaximumBatchingWindowInSeconds missing on a standard queue")
			}
		})
	}
}

func TestRedrivePolicy(t *testing.T) {
	tmpl := loadTemplate(t)
	redrive := path(tmpl.Properties("IngestQueue"), "RedrivePolicy")
	assertEqual(t, "RedrivePolicy.deadLetterTargetArn", path(redrive, "deadLetterTargetArn"),
		getAtt("IngestDeadLetterQueue", "Arn"))
	assertEqual(t, "RedrivePolicy.maxReceiveCount", path(redrive, "maxReceiveCount"), ref("MaxReceiveCount"))

	params, err := tmpl.Parameters()
	if err != nil {
		t.Fatal(err)
	}
	// Throttled deliveries count as receives too, so a low maxReceiveCount
	// moves valid messages to the dead-letter queue during bursts.
	if p := params["MaxReceiveCount"]; p.MinValue == nil || *p.MinValue < 5 {
		t.Errorf("MaxReceiveCount MinValue = %v, want at least 5", p.MinValue)
	}

	r := newResolver(t, tmpl, nil)
	source := numberOf(t, r, "IngestQueue MessageRetentionPeriod", tmpl.Properties("IngestQueue")["MessageRetentionPeriod"])
	dlq := numberOf(t, r, "IngestDeadLetterQueue MessageRetentionPeriod",
		tmpl.Properties("IngestDeadLetterQueue")["MessageRetentionPeriod"])
	// SQS keeps a message's original enqueue time when it moves it, so a
	// dead-letter queue with a shorter retention drops old messages early.
	if dlq <= source {
		t.Errorf("dead-letter queue retention %ds <= source queue retention %ds, want longer", dlq, source)
	}
}

// TestRules checks that the template's Rules reject the parameter
// combinations that the event source mapping would reject at deploy time.
func TestRules(t *testing.T) {
	tmpl := loadTemplate(t)
	tests := []struct {
		name      string
		overrides map[string]string
		wantFail  string // rule name, or empty for none
	}{
		{"defaults", nil, ""},
		{"batch of 10 without window", map[string]string{"IngestBatchSize": "10"}, ""},
		{"batch of 11 without window", map[string]string{"IngestBatchSize": "11"}, "BatchSizeNeedsBatchingWindow"},
		{"batch of 500 with window", map[string]string{"IngestBatchSize": "500", "IngestMaxBatchingWindow": "5"}, ""},
		{"fifo batch of 20", map[string]string{
			"FifoQueue": "true", "IngestBatchSize": "20", "IngestMaxBatchingWindow": "5",
		}, "FifoBatchSize"},
		{"credentials with wildcard origin", map[string]string{
			"CorsAllowCredentials": "true", "CorsAllowedOrigins": "*",
		}, "CorsCredentialsNeedOrigins"},
		{"credentials with listed origin", map[string]string{
			"CorsAllowCredentials": "true", "CorsAllowedOrigins": "https://app.example.com",
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed := failedRules(t, tmpl, newResolver(t, tmpl, tt.overrides))
			switch {
			case tt.wantFail == "" && len(failed) > 0:
				t.Errorf("rules %v fail, want none", failed)
			case tt.wantFail != "" && (len(failed) != 1 || failed[0] != tt.wantFail):
				t.Errorf("failed rules = %v, want [%s]", failed, tt.wantFail)
			}
		})
	}
}

// failedRules evaluates the template's Rules and returns the names of the
// rules whose condition is true and whose assertions fail.
func failedRules(t *testing.T, tmpl *Template, r *Resolver) []string {
	t.Helper()
	var failed []string
	for _, name := range sortedKeys(tmpl.Section("Rules")) {
		rule := tmpl.Section("Rules")[name]
		if cond, ok := path(rule, "RuleCondition").(map[string]any); ok {
			if applies, _ := resolve(t, r, cond).(bool); !applies {
				continue
			}
		}
		assertions, _ := path(rule, "Assertions").([]any)
		if len(assertions) == 0 {
			t.Fatalf("rule %s has no assertions", name)
		}
		for _, a := range assertions {
			ok, isBool := resolve(t, r, path(a, "Assert")).(bool)
			if !isBool {
				t.Fatalf("rule %s: assertion %v does not evaluate to a boolean", name, path(a, "Assert"))
			}
			if !ok {
				failed = append(failed, name)
				break
			}
		}
	}
	return failed
}
