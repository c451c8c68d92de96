// Command benchreport runs the project's benchmarks and prints one table of
// the performance ratios the project promises, each measured side by side in
// one run against its baseline, with its goal and whether it holds.
//
// Usage:
//
//	go run ./cmd/benchreport [-count 5] [-benchtime 1s] [-v]
//
// Absolute times depend on the machine and its load; the ratios compare two
// benchmarks of the same run, so they are the numbers to read.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
)

func main() {
	count := flag.Int("count", 5, "runs of each benchmark; the report uses the median")
	benchtime := flag.String("benchtime", "1s", "duration or iteration count of each benchmark run (go test -benchtime)")
	verbose := flag.Bool("v", false, "print the raw go test output as well")
	flag.Parse()

	results := make(map[string]map[string]*result) // package -> benchmark -> result
	failed := false
	for _, pkg := range packages() {
		fmt.Fprintf(os.Stderr, "benchmarking %s ...\n", pkg.path)
		out, err := runBenchmarks(pkg, *count, *benchtime)
		if *verbose {
			fmt.Fprintln(os.Stderr, out)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: %s: %v\n%s\n", pkg.path, err, out)
			failed = true
			continue
		}
		results[pkg.path] = parseBenchmarks(out)
	}

	rows := evaluate(comparisons(), results)
	sizes, err := binarySizes()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchreport: %v\n", err)
		failed = true
	}
	rows = append(rows, sizes...)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measure\tvalue\tgoal\tholds\tdetail")
	missed := 0
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.name, r.value, r.goal, r.verdict, r.detail)
		if r.verdict == "no" || r.verdict == "missing" {
			missed++
		}
	}
	w.Flush()
	fmt.Println()
	fmt.Println(legend)
	fmt.Println()
	if missed > 0 {
		fmt.Printf("%d of %d goals missed\n", missed, countGoals(rows))
		failed = true
	} else {
		fmt.Printf("all %d goals hold\n", countGoals(rows))
	}
	if failed {
		os.Exit(1)
	}
}

// legend explains how to read the table.
const legend = `How to read it: "Nx" is ours divided by the baseline, so below 1 means ours is
faster; "N x faster" is the baseline divided by ours. A goal of "-" marks a ratio
that is reported with no goal. The command exits 1 when a goal is missed.`

func countGoals(rows []row) int {
	n := 0
	for _, r := range rows {
		if r.verdict != "-" {
			n++
		}
	}
	return n
}

// runBenchmarks runs the benchmarks of one package with memory statistics
// and returns the combined output of go test.
func runBenchmarks(pkg benchPackage, count int, benchtime string) (string, error) {
	if fixed, ok := fixedBenchtimes[pkg.path]; ok {
		benchtime = fixed
	}
	args := []string{"test", "-run", "^$", "-bench", pkg.pattern, "-benchmem",
		"-count", fmt.Sprint(count), "-benchtime", benchtime, pkg.path}
	out, err := exec.Command("go", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
