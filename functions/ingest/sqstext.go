package main

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxAttributeText caps one dead-letter message attribute value, in bytes.
// The attributes count towards the SQS message size limit together with
// the original body, so a long reason is cut to keep the copy close to the
// original's size.
const maxAttributeText = 4000

// sqsAttributeText makes s safe as the string value of an SQS message
// attribute. SQS rejects a value with a character outside #x9, #xA, #xD,
// #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF, and a rejected
// dead-letter send would leave the message on the source queue. Other
// characters become \uXXXX escapes, a byte that is not valid UTF-8 becomes
// \xNN, and the result is cut at maxAttributeText bytes on a character
// boundary, ending in "...".
func sqsAttributeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02X`, s[i])
		case sqsAllowed(r):
			b.WriteString(s[i : i+size])
		default:
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		i += size
	}
	out := b.String()
	if len(out) <= maxAttributeText {
		return out
	}
	cut := maxAttributeText - len("...")
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return out[:cut] + "..."
}

// sqsAllowed reports whether SQS accepts r in a message body or a string
// attribute value.
func sqsAllowed(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
