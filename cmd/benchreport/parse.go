package main

import (
	"bufio"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result holds every value that the runs of one benchmark reported, by unit
// ("ns/op", "allocs/op", or a custom unit from b.ReportMetric).
type result struct {
	values map[string][]float64
}

// median returns the median of the values reported in unit, and false when
// the benchmark never reported that unit.
func (r *result) median(unit string) (float64, bool) {
	if r == nil || len(r.values[unit]) == 0 {
		return 0, false
	}
	v := append([]float64(nil), r.values[unit]...)
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], true
	}
	return (v[n/2-1] + v[n/2]) / 2, true
}

// benchLine matches a result line such as
// "BenchmarkTokenWarm-2   1000000   1043 ns/op   0 B/op   0 allocs/op".
var benchLine = regexp.MustCompile(`^(Benchmark[^\s]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseBenchmarks collects the values of every benchmark line in the output
// of go test -bench, keyed by benchmark name without the GOMAXPROCS suffix.
func parseBenchmarks(out string) map[string]*result {
	results := make(map[string]*result)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		r := results[m[1]]
		if r == nil {
			r = &result{values: make(map[string][]float64)}
			results[m[1]] = r
		}
		fields := strings.Fields(m[2])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			r.values[fields[i+1]] = append(r.values[fields[i+1]], v)
		}
	}
	return results
}
