package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// present reports whether a member was in the JSON object with a value
// other than null.
func present(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null"
}

// stringMember decodes a member that must be a JSON string. The error names
// the body's shape (such as "SNS message"), the member, the expected type
// and what the body had instead.
func stringMember(shape, name string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", permanent(codeInvalidMessage, fmt.Errorf("%s field %q must be a string, got %s",
			shape, name, describeJSON(raw)))
	}
	return s, nil
}

// describeJSON names the type of a JSON value, with the value itself for
// numbers, booleans and short strings, for error messages.
func describeJSON(raw json.RawMessage) string {
	v := strings.TrimSpace(string(raw))
	if v == "" {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "the string " + truncate(v, 80)
	case 't', 'f':
		return "the boolean " + v
	case 'n':
		return "null"
	}
	return "the number " + truncate(v, 80)
}

// describeDecodeError rewrites a type mismatch that encoding/json reports
// in Go terms ("cannot unmarshal number into Go struct field ...") as the
// JSON field path, the expected JSON type and the type found.
func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err.Error()
	}
	if te.Field == "" {
		return fmt.Sprintf("must be %s, got %s", jsonTypeName(te.Type), article(te.Value))
	}
	return fmt.Sprintf("field %q must be %s, got %s", te.Field, jsonTypeName(te.Type), article(te.Value))
}

// jsonTypeName returns the JSON type that decodes into t, with an article.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

// article puts "a" or "an" before a JSON type name such as "number" or
// "object", as encoding/json reports it in UnmarshalTypeError.Value.
func article(kind string) string {
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "a boolean"
	}
	if strings.HasPrefix(kind, "number ") {
		return "the number" + strings.TrimPrefix(kind, "number")
	}
	return "a " + kind
}
