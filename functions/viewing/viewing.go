package main

import (
	"encoding/json"
	"errors"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// viewingBody is the 201 response body.
type viewingBody struct {
	AssetUID string `json:"asset_uid"`
	// Playback lists one entry per OVP integration in Skylark's order, which
	// is the order of preference when Skylark ranks CDNs.
	Playback []map[string]json.RawMessage `json:"playback"`
}

// newViewingBody flattens Skylark's viewing, where each element is keyed by
// the OVP slug ({"mux": {"tokenised_url": ...}}), into entries with an "ovp"
// key beside the integration's own keys ({"ovp": "mux", "tokenised_url":
// ...}), so players need not know the slugs in advance.
func newViewingBody(uid string, v *skylark.Viewing) (*viewingBody, error) {
	if v == nil || len(v.Objects) == 0 {
		return nil, errors.New("viewing: Skylark returned a viewing without playback data")
	}
	body := &viewingBody{AssetUID: uid, Playback: make([]map[string]json.RawMessage, 0, len(v.Objects))}
	for _, p := range v.Objects {
		keys := p.Keys()
		entry := make(map[string]json.RawMessage, len(keys)+1)
		for _, key := range keys {
			if value, ok := p.Get(key); ok {
				entry[key] = value
			}
		}
		slug, err := json.Marshal(p.OVP)
		if err != nil {
			return nil, err
		}
		entry["ovp"] = slug
		body.Playback = append(body.Playback, entry)
	}
	return body, nil
}
