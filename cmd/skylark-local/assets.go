package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// assetOrder lists the seeded assets by uid or data source id, in the
// order tables show them.
var assetOrder = []string{joyUID, trailerDataSource, featureDataSource, extrasDataSource}

// expectedAsset is an asset's state after the demo's ingest step: its title
// and, per OVP account, the stream_url or playback_id of its ovps entry.
type expectedAsset struct {
	title string
	ovps  map[string]string
}

// expectedAfterIngest returns the state each asset must have once the
// samples are applied. The native update retitles the premium asset and
// replaces the retired account's entry with this integration's, keeping
// the other OVP's. The S3 samples add stream URLs built from the object
// keys. The MediaConvert sample runs after the S3 upload of the same
// trailer, so the trailer ends with the HLS playlist's URL.
func expectedAfterIngest() map[string]expectedAsset {
	return map[string]expectedAsset{
		joyUID: {title: "The Joy of Winning", ovps: map[string]string{
			otherAccount:  "jOyOfW1nn1nG",
			ingestAccount: "https://cdn.example.com/vod/joy-of-winning/index.m3u8",
		}},
		trailerDataSource: {title: trailerDisplayName, ovps: map[string]string{
			otherAccount:  "tRaIlEr01",
			ingestAccount: "https://cdn.example.com/output/trailer-01/hls/trailer-01.m3u8",
		}},
		featureDataSource: {title: "Feature 02", ovps: map[string]string{
			otherAccount:  "fEaTuRe02",
			ingestAccount: "https://cdn.example.com/uploads/feature-02.mp4",
		}},
		extrasDataSource: {title: "Behind the Scenes", ovps: map[string]string{
			ingestAccount: "https://cdn.example.com/uploads/behind%20the%20scenes+extras.mp4",
		}},
	}
}

// assetState is the part of an asset the tables show.
type assetState struct {
	title string
	plans []string
	ovps  [][2]string // account_url, stream_url or playback_id
}

// assetState reads an asset from the fake Skylark.
func (st *stack) assetState(id string) (assetState, bool) {
	a, ok := st.skylark.Asset(st.assetUIDs[id])
	if !ok {
		return assetState{}, false
	}
	var s assetState
	s.title, _ = a["title"].(string)
	if plans, ok := a["plan_urls"].([]any); ok {
		for _, p := range plans {
			s.plans = append(s.plans, fmt.Sprint(p))
		}
	}
	entries, _ := a["ovps"].([]any)
	for _, e := range entries {
		m, _ := e.(map[string]any)
		account, _ := m["account_url"].(string)
		value, _ := m["stream_url"].(string)
		if value == "" {
			value, _ = m["playback_id"].(string)
		}
		s.ovps = append(s.ovps, [2]string{account, value})
	}
	return s, true
}

// printAssets shows the assets' OVP data, one row per ovps entry.
func (st *stack) printAssets(p *printer, title string) {
	p.section(title)
	var rows [][]string
	for _, id := range assetOrder {
		s, ok := st.assetState(id)
		if !ok {
			rows = append(rows, []string{assetLabel(id, st.assetUIDs[id]), "(missing)", "", "", ""})
			continue
		}
		plans := "free"
		if len(s.plans) > 0 {
			plans = "premium"
		}
		first := []string{assetLabel(id, st.assetUIDs[id]), shorten(s.title, 24), plans}
		if len(s.ovps) == 0 {
			rows = append(rows, append(first, "-", "-"))
		}
		for i, o := range s.ovps {
			row := first
			if i > 0 {
				row = []string{"", "", ""}
			}
			rows = append(rows, append(slices.Clone(row), accountLabel(o[0]), o[1]))
		}
	}
	p.table([]string{"ASSET", "TITLE", "PLANS", "OVP ACCOUNT", "STREAM URL / PLAYBACK ID"}, rows)
}

// checkAssets compares the assets with expectedAfterIngest and returns one
// line per difference.
func (st *stack) checkAssets() []string {
	var problems []string
	want := expectedAfterIngest()
	for _, id := range assetOrder {
		w := want[id]
		s, ok := st.assetState(id)
		if !ok {
			problems = append(problems, fmt.Sprintf("asset %s is missing", id))
			continue
		}
		if s.title != w.title {
			problems = append(problems, fmt.Sprintf("asset %s: title %q, want %q", id, s.title, w.title))
		}
		got := map[string]string{}
		for _, o := range s.ovps {
			got[o[0]] = o[1]
		}
		if !maps.Equal(got, w.ovps) {
			problems = append(problems, fmt.Sprintf("asset %s: ovps %v, want %v", id, got, w.ovps))
		}
	}
	return problems
}

// assetLabel names an asset by its data source id, or by its uid.
func assetLabel(id, uid string) string {
	if strings.HasPrefix(id, "asse_") {
		return shorten(uid, 14)
	}
	return "data source " + shorten(id, 18)
}

// accountLabel shortens an OVP account URL and names its owner.
func accountLabel(account string) string {
	name := strings.TrimSuffix(strings.TrimPrefix(account, "/api/accounts/"), "/")
	switch account {
	case ingestAccount:
		return shorten(name, 10) + " (this integration)"
	case retiredAccount:
		return shorten(name, 10) + " (retired)"
	case otherAccount:
		return shorten(name, 10) + " (other OVP)"
	}
	return shorten(name, 10)
}
