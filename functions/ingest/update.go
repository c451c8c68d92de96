package main

import (
	"fmt"
	"strings"

	"github.com/streamkit/skylark-lambda/pkg/skylark"
)

// assetRef names an asset by uid or by data_source_id (exactly one is set).
type assetRef struct {
	UID          string
	DataSourceID string
}

// validate checks the identifier with the Skylark client's rules, plus
// one more for data_source_id that schema/native-message.v1.json also
// states: no %2F anywhere, whether or not the rest of the id unescapes.
func (r assetRef) validate() error {
	if r.UID != "" {
		return skylark.ValidateAssetUID(r.UID)
	}
	if err := skylark.ValidateDataSourceID(r.DataSourceID); err != nil {
		return err
	}
	if strings.Contains(strings.ToUpper(r.DataSourceID), "%2F") {
		return fmt.Errorf("data_source_id %q must not contain an escaped \"/\" (%%2F)", r.DataSourceID)
	}
	return nil
}

// String returns the reference as logged, such as "uid asse_..." or
// "data_source_id trailer-01".
func (r assetRef) String() string {
	if r.UID != "" {
		return "uid " + r.UID
	}
	return "data_source_id " + r.DataSourceID
}

// update is one change to one asset, built from a message.
type update struct {
	Asset    assetRef
	Language string           // Accept-Language, empty for the default language
	Fields   map[string]any   // asset fields to PATCH
	Upsert   []map[string]any // ovps entries to add or replace by account_url
	Remove   []string         // account_url of ovps entries to delete
	S3       *s3Guard         // set for S3 events
}

// s3Guard is the ordering information of an S3 event, checked against the
// asset's current entry before anything is written.
type s3Guard struct {
	Object    string // s3://bucket/key
	Sequencer string // S3's sequencer, empty when the event has none
	StreamURL string // the stream URL the object maps to
	Deleted   bool
}

// staleReason returns why the change must not be applied given the asset's
// current entry for the account (nil when there is none), or "" to apply it.
//
// S3 delivers events at least once and in no guaranteed order. Its sequencer
// orders events for one key: the greater hexadecimal value is the later
// event, compared after left-padding the shorter value with zeros. Two
// different keys cannot be ordered.
func (g *s3Guard) staleReason(entry map[string]any) string {
	if entry == nil {
		if g.Deleted {
			return "no ovps entry to remove"
		}
		return ""
	}
	object, _ := entry[entryS3Object].(string)
	sequencer, _ := entry[entryS3Sequencer].(string)
	if object == g.Object && sequencer != "" && g.Sequencer != "" &&
		compareSequencers(g.Sequencer, sequencer) < 0 {
		return fmt.Sprintf("S3 event for %s is older (sequencer %s) than the one already applied (%s)",
			g.Object, g.Sequencer, sequencer)
	}
	if !g.Deleted {
		return ""
	}
	switch {
	case object == g.Object:
		return ""
	case object != "":
		return fmt.Sprintf("the ovps entry comes from %s, not from the deleted %s", object, g.Object)
	case entry["stream_url"] != g.StreamURL:
		return fmt.Sprintf("the ovps entry's stream_url is not %s, which the deleted %s provided", g.StreamURL, g.Object)
	}
	return ""
}

// compareSequencers compares two S3 sequencers as hexadecimal numbers of
// any length.
func compareSequencers(a, b string) int {
	a, b = strings.ToUpper(a), strings.ToUpper(b)
	if len(a) < len(b) {
		a = strings.Repeat("0", len(b)-len(a)) + a
	} else if len(b) < len(a) {
		b = strings.Repeat("0", len(a)-len(b)) + b
	}
	return strings.Compare(a, b)
}
