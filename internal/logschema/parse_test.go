package logschema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("valid.yml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	lt, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if lt.Table != "custom_myapp" {
		t.Errorf("table = %q", lt.Table)
	}
	var paths []string
	lt.Root.Walk(func(path string, f *Field) { paths = append(paths, path+":"+f.Type.Kind.String()) })
	want := []string{
		"time:timestamp", "user:object", "user.name:string", "user.ip:string", "tags:array",
		"at_sign_timestamp:timestamp", "count:bigint", "ok:boolean", "extra:json",
		"location:object", "location.lat:float", "location.lon:float", "home:object", "home.lat:float", "home.lon:float",
	}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("walk:\n got %v\nwant %v", paths, want)
	}
	if len(lt.EventTimePaths) != 2 || lt.EventTimePaths[0][0] != 0 || lt.EventTimePaths[1][0] != 3 {
		t.Errorf("event time paths = %v", lt.EventTimePaths)
	}
	if f := lt.Root.FieldByName("@timestamp"); f == nil || f.Column != "at_sign_timestamp" {
		t.Errorf("@timestamp field: %+v", f)
	}
	if got := lt.Root.Fields[1].Type.Required; len(got) != 1 || got[0] != 0 {
		t.Errorf("user required = %v", got)
	}
	if lt.Root.Fields[2].Type.Elem.Allowed("x") || !lt.Root.Fields[2].Type.Elem.Allowed("a") {
		t.Errorf("allow list not applied")
	}
}

