package skylarktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var assetURLRE = regexp.MustCompile(`^/api/assets/(asse_[0-9a-f]{32})/?$`)

// createViewing serves POST /api/viewings/ for on-demand assets:
//
//   - 400 NO_VIEWING_RECORD_PROVIDED when asset_url is missing or does not
//     resolve to a live asset (channel_url and epg_programme_url are not
//     supported by the fake and count as missing);
//   - 403 NO_VALID_ENTITLEMENT_FOR_CONTENT when the asset has plan_urls and
//     user_identifier has no entitlement to any of them (GrantEntitlement);
//   - 201 with one element per ovps entry, in list order, otherwise.
func (s *Server) createViewing(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	var assetURL, user string
	_ = json.Unmarshal(body["asset_url"], &assetURL)
	_ = json.Unmarshal(body["user_identifier"], &user)

	s.mu.Lock()
	rec := s.resolveAssetURL(assetURL)
	if rec == nil {
		s.mu.Unlock()
		writeSkylarkError(w, http.StatusBadRequest, "NO_VIEWING_RECORD_PROVIDED",
			"No viewing record provided: asset_url does not resolve to an asset.", nil)
		return
	}
	var plans []string
	_ = json.Unmarshal(rec.global["plan_urls"], &plans)
	entitled := len(plans) == 0
	for _, p := range plans {
		entitled = entitled || s.entitlements[user][p]
	}
	var ovps []json.RawMessage
	_ = json.Unmarshal(rec.global["ovps"], &ovps)
	uid := rec.uid
	s.mu.Unlock()

	if !entitled {
		writeSkylarkError(w, http.StatusForbidden, "NO_VALID_ENTITLEMENT_FOR_CONTENT",
			"No valid entitlement for content.", nil)
		return
	}
	objects := make([]map[string]map[string]json.RawMessage, 0, len(ovps))
	for _, entry := range ovps {
		var fields map[string]json.RawMessage
		if json.Unmarshal(entry, &fields) != nil || fields == nil {
			continue // seeded data may hold anything
		}
		slug, playback := playbackFor(uid, fields)
		objects = append(objects, map[string]map[string]json.RawMessage{slug: playback})
	}
	writeJSON(w, http.StatusCreated, map[string]any{"objects": objects})
}

// resolveAssetURL returns the live asset an asset_url names: its self path,
// with or without the trailing slash, or an absolute URL with that path.
// The caller holds s.mu.
func (s *Server) resolveAssetURL(assetURL string) *record {
	u, err := url.Parse(assetURL)
	if err != nil {
		return nil
	}
	m := assetURLRE.FindStringSubmatch(u.Path)
	if m == nil {
		return nil
	}
	rec, ok := s.assets[m[1]]
	if !ok || rec.deleted {
		return nil
	}
	return rec
}

// playbackFor builds the playback data for one ovps entry. The OVP slug,
// the key Skylark groups playback data by, is taken to be the last path
// segment of account_url ("/api/accounts/mux/" gives "mux"). The playback
// data is only tokenised_url: the first of stream_url, full_stream_url, a Mux
// HLS URL built from playback_id, or a placeholder under stream.invalid, with
// a fresh "token" query parameter. The entry's stored keys are not copied,
// because Skylark builds playback data from the OVP integration rather than
// echoing the asset's ovps, which may hold internal bookkeeping.
func playbackFor(uid string, entry map[string]json.RawMessage) (string, map[string]json.RawMessage) {
	var accountURL string
	_ = json.Unmarshal(entry["account_url"], &accountURL)
	slug := "ovp"
	if u, err := url.Parse(accountURL); err == nil {
		segs := strings.Split(strings.Trim(u.Path, "/"), "/")
		if last := segs[len(segs)-1]; last != "" {
			slug = last
		}
	}

	out := make(map[string]json.RawMessage, 1)
	var stream, full, playbackID string
	_ = json.Unmarshal(entry["stream_url"], &stream)
	_ = json.Unmarshal(entry["full_stream_url"], &full)
	_ = json.Unmarshal(entry["playback_id"], &playbackID)
	switch {
	case stream != "":
	case full != "":
		stream = full
	case playbackID != "":
		stream = "https://stream.mux.com/" + url.PathEscape(playbackID) + ".m3u8"
	default:
		stream = "https://stream.invalid/" + url.PathEscape(slug) + "/" + uid + "/master.m3u8"
	}
	sep := "?"
	if strings.Contains(stream, "?") {
		sep = "&"
	}
	var token [16]byte
	_, _ = rand.Read(token[:])
	out["tokenised_url"] = mustJSON(stream + sep + "token=" + hex.EncodeToString(token[:]))
	return slug, out
}
