package skylark

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Asset is a Skylark asset: a playable item such as a film or a clip. The
// fields below are the ones this package works with. Every other key of the
// JSON object is kept verbatim, so that an asset read, changed and written
// back loses nothing. Read and change those keys with Get and Set.
//
// When encoded, a field that was absent and is still empty stays absent, and
// a field whose value did not change keeps its original JSON (a null title
// stays null). A nil PlanURLs or OVPs is "unset"; a non-nil empty slice
// encodes as [].
type Asset struct {
	// UID is the asset's identifier, "asse_" and 32 hex digits.
	UID string

	// Self is the asset's path, such as "/api/assets/asse_.../".
	Self string

	// DataSourceID is the identifier chosen by the system that feeds
	// Skylark (the data_source_id key), at most 255 characters.
	DataSourceID string

	// Title is the title in the language version that was read.
	Title string

	// PlanURLs are the paths of the plans that give access to the asset.
	PlanURLs []string

	// OVPs holds the playback data, one entry per online video platform
	// (OVP) account.
	OVPs []OVP

	raw rawObject
}

// Keys of the asset fields modelled by Asset.
const (
	keyUID          = "uid"
	keySelf         = "self"
	keyDataSourceID = "data_source_id"
	keyTitle        = "title"
	keyPlanURLs     = "plan_urls"
	keyOVPs         = "ovps"
)

var assetKeys = []string{keyUID, keySelf, keyDataSourceID, keyTitle, keyPlanURLs, keyOVPs}

// typedFields returns the modelled keys with pointers to their fields.
func (a *Asset) typedFields() []typedField {
	return []typedField{
		{keyUID, &a.UID}, {keySelf, &a.Self}, {keyDataSourceID, &a.DataSourceID},
		{keyTitle, &a.Title}, {keyPlanURLs, &a.PlanURLs}, {keyOVPs, &a.OVPs},
	}
}

// UnmarshalJSON decodes a JSON object, keeping every key. It fails when the
// input is not an object or a modelled field has the wrong type.
func (a *Asset) UnmarshalJSON(data []byte) error {
	raw, err := decodeObject(data, "asset")
	if err != nil {
		return err
	}
	b := Asset{raw: raw}
	for _, f := range b.typedFields() {
		if err := decodeField(raw, f.key, f.ptr, "asset"); err != nil {
			return err
		}
	}
	*a = b
	return nil
}

// MarshalJSON encodes the asset with every key it was decoded with.
func (a Asset) MarshalJSON() ([]byte, error) {
	out, err := a.object()
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

func (a Asset) object() (rawObject, error) {
	out := make(rawObject, len(a.raw)+len(assetKeys))
	for k, v := range a.raw {
		if !slices.Contains(assetKeys, k) {
			out[k] = v
		}
	}
	for _, put := range []func() error{
		func() error { return encodeField(out, a.raw, keyUID, a.UID, isEmptyString, equalComparable) },
		func() error { return encodeField(out, a.raw, keySelf, a.Self, isEmptyString, equalComparable) },
		func() error {
			return encodeField(out, a.raw, keyDataSourceID, a.DataSourceID, isEmptyString, equalComparable)
		},
		func() error { return encodeField(out, a.raw, keyTitle, a.Title, isEmptyString, equalComparable) },
		func() error {
			return encodeField(out, a.raw, keyPlanURLs, a.PlanURLs, isNilSlice, slices.Equal)
		},
		func() error { return encodeField(out, a.raw, keyOVPs, a.OVPs, isNilSlice, ovpsEqual) },
	} {
		if err := put(); err != nil {
			return nil, fmt.Errorf("skylark: asset %s", err)
		}
	}
	return out, nil
}

// Get returns the JSON value of key as it would be encoded, and whether the
// asset has the key.
func (a *Asset) Get(key string) (json.RawMessage, bool) {
	out, err := a.object()
	if err != nil {
		return nil, false
	}
	v, ok := out[key]
	return v, ok
}

// Set sets key to value encoded as JSON. For a modelled key (uid, self,
// data_source_id, title, plan_urls, ovps) the typed field is updated too, and
// a value of the wrong type is an error that leaves the asset unchanged.
func (a *Asset) Set(key string, value any) error {
	raw, data, err := setField(a.raw, key, value)
	if err != nil {
		return err
	}
	b := *a
	b.raw = raw
	if err := setTyped(b.typedFields(), key, data); err != nil {
		return fmt.Errorf("skylark: set asset field %q: %w", key, err)
	}
	*a = b
	return nil
}

// Delete removes key from the asset; a modelled field is reset to its zero
// value.
func (a *Asset) Delete(key string) {
	a.raw = deleteField(a.raw, key)
	resetTyped(a.typedFields(), key)
}

// Keys returns the asset's keys in sorted order.
func (a *Asset) Keys() []string {
	out, err := a.object()
	if err != nil {
		return sortedKeys(a.raw)
	}
	return sortedKeys(out)
}
