package main

import (
	"slices"
	"testing"
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
		"/api/plans/plan_gold/": "plan_gold",
		"/api/plans/plan_gold":  "plan_gold",
		"plan_gold":             "plan_gold",
		" plan_gold ":           "plan_gold",
		"":                      "",
	}
	for in, want := range tests {
		if got := planKey(in); got != want {
			t.Errorf("planKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEntitled(t *testing.T) {
	tests := []struct {
		name       string
		assetPlans []string
		userPlans  []string
		want       bool
	}{
		{"asset without plans, user without plans", nil, nil, true},
		{"asset without plans, user with plans", nil, []string{"plan_gold"}, true},
		{"shared plan", []string{"plan_basic", "plan_gold"}, []string{"plan_gold"}, true},
		{"no shared plan", []string{"plan_gold"}, []string{"plan_basic"}, false},
		{"user without plans", []string{"plan_gold"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := entitled(tt.assetPlans, tt.userPlans); got != tt.want {
				t.Errorf("entitled(%q, %q) = %v, want %v", tt.assetPlans, tt.userPlans, got, tt.want)
			}
		})
	}
}
