package skylark

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"unicode/utf8"
)

// rawObject is a JSON object kept key by key, so that keys this package
// does not model survive a decode and encode unchanged.
type rawObject map[string]json.RawMessage

// decodeObject splits data, which must be a JSON object, into its keys.
func decodeObject(data []byte, what string) (rawObject, error) {
	if isJSONNull(data) {
		return nil, fmt.Errorf("%s is null, want a JSON object", what)
	}
	raw, err := splitObject(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %w", what, err)
	}
	return raw, nil
}

// decodeField decodes raw[key] into dst when the key is present. A JSON null
// leaves dst at its zero value.
func decodeField(raw rawObject, key string, dst any, what string) error {
	v, ok := raw[key]
	if !ok {
		return nil
	}
	if p, ok := dst.(*string); ok && plainJSONString(v) {
		*p = string(v[1 : len(v)-1])
		return nil
	}
	if err := json.Unmarshal(v, dst); err != nil {
		return fmt.Errorf("%s field %q: %w", what, key, err)
	}
	return nil
}

// plainJSONString reports whether v is a JSON string with no escapes and
// no control characters, whose value is then the bytes between the quotes.
// Most identifiers and URLs are such strings, and taking them directly
// skips a second pass of the JSON decoder over bytes it has already
// validated. Invalid UTF-8 is left to the decoder, which replaces it.
func plainJSONString(v []byte) bool {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// encodeField puts the typed value v of a modelled key into out. When the
// decoded value still equals v, the original bytes are kept, so that a null
// read as "" is written back as null. An absent key whose value is still
// the zero value stays absent.
func encodeField[T any](out, raw rawObject, key string, v T, isZero func(T) bool,
	equal func(a, b T) bool) error {
	if old, ok := raw[key]; ok {
		var prev T
		if json.Unmarshal(old, &prev) == nil && equal(prev, v) {
			out[key] = old
			return nil
		}
	} else if isZero(v) {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode field %q: %w", key, err)
	}
	out[key] = data
	return nil
}

func isEmptyString(s string) bool { return s == "" }

func isNilSlice[T any](s []T) bool { return s == nil }

func equalComparable[T comparable](a, b T) bool { return a == b }

// setField returns a copy of raw with key set to value encoded as JSON.
func setField(raw rawObject, key string, value any) (rawObject, json.RawMessage, error) {
	data, err := json.Marshal(value)
	if err != nil {
		return nil, nil, fmt.Errorf("skylark: encode field %q: %w", key, err)
	}
	out := maps.Clone(raw)
	if out == nil {
		out = make(rawObject, 1)
	}
	out[key] = data
	return out, data, nil
}

// typedField is a modelled key and a pointer to the field that holds it.
type typedField struct {
	key string
	ptr any
}

// setTyped decodes data into the field for key, if key is modelled. The
// field is reset first, so a slice never reuses a backing array shared with
// a copy of its struct.
func setTyped(fields []typedField, key string, data json.RawMessage) error {
	for _, f := range fields {
		if f.key != key {
			continue
		}
		v := reflect.ValueOf(f.ptr).Elem()
		old := reflect.New(v.Type()).Elem()
		old.Set(v)
		v.SetZero()
		if err := json.Unmarshal(data, f.ptr); err != nil {
			v.Set(old)
			return err
		}
	}
	return nil
}

// resetTyped sets the field for key, if key is modelled, to its zero value.
func resetTyped(fields []typedField, key string) {
	for _, f := range fields {
		if f.key == key {
			reflect.ValueOf(f.ptr).Elem().SetZero()
		}
	}
}

// deleteField returns a copy of raw without key.
func deleteField(raw rawObject, key string) rawObject {
	out := maps.Clone(raw)
	delete(out, key)
	return out
}

// sortedKeys returns the keys of raw plus extra, sorted and without repeats.
func sortedKeys(raw rawObject, extra ...string) []string {
	keys := slices.AppendSeq(extra, maps.Keys(raw))
	slices.Sort(keys)
	return slices.Compact(keys)
}

// jsonEqual reports whether a and b encode the same JSON value, ignoring key
// order and spacing.
//
// NOTE: numbers compare as float64, so integers above 2^53 that differ only
// in their low digits compare equal.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
