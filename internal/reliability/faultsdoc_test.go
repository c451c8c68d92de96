package reliability

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

// faultsDoc is the Markdown version of the fault matrix.
const faultsDoc = "FAULTS.md"

var updateFaultsDoc = flag.Bool("reliability.update-faults", false,
	"rewrite FAULTS.md from the fault matrix instead of comparing them")

const faultsDocHeader = `# Fault matrix

What the two functions do when a dependency fails. Each row is a case of
TestFaultMatrix in this directory, which runs the real function binaries
against a local Cognito user pool, a fake Skylark, and SQS and Secrets
Manager on moto_server, and checks the outcome of every message or request.
A test keeps this table and the Go table identical; after changing the Go
table, regenerate this file with:

    go test ./internal/reliability -run TestFaultsDocMatchesMatrix -reliability.update-faults

Ingest outcomes: *applied* (Skylark updated), *skipped* (nothing to change),
*retried later* (listed in batchItemFailures, visibility timeout set, the
queue delivers it again), *dead-lettered* (sent to DEAD_LETTER_QUEUE_URL with
reason and error_code attributes). Viewing outcomes are HTTP statuses with
the JSON error body's code.

| Row | Function | Fault | Expected behaviour |
|---|---|---|---|
`

// renderFaultsDoc returns FAULTS.md for the rows.
func renderFaultsDoc(rows []faultRow) string {
	var b strings.Builder
	b.WriteString(faultsDocHeader)
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.name, r.function, r.fault, r.expect)
	}
	return b.String()
}

// docRowNames returns the row names of FAULTS.md's table, in order.
func docRowNames(doc string) []string {
	var names []string
	for _, line := range strings.Split(doc, "\n") {
		rest, ok := strings.CutPrefix(line, "| `")
		if !ok {
			continue
		}
		name, _, ok := strings.Cut(rest, "`")
		if ok {
			names = append(names, name)
		}
	}
	return names
}

// TestFaultsDocMatchesMatrix checks that FAULTS.md lists exactly the rows
// of the Go table, by name and in order, with the same text.
func TestFaultsDocMatchesMatrix(t *testing.T) {
	rows := faultMatrix()
	want := renderFaultsDoc(rows)
	if *updateFaultsDoc {
		if err := os.WriteFile(faultsDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(faultsDoc)
	if err != nil {
		t.Fatalf("%v: generate it with -reliability.update-faults", err)
	}
	got := string(data)

	names := docRowNames(got)
	inDoc := map[string]bool{}
	for _, n := range names {
		inDoc[n] = true
	}
	inTable := map[string]bool{}
	for _, r := range rows {
		inTable[r.name] = true
		if !inDoc[r.name] {
			t.Errorf("row %s is in the Go table but not in %s", r.name, faultsDoc)
		}
	}
	for _, n := range names {
		if !inTable[n] {
			t.Errorf("row %s is in %s but not in the Go table", n, faultsDoc)
		}
	}
	if got != want && !t.Failed() {
		t.Errorf("%s differs from the Go table (order or text); regenerate it with -reliability.update-faults", faultsDoc)
	}
}

func TestDocRowNames(t *testing.T) {
	doc := renderFaultsDoc([]faultRow{
		{name: "a-row", function: "ingest", fault: "f", expect: "e"},
		{name: "b-row", function: "viewing", fault: "g", expect: "h"},
	})
	got := docRowNames(doc)
	if strings.Join(got, ",") != "a-row,b-row" {
		t.Errorf("docRowNames = %v, want [a-row b-row]", got)
	}
}
