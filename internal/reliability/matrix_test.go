package reliability

import (
	"strings"

	"github.com/streamkit/skylark-lambda/internal/testenv"
	"testing"
	"time"
)

// faultRow is one row of the fault matrix: a fault, alone or combined with
// others, and the behaviour expected of one function under it. FAULTS.md
// lists the same rows.
type faultRow struct {
	name     string // unique, kebab-case
	function string // "ingest" or "viewing"
	fault    string // what goes wrong
	expect   string // what the function must do about it
	ingest   *ingestCase
	viewing  *viewingCase
}

// faultMatrix returns every row, ingest rows first.
func faultMatrix() []faultRow {
	return append(ingestRows(), viewingRows()...)
}

// TestFaultMatrix runs every row of the fault matrix against a fresh set of
// services and a fresh execution environment, checks the outcome of every
// message or request, and scans everything the functions produced for
// secrets.
func TestFaultMatrix(t *testing.T) {
	testenv.Moto(t)
	bins := buildFunctions(t)
	for _, row := range faultMatrix() {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, bins)
			start := time.Now()
			switch {
			case row.ingest != nil:
				runIngestCase(t, w, row.ingest)
			case row.viewing != nil:
				runViewingCase(t, w, row.viewing)
			default:
				t.Fatalf("row %s has neither an ingest nor a viewing case", row.name)
			}
			t.Logf("%s took %s", row.name, time.Since(start).Round(time.Millisecond))
			assertNoSecrets(t, w)
		})
	}
}

// TestFaultMatrixRowsAreUnique keeps the row names usable as keys of
// FAULTS.md.
func TestFaultMatrixRowsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, row := range faultMatrix() {
		if seen[row.name] {
			t.Errorf("row name %q is used twice", row.name)
		}
		seen[row.name] = true
		if row.name != strings.ToLower(row.name) || strings.ContainsAny(row.name, " _|`") {
			t.Errorf("row name %q is not kebab-case", row.name)
		}
		if row.fault == "" || row.expect == "" {
			t.Errorf("row %s needs a fault and an expectation for FAULTS.md", row.name)
		}
		if (row.ingest != nil) != (row.function == "ingest") || (row.viewing != nil) != (row.function == "viewing") {
			t.Errorf("row %s: function %q does not match its case", row.name, row.function)
		}
		if strings.Contains(row.fault+row.expect, "|") {
			t.Errorf("row %s: a | in its text would break the Markdown table", row.name)
		}
	}
}
