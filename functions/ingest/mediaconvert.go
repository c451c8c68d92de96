package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxOutputDuration is the longest output duration accepted from a
// MediaConvert job. No real rendition is this long, so a larger
// durationInMs comes from a corrupt or forged event.
const maxOutputDuration = 7 * 24 * time.Hour

// MediaConvertMapping turns the S3 paths of a completed MediaConvert job's
// playlists into delivery URLs and names the user metadata keys that carry
// the asset.
type MediaConvertMapping struct {
	prefixes      []urlPrefix // longest S3 prefix first
	AssetKey      string      // user metadata key holding the asset uid
	DataSourceKey string      // user metadata key holding the data source id
}

type urlPrefix struct {
	s3   string // s3://bucket/prefix, without a trailing slash
	http string // https://cdn.example.com/prefix, without a trailing slash
}

// NewMediaConvertMapping parses MEDIACONVERT_URL_MAP, a comma-separated list
// of s3://bucket/prefix=https://host/prefix pairs.
func NewMediaConvertMapping(raw, assetKey, dataSourceKey string) (*MediaConvertMapping, error) {
	const want = "use comma-separated s3://bucket/prefix=https://cdn.example.com/prefix pairs"
	m := &MediaConvertMapping{AssetKey: assetKey, DataSourceKey: dataSourceKey}
	seen := map[string]bool{}
	for _, pair := range strings.Split(raw, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		from, to, ok := strings.Cut(pair, "=")
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		if !ok {
			return nil, fmt.Errorf("MEDIACONVERT_URL_MAP entry %q has no '=': %s", pair, want)
		}
		bucket, _, _ := strings.Cut(strings.TrimPrefix(from, "s3://"), "/")
		if !strings.HasPrefix(from, "s3://") || bucket == "" {
			return nil, fmt.Errorf("MEDIACONVERT_URL_MAP entry %q: %q is not an s3://bucket/prefix path: %s", pair, from, want)
		}
		u, err := url.Parse(to)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("MEDIACONVERT_URL_MAP entry %q: %q is not an absolute http(s) URL without a query: %s",
				pair, to, want)
		}
		p := urlPrefix{s3: strings.TrimRight(from, "/"), http: strings.TrimRight(to, "/")}
		if seen[p.s3] {
			return nil, fmt.Errorf("MEDIACONVERT_URL_MAP maps %q twice: keep one entry per prefix", from)
		}
		seen[p.s3] = true
		m.prefixes = append(m.prefixes, p)
	}
	if len(m.prefixes) == 0 {
		return nil, fmt.Errorf("MEDIACONVERT_URL_MAP=%q has no entries: %s", raw, want)
	}
	sort.SliceStable(m.prefixes, func(i, j int) bool { return len(m.prefixes[i].s3) > len(m.prefixes[j].s3) })
	return m, nil
}

// DeliveryURL maps an s3:// path to its delivery URL using the longest
// matching prefix. A prefix matches whole path segments only, so
// s3://b/hls does not match s3://b/hls2/x.m3u8. It returns ok false when no
// prefix matches, and an error when the path below the prefix has a "." or
// ".." segment, an empty segment or a control character, because the URL
// could then leave the mapped prefix.
func (m *MediaConvertMapping) DeliveryURL(s3Path string) (deliveryURL string, ok bool, err error) {
	for _, p := range m.prefixes {
		if s3Path == p.s3 {
			return p.http, true, nil
		}
		rest, under := strings.CutPrefix(s3Path, p.s3+"/")
		if !under {
			continue
		}
		if err := checkObjectPath(rest); err != nil {
			return "", true, fmt.Errorf("playlist path %q %v below %s: it cannot become a delivery URL under %s",
				s3Path, err, p.s3, p.http)
		}
		deliveryURL = p.http + "/" + escapePath(rest)
		if err := checkURLUnder(deliveryURL, p.http+"/"); err != nil {
			return "", true, fmt.Errorf("playlist path %q: %w", s3Path, err)
		}
		return deliveryURL, true, nil
	}
	return "", false, nil
}

// mediaConvertDetail is the detail of a "MediaConvert Job State Change"
// EventBridge event, with the fields this function reads.
type mediaConvertDetail struct {
	Status             string            `json:"status"`
	JobID              string            `json:"jobId"`
	UserMetadata       map[string]string `json:"userMetadata"`
	ErrorCode          json.RawMessage   `json:"errorCode"`
	ErrorMessage       string            `json:"errorMessage"`
	OutputGroupDetails []struct {
		Type              string   `json:"type"`
		PlaylistFilePaths []string `json:"playlistFilePaths"`
		OutputDetails     []struct {
			DurationInMs json.RawMessage `json:"durationInMs"`
		} `json:"outputDetails"`
	} `json:"outputGroupDetails"`
}