// TestParseErrors checks that every problem is reported with its position and field path.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yml  string
		want []string
	}{
		{"not yaml", "version: [", []string{"invalid YAML"}},
		{"missing keys", "description: x\n", []string{"version: required key is missing", "schema: required key is missing", "fields: required key is missing"}},
		{"unknown top key", "version: 0\nschema: Custom.Ab\nfeilds: []\nfields:\n  - name: a\n    type: string\n",
			[]string{"3:1: feilds: unknown key (expected one of version, schema,"}},
		{"bad version", "version: 1\nschema: Custom.Ab\nfields:\n  - name: a\n    type: string\n", []string{"version: must be 0, got 1"}},
		{"bad name", "version: 0\nschema: custom.a\nfields:\n  - name: a\n    type: string\n", []string{`schema: invalid name "custom.a"`}},
		{"unknown type", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: strng\n",
			[]string{`5:11: fields[0].type: unknown type "strng" (expected one of string, int,`}},
		{"unknown field key", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: string\n    requird: true\n",
			[]string{"6:5: fields[0].requird: unknown key"}},
		{"missing name and type", "version: 0\nschema: Custom.Ab\nfields:\n  - description: x\n",
			[]string{"fields[0].type: required key is missing", "fields[0].name: required key is missing"}},
		{"bad bool", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: string\n    required: yes\n",
			[]string{`6:15: fields[0].required: expected true or false, got the scalar "yes"`}},
		{"duplicate field", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: string\n  - name: A\n    type: int\n",
			[]string{`fields[1].name: field "A" has the same column name as fields[0] ("a")`}},
		{"reserved name", "version: 0\nschema: Custom.Ab\nfields:\n  - name: p_thing\n    type: string\n",
			[]string{"fields[0].name: names starting with p_ are reserved"}},
		{"nested errors", `version: 0
schema: Custom.Ab
fields:
  - name: o
    type: object
    fields:
      - name: t
        type: timestamp
      - name: arr
        type: array
  - name: s
    type: int
    indicators: [ip]
`, []string{"fields[0].fields[0].timeFormat: required for type timestamp", "fields[0].fields[1].element: required for type array",
			"fields[1].indicators: not allowed for type int"}},
		{"bad indicator", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: string\n    indicators: [ipaddr]\n",
			[]string{"fields[0].indicators[0]:"}},
		{"bad time format", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: timestamp\n    timeFormat: yyyy-mm-dd\n",
			[]string{"fields[0].timeFormat:"}},
		{"unknown ref", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: ref\n    target: Nope\n",
			[]string{`fields[0].target: unknown definition "Nope"`}},
		{"empty object", "version: 0\nschema: Custom.Ab\nfields:\n  - name: a\n    type: object\n",
			[]string{"fields[0].fields: an object needs at least one field"}},
		{"two parsers", "version: 0\nschema: Custom.Ab\nparser:\n  csv: {columns: [a]}\n  regex: {match: ['%{WORD:a}']}\nfields:\n  - name: a\n    type: string\n",
			[]string{"parser: expected exactly one of csv, fastmatch, regex, native"}},
		{"csv without columns", "version: 0\nschema: Custom.Ab\nparser:\n  csv: {delimiter: ','}\nfields:\n  - name: a\n    type: string\n",
			[]string{"parser.csv.columns: required when hasHeader is false"}},
		{"multiline without a text parser", "version: 0\nschema: Custom.Ab\nmultiline: {continuation: '^\\s'}\nfields:\n  - name: a\n    type: string\n",
			[]string{"multiline: allowed only with a text parser"}},
		{"multiline with both patterns", "version: 0\nschema: Custom.Ab\nparser:\n  regex: {match: ['%{GREEDYDATA:a}']}\nmultiline: {continuation: '^\\s', start: '^x'}\nfields:\n  - name: a\n    type: string\n",
			[]string{"5:12: multiline: expected one of continuation and start, not both"}},
		{"multiline without a pattern", "version: 0\nschema: Custom.Ab\nparser:\n  regex: {match: ['%{GREEDYDATA:a}']}\nmultiline: {maxLines: 0}\nfields:\n  - name: a\n    type: string\n",
			[]string{"multiline: expected continuation", "multiline.maxLines: must be at least 1, got 0"}},
		{"multiline bad pattern", "version: 0\nschema: Custom.Ab\nparser:\n  regex: {match: ['%{GREEDYDATA:a}']}\nmultiline: {start: '(x'}\nfields:\n  - name: a\n    type: string\n",
			[]string{"5:20: multiline.start: invalid regular expression: missing closing ): `(x`"}},
		{"bad reference url", "version: 0\nschema: Custom.Ab\nreferenceURL: ftp://x\nfields:\n  - name: a\n    type: string\n",
			[]string{`referenceURL: must be an http(s) URL, got "ftp://x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yml", []byte(tt.yml))
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if !strings.HasPrefix(msg, "s.yml:") {
				t.Errorf("error does not name the file: %s", msg)
			}
		})
	}
}

func TestRecursiveRef(t *testing.T) {
	yml := `version: 0
schema: Custom.Ab
definitions:
  Node:
    type: object
    fields:
      - name: child
        type: ref
        target: Node
fields:
  - name: root
    type: ref
    target: Node
`
	s, err := Parse("r.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(s); err == nil || !strings.Contains(err.Error(), "refers to itself") {
		t.Fatalf("err = %v", err)
	}
}

func TestColumnName(t *testing.T) {
	tests := map[string]string{
		"eventName":      "eventName",
		"detail-type":    "detail-type",
		"@timestamp":     "at_sign_timestamp",
		"id.orig_h":      "id_orig_h",
		"a b":            "a_b",
		"user@host":      "user_at_sign_host",
		"café":           "cafe",
		"100%":           "100_percent",
		"$":              "dollar_sign",
		"x/y":            "x_slash_y",
		"日本":             "__",
		"weird=key#hash": "weird_eq_key_hash_hash",
	}
	for in, want := range tests {
		if got := ColumnName(in); got != want {
			t.Errorf("ColumnName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := TableName("AWS.CloudTrail"); got != "aws_cloudtrail" {
		t.Errorf("TableName = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "valid.yml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("version: 0\nschema: Custom.Ab\nfields: [{name: a, type: string}]"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yml", b)
		if err != nil {
			return
		}
		// A schema that parses must compile or fail with an error, never panic.
		_, _ = Compile(s)
	})
}
