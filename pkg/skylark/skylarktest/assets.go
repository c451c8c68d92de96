package skylarktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// languageOf returns the language a request reads or writes: the first tag
// of Accept-Language, lower-cased, or the default language.
func (s *Server) languageOf(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	tag, _, _ := strings.Cut(first, ";")
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" || tag == "*" {
		return s.opts.DefaultLanguage
	}
	return tag
}

// lookup finds a live asset by uid, writing 404 or 410 when there is none.
// The caller holds s.mu.
func (s *Server) lookup(w http.ResponseWriter, uid string) (*record, bool) {
	rec, ok := s.assets[uid]
	switch {
	case !ok:
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("No asset with uid %q.", uid))
		return nil, false
	case rec.deleted:
		writeDetail(w, http.StatusGone, fmt.Sprintf("Asset %q was deleted.", uid))
		return nil, false
	}
	return rec, true
}

func (s *Server) getAsset(w http.ResponseWriter, r *http.Request, uid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.lookup(w, uid)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.render(rec, s.languageOf(r)))
}

func (s *Server) getByDataSource(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, gone := s.liveByDataSource(id)
	switch {
	case rec != nil:
		writeJSON(w, http.StatusOK, s.render(rec, s.languageOf(r)))
	case gone:
		writeDetail(w, http.StatusGone, fmt.Sprintf("Asset with data_source_id %q was deleted.", id))
	default:
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("No asset with data_source_id %q.", id))
	}
}

// validWrite reads and validates a write body, writing a 400 on failure.
// urlID is the data-source id from the URL, or "". The caller holds s.mu.
func (s *Server) validWrite(w http.ResponseWriter, r *http.Request, self *record,
	urlID string) (map[string]json.RawMessage, bool) {
	body, ok := readObject(w, r)
	if !ok {
		return nil, false
	}
	fields, errs := validateFields(body)
	if errs == nil {
		errs = s.checkDataSourceID(fields, self, urlID)
	}
	if errs != nil {
		writeSkylarkError(w, http.StatusBadRequest, "FORM_VALIDATION_ERRORS",
			"Form validation failed.", errs)
		return nil, false
	}
	return fields, true
}

// checkDataSourceID checks a written data_source_id: at most 255
// characters, equal to the id in the URL of a data-source upsert, and not
// used by another live asset. The caller holds s.mu.
func (s *Server) checkDataSourceID(fields map[string]json.RawMessage, self *record,
	urlID string) map[string][]string {
	raw, ok := fields["data_source_id"]
	if !ok {
		return nil
	}
	var id *string
	_ = json.Unmarshal(raw, &id)
	if id == nil {
		return nil
	}
	fail := func(msg string) map[string][]string {
		return map[string][]string{"data_source_id": {msg}}
	}
	switch {
	case utf8.RuneCountInString(*id) > 255:
		return fail("Ensure this field has no more than 255 characters.")
	case urlID != "" && *id != urlID:
		return fail(fmt.Sprintf("Must match the data source id in the URL (%q).", urlID))
	}
	if other, _ := s.liveByDataSource(*id); other != nil && other != self {
		return fail("asset with this data source id already exists.")
	}
	return nil
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fields, ok := s.validWrite(w, r, nil, "")
	if !ok {
		return
	}
	rec := s.newRecord("")
	lang := s.languageOf(r)
	rec.apply(fields, lang)
	writeJSON(w, http.StatusCreated, s.render(rec, lang))
}

// updateAsset handles PATCH and PUT. PATCH changes only the given fields.
// PUT replaces the global fields and this language's fields with the body,
// and keeps data_source_id unless the body sets it.
func (s *Server) updateAsset(w http.ResponseWriter, r *http.Request, uid string, partial bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.lookup(w, uid)
	if !ok {
		return
	}
	fields, ok := s.validWrite(w, r, rec, "")
	if !ok {
		return
	}
	lang := s.languageOf(r)
	if !partial {
		s.replace(rec, lang)
	}
	rec.apply(fields, lang)
	rec.modified = s.opts.Now().UTC()
	writeJSON(w, http.StatusOK, s.render(rec, lang))
}

// replace clears what a PUT replaces. The caller holds s.mu.
func (s *Server) replace(rec *record, lang string) {
	dsid, hasDSID := rec.global["data_source_id"]
	rec.global = map[string]json.RawMessage{}
	if hasDSID {
		rec.global["data_source_id"] = dsid
	}
	delete(rec.langs, lang)
}

// putByDataSource creates (201) or replaces (200) the asset with this
// data_source_id.
func (s *Server) putByDataSource(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if utf8.RuneCountInString(id) > 255 {
		writeSkylarkError(w, http.StatusBadRequest, "FORM_VALIDATION_ERRORS", "Form validation failed.",
			map[string][]string{"data_source_id": {"Ensure this field has no more than 255 characters."}})
		return
	}
	rec, _ := s.liveByDataSource(id)
	fields, ok := s.validWrite(w, r, rec, id)
	if !ok {
		return
	}
	fields["data_source_id"] = mustJSON(id)
	lang := s.languageOf(r)
	status := http.StatusOK
	if rec == nil {
		rec = s.newRecord("")
		status = http.StatusCreated
	} else {
		s.replace(rec, lang)
		rec.modified = s.opts.Now().UTC()
	}
	rec.apply(fields, lang)
	writeJSON(w, status, s.render(rec, lang))
}

func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request, uid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.lookup(w, uid)
	if !ok {
		return
	}
	rec.deleted = true
	w.WriteHeader(http.StatusNoContent)
}
