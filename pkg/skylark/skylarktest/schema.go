package skylarktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// fieldKind is the JSON type a known asset field accepts on writes.
type fieldKind int

const (
	kindString     fieldKind = iota // string or null
	kindInt                         // non-negative integer or null
	kindBool                        // true or false
	kindDate                        // "YYYY-MM-DD", an RFC 3339 date-time, or null
	kindDateTime                    // RFC 3339 date-time or null
	kindStringList                  // array of strings
	kindObjectList                  // array of objects
	kindOVPs                        // array of objects, each with a string account_url
	kindAny                         // any JSON value
)

// fieldSpec describes one known asset field.
type fieldSpec struct {
	kind fieldKind

	// language fields are stored per language version (Accept-Language).
	language bool

	// readOnly fields are managed by the server. Writes that include them
	// are accepted and the values ignored, as clients send back what they
	// read.
	readOnly bool
}

// assetFields lists the asset fields the fake accepts. A write with any other
// key is rejected with FORM_VALIDATION_ERRORS.
var assetFields = map[string]fieldSpec{
	// Server-managed bookkeeping.
	"uid": {readOnly: true}, "self": {readOnly: true},
	"created": {readOnly: true}, "modified": {readOnly: true}, "modified_by": {readOnly: true},
	"language": {readOnly: true}, "all_languages": {readOnly: true},
	"version_number": {readOnly: true}, "version_url": {readOnly: true},
	"language_version_number": {readOnly: true}, "language_version_url": {readOnly: true},
	"language_publish_on": {readOnly: true}, "language_modified": {readOnly: true},
	"language_modified_by": {readOnly: true}, "language_is_data_source": {readOnly: true},
	"is_data_source": {readOnly: true}, "editability": {readOnly: true},
	"last_data_ingest": {readOnly: true}, "expired": {readOnly: true}, "future": {readOnly: true},
	"schedule_statuses": {readOnly: true}, "stats": {readOnly: true},
	"stats_last_updated": {readOnly: true},

	// Language version metadata.
	"title": {kind: kindString, language: true}, "slug": {kind: kindString, language: true},
	"title_short": {kind: kindString, language: true}, "title_medium": {kind: kindString, language: true},
	"title_long": {kind: kindString, language: true}, "synopsis": {kind: kindString, language: true},
	"synopsis_short":     {kind: kindString, language: true},
	"synopsis_medium":    {kind: kindString, language: true},
	"synopsis_long":      {kind: kindString, language: true},
	"alternate_synopsis": {kind: kindString, language: true},
	"extended_synopsis":  {kind: kindString, language: true},

	// Global metadata.
	"data_source_id": {kind: kindString}, "data_source_fields": {kind: kindStringList},
	"publish_on": {kind: kindDateTime}, "ends_on": {kind: kindDateTime},
	"release_date": {kind: kindDate}, "duration": {kind: kindString},
	"duration_in_seconds": {kind: kindInt}, "max_devices": {kind: kindInt},
	"parent_url": {kind: kindString}, "hierarchy_url": {kind: kindString},
	"asset_type_url": {kind: kindString}, "url": {kind: kindString}, "name": {kind: kindString},
	"subtitles": {kind: kindString}, "sound": {kind: kindString}, "licensor": {kind: kindString},
	"guidance": {kind: kindString}, "guidance_text": {kind: kindString}, "eid": {kind: kindString},
	"entitlement": {kind: kindString}, "gender_skew": {kind: kindString},
	"state": {kind: kindString}, "state_reason": {kind: kindString},
	"technique": {kind: kindString}, "why_choose_this": {kind: kindString},
	"schedule_urls": {kind: kindStringList}, "cc_urls": {kind: kindStringList},
	"image_urls": {kind: kindStringList}, "plan_urls": {kind: kindStringList},
	"product_urls": {kind: kindStringList}, "rating_urls": {kind: kindStringList},
	"recommended_content_urls": {kind: kindStringList}, "text_track_urls": {kind: kindStringList},
	"sponsor_urls": {kind: kindStringList}, "account_urls": {kind: kindStringList},
	"ovps": {kind: kindOVPs}, "tags": {kind: kindObjectList}, "credits": {kind: kindObjectList},
	"items": {kind: kindAny}, "metadata": {kind: kindAny}, "plans": {kind: kindAny},
	"recommendations": {kind: kindAny}, "talent": {kind: kindAny},
}

