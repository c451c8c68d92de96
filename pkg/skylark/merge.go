package skylark

// MergeOVPs applies an update to an asset's ovps list and reports whether the
// result differs from current. It never modifies its arguments.
//
// The update works by account_url, in this order:
//
//  1. Every entry of current whose AccountURL is in removeAccountURLs is
//     dropped.
//  2. Each upsert entry is merged into the first remaining entry with the
//     same AccountURL: the keys the upsert entry names replace that entry's
//     values, and the entry's other keys are kept. An upsert entry with no
//     match is appended. So removing and upserting the same account
//     replaces its entry as a whole.
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

	merged = make([]OVP, 0, len(current)+len(upsert))
	for _, o := range current {
		if !remove[o.AccountURL] {
			merged = append(merged, o)
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
