package main

import (
	"fmt"
	"sort"
	"strings"
)

// goalKind is the way a measured value is compared with its goal.
type goalKind int

const (
	// atMost: ours / baseline must not exceed the goal.
	atMost goalKind = iota
	// atLeast: baseline / ours must reach the goal (ours is the faster one).
	atLeast
	// valueAtMost: the value of ours, in unit, must not exceed the goal.
	valueAtMost
	// diffAtMost: ours - baseline, in unit, must not exceed the goal.
	diffAtMost
	// ratioOnly: ours / baseline is reported with no goal.
	ratioOnly
	// valueOnly: the value of ours, in unit, is reported with no goal.
	valueOnly
)

// comparison is one row of the report.
type comparison struct {
	name     string
	pkg      string
	ours     string
	baseline string // empty for valueAtMost
	unit     string
	kind     goalKind
	goal     float64
}

type benchPackage struct {
	path    string
	pattern string
}

// packages lists each package that the comparisons need, with a -bench
// pattern that selects only the benchmarks they use.
func packages() []benchPackage {
	names := make(map[string]map[string]bool)
	for _, c := range comparisons() {
		if names[c.pkg] == nil {
			names[c.pkg] = make(map[string]bool)
		}
		for _, b := range []string{c.ours, c.baseline} {
			if b == "" {
				continue
			}
			// go test matches sub-benchmarks level by level, so select the
			// top-level benchmark and let it run all its cases.
			top, _, _ := strings.Cut(strings.TrimPrefix(b, "Benchmark"), "/")
			names[c.pkg][top] = true
		}
	}
	var pkgs []benchPackage
	for path, set := range names {
		var list []string
		for n := range set {
			list = append(list, n)
		}
		sort.Strings(list)
		pkgs = append(pkgs, benchPackage{path: path, pattern: "^Benchmark(" + strings.Join(list, "|") + ")$"})
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].path < pkgs[j].path })
	return pkgs
}

// row is one evaluated line of the report.
type row struct {
	name, value, goal, verdict, detail string
}

func evaluate(cs []comparison, results map[string]map[string]*result) []row {
	var rows []row
	for _, c := range cs {
		rows = append(rows, evaluateOne(c, results[c.pkg]))
	}
	return rows
}

func evaluateOne(c comparison, results map[string]*result) row {
	unit := c.unit
	if unit == "" {
		unit = "ns/op"
	}
	r := row{name: c.name}
	ours, ok := results[c.ours].median(unit)
	if !ok {
		r.value, r.verdict, r.detail = "-", "missing", fmt.Sprintf("%s reported no %s", c.ours, unit)
		return r
	}
	if c.kind == valueOnly {
		r.value = fmt.Sprintf("%.4g %s", ours, unit)
		r.goal, r.verdict, r.detail = "-", "-", c.ours
		return r
	}
	if c.kind == valueAtMost {
		r.value = fmt.Sprintf("%.4g %s", ours, unit)
		r.goal = fmt.Sprintf("<= %.4g %s", c.goal, unit)
		r.verdict = verdict(ours <= c.goal)
		r.detail = c.ours
		return r
	}
	base, ok := results[c.baseline].median(unit)
	if !ok || base == 0 || ours == 0 {
		r.value, r.verdict, r.detail = "-", "missing", fmt.Sprintf("%s reported no %s", c.baseline, unit)
		return r
	}
	switch c.kind {
	case ratioOnly:
		r.value = fmt.Sprintf("%.2fx", ours/base)
		r.goal, r.verdict = "-", "-"
	case diffAtMost:
		diff := ours - base
		r.value = fmt.Sprintf("%+.3g %s", diff, unit)
		r.goal = fmt.Sprintf("<= %.3g %s", c.goal, unit)
		r.verdict = verdict(diff <= c.goal)
	case atMost:
		ratio := ours / base
		r.value = fmt.Sprintf("%.2fx", ratio)
		r.goal = fmt.Sprintf("<= %.2gx", c.goal)
		r.verdict = verdict(ratio <= c.goal)
	case atLeast:
		ratio := base / ours
		r.value = fmt.Sprintf("%.1fx faster", ratio)
		r.goal = fmt.Sprintf(">= %.2gx", c.goal)
		r.verdict = verdict(ratio >= c.goal)
	}
	r.detail = fmt.Sprintf("%s %s vs %s %s", format(ours, unit), c.ours, format(base, unit), c.baseline)
	r.detail += allocDetail(results[c.ours])
	return r
}

func allocDetail(r *result) string {
	allocs, ok := r.median("allocs/op")
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (%.0f allocs/op)", allocs)
}

func format(v float64, unit string) string {
	if unit == "ns/op" {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.2fms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.1fµs", v/1e3)
		}
		return fmt.Sprintf("%.0fns", v)
	}
	return fmt.Sprintf("%.4g %s", v, unit)
}

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}
