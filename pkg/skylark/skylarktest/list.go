package skylarktest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// listParams are query parameters that are not filters. "all" and
// "order_related_object_fields" are accepted and ignored: the fake has no
// schedules and no related objects.
var listParams = []string{"start", "limit", "order", "fields", "fields_to_expand", "all",
	"order_related_object_fields"}

// filter is one parsed filter parameter, such as "-slug=x" or "title__in=a,b".
type filter struct {
	field  string
	op     string // "exact", "in", "contains" or "icontains"
	negate bool
	values []string
}

func parseFilters(q url.Values) ([]filter, error) {
	var out []filter
	for key, values := range q {
		if slices.Contains(listParams, key) {
			continue
		}
		f := filter{op: "exact", values: values}
		name := key
		if strings.HasPrefix(name, "-") {
			f.negate, name = true, name[1:]
		}
		if base, op, ok := strings.Cut(name, "__"); ok {
			switch op {
			case "in", "contains", "icontains":
				name, f.op = base, op
				if op == "in" {
					f.values = strings.Split(strings.Join(values, ","), ",")
				}
			default:
				return nil, fmt.Errorf("filter %q: operator %q is not supported by this fake "+
					"(supported: exact, __in, __contains, __icontains, and - to negate)", key, op)
			}
		}
		if _, ok := assetFields[name]; !ok {
			return nil, fmt.Errorf("filter %q: unknown field %q", key, name)
		}
		f.field = name
		out = append(out, f)
	}
	return out, nil
}

// match reports whether an asset's rendered JSON passes the filter. A list
// field matches when one of its items does, as Django does for many-to-many
// relations.
func (f filter) match(obj map[string]json.RawMessage) bool {
	texts := fieldTexts(obj[f.field])
	hit := false
	for _, t := range texts {
		for _, want := range f.values {
			switch f.op {
			case "exact", "in":
				hit = hit || t == want
			case "contains":
				hit = hit || strings.Contains(t, want)
			case "icontains":
				hit = hit || strings.Contains(strings.ToLower(t), strings.ToLower(want))
			}
		}
	}
	return hit != f.negate
}

// fieldTexts returns the text forms a filter compares against: a string's
// value, a number or boolean as written, "null", or each item of a list.
func fieldTexts(raw json.RawMessage) []string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if len(raw) == 0 || dec.Decode(&v) != nil {
		return nil
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	var out []string
	for _, item := range items {
		switch x := item.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		case bool:
			out = append(out, strconv.FormatBool(x))
		case nil:
			out = append(out, "null")
		}
	}
	return out
}

// compareField orders two JSON values: null first, then numbers by value,
// then everything else by its text.
func compareField(a, b json.RawMessage) int {
	rank := func(raw json.RawMessage) (int, float64, string) {
		t := strings.TrimSpace(string(raw))
		if t == "" || t == "null" {
			return 0, 0, ""
		}
		if n, err := strconv.ParseFloat(t, 64); err == nil {
			return 1, n, ""
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return 2, 0, s
		}
		return 2, 0, t
	}
	ra, na, sa := rank(a)
	rb, nb, sb := rank(b)
	return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(na, nb), strings.Compare(sa, sb))
}

// selectAssets renders, filters and orders the live assets for a list or
// count request. The caller holds s.mu.
func (s *Server) selectAssets(r *http.Request) ([]map[string]json.RawMessage, error) {
	q := r.URL.Query()
	filters, err := parseFilters(q)
	if err != nil {
		return nil, err
	}
	lang := s.languageOf(r)
	var out []map[string]json.RawMessage
	for _, rec := range s.sortedRecords() {
		obj := s.render(rec, lang)
		if !slices.ContainsFunc(filters, func(f filter) bool { return !f.match(obj) }) {
			out = append(out, obj)
		}
	}
	if order := q.Get("order"); order != "" {
		field, desc := strings.TrimPrefix(order, "-"), strings.HasPrefix(order, "-")
		field, _, _ = strings.Cut(field, "__")
		if _, ok := assetFields[field]; !ok {
			return nil, fmt.Errorf("order: unknown field %q", field)
		}
		slices.SortStableFunc(out, func(a, b map[string]json.RawMessage) int {
			c := compareField(a[field], b[field])
			if desc {
				return -c
			}
			return c
		})
	}
	return out, nil
}

// listAssets serves GET /api/assets/ with start, limit, order, fields and
// filters. Without limit every matching asset is returned.
//
// NOTE: Skylark's default and maximum page sizes are not documented; this
// fake has neither.
func (s *Server) listAssets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, errStart := nonNegative(q.Get("start"))
	limit, errLimit := nonNegative(q.Get("limit"))
	if errStart != nil || errLimit != nil {
		writeDetail(w, http.StatusBadRequest, "start and limit must be non-negative integers.")
		return
	}
	s.mu.Lock()
	objs, err := s.selectAssets(r)
	s.mu.Unlock()
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}

	objs = objs[min(start, len(objs)):]
	if limit > 0 {
		objs = objs[:min(limit, len(objs))]
	}
	if fields := q.Get("fields"); fields != "" {
		keep := map[string]bool{}
		for _, f := range strings.Split(fields, ",") {
			top, _, _ := strings.Cut(strings.TrimSpace(f), "__")
			keep[top] = true
		}
		for i, obj := range objs {
			trimmed := map[string]json.RawMessage{}
			for k, v := range obj {
				if keep[k] {
					trimmed[k] = v
				}
			}
			objs[i] = trimmed
		}
	}
	if objs == nil {
		objs = []map[string]json.RawMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"objects": objs})
}

// countAssets serves GET /api/assets/count/: {"count": n} after filters.
func (s *Server) countAssets(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	objs, err := s.selectAssets(r)
	s.mu.Unlock()
	if err != nil {
		writeDetail(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": len(objs)})
}

func nonNegative(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a non-negative integer", v)
	}
	return n, nil
}