// mediaConvertUpdate turns a job state change into an update. COMPLETE
// jobs that name an asset become an update; every other status is skipped
// with a reason.
func (c *Config) mediaConvertUpdate(detail json.RawMessage) (parsed, error) {
	var d mediaConvertDetail
	if err := json.Unmarshal(detail, &d); err != nil {
		return parsed{}, permanent(codeInvalidMessage, fmt.Errorf("MediaConvert job state change detail: %s",
			describeDecodeError(err)))
	}
	source := "mediaconvert job " + d.JobID
	switch d.Status {
	case "COMPLETE":
	case "ERROR":
		return parsed{skip: fmt.Sprintf("MediaConvert job %q failed with error code %s: %q",
			d.JobID, truncate(string(d.ErrorCode), 40), d.ErrorMessage), source: source, jobError: true}, nil
	default:
		return parsed{skip: fmt.Sprintf("MediaConvert job %q status %q is not COMPLETE", d.JobID, d.Status),
			source: source}, nil
	}
	m := c.MediaConvert
	if m == nil {
		return parsed{}, permanent(codeNotConfigured, fmt.Errorf(
			"MediaConvert job %q completed but MEDIACONVERT_URL_MAP is not set: %w", d.JobID, errNotConfigured))
	}

	var ref assetRef
	switch {
	case d.UserMetadata[m.AssetKey] != "":
		ref = assetRef{UID: d.UserMetadata[m.AssetKey]}
	case d.UserMetadata[m.DataSourceKey] != "":
		ref = assetRef{DataSourceID: d.UserMetadata[m.DataSourceKey]}
	default:
		return parsed{skip: fmt.Sprintf("MediaConvert job %q has no %s or %s user metadata",
			d.JobID, m.AssetKey, m.DataSourceKey), source: source}, nil
	}
	if err := ref.validate(); err != nil {
		return parsed{}, permanent(codeInvalidMessage, fmt.Errorf("MediaConvert job %q user metadata: %w", d.JobID, err))
	}

	var urls, unmapped []string
	var maxMs float64
	haveDuration := false
	for i, g := range d.OutputGroupDetails {
		for _, p := range g.PlaylistFilePaths {
			u, ok, err := m.DeliveryURL(p)
			switch {
			case err != nil:
				return parsed{}, permanent(codeInvalidMessage, fmt.Errorf("MediaConvert job %q: %w", d.JobID, err))
			case ok:
				urls = append(urls, u)
			default:
				unmapped = append(unmapped, p)
			}
		}
		for j, o := range g.OutputDetails {
			field := fmt.Sprintf("outputGroupDetails[%d].outputDetails[%d].durationInMs", i, j)
			ms, ok, err := outputDurationMs(d.JobID, field, o.DurationInMs)
			if err != nil {
				return parsed{}, err
			}
			if ok && ms >= maxMs {
				maxMs, haveDuration = ms, true
			}
		}
	}
	if len(urls) == 0 {
		if len(unmapped) == 0 {
			return parsed{}, permanent(codeInvalidMessage, fmt.Errorf(
				"MediaConvert job %q completed without playlist file paths: add an HLS, DASH, CMAF or Smooth output group",
				d.JobID))
		}
		return parsed{}, permanent(codeUnmappedPath, fmt.Errorf(
			"MediaConvert job %q playlists %s are under no prefix of MEDIACONVERT_URL_MAP",
			d.JobID, quoteAll(unmapped)))
	}

	entry := map[string]any{"account_url": c.OVPAccountURL, "stream_url": urls[0]}
	if len(urls) > 1 {
		entry["stream_urls"] = urls
	}
	u := update{Asset: ref, Upsert: []map[string]any{entry}}
	if haveDuration {
		u.Fields = map[string]any{"duration_in_seconds": int64(math.Round(maxMs / 1000))}
	}
	return parsed{updates: []update{u}, source: source, note: unmappedNote(unmapped)}, nil
}

// outputDurationMs reads the durationInMs of one output. It returns ok false
// when the field is absent or null. Any value that is not a number of
// milliseconds from 0 to maxOutputDuration is a permanent failure whose error
// names the job, the field and the value, because converting it to whole
// seconds would overflow or store nonsense in Skylark.
func outputDurationMs(jobID, field string, raw json.RawMessage) (float64, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	const limit = float64(maxOutputDuration / time.Millisecond)
	if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false, permanent(codeInvalidMessage, fmt.Errorf(
			"MediaConvert job %q: %s must be a number of milliseconds, got %s", jobID, field, truncate(string(raw), 80)))
	}
	// raw is a JSON number, so ParseFloat fails only when it is out of
	// range. It then returns ±Inf, which the range check rejects.
	ms, _ := strconv.ParseFloat(string(raw), 64)
	if math.IsNaN(ms) || ms < 0 || ms > limit {
		return 0, false, permanent(codeInvalidMessage, fmt.Errorf(
			"MediaConvert job %q: %s = %s is out of range: a duration must be from 0 to %.0f ms (7 days)",
			jobID, field, truncate(string(raw), 80), limit))
	}
	return ms, true, nil
}

func unmappedNote(unmapped []string) string {
	if len(unmapped) == 0 {
		return ""
	}
	return "playlists under no MEDIACONVERT_URL_MAP prefix were left out: " + quoteAll(unmapped)
}

// quoteAll quotes each value with %q and joins them with commas, so that
// untrusted paths cannot inject text or control characters into a reason.
func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}
