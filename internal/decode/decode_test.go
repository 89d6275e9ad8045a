package decode_test

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		{`{"i":"abc"}`, `field i: expected an integer (int), got "abc"`},
		{`{"i":3000000000}`, "field i: integer 3000000000 out of range for int"},
		{`{"small":40000}`, "field small: integer 40000 out of range for smallint"},
		{`{"i":1.5}`, `field i: expected an integer (int), got "1.5"`},
		{`{"i":[1]}`, "field i: expected a int, got an array"},
		{`{"s":{"a":1}}`, "field s: expected a string, got an object"},
		{`{"s":["a"]}`, "field s: expected a string, got an array"},
		{`{"objs":{"n":1}}`, "field objs: expected an array, got an object"},
		{`{"arr":{"x":1}}`, "field arr: expected an array, got an object"},
		{`{"b":"maybe"}`, `field b: expected a boolean, got "maybe"`},
		{`{"f":"NaN"}`, `field f: expected a float`},
		{`{"t":"yesterday"}`, "field t:"},
		{`{"t":true}`, "field t: expected a timestamp, got a boolean"},
		{`{"o":{}}`, "field o.req: required field is missing"},
		{`{"o":{"req":null}}`, "field o.req: required field is missing"},
		{`{"o":[]}`, "field o: expected an object, got an array"},
		{`{"objs":[{"n":1},{"n":"x"}]}`, `field objs[1].n: expected an integer (int), got "x"`},
		{`{"kind":"c"}`, `field kind: value "c" is not one of the allowed values`},
		{`{"nope":"bad"}`, `field nope: value "bad" is denied`},
		{`{"emb":"{\"x\":}"}`, "field emb.x: expected a value"},
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
	if _, err := d.Fields(lt.Root, []textparse.Field{{Name: "i", Value: "x"}}); err == nil || !strings.Contains(err.Error(), "field i:") {
		t.Errorf("err = %v", err)
	}
	if _, err := d.Fields(lt.Root, []textparse.Field{{Name: "o", Value: "not json"}}); err == nil || !strings.Contains(err.Error(), "field o:") {
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
