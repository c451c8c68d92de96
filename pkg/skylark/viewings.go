package skylark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ViewingsService creates viewings: the playback authorisations Skylark
// issues when a user starts watching.
type ViewingsService service

// ViewingRequest is the body of POST /api/viewings/.
type ViewingRequest struct {
	// AssetURL is the path of the asset to play, its Self value, such as
	// "/api/assets/asse_.../".
	AssetURL string `json:"asset_url"`

	// UserIdentifier identifies the viewer to Skylark (for entitlement
	// checks and analytics). Empty omits it.
	UserIdentifier string `json:"user_identifier,omitempty"`
}

// Viewing is a created viewing: the playback data grouped by OVP
// integration, in the order Skylark returned them.
type Viewing struct {
	Objects []Playback
}

// Playback is one element of a viewing's objects list: the data one OVP
// integration needs to start playback. In JSON it is an object with one key,
// the integration's slug, such as {"mux": {"tokenised_url": "..."}}.
type Playback struct {
	// OVP is the integration's slug, such as "mux".
	OVP string

	// TokenisedURL is the signed URL of the stream (the tokenised_url key).
	TokenisedURL string

	raw rawObject
}

// Get returns the JSON value of a key of the playback data, such as
// "tokenised_url", and whether it is present.
func (p Playback) Get(key string) (json.RawMessage, bool) {
	v, ok := p.object()[key]
	return v, ok
}

// Keys returns the keys of the playback data in sorted order.
func (p Playback) Keys() []string { return sortedKeys(p.object()) }

func (p Playback) object() rawObject {
	out := make(rawObject, len(p.raw)+1)
	for k, v := range p.raw {
		if k != "tokenised_url" {
			out[k] = v
		}
	}
	// Encoding a string cannot fail, so the error is always nil.
	_ = encodeField(out, p.raw, "tokenised_url", p.TokenisedURL, isEmptyString, equalComparable)
	return out
}

// MarshalJSON encodes the element as Skylark sends it:
// {"<ovp>": {<playback data>}}.
func (p Playback) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]rawObject{p.OVP: p.object()})
}

// Create creates a viewing of the asset at req.AssetURL for
// req.UserIdentifier. An asset the user is not entitled to is an error
// matching ErrNotEntitled; an asset_url that Skylark cannot resolve has code
// NO_VIEWING_RECORD_PROVIDED.
//
// Create is never retried once the request may have reached the server,
// because each viewing is a new record (see RetryPolicy).
func (s *ViewingsService) Create(ctx context.Context, req *ViewingRequest) (*Viewing, error) {
	if req == nil {
		return nil, &ArgumentError{Name: "viewing request", Value: "<nil>", Reason: "must not be nil"}
	}
	if req.AssetURL == "" || strings.ContainsFunc(req.AssetURL, isCTL) {
		return nil, &ArgumentError{Name: "viewing asset_url", Value: req.AssetURL,
			Reason: `must be the asset's self path, such as "/api/assets/asse_<32 hex digits>/"`}
	}
	if strings.ContainsFunc(req.UserIdentifier, isCTL) {
		return nil, &ArgumentError{Name: "viewing user_identifier", Value: req.UserIdentifier,
			Reason: "must not contain control characters"}
	}
	hreq, err := s.client.newRequest(ctx, http.MethodPost, "api/viewings/", nil, req, nil)
	if err != nil {
		return nil, err
	}

	var v Viewing
	var apiErr *ErrorResponse
	resp, err := s.client.do(ctx, hreq, "viewing", s.client.maxObjectBytes, func(data []byte) error {
		var body struct {
			Objects *[]json.RawMessage `json:"objects"`
			Error   json.RawMessage    `json:"error"`
			Code    json.RawMessage    `json:"skylark_error_code"`
		}
		if err := json.Unmarshal(data, &body); err != nil {
			return err
		}
		if msg := jsonText(body.Error); msg != "" {
			// Some installations report failures in a 2xx body.
			apiErr = &ErrorResponse{Message: sanitize(msg), Code: sanitize(jsonText(body.Code))}
			return nil
		}
		if body.Objects == nil {
			return errors.New(`the "objects" list is missing`)
		}
		for i, elem := range *body.Objects {
			ps, err := decodePlaybacks(elem)
			if err != nil {
				return fmt.Errorf("objects[%d]: %w", i, err)
			}
			v.Objects = append(v.Objects, ps...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if apiErr != nil {
		apiErr.StatusCode = resp.StatusCode
		apiErr.Method, apiErr.Path = hreq.Method, hreq.URL.EscapedPath()
		return nil, apiErr
	}
	return &v, nil
}

// decodePlaybacks decodes one element of a viewing's objects list, keeping
// the order of its keys when it has more than one.
func decodePlaybacks(elem json.RawMessage) ([]Playback, error) {
	dec := json.NewDecoder(bytes.NewReader(elem))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("element is %s, want an object keyed by OVP", elemKind(tok))
	}
	var out []Playback
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		slug, _ := tok.(string)
		var data json.RawMessage
		if err := dec.Decode(&data); err != nil {
			return nil, err
		}
		raw, err := decodeObject(data, fmt.Sprintf("playback data for %q", slug))
		if err != nil {
			return nil, err
		}
		p := Playback{OVP: slug, raw: raw}
		if err := decodeField(raw, "tokenised_url", &p.TokenisedURL, "playback data"); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func elemKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	default:
		return "a scalar"
	}
}
