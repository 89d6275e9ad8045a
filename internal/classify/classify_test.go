package classify_test

import (
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

var schemas = []string{
	// Two JSON types sharing key "a".
	`version: 0
schema: Test.Alpha
fields:
  - {name: a, type: string, required: true}
  - {name: b, type: int}
`,
	`version: 0
schema: Test.Beta
fields:
  - {name: a, type: string, required: true}
  - {name: c, type: string}
  - {name: d, type: string}
`,
	// A JSON type that accepts only one value of its discriminator.
	`version: 0
schema: Test.Gamma
fields:
  - {name: a, type: string, required: true, validate: {allow: [gamma]}}
  - {name: b, type: int}
`,
	// Two text types that both accept "x,y" lines.
	`version: 0
schema: Test.Csv
parser:
  csv:
    columns: [p, q]
fields:
  - {name: p, type: string, required: true}
  - {name: q, type: string, required: true}
`,
	`version: 0
schema: Test.Words
parser:
  regex:
    match: ['%{WORD:w},%{WORD:v}']
fields:
  - {name: w, type: string, required: true}
  - {name: v, type: string, required: true}
`,
	`version: 0
schema: Test.Header
parser:
  csv:
    hasHeader: true
fields:
  - {name: host, type: string, required: true}
  - {name: owner, type: string}
`,
	`version: 0
schema: Test.Kv
parser:
  fastmatch:
    match: ['k=%{k} v=%{v}']
fields:
  - {name: k, type: string, required: true}
  - {name: v, type: int, required: true}
`,
}

func registry(t *testing.T) map[string]*logtypes.LogType {
	t.Helper()
	out := map[string]*logtypes.LogType{}
	for _, y := range schemas {
		s, err := logschema.Parse("t.yml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		lt, err := logtypes.Build(s)
		if err != nil {
			t.Fatal(err)
		}
		out[lt.Name] = lt
	}
	return out
}

func all(r map[string]*logtypes.LogType, names ...string) []*logtypes.LogType {
	var out []*logtypes.LogType
	for _, n := range names {
		out = append(out, r[n])
	}
	return out
}

func rec(s string) *input.Record {
	return &input.Record{Data: []byte(s), JSON: strings.HasPrefix(s, "{")}
}

func classifyAll(t *testing.T, c *classify.Classifier, lines ...string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		res, fail := c.Classify(rec(l))
		if fail != nil {
			out = append(out, "FAIL: "+fail.Error())
			continue
		}
		out = append(out, res.LogType.Name)
	}
	return out
}

func TestJSONByKeys(t *testing.T) {
	r := registry(t)
	c := classify.New(all(r, "Test.Alpha", "Test.Beta", "Test.Gamma"), &decode.Decoder{Arena: &event.Arena{}})
	got := classifyAll(t, c,
		`{"a":"x","b":1}`,           // Alpha and Gamma declare both keys; Gamma rejects "x"; Alpha by name
		`{"a":"x","c":"y"}`,         // only Beta declares c
		`{"a":"gamma","b":2}`,       // Alpha and Gamma tie; Alpha first by name
		`{"a":"x","c":"y","d":"z"}`, // Beta
		`{"a":"x"}`,                 // all declare a; tie on keys: Alpha (1 required) = Beta = Gamma; name
		`{"b":1}`,                   // a is required everywhere: Alpha declares b and is named
		`{"zzz":1}`,
	)
	want := []string{"Test.Alpha", "Test.Beta", "Test.Alpha", "Test.Beta", "Test.Alpha",
		"FAIL: Test.Alpha: field a: required field is missing",
		"FAIL: no enabled JSON log type has the keys of this record (zzz)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestJSONFallsThroughToNextCandidate(t *testing.T) {
	r := registry(t)
	// Beta declares more of the record's keys than Alpha, but the record's b is not an int for
	// Alpha... and Beta lacks b: Beta has 1 unknown key (b), Alpha has 1 (c). Tie on unknown
	// and known keys; Alpha first by name, fails on b, then Beta accepts.
	c := classify.New(all(r, "Test.Alpha", "Test.Beta"), &decode.Decoder{Arena: &event.Arena{}})
	got := classifyAll(t, c, `{"a":"x","b":"not-int","c":"y"}`)
	if got[0] != "Test.Beta" {
		t.Errorf("got %v", got)
	}
	// Every reason is reported when nothing accepts, the type that got furthest first: Gamma
	// read the record up to b, Alpha failed at a.
	c = classify.New(all(r, "Test.Alpha", "Test.Gamma"), &decode.Decoder{Arena: &event.Arena{}})
	_, fail := c.Classify(rec(`{"a":"x","b":["x"]}`))
	if fail == nil || fail.Error() != `Test.Alpha: field b: expected a int, got an array; Test.Gamma: field a: value "x" is not one of the allowed values` {
		t.Errorf("fail = %v", fail)
	}
}

// TestWarnedAcceptsOnlyWithoutCleanRival: a type that accepts a record only by dropping a
// malformed value loses to a type of its tier that accepts it as it is, and wins otherwise.
func TestWarnedAcceptsOnlyWithoutCleanRival(t *testing.T) {
	r := registry(t)
	d := &decode.Decoder{Arena: &event.Arena{}}
	c := classify.New(all(r, "Test.Alpha", "Test.Gamma"), d)
	res, fail := c.Classify(rec(`{"a":"x","b":"x"}`))
	if fail != nil || res.LogType.Name != "Test.Alpha" {
		t.Fatalf("got %v %v", res.LogType, fail)
	}
	if w := d.Warnings(); len(w) != 1 || w[0].Field != "b" || w[0].Value != "x" {
		t.Errorf("warnings %q", w)
	}
	// Alpha and Beta both declare a; Beta has no b and takes c, Alpha has b... With b
	// malformed, Alpha accepts with a warning; Beta (same tier: one unknown key each) accepts
	// cleanly and wins.
	c = classify.New(all(r, "Test.Alpha", "Test.Beta"), d)
	res, fail = c.Classify(rec(`{"a":"x","b":"not-int","c":"y"}`))
	if fail != nil || res.LogType.Name != "Test.Beta" || len(d.Warnings()) != 0 {
		t.Fatalf("got %v %v %q", res.LogType, fail, d.Warnings())
	}
	// When the clean rival is of a worse tier, the warned type keeps the record, decoded
	// again with its warnings and indicators.
	res, fail = c.Classify(rec(`{"a":"x","b":"not-int"}`))
	if fail != nil || res.LogType.Name != "Test.Alpha" || len(d.Warnings()) != 1 {
		t.Fatalf("got %v %v %q", res.LogType, fail, d.Warnings())
	}
}

func TestTextAdaptiveOrder(t *testing.T) {
	r := registry(t)
	c := classify.New(all(r, "Test.Csv", "Test.Words", "Test.Kv"), &decode.Decoder{Arena: &event.Arena{}})
	// Both Csv and Words accept "x,y". Initially all penalties are 1: Csv wins by name.
	// "k=a v=1" only Kv accepts; it then has penalty 0 and is tried first, and the others have
	// penalty 2. Csv still wins the next "x,y" over Words (same penalty 2, name).
	// A line only Words accepts ("x,y" with no... ) -- csv accepts any 2-column line.
	got := classifyAll(t, c, "x,y", "k=a v=1", "x,y", "a,b,c", "k=a v=notint", "k=a")
	want := []string{"Test.Csv", "Test.Kv", "Test.Csv",
		"FAIL: Test.Words: regex: at offset 3: expected the end of the line; Test.Csv: ",
		"FAIL: Test.Kv: field v: expected an integer (int), got \"notint\"; Test.Words: regex: at offset 1",
		"FAIL: Test.Kv: fastmatch: match[0]: at offset 2: "}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d: got %q, want prefix %q", i+1, got[i], want[i])
		}
	}
	// The same lines in the same order give the same result (determinism).
	c2 := classify.New(all(r, "Test.Kv", "Test.Words", "Test.Csv"), &decode.Decoder{Arena: &event.Arena{}})
	got2 := classifyAll(t, c2, "x,y", "k=a v=1", "x,y", "a,b,c", "k=a v=notint", "k=a")
	if strings.Join(got, "|") != strings.Join(got2, "|") {
		t.Errorf("order of types changed the result:\n%v\n%v", got, got2)
	}
}

