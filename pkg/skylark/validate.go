package skylark

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	assetUIDPrefix = "asse_"

	// MaxDataSourceIDLength is the longest data_source_id Skylark accepts,
	// in characters.
	MaxDataSourceIDLength = 255
)

// ValidateAssetUID checks that uid has the form of an asset uid: "asse_"
// followed by 32 lower-case hexadecimal digits (a UUID without dashes). The
// error is an *ArgumentError.
func ValidateAssetUID(uid string) error {
	ok := len(uid) == len(assetUIDPrefix)+32 && strings.HasPrefix(uid, assetUIDPrefix)
	if ok {
		for _, c := range []byte(uid[len(assetUIDPrefix):]) {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				ok = false
				break
			}
		}
	}
	if !ok {
		return &ArgumentError{Name: "asset uid", Value: uid,
			Reason: `want "asse_" followed by 32 lower-case hexadecimal digits`}
	}
	return nil
}

// ValidateDataSourceID checks that id can be used as a data_source_id in a
// URL path. It must be non-empty valid UTF-8 of at most 255 characters,
// without control characters, and not "." or "..". It must not contain "/",
// literal or escaped as %2F, because a proxy that decodes the path once
// would turn %2F into a separator. The error is an *ArgumentError.
func ValidateDataSourceID(id string) error {
	reason := ""
	switch {
	case id == "":
		reason = "must not be empty"
	case !utf8.ValidString(id):
		reason = "must be valid UTF-8"
	case utf8.RuneCountInString(id) > MaxDataSourceIDLength:
		reason = fmt.Sprintf("is %d characters long; the maximum is %d",
			utf8.RuneCountInString(id), MaxDataSourceIDLength)
	case id == "." || id == "..":
		reason = `must not be "." or ".." (they change the URL path)`
	case strings.Contains(id, "/"):
		reason = `must not contain "/": it cannot be put in a URL path segment`
	}
	if reason == "" {
		if i := strings.IndexFunc(id, unicode.IsControl); i >= 0 {
			r, _ := utf8.DecodeRuneInString(id[i:])
			reason = fmt.Sprintf("must not contain control characters (found %U at byte %d)", r, i)
		}
	}
	if reason == "" {
		reason = escapedPathReason(id)
	}
	if reason != "" {
		return &ArgumentError{Name: "data source id", Value: id, Reason: reason}
	}
	return nil
}

// maxDecodeRounds is how many rounds of percent-decoding
// ValidateDataSourceID looks through.
const maxDecodeRounds = 2

// escapedPathReason returns why id must not go into a URL path once
// percent-decoded, or "".
func escapedPathReason(id string) string {
	for range maxDecodeRounds {
		dec, err := url.PathUnescape(id)
		if err != nil || dec == id {
			return ""
		}
		switch {
		case strings.Contains(dec, "/"):
			return `must not contain an escaped "/" (such as %2F); pass the decoded id, ` +
				`and note that an id containing "/" cannot be used in a URL path`
		case dec == "." || dec == "..":
			return `must not be an escaped "." or ".." (such as %2E%2E)`
		case strings.ContainsFunc(dec, unicode.IsControl):
			return "must not contain an escaped control character (such as %00)"
		}
		id = dec
	}
	return ""
}
