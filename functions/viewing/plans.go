package main

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
)

// planKey reduces a plan reference to the plan's uid, so that an asset's
// plan_urls ("/api/plans/plan_0a1b/") match a claim that lists either the
// same URLs or bare uids ("plan_0a1b"). A value without a slash is returned
// trimmed but otherwise unchanged. It returns "" when ref names no plan: an
// empty or blank value, "/", a path with an empty segment ("/api/plans//"),
// or a key that is "." or ".." or contains white space or control
// characters.
func planKey(ref string) string {
	ref = strings.TrimSpace(ref)
	ref = strings.TrimSuffix(strings.TrimPrefix(ref, "/"), "/")
	segments := strings.Split(ref, "/")
	if slices.Contains(segments, "") {
		return ""
	}
	key := segments[len(segments)-1]
	if key == "." || key == ".." || strings.ContainsFunc(key, isSpaceOrControl) {
		return ""
	}
	return key
}

func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// parsePlans reads the user's plans from a claim value in any form the
// gateways deliver it:
//   - a JSON array (local emulators and Lambda authorizers built on them),
//   - a string holding a JSON array, which is how a Cognito custom attribute
//     such as custom:plans usually stores a list: "[\"plan_a\",\"plan_b\"]",
//   - the form HTTP API JWT authorizers give array claims: "[plan_a plan_b]",
//   - a space- or comma-separated list: "plan_a plan_b" or "plan_a,plan_b".
//
// It returns plan keys (see planKey) and nil when the claim is missing or
// holds no plan.
func parsePlans(v any) []string {
	switch v := v.(type) {
	case []any:
		plans := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := item.(string); ok {
				plans = appendPlan(plans, s)
			}
		}
		return plans
	case []string:
		plans := make([]string, 0, len(v))
		for _, s := range v {
			plans = appendPlan(plans, s)
		}
		return plans
	case string:
		return parsePlanList(v)
	}
	return nil
}

func parsePlanList(s string) []string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var list []string
		if err := json.Unmarshal([]byte(s), &list); err == nil {
			return parsePlans(list)
		}
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	var plans []string
	for _, field := range strings.FieldsFunc(s, isPlanSeparator) {
		plans = appendPlan(plans, field)
	}
	return plans
}

func isPlanSeparator(r rune) bool {
	return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
}

func appendPlan(plans []string, ref string) []string {
	if key := planKey(strings.Trim(ref, "\"")); key != "" {
		return append(plans, key)
	}
	return plans
}

// entitled reports whether a user holding userPlans may watch asset: the
// asset is free, or one of its plans is among userPlans.
func entitled(asset assetInfo, userPlans []string) bool {
	if asset.free() {
		return true
	}
	for _, want := range asset.Plans {
		if slices.Contains(userPlans, want) {
			return true
		}
	}
	return false
}
