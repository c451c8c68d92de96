package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkObjectPath rejects an S3 object key, or the part of a playlist path
// below its MEDIACONVERT_URL_MAP prefix, that would not stay in place once
// copied into a delivery URL. A "." or ".." segment moves the URL up or
// sideways when a client, CDN or origin resolves it. An empty segment (a
// leading, trailing or doubled "/") is merged away by many CDNs, so the URL
// may name another object. Control characters and invalid UTF-8 have no
// place in a URL and corrupt logs and queue attributes.
func checkObjectPath(p string) error {
	if !utf8.ValidString(p) {
		return errors.New("is not valid UTF-8")
	}
	if i := strings.IndexFunc(p, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(p[i:])
		return fmt.Errorf("contains the control character %U at byte %d", r, i)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return errors.New("has an empty path segment (a leading, trailing or doubled /)")
		case ".", "..":
			return fmt.Errorf("has a %q path segment", seg)
		}
	}
	return nil
}

// checkURLUnder returns an error unless rawURL starts with prefix and its
// path has no "." or ".." segment, also in percent-encoded form, that could
// resolve it to a place outside prefix.
func checkURLUnder(rawURL, prefix string) error {
	if !strings.HasPrefix(rawURL, prefix) {
		return fmt.Errorf("URL %q does not start with %q", rawURL, prefix)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("URL %q is invalid: %v", rawURL, err)
	}
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if dec, err := url.PathUnescape(seg); err == nil && (dec == "." || dec == "..") {
			return fmt.Errorf("URL %q has a %q path segment, which would resolve outside %q", rawURL, dec, prefix)
		}
	}
	return nil
}

// hostLabels matches a value that a template may place in the URL's host:
// DNS labels separated by dots.
var hostLabels = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$`)

// inAuthority reports whether a value appended to the partial URL would
// land in its scheme, user information, host or port rather than in its
// path, query or fragment.
func inAuthority(partial string) bool {
	i := strings.Index(partial, "://")
	if i < 0 {
		return !strings.ContainsAny(partial, "/?#")
	}
	return !strings.ContainsAny(partial[i+3:], "/?#")
}