// renderDefaults are shown for fields an asset has never set.
var renderDefaults = map[string]json.RawMessage{
	"title": json.RawMessage("null"), "slug": json.RawMessage("null"),
	"synopsis": json.RawMessage("null"), "data_source_id": json.RawMessage("null"),
	"duration": json.RawMessage("null"), "duration_in_seconds": json.RawMessage("null"),
	"release_date": json.RawMessage("null"), "parent_url": json.RawMessage("null"),
	"asset_type_url": json.RawMessage("null"), "plan_urls": json.RawMessage("[]"),
	"ovps": json.RawMessage("[]"), "image_urls": json.RawMessage("[]"),
	"schedule_urls": json.RawMessage("[]"), "text_track_urls": json.RawMessage("[]"),
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// validateFields checks the known fields of a write body and returns the
// writable ones. Problems are reported per field, Django-form style.
func validateFields(body map[string]json.RawMessage) (map[string]json.RawMessage, map[string][]string) {
	writable := make(map[string]json.RawMessage, len(body))
	errs := map[string][]string{}
	for key, value := range body {
		spec, ok := assetFields[key]
		if !ok {
			errs[key] = append(errs[key], "Unknown field.")
			continue
		}
		if spec.readOnly {
			continue
		}
		if msg := checkKind(spec.kind, value); msg != "" {
			errs[key] = append(errs[key], msg)
			continue
		}
		writable[key] = value
	}
	if len(errs) == 0 {
		errs = nil
	}
	return writable, errs
}

// checkKind returns a validation message, or "" when value fits kind.
func checkKind(kind fieldKind, value json.RawMessage) string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "Invalid JSON value."
	}
	switch kind {
	case kindString:
		if _, ok := v.(string); !ok && v != nil {
			return "Not a valid string."
		}
	case kindInt:
		if v == nil {
			return ""
		}
		n, ok := v.(json.Number)
		if i, err := n.Int64(); !ok || err != nil || i < 0 {
			return "A valid non-negative integer is required."
		}
	case kindBool:
		if _, ok := v.(bool); !ok {
			return "Must be a valid boolean."
		}
	case kindDate, kindDateTime:
		return checkTime(kind, v)
	case kindStringList:
		list, ok := v.([]any)
		if !ok {
			return "Expected a list of strings."
		}
		for i, item := range list {
			if _, ok := item.(string); !ok {
				return fmt.Sprintf("Item %d is not a string.", i)
			}
		}
	case kindObjectList:
		list, ok := v.([]any)
		if !ok {
			return "Expected a list of objects."
		}
		for i, item := range list {
			if _, ok := item.(map[string]any); !ok {
				return fmt.Sprintf("Item %d is not an object.", i)
			}
		}
	case kindOVPs:
		return checkOVPs(v)
	}
	return ""
}

func checkTime(kind fieldKind, v any) string {
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if ok && kind == kindDate && dateRE.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return ""
		}
	}
	if ok {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return ""
		}
	}
	if kind == kindDate {
		return "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	}
	return "Datetime has wrong format. Use RFC 3339, such as 2024-05-01T12:00:00Z."
}

func checkOVPs(v any) string {
	list, ok := v.([]any)
	if !ok {
		return "Expected a list of OVP objects."
	}
	for i, item := range list {
		entry, ok := item.(map[string]any)
		if !ok {
			return fmt.Sprintf("Item %d is not an object.", i)
		}
		if u, ok := entry["account_url"].(string); !ok || u == "" {
			return fmt.Sprintf("Item %d needs account_url, a non-empty string.", i)
		}
	}
	return ""
}