func TestTextAfterWinnerMoves(t *testing.T) {
	r := registry(t)
	c := classify.New(all(r, "Test.Words", "Test.Kv"), &decode.Decoder{Arena: &event.Arena{}})
	// Kv wins line 1, so it is tried first on line 2; Words must still get its line.
	got := classifyAll(t, c, "k=a v=1", "abc,def", "k=b v=2")
	want := []string{"Test.Kv", "Test.Words", "Test.Kv"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v", got)
	}
}

func TestJSONRecordTriesTextTypes(t *testing.T) {
	r := registry(t)
	c := classify.New(all(r, "Test.Alpha", "Test.Csv"), &decode.Decoder{Arena: &event.Arena{}})
	// Not a JSON type's record, but a valid 2-column CSV line.
	got := classifyAll(t, c, `{"zz":1,"yy":2}`)
	if got[0] != "Test.Csv" {
		t.Errorf("got %v", got)
	}
}

func BenchmarkJSONCandidates(b *testing.B) {
	t := &testing.T{}
	r := registry(t)
	arena := &event.Arena{}
	c := classify.New(all(r, "Test.Alpha", "Test.Beta", "Test.Gamma"), &decode.Decoder{Arena: arena})
	rc := rec(`{"a":"x","c":"y","d":"z"}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		arena.Reset()
		if _, fail := c.Classify(rc); fail != nil {
			b.Fatal(fail)
		}
	}
}

// TestHeaderDoesNotSwallowOtherTypes: a CSV type with a header takes any first line for its
// header; a line another type turns into an event must go to that type.
func TestHeaderDoesNotSwallowOtherTypes(t *testing.T) {
	r := registry(t)
	c := classify.New(all(r, "Test.Header", "Test.Kv"), &decode.Decoder{Arena: &event.Arena{}})
	got := classifyAll(t, c, "k=a v=1", "host,owner", "web1,alice", "k=b v=2")
	want := []string{"Test.Kv", "Test.Header", "Test.Header", "Test.Kv"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("got %v, want %v", got, want)
	}
	// The header line itself produced no event.
	c = classify.New(all(r, "Test.Header"), &decode.Decoder{Arena: &event.Arena{}})
	if res, fail := c.Classify(rec("host,owner")); fail != nil || res.OK {
		t.Errorf("header: %+v %v", res, fail)
	}
}
