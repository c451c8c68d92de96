package skylarktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

var uidRE = regexp.MustCompile(`^asse_[0-9a-f]{32}$`)

// timeLayout is the format of created and modified: UTC with microseconds
// and a Z suffix.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// record is one stored asset. Values are kept as JSON so every key and
// nested value survives unchanged. The caller holds Server.mu.
type record struct {
	uid      string
	seq      int
	global   map[string]json.RawMessage            // fields that are not per language
	langs    map[string]map[string]json.RawMessage // language -> language fields
	created  time.Time
	modified time.Time
	deleted  bool
}

func newUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "asse_" + hex.EncodeToString(b[:])
}

// newRecord adds an empty live asset. The caller holds s.mu.
func (s *Server) newRecord(uid string) *record {
	if uid == "" {
		uid = newUID()
	}
	s.seq++
	now := s.opts.Now().UTC()
	rec := &record{uid: uid, seq: s.seq, global: map[string]json.RawMessage{},
		langs: map[string]map[string]json.RawMessage{}, created: now, modified: now}
	s.assets[uid] = rec
	return rec
}

// apply stores validated writable fields: language fields in lang's version,
// the others globally.
func (rec *record) apply(fields map[string]json.RawMessage, lang string) {
	for key, value := range fields {
		if assetFields[key].language {
			if rec.langs[lang] == nil {
				rec.langs[lang] = map[string]json.RawMessage{}
			}
			rec.langs[lang][key] = value
		} else {
			rec.global[key] = value
		}
	}
}

// render returns the asset as the API shows it in language lang. When the
// asset has no version in lang, the default language's version is shown,
// and the language field names it.
func (s *Server) render(rec *record, lang string) map[string]json.RawMessage {
	out := maps.Clone(renderDefaults)
	maps.Copy(out, rec.global)
	shown := lang
	if _, ok := rec.langs[lang]; !ok {
		shown = s.opts.DefaultLanguage
	}
	maps.Copy(out, rec.langs[shown])

	all := slices.Sorted(maps.Keys(rec.langs))
	out["uid"] = mustJSON(rec.uid)
	out["self"] = mustJSON("/api/assets/" + rec.uid + "/")
	out["created"] = mustJSON(rec.created.Format(timeLayout))
	out["modified"] = mustJSON(rec.modified.Format(timeLayout))
	out["language"] = mustJSON(shown)
	out["all_languages"] = mustJSON(all)
	return out
}

// liveByDataSource finds the live asset with data_source_id id. gone
// reports whether a deleted asset had it. The caller holds s.mu.
func (s *Server) liveByDataSource(id string) (rec *record, gone bool) {
	want := mustJSON(id)
	for _, r := range s.assets {
		if !jsonEqualBytes(r.global["data_source_id"], want) {
			continue
		}
		if !r.deleted {
			return r, false
		}
		gone = true
	}
	return nil, gone
}

// sortedRecords returns the live assets in creation order. The caller holds
// s.mu.
func (s *Server) sortedRecords() []*record {
	var out []*record
	for _, r := range s.assets {
		if !r.deleted {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *record) int { return a.seq - b.seq })
	return out
}

// PutAsset stores an asset without validating its fields, for seeding
// tests, and returns its uid. A "uid" field keeps that uid (replacing any
// asset with it); otherwise one is generated. Language fields go to the
// version named by a "language" field, or to the default language. It
// panics when uid is not "asse_" and 32 lower-case hex digits or a value
// cannot be encoded as JSON.
func (s *Server) PutAsset(fields map[string]any) string {
	uid, err := s.putAsset(fields)
	if err != nil {
		panic("skylarktest: " + err.Error())
	}
	return uid
}

func (s *Server) putAsset(fields map[string]any) (string, error) {
	encoded := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		data, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("encode asset field %q: %w", k, err)
		}
		encoded[k] = data
	}
	uid, _ := fields["uid"].(string)
	if _, has := fields["uid"]; has && !uidRE.MatchString(uid) {
		return "", fmt.Errorf("asset uid %q is invalid; "+
			"want \"asse_\" followed by 32 lower-case hex digits, or no uid", fields["uid"])
	}
	lang, _ := fields["language"].(string)
	if lang == "" {
		lang = s.opts.DefaultLanguage
	}
	for _, k := range []string{"uid", "self", "created", "modified", "language", "all_languages"} {
		delete(encoded, k)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.assets[uid]; ok {
		delete(s.assets, old.uid)
	}
	rec := s.newRecord(uid)
	rec.apply(encoded, strings.ToLower(lang))
	return rec.uid, nil
}

// Asset returns a snapshot of a live asset as GET shows it in the default
// language, decoded into Go values (numbers are float64), and whether it
// exists.
func (s *Server) Asset(uid string) (map[string]any, bool) {
	s.mu.Lock()
	rec, ok := s.assets[uid]
	var data []byte
	if ok && !rec.deleted {
		data = mustJSON(s.render(rec, s.opts.DefaultLanguage))
	}
	s.mu.Unlock()
	if data == nil {
		return nil, false
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, false
	}
	return out, true
}

// GrantEntitlement entitles the user with the given identifier (the
// user_identifier of a viewing) to the plan at planURL. A viewing of an
// asset with plan_urls needs an entitlement to one of them.
func (s *Server) GrantEntitlement(userIdentifier, planURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entitlements[userIdentifier] == nil {
		s.entitlements[userIdentifier] = map[string]bool{}
	}
	s.entitlements[userIdentifier][planURL] = true
}

// Seed loads assets and entitlements from JSON: either an array of asset
// objects, or {"assets": [...], "entitlements": [{"user_identifier": "...",
// "plan_url": "..."}]}. Assets are stored as PutAsset stores them.
func (s *Server) Seed(data []byte) error {
	var doc struct {
		Assets       []map[string]any `json:"assets"`
		Entitlements []struct {
			UserIdentifier string `json:"user_identifier"`
			PlanURL        string `json:"plan_url"`
		} `json:"entitlements"`
	}
	if err := json.Unmarshal(data, &doc.Assets); err != nil {
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("skylarktest: seed is neither an array of assets nor "+
				"{\"assets\": [...], \"entitlements\": [...]}: %w", err)
		}
	}
	for i, e := range doc.Entitlements {
		if e.UserIdentifier == "" || e.PlanURL == "" {
			return fmt.Errorf("skylarktest: seed entitlements[%d] needs user_identifier and plan_url", i)
		}
	}
	for i, a := range doc.Assets {
		if a == nil {
			return fmt.Errorf("skylarktest: seed assets[%d] is null, want an object", i)
		}
		if _, err := s.putAsset(a); err != nil {
			return fmt.Errorf("skylarktest: seed assets[%d]: %w", i, err)
		}
	}
	for _, e := range doc.Entitlements {
		s.GrantEntitlement(e.UserIdentifier, e.PlanURL)
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("skylarktest: encode %T: %v", v, err))
	}
	return data
}

// jsonEqualBytes reports whether two JSON texts encode the same value.
func jsonEqualBytes(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
