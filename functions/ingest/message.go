package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// nativeVersion is the only native message version this function reads.
const nativeVersion = 1

// Top-level fields of a native message, and the asset fields a message may
// not set through "fields". The uid and self identify the asset, and ovps
// has its own merge rules.
var (
	nativeFields    = []string{"version", "uid", "data_source_id", "language", "fields", "ovps"}
	forbiddenFields = []string{"uid", "self", "ovps"}
	languageTag     = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
)

// decodeNative decodes a native update message strictly: an unknown version
// or field, a wrong type, or a message that changes nothing is a permanent
// failure whose error names the field. The rules match
// schema/native-message.v1.json, plus one the schema cannot express: an
// account_url may appear only once in ovps.upsert.
func decodeNative(body []byte) (update, error) {
	top, err := decodeObject(body, "message")
	if err != nil {
		return update{}, err
	}

	raw, ok := top["version"]
	if !ok {
		return update{}, invalid(`field "version" is missing: set it to %d`, nativeVersion)
	}
	var version json.Number
	if err := strictUnmarshal(raw, &version); err != nil || raw[0] == '"' {
		return update{}, invalid(`field "version" must be a number, got %s`, raw)
	}
	if f, err := version.Float64(); err != nil || f != nativeVersion {
		return update{}, permanent(codeUnsupportedVersion, fmt.Errorf(
			"native message version %s is not supported: this function reads version %d", version, nativeVersion))
	}

	for _, name := range sortedKeys(top) {
		if !contains(nativeFields, name) {
			return update{}, invalid("unknown field %q: version %d messages have the fields %s",
				name, nativeVersion, strings.Join(nativeFields, ", "))
		}
	}

	var u update
	uid, hasUID, err := optionalString(top, "uid")
	if err != nil {
		return update{}, err
	}
	dsid, hasDSID, err := optionalString(top, "data_source_id")
	if err != nil {
		return update{}, err
	}
	switch {
	case hasUID && hasDSID:
		return update{}, invalid(`fields "uid" and "data_source_id" are both set: name the asset with exactly one`)
	case hasUID:
		u.Asset = assetRef{UID: uid}
	case hasDSID:
		u.Asset = assetRef{DataSourceID: dsid}
	default:
		return update{}, invalid(`the asset is not named: set "uid" or "data_source_id"`)
	}
	if err := u.Asset.validate(); err != nil {
		name := "uid"
		if hasDSID {
			name = "data_source_id"
		}
		return update{}, invalid("field %q: %v", name, err)
	}

	if lang, ok, err := optionalString(top, "language"); err != nil {
		return update{}, err
	} else if ok {
		if !languageTag.MatchString(lang) {
			return update{}, invalid(`field "language" = %q is not a language tag such as en-gb`, lang)
		}
		u.Language = lang
	}

	if raw, ok := top["fields"]; ok {
		if u.Fields, err = decodeFields(raw); err != nil {
			return update{}, err
		}
	}
	if raw, ok := top["ovps"]; ok {
		if u.Upsert, u.Remove, err = decodeOVPs(raw); err != nil {
			return update{}, err
		}
	}
	if len(u.Fields) == 0 && len(u.Upsert) == 0 && len(u.Remove) == 0 {
		return update{}, invalid(`the message changes nothing: set "fields" or "ovps"`)
	}
	return u, nil
}

func decodeFields(raw json.RawMessage) (map[string]any, error) {
	fields, err := decodeObject(raw, `field "fields"`)
	if err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, invalid(`field "fields" is empty: leave it out or set at least one asset field`)
	}
	out := make(map[string]any, len(fields))
	for _, name := range sortedKeys(fields) {
		if contains(forbiddenFields, name) {
			return nil, invalid(`field "fields.%s" is not allowed: %s cannot be patched through "fields"%s`,
				name, name, forbiddenHint(name))
		}
		var v any
		if err := strictUnmarshal(fields[name], &v); err != nil {
			return nil, invalid(`field "fields.%s": %v`, name, err)
		}
		out[name] = v
	}
	return out, nil
}

