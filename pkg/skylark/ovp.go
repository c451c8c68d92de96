package skylark

import (
	"encoding/json"
	"fmt"
)

const keyAccountURL = "account_url"

// OVP is one entry of an asset's ovps list: the playback data for one online
// video platform account. AccountURL identifies the account; the other keys
// depend on the platform's integration (for example "stream_url", or Mux's
// "asset_id" and "playback_id") and are kept verbatim. Read and change them
// with Get and Set.
type OVP struct {
	// AccountURL is the path of the OVP account resource (the account_url
	// key). MergeOVPs matches entries by it.
	AccountURL string

	raw rawObject
}

// UnmarshalJSON decodes a JSON object, keeping every key. It fails when the
// input is not an object or account_url is not a string.
func (o *OVP) UnmarshalJSON(data []byte) error {
	raw, err := decodeObject(data, "ovps entry")
	if err != nil {
		return err
	}
	b := OVP{raw: raw}
	if err := decodeField(raw, keyAccountURL, &b.AccountURL, "ovps entry"); err != nil {
		return err
	}
	*o = b
	return nil
}

// MarshalJSON encodes the entry with every key it was decoded with.
func (o OVP) MarshalJSON() ([]byte, error) {
	return json.Marshal(o.object())
}

func (o OVP) object() rawObject {
	out := make(rawObject, len(o.raw)+1)
	for k, v := range o.raw {
		if k != keyAccountURL {
			out[k] = v
		}
	}
	// Encoding a string cannot fail, so the error is always nil.
	_ = encodeField(out, o.raw, keyAccountURL, o.AccountURL, isEmptyString, equalComparable)
	return out
}

// Get returns the JSON value of key, and whether the entry has the key.
func (o OVP) Get(key string) (json.RawMessage, bool) {
	v, ok := o.object()[key]
	return v, ok
}

// GetString returns the value of key when it is a JSON string.
func (o OVP) GetString(key string) (string, bool) {
	v, ok := o.Get(key)
	if !ok {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

// Set sets key to value encoded as JSON. Setting account_url requires a
// string. The entry's map is copied first, so copies of o are not affected.
func (o *OVP) Set(key string, value any) error {
	raw, data, err := setField(o.raw, key, value)
	if err != nil {
		return err
	}
	b := OVP{AccountURL: o.AccountURL, raw: raw}
	if err := setTyped(b.typedFields(), key, data); err != nil {
		return fmt.Errorf("skylark: set ovps entry field %q: %w", key, err)
	}
	*o = b
	return nil
}

// Delete removes key from the entry; deleting account_url empties
// AccountURL.
func (o *OVP) Delete(key string) {
	o.raw = deleteField(o.raw, key)
	resetTyped(o.typedFields(), key)
}

// Keys returns the entry's keys in sorted order.
func (o OVP) Keys() []string {
	return sortedKeys(o.object())
}

func (o *OVP) typedFields() []typedField {
	return []typedField{{keyAccountURL, &o.AccountURL}}
}

// overlay returns a copy of o with every key of u set to u's value. Both
// entries have the same AccountURL.
func (o OVP) overlay(u OVP) OVP {
	base := o.object()
	for k, v := range u.object() {
		base[k] = v
	}
	return OVP{AccountURL: o.AccountURL, raw: base}
}

func ovpsEqual(a, b []OVP) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, errX := json.Marshal(a[i])
		y, errY := json.Marshal(b[i])
		if errX != nil || errY != nil || !jsonEqual(x, y) {
			return false
		}
	}
	return true
}
