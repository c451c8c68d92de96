package skylark

import (
	"fmt"
	"regexp"
	"strings"
)

// maxMessageBytes caps each piece of error text taken from a response (a
// message, a code, the form errors, a parse error), so that a large body
// cannot flood logs or the attributes of a dead-letter message.
const maxMessageBytes = 512

const redacted = "[redacted]"

var (
	// jwtPattern matches base64url text that starts like an encoded JSON
	// object ("eyJ" encodes `{"` followed by a letter), with any dotted
	// segments after it. That covers JWS tokens (three segments, such as Cognito ID
	// and access tokens), JWE tokens (five, such as Cognito refresh tokens)
	// and a lone header or payload. Padding "=" is accepted as well.
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_=-]{4,}(?:\.[A-Za-z0-9_=-]*)*`)

	// bearerPattern matches "Bearer <credentials>" in any case, with the
	// token68 characters (letters, digits and -._~+/=) as credentials.
	bearerPattern = regexp.MustCompile(`(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+`)
)

// sanitize redacts credentials in s and caps it at maxMessageBytes. Every
// piece of error text built from a response goes through it, because Skylark
// or a proxy may echo the request's token in a body or header.
func sanitize(s string) string {
	return truncate(redact(s), maxMessageBytes)
}

// redact replaces JWTs and bearer credentials in s with "[redacted]".
func redact(s string) string {
	if !strings.Contains(s, "eyJ") && !strings.Contains(strings.ToLower(s), "bearer") {
		return s
	}
	s = jwtPattern.ReplaceAllString(s, redacted)
	return bearerPattern.ReplaceAllString(s, "${1}"+redacted)
}

// truncate replaces invalid UTF-8 in s and cuts it to at most n bytes on a
// rune boundary, ending with a note of the original length when it cuts.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	note := fmt.Sprintf("... (cut from %d bytes)", len(s))
	cut := max(n-len(note), 0)
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + note
}