func forbiddenHint(name string) string {
	if name == "ovps" {
		return ` (use the top-level "ovps" object with "upsert" and "remove")`
	}
	return ""
}

func decodeOVPs(raw json.RawMessage) (upsert []map[string]any, remove []string, err error) {
	obj, err := decodeObject(raw, `field "ovps"`)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range sortedKeys(obj) {
		if name != "upsert" && name != "remove" {
			return nil, nil, invalid(`unknown field "ovps.%s": use "upsert" and "remove"`, name)
		}
	}
	if len(obj) == 0 {
		return nil, nil, invalid(`field "ovps" is empty: set "upsert" or "remove"`)
	}
	accounts := map[string]string{}
	if raw, ok := obj["upsert"]; ok {
		var entries []json.RawMessage
		if err := strictUnmarshal(raw, &entries); err != nil || entries == nil {
			return nil, nil, invalid(`field "ovps.upsert" must be an array of objects`)
		}
		if len(entries) == 0 {
			return nil, nil, invalid(`field "ovps.upsert" is empty: leave it out or add an entry`)
		}
		for i, e := range entries {
			where := fmt.Sprintf("ovps.upsert[%d]", i)
			entry, err := decodeObject(e, fmt.Sprintf("field %q", where))
			if err != nil {
				return nil, nil, err
			}
			account, ok, err := optionalString(entry, "account_url")
			if err != nil {
				return nil, nil, invalid(`field "%s.account_url" must be a non-empty string`, where)
			}
			if !ok {
				return nil, nil, invalid(`field "%s.account_url" is missing: every entry names its OVP account`, where)
			}
			if prev, dup := accounts[account]; dup {
				return nil, nil, invalid(`field "%s.account_url" = %q repeats %s: give each account one entry`,
					where, account, prev)
			}
			accounts[account] = where
			out := make(map[string]any, len(entry))
			for k, v := range entry {
				var val any
				if err := strictUnmarshal(v, &val); err != nil {
					return nil, nil, invalid(`field "%s.%s": %v`, where, k, err)
				}
				out[k] = val
			}
			upsert = append(upsert, out)
		}
	}
	if raw, ok := obj["remove"]; ok {
		if err := strictUnmarshal(raw, &remove); err != nil || remove == nil {
			return nil, nil, invalid(`field "ovps.remove" must be an array of account_url strings`)
		}
		if len(remove) == 0 {
			return nil, nil, invalid(`field "ovps.remove" is empty: leave it out or add an account_url`)
		}
		removed := map[string]string{}
		for i, account := range remove {
			where := fmt.Sprintf("ovps.remove[%d]", i)
			if account == "" {
				return nil, nil, invalid(`field %q is empty: use the account_url of the entry to remove`, where)
			}
			if prev, dup := removed[account]; dup {
				return nil, nil, invalid(`field %q = %q repeats %s: list each account once`, where, account, prev)
			}
			removed[account] = where
		}
	}
	return upsert, remove, nil
}

// decodeObject decodes a JSON object into its raw members, rejecting null,
// other types and trailing data.
func decodeObject(raw []byte, what string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := strictUnmarshal(raw, &obj); err != nil || obj == nil {
		return nil, invalid("%s must be a JSON object", what)
	}
	return obj, nil
}

// optionalString reads a member that, when present, must be a non-empty
// string.
func optionalString(obj map[string]json.RawMessage, name string) (string, bool, error) {
	raw, ok := obj[name]
	if !ok {
		return "", false, nil
	}
	var s *string
	if err := strictUnmarshal(raw, &s); err != nil || s == nil || *s == "" {
		return "", false, invalid("field %q must be a non-empty string, got %s", name, truncate(string(raw), 80))
	}
	return *s, true, nil
}

// strictUnmarshal decodes one JSON value, keeping numbers exact and rejecting
// trailing data.
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}

func invalid(format string, args ...any) error {
	return permanent(codeInvalidMessage, fmt.Errorf("native message: "+format, args...))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
