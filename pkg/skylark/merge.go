package skylark

// MergeOVPs applies an update to an asset's ovps list and reports whether the
// result differs from current. It never modifies its arguments.
//
// Entries are matched by AccountURL:
//
//   - Entries of accounts in removeAccountURLs are dropped.
//   - Each upsert entry is merged into the first entry with the same
//     AccountURL: the keys the upsert entry names replace that entry's
//     values, and the entry's other keys are kept. An upsert entry with no
//     match is appended.
//   - An account that is both removed and upserted has its entry replaced
//     as a whole by the upsert, at the same position.
//
// Entries of other accounts keep their keys, values and order. A key cannot
// be deleted through an upsert (setting it to nil stores JSON null). An
// upsert entry with an empty AccountURL never matches and is appended, so
// callers should reject such entries first.
//
// changed compares the JSON values, not their spelling, so an update that is
// applied twice (a redelivered message) reports false the second time.
func MergeOVPs(current, upsert []OVP, removeAccountURLs []string) (merged []OVP, changed bool) {
	remove := make(map[string]bool, len(removeAccountURLs))
	for _, u := range removeAccountURLs {
		remove[u] = true
	}
	upserted := make(map[string]bool, len(upsert))
	for _, u := range upsert {
		upserted[u.AccountURL] = true
	}

	merged = make([]OVP, 0, len(current)+len(upsert))
	reset := map[string]bool{}
	for _, o := range current {
		switch {
		case !remove[o.AccountURL]:
			merged = append(merged, o)
		case upserted[o.AccountURL] && !reset[o.AccountURL]:
			// Keep the position; the upserts below fill the entry again.
			reset[o.AccountURL] = true
			merged = append(merged, OVP{AccountURL: o.AccountURL})
		}
	}
	for _, u := range upsert {
		i := -1
		if u.AccountURL != "" {
			i = indexOVP(merged, u.AccountURL)
		}
		if i < 0 {
			merged = append(merged, u)
			continue
		}
		merged[i] = merged[i].overlay(u)
	}
	return merged, !ovpsEqual(current, merged)
}

func indexOVP(list []OVP, accountURL string) int {
	for i, o := range list {
		if o.AccountURL == accountURL {
			return i
		}
	}
	return -1
}
