package skylark

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// errNotObject reports JSON that is valid but not an object.
var errNotObject = errors.New("not a JSON object")

// splitObject splits a JSON object into its keys and the raw bytes of their
// values. It validates data once and then walks the top level only, where
// json.Unmarshal into a map of json.RawMessage would scan and copy every
// value again. The values share one copy of data, so the caller may reuse
// data. As with json.Unmarshal, the last of duplicate keys wins.
func splitObject(data []byte) (rawObject, error) {
	if !json.Valid(data) {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return nil, errors.New("invalid JSON")
	}
	data = bytes.Clone(data)
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return nil, errNotObject
	}
	out := make(rawObject)
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return out, nil
	}
	for {
		keyEnd := scanString(data, i)
		key, err := unquoteKey(data[i:keyEnd])
		if err != nil {
			return nil, err
		}
		i = skipSpace(data, keyEnd) // at ':'
		i = skipSpace(data, i+1)
		valueEnd := scanValue(data, i)
		out[key] = json.RawMessage(data[i:valueEnd:valueEnd])
		i = skipSpace(data, valueEnd)
		if data[i] == '}' {
			return out, nil
		}
		i = skipSpace(data, i+1) // past ','
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the index just past the string that starts at data[i].
func scanString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// scanValue returns the index just past the value that starts at data[i].
func scanValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return scanString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = scanString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// unquoteKey decodes a quoted object key. Keys without escapes or non-ASCII
// bytes are taken as they are; the others go through the JSON decoder, so
// escapes and invalid UTF-8 are handled exactly as json.Unmarshal does.
func unquoteKey(quoted []byte) (string, error) {
	plain := true
	for _, c := range quoted[1 : len(quoted)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(quoted[1 : len(quoted)-1]), nil
	}
	var key string
	err := json.Unmarshal(quoted, &key)
	return key, err
}
