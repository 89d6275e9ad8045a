package decode_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/textparse"
)

const schemaYAML = `version: 0
schema: Custom.Test
fields:
  - name: s
    type: string
    indicators: [ip]
  - name: i
    type: int
  - name: small
    type: smallint
  - name: big
    type: bigint
  - name: f
    type: float
  - name: b
    type: boolean
  - name: t
    type: timestamp
    timeFormat: rfc3339
    timeFormats: [unix]
    isEventTime: true
  - name: j
    type: json
  - name: o
    type: object
    fields:
      - name: req
        type: string
        required: true
      - name: email
        type: string
        indicators: [email]
  - name: arr
    type: array
    element:
      type: string
      indicators: [domain]
  - name: objs
    type: array
    element:
      type: object
      fields:
        - name: n
          type: int
  - name: kind
    type: string
    validate:
      allow: [a, b]
  - name: nope
    type: string
    validate:
      deny: [bad]
  - name: emb
    type: object
    isEmbeddedJSON: true
    fields:
      - name: x
        type: int
  - name: "@meta"
    type: string
`

func compile(t testing.TB, yml string) *logschema.LogType {
	t.Helper()
	s, err := logschema.Parse("test.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := logschema.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return lt
}

// render decodes and renders the event fields as rules see them.
func render(t *testing.T, lt *logschema.LogType, in string) (string, error) {
	t.Helper()
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, err := d.JSON(lt.Root, []byte(in))
	if err != nil {
		return "", err
	}
	out := event.AppendValue(nil, &v, lt.Root)
	if !json.Valid(out) {
		t.Fatalf("invalid JSON output %s", out)
	}
	return string(out), nil
}

func TestJSON(t *testing.T) {
	lt := compile(t, schemaYAML)
	tests := []struct {
		in, want string
	}{
		{`{}`, `{}`},
		{`{"s":"x","unknown":{"deep":[1,2,{"a":null}]},"i":7}`, `{"s":"x","i":7}`},
		{`{"s":123}`, `{"s":"123"}`},
		{`{"s":true}`, `{"s":"true"}`},
		{`{"s":null,"i":null}`, `{}`},
		{`{"i":"42","big":"9007199254740993","small":-32768}`, `{"i":42,"small":-32768,"big":9007199254740993}`},
		{`{"i":3.0,"f":"1.5e3"}`, `{"i":3,"f":1500}`},
		{`{"f":0.1}`, `{"f":0.1}`},
		{`{"b":"true"}`, `{"b":true}`},
		{`{"b":0}`, `{"b":false}`},
		{`{"t":"2021-05-01T10:00:00.5Z"}`, `{"t":"2021-05-01 10:00:00.500000000"}`},
		{`{"t":1620000000}`, `{"t":"2021-05-03 00:00:00.000000000"}`},
		{`{"t":""}`, `{}`},
		{`{"j": {"b": [1, "x", {"c": null}] , "a":"\u00e9"}}`, `{"j":{"b":[1,"x",{"c":null}],"a":"\u00e9"}}`},
		{`{"j":"text"}`, `{"j":"text"}`},
		{`{"o":{"req":"r","email":"A@Example.com"}}`, `{"o":{"req":"r","email":"A@Example.com"}}`},
		{`{"arr":["a.com","b.com"]}`, `{"arr":["a.com","b.com"]}`},
		{`{"arr":"single.com"}`, `{"arr":["single.com"]}`},
		{`{"arr":[]}`, `{"arr":[]}`},
		{`{"arr":["a",null]}`, `{"arr":["a",null]}`},
		{`{"objs":{"n":1}}`, `{"objs":[{"n":1}]}`},
		{`{"i":"-","t":" - ","b":"-","f":"-"}`, `{}`},
		{`{"t":" 2021-05-01T10:00:00Z\t"}`, `{"t":"2021-05-01 10:00:00.000000000"}`},
		{`{"objs":[{"n":1},{"n":2,"m":3},{}]}`, `{"objs":[{"n":1},{"n":2},{}]}`},
		{`{"kind":"a","nope":"ok"}`, `{"kind":"a","nope":"ok"}`},
		{`{"emb":"{\"x\": 5}"}`, `{"emb":{"x":5}}`},
		{`{"emb":{"x":5}}`, `{"emb":{"x":5}}`},
		{`{"@meta":"m"}`, `{"at_sign_meta":"m"}`},
		{`{"s":"tab\there \"q\" \\ \/ \u263a \ud83d\ude00"}`, `{"s":"tab\there \"q\" \\ / ☺ 😀"}`},
		{`{"s":"lone \ud800 surrogate"}`, `{"s":"lone � surrogate"}`},
		{"{\"s\":\"bad \xff utf8\"}", `{"s":"bad � utf8"}`},
		{` {"s":"x"} `, `{"s":"x"}`},
		{`{"s":"a","s":"b"}`, `{"s":"b"}`},
	}
	for _, tt := range tests {
		got, err := render(t, lt, tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	lt := compile(t, schemaYAML)
	tests := []struct{ in, want string }{
		{``, "expected a JSON object, got end of input"},
		{`[1]`, "expected a JSON object, got an array"},
		{`{"s":"x"`, "expected ',' or '}', got end of input"},
		{`{"s":"x}`, "expected the end of a string"},
		{`{"s" "x"}`, "expected ':' after an object key"},
		{`{"s":"x"} junk`, "unexpected data after the JSON object"},
		{`{"i":[1]}`, "field i: expected a int, got an array"},
		{`{"s":{"a":1}}`, "field s: expected a string, got an object"},
		{`{"s":["a"]}`, "field s: expected a string, got an array"},
		{`{"arr":{"x":1}}`, "field arr: expected an array, got an object"},
		{`{"o":{}}`, "field o.req: required field is missing"},
		{`{"o":{"req":null}}`, "field o.req: required field is missing"},
		{`{"o":[]}`, "field o: expected an object, got an array"},
		{`{"t":{}}`, "field t: expected a timestamp, got an object"},
		{`{"i":{"a":1}}`, "field i: expected a int, got an object"},
		{`{"arr":[{"a":1}]}`, "field arr[0]: expected a string, got an object"},
		{`{"objs":[[{"n":1}]]}`, "field objs[0]: expected an object, got an array"},
		{`{"objs":"x"}`, "field objs: expected an array, got a string"},
		{`{"emb":"[1]"}`, "field emb: expected an object, got an array"},
		{`{"kind":"c"}`, `field kind: value "c" is not one of the allowed values`},
		{`{"nope":"bad"}`, `field nope: value "bad" is denied`},
		{`{"j":{"a":}}`, "expected a value"},
		{`{"x":01}`, "expected ',' or '}'"},
		{`{"x":-}`, "expected a digit"},
		{`{"x":1.}`, "expected a digit after '.'"},
		{`{"x":tru}`, "expected a value"},
		{`{"s":t`, "expected a value"},
		{`{"b":f`, "expected a value"},
		{`{"j":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + `}`, "JSON nested too deeply"},
	}
	for _, tt := range tests {
		_, err := render(t, lt, tt.in)
		if err == nil {
			t.Errorf("%s: no error", tt.in)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s:\n got %v\nwant %q", tt.in, err, tt.want)
		}
	}
}

// requiredYAML has required scalar fields: their malformed values fail the record.
const requiredYAML = `version: 0
schema: Custom.Required
fields:
  - {name: n, type: int, required: true}
  - {name: t, type: timestamp, timeFormat: rfc3339, required: true}
  - name: o
    type: object
    fields:
      - {name: when, type: timestamp, timeFormat: rfc3339, required: true}
      - {name: count, type: int}
`

// TestMalformedValues checks that a malformed value of an optional field is dropped with a
// warning (path, raw value, expectation), and that one of a required field fails the record.
func TestMalformedValues(t *testing.T) {
	lt := compile(t, schemaYAML)
	tests := []struct {
		in, want string
		warnings []event.Warning
	}{
		{`{"s":"x","i":"12 ms"}`, `{"s":"x"}`, []event.Warning{{Field: "i", Value: "12 ms", Error: "expected an integer (int)"}}},
		{`{"i":3000000000,"small":40000}`, `{}`, []event.Warning{
			{Field: "i", Value: "3000000000", Error: "integer out of range for int"},
			{Field: "small", Value: "40000", Error: "integer out of range for smallint"}}},
		{`{"i":1.5,"b":"maybe","f":"NaN"}`, `{}`, []event.Warning{
			{Field: "i", Value: "1.5", Error: "expected an integer (int)"},
			{Field: "b", Value: "maybe", Error: "expected a boolean"},
			{Field: "f", Value: "NaN", Error: "expected a float"}}},
		{`{"t":"yesterday"}`, `{}`, []event.Warning{{Field: "t", Value: "yesterday",
			Error: `expected a timestamp in the format rfc3339 (expected a 4-digit year at offset 0, found "yesterday")`}}},
		{`{"t":true,"s":"k"}`, `{"s":"k"}`, []event.Warning{{Field: "t", Value: "true", Error: "expected a timestamp"}}},
		{`{"objs":[{"n":1},{"n":"x"},{"n":"2"}]}`, `{"objs":[{"n":1},{},{"n":2}]}`, []event.Warning{
			{Field: "objs[1].n", Value: "x", Error: "expected an integer (int)"}}},
		{`{"o":{"req":"r","email":"e"},"emb":"{\"x\":\"five\"}"}`, `{"o":{"req":"r","email":"e"},"emb":{}}`, []event.Warning{
			{Field: "emb.x", Value: "five", Error: "expected an integer (int)"}}},
		{`{"emb":"{\"x\":}"}`, `{}`, []event.Warning{{Field: "emb", Value: `{"x":}`, Error: "expected a string holding JSON (object)"}}},
		{`{"emb":"not json"}`, `{}`, []event.Warning{{Field: "emb", Value: "not json", Error: "expected a string holding JSON (object)"}}},
		{`{"@meta":"m","i":"x"}`, `{"at_sign_meta":"m"}`, []event.Warning{{Field: "i", Value: "x", Error: "expected an integer (int)"}}},
	}
	for _, tt := range tests {
		d := &decode.Decoder{Arena: &event.Arena{}}
		v, err := d.JSON(lt.Root, []byte(tt.in))
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := string(event.AppendValue(nil, &v, lt.Root)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.in, got, tt.want)
		}
		if got := d.Warnings(); !reflect.DeepEqual(got, tt.warnings) {
			t.Errorf("%s: warnings\n got %q\nwant %q", tt.in, got, tt.warnings)
		}
	}
	// A list of scalars drops its malformed elements.
	lt2 := compile(t, `version: 0
schema: Custom.Ints
fields:
  - {name: ports, type: array, element: {type: int}}
`)
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, err := d.JSON(lt2.Root, []byte(`{"ports":[80,"http",443,"x"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(event.AppendValue(nil, &v, lt2.Root)); got != `{"ports":[80,443]}` {
		t.Errorf("got %s", got)
	}
	want := []event.Warning{{Field: "ports[1]", Value: "http", Error: "expected an integer (int)"},
		{Field: "ports[3]", Value: "x", Error: "expected an integer (int)"}}
	if got := d.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	// The next record starts without warnings.
	if _, err := d.JSON(lt2.Root, []byte(`{"ports":[1]}`)); err != nil || d.Warnings() != nil {
		t.Errorf("err %v, warnings %q", err, d.Warnings())
	}
	// Past MaxWarnings, one last warning counts the rest.
	var b strings.Builder
	b.WriteString(`{"ports":[`)
	for i := 0; i < decode.MaxWarnings+5; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"x"`)
	}
	b.WriteString(`]}`)
	if _, err := d.JSON(lt2.Root, []byte(b.String())); err != nil {
		t.Fatal(err)
	}
	ws := d.Warnings()
	if len(ws) != decode.MaxWarnings+1 || ws[len(ws)-1].Error != "5 more malformed values were dropped" {
		t.Errorf("%d warnings, last %q", len(ws), ws[len(ws)-1])
	}

	// Required fields still decide.
	req := compile(t, requiredYAML)
	for _, tt := range []struct{ in, want string }{
		{`{"n":"12 ms","t":"2021-01-01T00:00:00Z"}`, `field n: expected an integer (int), got "12 ms"`},
		{`{"n":1,"t":"soon"}`, `field t: expected a timestamp in the format rfc3339 (expected a 4-digit year at offset 0, found "soon")`},
		{`{"n":1,"t":"2021-01-01T00:00:00Z","o":{"when":"x"}}`, `field o.when: expected a timestamp in the format rfc3339 (expected a 4-digit year at offset 0, found "x")`},
	} {
		_, err := d.JSON(req.Root, []byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.in, err, tt.want)
		}
	}
	v, err = d.JSON(req.Root, []byte(`{"n":1,"t":"2021-01-01T00:00:00Z","o":{"when":"2021-01-01T00:00:00Z","count":"many"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Warnings(); len(got) != 1 || got[0].Field != "o.count" {
		t.Errorf("warnings %q", got)
	}
}

func TestIndicatorsAndEventTime(t *testing.T) {
	lt := compile(t, schemaYAML)
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, err := d.JSON(lt.Root, []byte(`{"s":"10.1.2.3","o":{"req":"r","email":"x@y.com"},"arr":["Example.COM","xn--bcher-kva.example"],"t":"2021-05-01T10:00:00Z"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Indicators.Values(indicators.Kinds[0]); len(got) != 1 || got[0] != "10.1.2.3" {
		t.Errorf("ips = %v", got)
	}
	var domains []string
	for _, k := range indicators.Kinds {
		if k.Column() == "p_any_domain_names" {
			domains = d.Indicators.Values(k)
		}
	}
	if strings.Join(domains, ",") != "bücher.example,example.com" {
		t.Errorf("domains = %v", domains)
	}
	ts, ok := decode.EventTime(lt, &v)
	if !ok || ts != 1619863200*1e9 {
		t.Errorf("event time = %d %v", ts, ok)
	}
	// A failed decode does not leak indicators into the next one.
	if _, err := d.JSON(lt.Root, []byte(`{"s":"10.9.9.9","kind":"zzz"}`)); err == nil {
		t.Fatal("no error")
	}
	if _, err := d.JSON(lt.Root, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if got := d.Indicators.Values(indicators.Kinds[0]); len(got) != 0 {
		t.Errorf("stale indicators: %v", got)
	}
}

func TestFields(t *testing.T) {
	lt := compile(t, schemaYAML)
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, err := d.Fields(lt.Root, []textparse.Field{
		{Name: "s", Value: "hello"}, {Name: "i", Value: " 12 "}, {Name: "t", Value: "2020-01-01T00:00:00Z"},
		{Name: "j", Value: `{"a": 1}`}, {Name: "o", Value: `{"req":"x"}`}, {Name: "arr", Value: `["a.com"]`},
		{Name: "unknown", Value: "dropped"}, {Name: "f", Value: ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := string(event.AppendValue(nil, &v, lt.Root))
	want := `{"s":"hello","i":12,"t":"2020-01-01 00:00:00.000000000","j":{"a":1},"o":{"req":"x"},"arr":["a.com"]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Malformed values of optional fields are dropped with warnings.
	v, err = d.Fields(lt.Root, []textparse.Field{{Name: "s", Value: "kept"}, {Name: "i", Value: "x"},
		{Name: "o", Value: "not json"}, {Name: "t", Value: " 2020-01-01T00:00:00Z "}, {Name: "b", Value: "-"},
		{Name: "objs", Value: `[{"n":"one"}]`}})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(event.AppendValue(nil, &v, lt.Root)); got != `{"s":"kept","t":"2020-01-01 00:00:00.000000000","objs":[{}]}` {
		t.Errorf("got %s", got)
	}
	wantW := []event.Warning{{Field: "i", Value: "x", Error: "expected an integer (int)"},
		{Field: "o", Value: "not json", Error: "expected JSON text (object)"},
		{Field: "objs[0].n", Value: "one", Error: "expected an integer (int)"}}
	if got := d.Warnings(); !reflect.DeepEqual(got, wantW) {
		t.Errorf("warnings\n got %q\nwant %q", got, wantW)
	}
	// A shape error is still an error.
	if _, err := d.Fields(lt.Root, []textparse.Field{{Name: "o", Value: "[1]"}}); err == nil || !strings.Contains(err.Error(), "field o: expected an object") {
		t.Errorf("err = %v", err)
	}
	req := compile(t, requiredYAML)
	if _, err := d.Fields(req.Root, []textparse.Field{{Name: "n", Value: "x"}, {Name: "t", Value: "2020-01-01T00:00:00Z"}}); err == nil || err.Error() != `field n: expected an integer (int), got "x"` {
		t.Errorf("err = %v", err)
	}
}

// FuzzJSON decodes arbitrary input with a schema that has every kind of value. Decoding must
// never panic, and whatever decodes must render as valid JSON.
func FuzzJSON(f *testing.F) {
	lt := compile(f, schemaYAML)
	f.Add([]byte(`{"s":"x","i":1,"j":{"a":[1,2]},"o":{"req":"r"},"arr":["a"],"objs":[{"n":1}],"emb":"{\"x\":1}"}`))
	f.Add([]byte(`{"t":"2021-01-01T00:00:00Z","f":1e10,"b":true,"kind":"a"}`))
	f.Add([]byte(`{"s":"\ud83d\ude00\u0000"}`))
	if data, err := os.ReadFile(filepath.Join("..", "logtypes", "testdata", "golden", "AWS.CloudTrail", "records.json")); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		v, err := d.JSON(lt.Root, b)
		if err != nil {
			return
		}
		if out := event.AppendValue(nil, &v, lt.Root); !json.Valid(out) {
			t.Fatalf("invalid JSON output for %q: %s", b, out)
		}
	})
}

// FuzzLenientJSON decodes arbitrary records with the schema of every kind of value and checks
// the lenient decoding: an accepted record's warnings name fields of the schema, keep at most
// MaxWarningValue bytes of their value and say what was expected; there are at most
// MaxWarnings of them (plus one that counts the rest); and a record with a malformed value
// of a required field is rejected.
func FuzzLenientJSON(f *testing.F) {
	lt := compile(f, schemaYAML)
	req := compile(f, requiredYAML)
	f.Add([]byte(`{"i":"12 ms","t":"soon","objs":[{"n":"x"}],"emb":"{\"x\":\"y\"}","b":"maybe"}`))
	f.Add([]byte(`{"n":"x","t":"2021-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"objs":{"n":1},"f":"1e400","small":99999}`))
	columns := map[string]bool{}
	for _, l := range []*logschema.LogType{lt, req} {
		l.Root.Walk(func(path string, _ *logschema.Field) { columns[strings.ReplaceAll(path, "[]", "")] = true })
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		for _, l := range []*logschema.LogType{lt, req} {
			v, err := d.JSON(l.Root, b)
			if err != nil {
				if d.Warnings() != nil && len(d.Warnings()) > decode.MaxWarnings+1 {
					t.Fatalf("%d warnings", len(d.Warnings()))
				}
				continue
			}
			if out := event.AppendValue(nil, &v, l.Root); !json.Valid(out) {
				t.Fatalf("invalid JSON output %s", out)
			}
			ws := d.Warnings()
			if len(ws) > decode.MaxWarnings+1 {
				t.Fatalf("%d warnings", len(ws))
			}
			for i, w := range ws {
				if w.Field == "*" && i == decode.MaxWarnings {
					continue
				}
				path := w.Field
				for strings.Contains(path, "[") {
					a, bb, _ := strings.Cut(path, "[")
					_, rest, _ := strings.Cut(bb, "]")
					path = a + rest
				}
				if !columns[path] {
					t.Fatalf("warning for %q, not a field of the schema", w.Field)
				}
				if len(w.Value) > decode.MaxWarningValue+8 || !strings.HasPrefix(w.Error, "expected") && !strings.HasPrefix(w.Error, "integer out of range") {
					t.Fatalf("warning %+v", w)
				}
			}
		}
	})
}
