package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

const (
	testUID     = "asse_4e4a9d0e3c054790886684b924e1d13c"
	testAccount = "/api/accounts/acco_3f1b9c2d4e5f60718293a4b5c6d7e8f9/"
)

// nativeCases are messages with the verdict that both the decoder and the
// published JSON Schema must reach. want is part of the decoder's error for
// a bad message.
var nativeCases = []struct {
	name string
	body string
	want string // "" for a good message
}{
	{"uid with fields", `{"version":1,"uid":"` + testUID + `","fields":{"title":"T"}}`, ""},
	{"data source id with ovps", `{"version":1,"data_source_id":"trailer-01","ovps":{"upsert":[{"account_url":"/a/","stream_url":"https://x/"}]}}`, ""},
	{"remove only", `{"version":1,"uid":"` + testUID + `","ovps":{"remove":["/a/"]}}`, ""},
	{"remove and upsert one account", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":[{"account_url":"/a/"}],"remove":["/a/"]}}`, ""},
	{"language", `{"version":1,"uid":"` + testUID + `","language":"pt-PT","fields":{"title":"T"}}`, ""},
	{"version as 1.0", `{"version":1.0,"uid":"` + testUID + `","fields":{"title":"T"}}`, ""},
	{"null field value", `{"version":1,"uid":"` + testUID + `","fields":{"release_date":null}}`, ""},
	{"data source id with spaces", `{"version":1,"data_source_id":"promo clip 01","fields":{"title":"T"}}`, ""},
	{"data source id of 255 characters", `{"version":1,"data_source_id":"` + strings.Repeat("é", 255) + `","fields":{"a":1}}`, ""},

	{"not an object", `["version",1]`, "must be a JSON object"},
	{"missing version", `{"uid":"` + testUID + `","fields":{"title":"T"}}`, `"version" is missing`},
	{"version 2", `{"version":2,"uid":"` + testUID + `","fields":{"title":"T"}}`, "version 2 is not supported"},
	{"version as string", `{"version":"1","uid":"` + testUID + `","fields":{"title":"T"}}`, `"version" must be a number`},
	{"unknown field", `{"version":1,"uid":"` + testUID + `","titel":"T"}`, `unknown field "titel"`},
	{"both uid and data source id", `{"version":1,"uid":"` + testUID + `","data_source_id":"x","fields":{"a":1}}`, "both set"},
	{"no asset", `{"version":1,"fields":{"a":1}}`, "not named"},
	{"invalid uid", `{"version":1,"uid":"asse_XYZ","fields":{"a":1}}`, `field "uid"`},
	{"upper-case uid", `{"version":1,"uid":"` + strings.ToUpper(testUID) + `","fields":{"a":1}}`, `field "uid"`},
	{"uid null", `{"version":1,"uid":null,"fields":{"a":1}}`, `"uid" must be a non-empty string`},
	{"empty data source id", `{"version":1,"data_source_id":"","fields":{"a":1}}`, `"data_source_id" must be a non-empty string`},
	{"data source id with slash", `{"version":1,"data_source_id":"a/b","fields":{"a":1}}`, `field "data_source_id"`},
	{"data source id with escaped slash", `{"version":1,"data_source_id":"a%2fb","fields":{"a":1}}`, `field "data_source_id"`},
	{"data source id dot dot", `{"version":1,"data_source_id":"..","fields":{"a":1}}`, `field "data_source_id"`},
	{"data source id with control character", `{"version":1,"data_source_id":"a\u0007b","fields":{"a":1}}`, `field "data_source_id"`},
	{"data source id of 256 characters", `{"version":1,"data_source_id":"` + strings.Repeat("x", 256) + `","fields":{"a":1}}`, `field "data_source_id"`},
	{"bad language", `{"version":1,"uid":"` + testUID + `","language":"en gb","fields":{"a":1}}`, `"language"`},
	{"language null", `{"version":1,"uid":"` + testUID + `","language":null,"fields":{"a":1}}`, `"language"`},
	{"nothing to change", `{"version":1,"uid":"` + testUID + `"}`, "changes nothing"},
	{"empty fields", `{"version":1,"uid":"` + testUID + `","fields":{}}`, `"fields" is empty`},
	{"fields not an object", `{"version":1,"uid":"` + testUID + `","fields":[1]}`, `"fields" must be a JSON object`},
	{"fields sets uid", `{"version":1,"uid":"` + testUID + `","fields":{"uid":"x"}}`, `"fields.uid" is not allowed`},
	{"fields sets self", `{"version":1,"uid":"` + testUID + `","fields":{"self":"x"}}`, `"fields.self" is not allowed`},
	{"fields sets ovps", `{"version":1,"uid":"` + testUID + `","fields":{"ovps":[]}}`, `"fields.ovps" is not allowed`},
	{"empty ovps", `{"version":1,"uid":"` + testUID + `","ovps":{}}`, `"ovps" is empty`},
	{"unknown ovps field", `{"version":1,"uid":"` + testUID + `","ovps":{"replace":[]}}`, `unknown field "ovps.replace"`},
	{"upsert not an array", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":{"account_url":"/a/"}}}`, `"ovps.upsert" must be an array`},
	{"empty upsert", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":[]}}`, `"ovps.upsert" is empty`},
	{"upsert without account", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":[{"stream_url":"x"}]}}`, `"ovps.upsert[0].account_url" is missing`},
	{"upsert with empty account", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":[{"account_url":""}]}}`, `ovps.upsert[0].account_url`},
	{"upsert entry not an object", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":["/a/"]}}`, `"ovps.upsert[0]" must be a JSON object`},
	{"remove with a number", `{"version":1,"uid":"` + testUID + `","ovps":{"remove":[1]}}`, `"ovps.remove" must be an array`},
	{"empty remove", `{"version":1,"uid":"` + testUID + `","ovps":{"remove":[]}}`, `"ovps.remove" is empty`},
	{"remove with empty account", `{"version":1,"uid":"` + testUID + `","ovps":{"remove":[""]}}`, `"ovps.remove[0]" is empty`},
	{"remove twice", `{"version":1,"uid":"` + testUID + `","ovps":{"remove":["/a/","/a/"]}}`, `"ovps.remove[1]"`},
}

// decoderOnlyCases are bad messages that JSON Schema cannot reject: the
// schema accepts them and its description states the rule.
var decoderOnlyCases = []struct {
	name string
	body string
	want string
}{
	{"upsert account twice", `{"version":1,"uid":"` + testUID + `","ovps":{"upsert":[{"account_url":"/a/"},{"account_url":"/a/"}]}}`,
		`"ovps.upsert[1].account_url" = "/a/" repeats ovps.upsert[0]`},
}

func loadSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join("..", "..", "schema", "native-message.v1.json")
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open schema: %v", err)
	}
	defer f.Close()
	if err := c.AddResource("native-message.v1.json", f); err != nil {
		t.Fatalf("add schema: %v", err)
	}
	s, err := c.Compile("native-message.v1.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

func validateWithSchema(t *testing.T, s *jsonschema.Schema, body string) error {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	return s.Validate(v)
}

func TestNativeDecoderAndSchemaAgree(t *testing.T) {
	schema := loadSchema(t)
	for _, tt := range nativeCases {
		t.Run(tt.name, func(t *testing.T) {
			_, decodeErr := decodeNative([]byte(tt.body))
			schemaErr := validateWithSchema(t, schema, tt.body)
			if tt.want == "" {
				if decodeErr != nil {
					t.Errorf("decoder rejected a good message: %v", decodeErr)
				}
				if schemaErr != nil {
					t.Errorf("schema rejected a good message: %v", schemaErr)
				}
				return
			}
			if decodeErr == nil {
				t.Errorf("decoder accepted a bad message")
			} else if !strings.Contains(decodeErr.Error(), tt.want) {
				t.Errorf("decoder error = %q, want it to contain %q", decodeErr, tt.want)
			}
			if schemaErr == nil {
				t.Errorf("schema accepted a bad message")
			}
		})
	}
}

func TestNativeDecoderOnlyRules(t *testing.T) {
	schema := loadSchema(t)
	for _, tt := range decoderOnlyCases {
		t.Run(tt.name, func(t *testing.T) {
			if err := validateWithSchema(t, schema, tt.body); err != nil {
				t.Errorf("schema rejected it (%v); move the case to nativeCases", err)
			}
			_, err := decodeNative([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("decoder error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNativeErrorsArePermanent(t *testing.T) {
	for _, tt := range nativeCases {
		if tt.want == "" {
			continue
		}
		_, err := decodeNative([]byte(tt.body))
		var perm *permanentError
		if !errors.As(err, &perm) {
			t.Errorf("%s: error %v is not permanent", tt.name, err)
		}
	}
}

func TestNativeUnsupportedVersionCode(t *testing.T) {
	_, err := decodeNative([]byte(`{"version":2,"uid":"` + testUID + `"}`))
	if c := classify(err); !c.permanent || c.code != codeUnsupportedVersion {
		t.Errorf("classify(%v) = %+v, want permanent %s", err, c, codeUnsupportedVersion)
	}
}

func TestNativeDecodeKeepsValues(t *testing.T) {
	u, err := decodeNative([]byte(`{"version":1,"data_source_id":"trailer-01","language":"en-gb",
		"fields":{"title":"T","duration_in_seconds":3189,"tags":[]},
		"ovps":{"upsert":[{"account_url":"/a/","stream_url":"https://x/","bitrate":5000000}],"remove":["/b/"]}}`))
	if err != nil {
		t.Fatalf("decodeNative: %v", err)
	}
	if u.Asset != (assetRef{DataSourceID: "trailer-01"}) {
		t.Errorf("Asset = %+v", u.Asset)
	}
	if u.Language != "en-gb" {
		t.Errorf("Language = %q", u.Language)
	}
	got, _ := json.Marshal(u.Fields)
	if want := `{"duration_in_seconds":3189,"tags":[],"title":"T"}`; string(got) != want {
		t.Errorf("Fields = %s, want %s", got, want)
	}
	got, _ = json.Marshal(u.Upsert)
	if want := `[{"account_url":"/a/","bitrate":5000000,"stream_url":"https://x/"}]`; string(got) != want {
		t.Errorf("Upsert = %s, want %s", got, want)
	}
	if len(u.Remove) != 1 || u.Remove[0] != "/b/" {
		t.Errorf("Remove = %v", u.Remove)
	}
}

// TestSampleNativeMessagesMatchSchema checks every native message body in
// the sample events against the schema: the good ones pass, the sample bad
// message fails.
func TestSampleNativeMessagesMatchSchema(t *testing.T) {
	schema := loadSchema(t)
	checked := 0
	for _, file := range sampleFiles(t) {
		ev := loadEvent(t, file)
		for _, rec := range ev.Records {
			var probe map[string]json.RawMessage
			if json.Unmarshal([]byte(rec.Body), &probe) != nil || probe["version"] == nil || probe["detail-type"] != nil {
				continue
			}
			checked++
			err := validateWithSchema(t, schema, rec.Body)
			_, decodeErr := decodeNative([]byte(rec.Body))
			bad := strings.Contains(file, "bad-message")
			switch {
			case bad && err == nil:
				t.Errorf("%s %s: schema accepted the sample bad message", file, rec.MessageId)
			case !bad && err != nil:
				t.Errorf("%s %s: %v", file, rec.MessageId, err)
			case (decodeErr == nil) != (err == nil):
				t.Errorf("%s %s: decoder error %v but schema error %v", file, rec.MessageId, decodeErr, err)
			}
		}
	}
	if checked < 6 {
		t.Errorf("checked %d native sample messages, want at least 6", checked)
	}
}
