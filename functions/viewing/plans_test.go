package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePlans(t *testing.T) {
	tests := []struct {
		name  string
		claim any
		want  []string
	}{
		{"missing", nil, nil},
		{"JSON array", []any{"plan_gold", "plan_silver"}, []string{"plan_gold", "plan_silver"}},
		{"JSON array with non-strings", []any{"plan_gold", 7.0, true}, []string{"plan_gold"}},
		{"string holding JSON array", `["plan_gold","plan_silver"]`, []string{"plan_gold", "plan_silver"}},
		{"HTTP API array form", "[plan_gold plan_silver]", []string{"plan_gold", "plan_silver"}},
		{"space separated", "plan_gold  plan_silver", []string{"plan_gold", "plan_silver"}},
		{"comma separated", "plan_gold, plan_silver,", []string{"plan_gold", "plan_silver"}},
		{"single plan", "plan_gold", []string{"plan_gold"}},
		{"plan URLs", `["/api/plans/plan_gold/"]`, []string{"plan_gold"}},
		{"empty string", "", nil},
		{"empty array", "[]", nil},
		{"number", 12.0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parsePlans(tt.claim)
			if !slices.Equal(got, tt.want) {
				t.Errorf("parsePlans(%#v) = %q, want %q", tt.claim, got, tt.want)
			}
		})
	}
}

func TestPlanKey(t *testing.T) {
	tests := map[string]string{
		"/api/plans/plan_gold/":  "plan_gold",
		"/api/plans/plan_gold":   "plan_gold",
		"api/plans/plan_gold/":   "plan_gold",
		"plan_gold":              "plan_gold",
		" plan_gold ":            "plan_gold",
		"":                       "",
		"   ":                    "",
		"/":                      "",
		"//":                     "",
		"/api/plans//":           "",
		"/api//plan_gold/":       "",
		"/api/plans/../":         "",
		".":                      "",
		"plan gold":              "",
		"plan_gold\x00":          "",
		"plan_\u0085gold":        "",
		"/api/plans/plan\ngold/": "",
	}
	for in, want := range tests {
		if got := planKey(in); got != want {
			t.Errorf("planKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEntitled(t *testing.T) {
	tests := []struct {
		name      string
		asset     assetInfo
		userPlans []string
		want      bool
	}{
		{"asset without plans, user without plans", assetInfo{}, nil, true},
		{"asset without plans, user with plans", assetInfo{}, []string{"plan_gold"}, true},
		{"shared plan", assetInfo{Plans: []string{"plan_basic", "plan_gold"}}, []string{"plan_gold"}, true},
		{"no shared plan", assetInfo{Plans: []string{"plan_gold"}}, []string{"plan_basic"}, false},
		{"user without plans", assetInfo{Plans: []string{"plan_gold"}}, nil, false},
		{"only invalid plan_urls, user without plans",
			assetInfo{InvalidPlanURLs: `[""]`}, nil, false},
		{"only invalid plan_urls, user with plans",
			assetInfo{InvalidPlanURLs: `[null]`}, []string{"plan_gold"}, false},
		{"valid and invalid plan_urls, shared plan",
			assetInfo{Plans: []string{"plan_gold"}, InvalidPlanURLs: `["","/api/plans/plan_gold/"]`},
			[]string{"plan_gold"}, true},
		{"valid and invalid plan_urls, no shared plan",
			assetInfo{Plans: []string{"plan_gold"}, InvalidPlanURLs: `["","/api/plans/plan_gold/"]`},
			[]string{"plan_basic"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := entitled(tt.asset, tt.userPlans); got != tt.want {
				t.Errorf("entitled(%+v, %q) = %v, want %v", tt.asset, tt.userPlans, got, tt.want)
			}
		})
	}
}

func TestShortenForLog(t *testing.T) {
	short := `["",null]`
	if got := shortenForLog(short); got != short {
		t.Errorf("shortenForLog(%q) = %q, want it unchanged", short, got)
	}
	long := `["` + strings.Repeat("é", maxLoggedValueBytes) + `"]`
	got := shortenForLog(long)
	if !utf8.ValidString(got) {
		t.Errorf("shortened value %q is not valid UTF-8", got)
	}
	if len(got) > maxLoggedValueBytes+40 {
		t.Errorf("shortened value is %d bytes, want about %d", len(got), maxLoggedValueBytes)
	}
	if want := fmt.Sprintf("(%d bytes in all)", len(long)); !strings.HasSuffix(got, want) {
		t.Errorf("shortened value %q does not end with %q", got, want)
	}
}
