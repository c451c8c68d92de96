package main

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Placeholders that S3_STREAM_URL_TEMPLATE accepts besides the named groups
// of S3_KEY_PATTERN.
var builtinPlaceholders = map[string]string{
	"key":    "the object key",
	"dir":    "the key up to its last slash (empty for a key without one)",
	"base":   "the key after its last slash",
	"name":   "the base without its extension",
	"bucket": "the bucket name",
}

// S3Mapping turns an S3 object key into the asset it belongs to and the
// stream URL it provides.
type S3Mapping struct {
	pattern  *regexp.Regexp
	refGroup string // "uid" or "data_source_id"
	template []templatePart
	prefix   string // the template's text before its first placeholder
}

// templatePart is a literal or, when placeholder is set, a value to insert.
type templatePart struct {
	literal     string
	placeholder string
}

// NewS3Mapping compiles S3_KEY_PATTERN and S3_STREAM_URL_TEMPLATE. The
// pattern must have exactly one of the named groups uid or data_source_id;
// the template may use {key}, {dir}, {base}, {name}, {bucket} and the
// pattern's named groups.
func NewS3Mapping(pattern, template string) (*S3Mapping, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("S3_KEY_PATTERN=%q is not a valid regular expression (%v): "+
			"use Go RE2 syntax with a named group, such as ^uploads/(?P<data_source_id>[^/]+)\\.mp4$", pattern, err)
	}
	m := &S3Mapping{pattern: re}
	groups := map[string]bool{}
	for _, name := range re.SubexpNames() {
		if name == "" {
			continue
		}
		if _, clash := builtinPlaceholders[name]; clash {
			return nil, fmt.Errorf("S3_KEY_PATTERN=%q has a group named %q, which is a built-in placeholder of "+
				"S3_STREAM_URL_TEMPLATE: rename the group", pattern, name)
		}
		groups[name] = true
	}
	switch {
	case groups["uid"] && groups["data_source_id"]:
		return nil, fmt.Errorf("S3_KEY_PATTERN=%q has both a uid and a data_source_id group: keep exactly one", pattern)
	case groups["uid"]:
		m.refGroup = "uid"
	case groups["data_source_id"]:
		m.refGroup = "data_source_id"
	default:
		return nil, fmt.Errorf("S3_KEY_PATTERN=%q has no named group uid or data_source_id: "+
			"add one, such as (?P<data_source_id>[^/]+)", pattern)
	}

	m.template, err = parseTemplate(template, groups)
	if err != nil {
		return nil, err
	}
	for _, p := range m.template {
		if p.placeholder != "" {
			break
		}
		m.prefix += p.literal
	}
	// Render a sample to prove the template yields an absolute URL.
	sample := map[string]string{}
	for name := range groups {
		sample[name] = "x"
	}
	if _, err := m.render("example-bucket", "dir/name.mp4", sample); err != nil {
		return nil, fmt.Errorf("S3_STREAM_URL_TEMPLATE=%q: %v", template, err)
	}
	return m, nil
}

func parseTemplate(template string, groups map[string]bool) ([]templatePart, error) {
	var parts []templatePart
	rest := template
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			parts = append(parts, templatePart{literal: rest})
			break
		}
		if rest[open] == '}' {
			return nil, fmt.Errorf("S3_STREAM_URL_TEMPLATE=%q has a } without a matching {", template)
		}
		if open > 0 {
			parts = append(parts, templatePart{literal: rest[:open]})
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] != '}' {
			return nil, fmt.Errorf("S3_STREAM_URL_TEMPLATE=%q has a { without a matching }", template)
		}
		name := rest[open+1 : open+1+end]
		if _, ok := builtinPlaceholders[name]; !ok && !groups[name] {
			return nil, fmt.Errorf("S3_STREAM_URL_TEMPLATE=%q uses the unknown placeholder {%s}: "+
				"use {key}, {dir}, {base}, {name}, {bucket} or a named group of S3_KEY_PATTERN", template, name)
		}
		parts = append(parts, templatePart{placeholder: name})
		rest = rest[open+1+end+1:]
	}
	return parts, nil
}

// Match maps the decoded key of an object in bucket to an asset and a
// stream URL. It returns ok false when the key does not match the pattern or
// the asset group matched nothing.
func (m *S3Mapping) Match(bucket, key string) (ref assetRef, streamURL string, ok bool, err error) {
	sub := m.pattern.FindStringSubmatch(key)
	if sub == nil {
		return assetRef{}, "", false, nil
	}
	values := map[string]string{}
	for i, name := range m.pattern.SubexpNames() {
		if name != "" {
			values[name] = sub[i]
		}
	}
	id := values[m.refGroup]
	if id == "" {
		return assetRef{}, "", false, nil
	}
	if m.refGroup == "uid" {
		ref = assetRef{UID: id}
	} else {
		ref = assetRef{DataSourceID: id}
	}
	if err := ref.validate(); err != nil {
		return assetRef{}, "", false, fmt.Errorf("key %q: %w", key, err)
	}
	if err := checkObjectPath(key); err != nil {
		return assetRef{}, "", false, fmt.Errorf(
			"key %q %v, so it cannot become a stream URL: rename the object", key, err)
	}
	streamURL, err = m.render(bucket, key, values)
	if err != nil {
		return assetRef{}, "", false, fmt.Errorf("stream URL for key %q: %w", key, err)
	}
	return ref, streamURL, true, nil
}

// render fills the template. Values that may span several segments ({key},
// {dir} and named groups) are escaped segment by segment, keeping the
// slashes between them, so a key with spaces gives a valid URL. {bucket},
// {base} and {name} are escaped as one segment. A value placed in the host
// must be DNS labels, and the result must stay under the template's text
// before its first placeholder.
func (m *S3Mapping) render(bucket, key string, groups map[string]string) (string, error) {
	dir, base := "", key
	if i := strings.LastIndex(key, "/"); i >= 0 {
		dir, base = key[:i], key[i+1:]
	}
	values := map[string]string{
		"key":    key,
		"dir":    dir,
		"base":   base,
		"name":   strings.TrimSuffix(base, path.Ext(base)),
		"bucket": bucket,
	}
	var b strings.Builder
	for _, p := range m.template {
		if p.placeholder == "" {
			b.WriteString(p.literal)
			continue
		}
		v, ok := values[p.placeholder]
		if !ok {
			v = groups[p.placeholder]
		}
		if inAuthority(b.String()) && !hostLabels.MatchString(v) {
			return "", fmt.Errorf("{%s} = %q cannot go in the URL's host: only letters, digits, '-' and '.' can",
				p.placeholder, v)
		}
		switch p.placeholder {
		case "bucket", "base", "name":
			b.WriteString(url.PathEscape(v))
		default:
			b.WriteString(escapePath(v))
		}
	}
	out := b.String()
	u, err := url.Parse(out)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an absolute http(s) URL", out)
	}
	if err := checkURLUnder(out, m.prefix); err != nil {
		return "", err
	}
	return out, nil
}

// escapePath escapes each slash-separated segment of p for use in a URL path.
func escapePath(p string) string {
	segments := strings.Split(p, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return strings.Join(segments, "/")
}
