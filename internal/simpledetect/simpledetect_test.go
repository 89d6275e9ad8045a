package simpledetect

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// parseYAML decodes YAML text into the generic form Compile takes.
func parseYAML(t testing.TB, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("bad test YAML: %v\n%s", err, text)
	}
	return v
}

// parseEvent decodes a JSON event, keeping numbers as json.Number when
// useNumber is set.
func parseEvent(t testing.TB, text string, useNumber bool) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(text))
	if useNumber {
		dec.UseNumber()
	}
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("bad test event: %v", err)
	}
	return ev
}

func mustCompile(t testing.TB, detection string, opts ...Option) *Detection {
	t.Helper()
	d, err := Compile(parseYAML(t, detection), opts...)
	if err != nil {
		t.Fatalf("Compile: %v\n%s", err, detection)
	}
	return d
}

func TestDocumentationExamples(t *testing.T) {
	evText, err := os.ReadFile("testdata/pluto.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/examples.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name      string `yaml:"name"`
		Want      bool   `yaml:"want"`
		Detection any    `yaml:"detection"`
	}
	if err := yaml.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("only %d examples loaded", len(cases))
	}
	for _, useNumber := range []bool{false, true} {
		ev := parseEvent(t, string(evText), useNumber)
		for _, c := range cases {
			d, err := Compile(c.Detection)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if got := d.Match(ev); got != c.Want {
				t.Errorf("%s (json.Number=%v): Match = %v, want %v", c.Name, useNumber, got, c.Want)
			}
		}
	}
}

const oddEvent = `{
  "str": "Hello World",
  "num": 42,
  "float": 2.5,
  "numstr": "42",
  "neg": -7,
  "big": 9007199254740993,
  "t": true,
  "nul": null,
  "empty": "",
  "emptylist": [],
  "emptyobj": {},
  "list": ["a", "B", 3],
  "nested": {"Inner": {"Deep": "x"}, "arr": [[1, 2], [3, 4]]},
  "MixedCase": "mc",
  "ip4": "192.168.1.10",
  "ip6": "2001:db8::1",
  "pub": "8.8.8.8",
  "loop": "127.0.0.1",
  "cgnat": "100.64.0.1",
  "mapped": "::ffff:10.0.0.1",
  "badip": "999.1.1.1",
  "objs": [{"k": 1}, {"k": 2}, {"k": 2}]
}`

func TestConditions(t *testing.T) {
	type tc struct {
		key, cond string
		value     string // YAML for Value, "" for none
		values    string // YAML for Values
		want      bool
	}
	cases := []tc{
		{"str", "Equals", `Hello World`, "", true},
		{"str", "Equals", `hello world`, "", false},
		{"str", "IEquals", `hello WORLD`, "", true},
		{"str", "DoesNotEqual", `x`, "", true},
		{"str", "IDoesNotEqual", `HELLO world`, "", false},
		{"missing", "Equals", `x`, "", false},
		{"missing", "DoesNotEqual", `x`, "", true},
		{"nul", "Equals", `x`, "", false},
		{"nul", "DoesNotEqual", `x`, "", true},
		{"num", "Equals", `42`, "", true},
		{"num", "Equals", `42.0`, "", true},
		{"num", "Equals", `"42"`, "", false},
		{"numstr", "Equals", `42`, "", false},
		{"numstr", "Equals", `"42"`, "", true},
		{"t", "Equals", `true`, "", true},
		{"t", "Equals", `1`, "", false},
		{"num", "IsGreaterThan", `41`, "", true},
		{"num", "IsGreaterThan", `42`, "", false},
		{"num", "IsGreaterThanOrEqual", `42`, "", true},
		{"num", "IsLessThan", `42.5`, "", true},
		{"num", "IsLessThanOrEqual", `41`, "", false},
		{"numstr", "IsGreaterThan", `41`, "", true},
		{"neg", "IsLessThan", `0`, "", true},
		{"float", "IsGreaterThan", `2`, "", true},
		{"str", "IsGreaterThan", `Apple`, "", true},
		{"str", "IsGreaterThan", `5`, "", false},
		{"missing", "IsLessThan", `5`, "", false},
		{"str", "Contains", `lo Wo`, "", true},
		{"str", "Contains", `LO WO`, "", false},
		{"str", "IContains", `LO WO`, "", true},
		{"str", "DoesNotContain", `xyz`, "", true},
		{"str", "IDoesNotContain", `WORLD`, "", false},
		{"list", "Contains", `B`, "", true},
		{"list", "Contains", `3`, "", true},
		{"list", "IContains", `b`, "", true},
		{"list", "Contains", `c`, "", false},
		{"num", "Contains", `4`, "", false},
		{"str", "StartsWith", `Hello`, "", true},
		{"str", "IStartsWith", `hELLO`, "", true},
		{"str", "DoesNotStartWith", `World`, "", true},
		{"str", "IDoesNotStartWith", `hello`, "", false},
		{"str", "EndsWith", `World`, "", true},
		{"str", "IEndsWith", `WORLD`, "", true},
		{"str", "DoesNotEndWith", `World`, "", false},
		{"str", "IDoesNotEndWith", `x`, "", true},
		{"missing", "DoesNotStartWith", `x`, "", true},
		{"str", "IsIn", "", `[a, Hello World]`, true},
		{"num", "IsIn", "", `[1, 42]`, true},
		{"numstr", "IsIn", "", `[42]`, false},
		{"t", "IsIn", "", `[true]`, true},
		{"str", "IsNotIn", "", `[a, b]`, true},
		{"missing", "IsNotIn", "", `[a]`, true},
		{"missing", "IsIn", "", `[a]`, false},
		{"ip4", "IsIPAddressInCIDR", `192.168.0.0/16`, "", true},
		{"ip4", "IsIPAddressInCIDR", `10.0.0.0/8`, "", false},
		{"ip4", "IsIPAddressNotInCIDR", `10.0.0.0/8`, "", true},
		{"mapped", "IsIPAddressInCIDR", `10.0.0.0/8`, "", true},
		{"ip6", "IsIPAddressInCIDR", `2001:db8::/32`, "", true},
		{"badip", "IsIPAddressInCIDR", `0.0.0.0/0`, "", false},
		{"ip4", "IsIPAddress", "", "", true},
		{"badip", "IsIPAddress", "", "", false},
		{"num", "IsIPAddress", "", "", false},
		{"ip4", "IsIPv4Address", "", "", true},
		{"ip6", "IsIPv4Address", "", "", false},
		{"ip6", "IsIPv6Address", "", "", true},
		{"pub", "IsIPAddressPublic", "", "", true},
		{"ip4", "IsIPAddressPublic", "", "", false},
		{"loop", "IsIPAddressPublic", "", "", false},
		{"cgnat", "IsIPAddressPublic", "", "", false},
		{"ip4", "IsIPAddressPrivate", "", "", true},
		{"loop", "IsIPAddressPrivate", "", "", false},
		{"pub", "IsIPAddressPrivate", "", "", false},
		{"nul", "Exists", "", "", true},
		{"missing", "Exists", "", "", false},
		{"missing", "DoesNotExist", "", "", true},
		{"nul", "IsNull", "", "", true},
		{"missing", "IsNull", "", "", true},
		{"str", "IsNull", "", "", false},
		{"nul", "IsNotNull", "", "", false},
		{"empty", "IsNotNull", "", "", true},
		{"empty", "IsNullOrEmpty", "", "", true},
		{"emptylist", "IsNullOrEmpty", "", "", true},
		{"emptyobj", "IsNullOrEmpty", "", "", true},
		{"missing", "IsNullOrEmpty", "", "", true},
		{"num", "IsNullOrEmpty", "", "", false},
		{"list", "IsNotNullOrEmpty", "", "", true},
		{"nul", "IsNotNullOrEmpty", "", "", false},
		{"mixedcase", "Equals", `mc`, "", true},
		{"MIXEDCASE", "Exists", "", "", true},
	}
	for _, useNumber := range []bool{false, true} {
		ev := parseEvent(t, oddEvent, useNumber)
		for _, c := range cases {
			var b strings.Builder
			b.WriteString("- Key: " + c.key + "\n  Condition: " + c.cond + "\n")
			if c.value != "" {
				b.WriteString("  Value: " + c.value + "\n")
			}
			if c.values != "" {
				b.WriteString("  Values: " + c.values + "\n")
			}
			d := mustCompile(t, b.String())
			if got := d.Match(ev); got != c.want {
				t.Errorf("%s %s %s%s (json.Number=%v) = %v, want %v", c.key, c.cond, c.value, c.values, useNumber, got, c.want)
			}
		}
	}
}

func TestLargeIntegersKeepPrecision(t *testing.T) {
	ev := parseEvent(t, oddEvent, true)
	if !mustCompile(t, "- {Key: big, Condition: Equals, Value: 9007199254740993}").Match(ev) {
		t.Error("exact int64 equality failed")
	}
	if mustCompile(t, "- {Key: big, Condition: Equals, Value: 9007199254740992}").Match(ev) {
		t.Error("int64 values one apart compared equal")
	}
}

func TestKeySpecifiers(t *testing.T) {
	ev := parseEvent(t, oddEvent, false)
	cases := []struct {
		spec string
		want bool
	}{
		{"KeyPath: nested.inner.deep", true},
		{"KeyPath: nested.Inner.Deep", true},
		{"DeepKey: [nested, Inner, Deep]", true},
		{"KeyPath: nested.arr[1][0]", true},
		{"DeepKey: [nested, arr, -1, -2]", true},
		{"KeyPath: nested.arr[5][0]", false},
		{"KeyPath: nested.arr[*][*]", true},
		{"KeyPath: str.sub", false},
		{"Key: nested.inner.deep", false},
	}
	for _, c := range cases {
		d := mustCompile(t, "- "+c.spec+"\n  Condition: IsIn\n  Values: [x, 3]\n")
		if got := d.Match(ev); got != c.want {
			t.Errorf("%s: Match = %v, want %v", c.spec, got, c.want)
		}
	}
}

func TestWildcardSemantics(t *testing.T) {
	ev := parseEvent(t, oddEvent, false)
	cases := []struct {
		yaml string
		want bool
	}{
		{"- KeyPath: objs[*].k\n  Condition: Equals\n  Value: 2\n", true},
		{"- KeyPath: objs[*].k\n  Condition: DoesNotEqual\n  Value: 2\n", false},
		{"- KeyPath: objs[*].k\n  Condition: DoesNotEqual\n  Value: 9\n", true},
		{"- KeyPath: objs[*].nope\n  Condition: Exists\n", false},
		{"- KeyPath: objs[*].k\n  Condition: IsNull\n", false},
		{"- KeyPath: nested[*].Deep\n  Condition: Equals\n  Value: x\n", true},
	}
	for _, c := range cases {
		if got := mustCompile(t, c.yaml).Match(ev); got != c.want {
			t.Errorf("%q: Match = %v, want %v", c.yaml, got, c.want)
		}
	}
}

func TestGroupsAndLists(t *testing.T) {
	ev := parseEvent(t, oddEvent, false)
	yes := "{Condition: AlwaysTrue}"
	no := "{Condition: AlwaysFalse}"
	cases := []struct {
		yaml string
		want bool
	}{
		{"[]", true},
		{"- All: []", true},
		{"- Any: []", false},
		{"- OnlyOne: []", false},
		{"- None: []", true},
		{"- All: [" + yes + ", " + yes + "]", true},
		{"- All: [" + yes + ", " + no + "]", false},
		{"- Any: [" + no + ", " + yes + "]", true},
		{"- OnlyOne: [" + yes + ", " + yes + "]", false},
		{"- OnlyOne: [" + no + ", " + yes + ", " + no + "]", true},
		{"- None: [" + no + ", " + no + "]", true},
		{"- None: [" + no + ", " + yes + "]", false},
		{"- " + yes + "\n- " + no, false},
		{"- KeyPath: objs\n  Condition: AllElements\n  Expressions: [{Key: k, Condition: IsGreaterThan, Value: 0}]", true},
		{"- KeyPath: objs\n  Condition: OnlyOneElement\n  Expressions: [{Key: k, Condition: Equals, Value: 2}]", false},
		{"- KeyPath: objs\n  Condition: OnlyOneElement\n  Expressions: [{Key: k, Condition: Equals, Value: 1}]", true},
		{"- KeyPath: emptylist\n  Condition: AllElements\n  Expressions: [" + yes + "]", false},
		{"- KeyPath: missing\n  Condition: NoElement\n  Expressions: [" + yes + "]", true},
		{"- KeyPath: missing\n  Condition: AnyElement\n  Expressions: [" + yes + "]", false},
		{"- KeyPath: str\n  Condition: AnyElement\n  Expressions: [" + yes + "]", false},
		{"- KeyPath: list\n  Condition: AnyElement\n  Expressions: [{Key: x, Condition: DoesNotExist}]", true},
		{"- KeyPath: objs[*].k\n  Condition: AnyElement\n  Expressions: [" + yes + "]", true},
		{"- Condition: Equals\n  Values: [{Key: num}, {Key: numstr}]", false},
		{"- Condition: Equals\n  Values: [{Key: num}, {KeyPath: 'objs[0].k'}]", false},
		{"- Condition: IsLessThan\n  Values: [{KeyPath: 'objs[0].k'}, {KeyPath: 'objs[1].k'}]", true},
		{"- Condition: IsIn\n  Values: [{Key: str}, {Key: list}]", false},
		{"- Condition: IsIn\n  Values: [{KeyPath: 'list[1]'}, {Key: list}]", true},
		{"- Condition: DoesNotEqual\n  Values: [{Key: missing}, {Key: str}]", true},
		{"- Condition: StartsWith\n  Values: [{Key: str}, {Key: empty}]", true},
	}
	for _, c := range cases {
		if got := mustCompile(t, c.yaml).Match(ev); got != c.want {
			t.Errorf("%q: Match = %v, want %v", c.yaml, got, c.want)
		}
	}
}

func TestInlineFilters(t *testing.T) {
	ev := parseEvent(t, oddEvent, false)
	cases := []struct {
		yaml string
		want bool
	}{
		{"[]", true},
		{"- KeyPath: missing\n  Condition: Equals\n  Value: x", true},
		{"- KeyPath: missing\n  Condition: DoesNotEqual\n  Value: x", true},
		{"- KeyPath: nul\n  Condition: Equals\n  Value: x", false},
		{"- KeyPath: nul\n  Condition: DoesNotEqual\n  Value: x", true},
		{"- KeyPath: str\n  Condition: IsIn\n  Values: [nope]", false},
		{"- KeyPath: missing\n  Condition: Exists", false},
		{"- KeyPath: objs[*].nope\n  Condition: Equals\n  Value: 1", true},
		{"- Any:\n  - KeyPath: str\n    Condition: Equals\n    Value: nope\n  - KeyPath: num\n    Condition: IsGreaterThan\n    Value: 1", true},
		{"- All:\n  - KeyPath: str\n    Condition: Equals\n    Value: nope\n  - KeyPath: num\n    Condition: IsGreaterThan\n    Value: 1", false},
		{"- Enrichment: {Table: geo, Selector: pub, FieldPath: country}\n  Condition: Equals\n  Value: US", true},
	}
	for _, c := range cases {
		f, err := CompileFilters(parseYAML(t, c.yaml))
		if err != nil {
			t.Fatalf("%q: %v", c.yaml, err)
		}
		if got := f.Match(ev); got != c.want {
			t.Errorf("%q: Match = %v, want %v", c.yaml, got, c.want)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(ev) {
		t.Error("a nil filter must pass every event")
	}
}

func TestEnrichment(t *testing.T) {
	ev := parseEvent(t, `{"p_enrichment": {"geo": {"pub": {"country": "US", "asn": {"n": 15169}}}}}`, false)
	cases := []struct {
		yaml string
		want bool
	}{
		{"- Enrichment: {Table: geo, Selector: pub, FieldPath: country}\n  Condition: Equals\n  Value: US", true},
		{"- Enrichment: {Table: geo, Selector: pub, FieldPath: asn.n}\n  Condition: IsIn\n  Values: [15169]", true},
		{"- Enrichment: {Table: geo, Selector: other, FieldPath: country}\n  Condition: Equals\n  Value: US", false},
	}
	for _, c := range cases {
		if got := mustCompile(t, c.yaml).Match(ev); got != c.want {
			t.Errorf("%q: Match = %v, want %v", c.yaml, got, c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		yaml string
		want string
	}{
		{`{Key: a}`, "Detection: expected a list of match expressions, got a mapping"},
		{`- Key: a`, "Detection[0].Condition: required key is missing"},
		{`- {Key: a, Condition: Equal, Value: 1}`, `Detection[0].Condition: unknown condition "Equal"`},
		{`- {Key: a, Condition: equals, Value: 1}`, `Detection[0].Condition: unknown condition "equals" (did you mean "Equals"?)`},
		{`- {Key: a, Condition: Equals}`, "Detection[0].Value: required by condition Equals"},
		{`- {Key: a, Condition: Equals, Value: [1]}`, "Detection[0].Value: expected a string, number or bool, got a list"},
		{`- {Key: a, Condition: Equals, Value: null}`, "Detection[0].Value: expected a string, number or bool, got null"},
		{`- {Key: a, Condition: Exists, Value: 1}`, "Detection[0].Value: unknown key for condition Exists (allowed: Key, Condition)"},
		{`- {Key: a, KeyPath: b, Condition: Exists}`, "Detection[0].KeyPath: use exactly one of Key, DeepKey or KeyPath, found both Key and KeyPath"},
		{`- {Condition: Equals, Value: 1}`, "Detection[0]: expected a key specifier (Key, DeepKey or KeyPath) or an Enrichment"},
		{`- {KeyPath: "a..b", Condition: Exists}`, `Detection[0].KeyPath: key path "a..b" has an empty segment at offset 2`},
		{`- {KeyPath: "a[x]", Condition: Exists}`, `Detection[0].KeyPath: key path "a[x]": expected an integer index or * inside [] at offset 1, got "x"`},
		{`- {DeepKey: [a, 1.5], Condition: Exists}`, "Detection[0].DeepKey[1]: expected a field name or an integer list index, got the number 1.5"},
		{`- {Key: a, Condition: IsIn, Values: [1, [2]]}`, "Detection[0].Values[1]: expected a string, number or bool, got a list"},
		{`- {Key: a, Condition: IsIn, Value: 1}`, "Detection[0].Value: condition IsIn takes a Values list, not Value"},
		{`- {Key: a, Condition: StartsWith, Value: 1}`, "Detection[0].Value: condition StartsWith needs a string Value, got the number 1"},
		{`- {Key: a, Condition: IsIPAddressInCIDR, Value: 10.0.0.0}`, `Detection[0].Value: condition IsIPAddressInCIDR needs a CIDR such as 10.0.0.0/8, got the string "10.0.0.0"`},
		{`- {Key: a, Condition: IEquals, Value: 3}`, "Detection[0].Value: case-insensitive condition IEquals needs a string Value, got the number 3"},
		{`- {Condition: Equals, Values: [{Key: a}]}`, "Detection[0].Values: a multi-key match expression needs exactly two key specifiers in Values, got a list of 1"},
		{`- {Condition: Equals, Values: [{Key: a}, {Nope: b}]}`, "Detection[0].Values[1]: expected one of Key, DeepKey or KeyPath"},
		{`- {Condition: IsNull, Values: [{Key: a}, {Key: b}]}`, "Detection[0].Condition: condition IsNull does not compare two keys"},
		{`- {Key: a, Condition: AnyElement}`, "Detection[0].Expressions: required by condition AnyElement"},
		{`- {Condition: AnyElement, Expressions: []}`, "Detection[0]: condition AnyElement needs a key specifier"},
		{`- {Key: a, Condition: AnyElement, Expressions: [{Key: b}]}`, "Detection[0].Expressions[0].Condition: required key is missing"},
		{`- {Condition: AlwaysTrue, Key: a}`, "Detection[0].Key: unknown key for an absolute match expression (allowed: Condition)"},
		{`- {All: [], Any: []}`, "Detection[0]: the combinator All must be the only key of its match expression, found also Any"},
		{`- All: {Key: a}`, "Detection[0].All: expected a list of match expressions, got a mapping"},
		{`- All: [{Any: [3]}]`, "Detection[0].All[0].Any[0]: expected a match expression (a mapping), got the number 3"},
		{`- {Enrichment: {Table: t, Selector: s}, Condition: Exists}`, "Detection[0].Enrichment.FieldPath: required key is missing"},
		{`- {Key: a, Condition: 3}`, "Detection[0].Condition: expected a condition name, got the number 3"},
	}
	for _, c := range cases {
		_, err := Compile(parseYAML(t, c.yaml))
		if err == nil {
			t.Errorf("%s: no error, want %q", c.yaml, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.yaml, err.Error(), c.want)
		}
		var e *Error
		if !errors.As(err, &e) || len(e.Path) == 0 || e.Path[0] != "Detection" {
			t.Errorf("%s: error %v does not carry a Detection path", c.yaml, err)
		}
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	_, err := Compile(parseYAML(t, "- {Key: a, Condition: Nope, Value: 1}\n- {Key: b}\n- {Key: c, Condition: Equals}"),
		WithAlertTitle("{a"), WithGroupBy([]any{"x"}))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %T is not an ErrorList", err)
	}
	want := []string{
		`Detection[0].Condition: unknown condition "Nope"`,
		"Detection[1].Condition: required key is missing",
		"Detection[2].Value: required by condition Equals",
		`AlertTitle: unclosed { at offset 0 of "{a"`,
		`GroupBy[0]: expected a key specifier mapping (Key, DeepKey or KeyPath), got the string "x"`,
	}
	if len(list) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(list[i].Error(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, list[i].Error(), w)
		}
	}
}

func TestFilterCompileErrors(t *testing.T) {
	cases := []struct {
		yaml string
		want string
	}{
		{`- {Key: a, Condition: Exists}`, "InlineFilters[0].Key: InlineFilters identify fields with KeyPath, not Key"},
		{`- {OnlyOne: []}`, "InlineFilters[0].OnlyOne: InlineFilters support only the All and Any combinators"},
		{`- {KeyPath: a, Condition: AnyElement, Expressions: []}`, "InlineFilters[0].Condition: InlineFilters do not support list comprehension (AnyElement)"},
		{`- {Condition: Equals, Values: [{KeyPath: a}, {KeyPath: b}]}`, "InlineFilters[0]: expected a key specifier"},
		{`{KeyPath: a}`, "InlineFilters: expected a list of match expressions, got a mapping"},
	}
	for _, c := range cases {
		_, err := CompileFilters(parseYAML(t, c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.yaml, err, c.want)
		}
	}
}

func TestAlertKeys(t *testing.T) {
	ev := parseEvent(t, `{"user": {"name": "alice", "id": 7}, "ip": "198.51.100.1", "tags": ["a", "b"], "ok": false, "ratio": 0.25, "nul": null, "Region": "us-east-1"}`, false)
	d := mustCompile(t, "- Condition: AlwaysTrue",
		WithAlertTitle("User {user.name} ({user.id}) from {ip} tags={tags} ok={ok} r={ratio} n=[{nul}] m=[{missing}] {{literal}} {region}"),
		WithDynamicSeverities(parseYAML(t, `
- ChangeTo: critical
  Conditions:
    - {KeyPath: user.name, Condition: Equals, Value: bob}
- ChangeTo: High
  Conditions:
    - {KeyPath: user.id, Condition: IsGreaterThan, Value: 5}
- ChangeTo: Low
  Conditions: []
`)),
		WithAlertContext(parseYAML(t, `
- {KeyName: who, KeyValue: {KeyPath: user.name}}
- {KeyName: gone, KeyValue: {Key: missing}}
- {KeyName: all_tags, KeyValue: {KeyPath: "tags[*]"}}
`)),
		WithGroupBy(parseYAML(t, "- {KeyPath: user.name}\n- {Key: ip}")),
	)
	title, ok := d.Title(ev)
	wantTitle := "User alice (7) from 198.51.100.1 tags=[\"a\",\"b\"] ok=false r=0.25 n=[] m=[] {literal} us-east-1"
	if !ok || title != wantTitle {
		t.Errorf("Title = %q, %v\nwant    %q", title, ok, wantTitle)
	}
	if got := d.Severity(ev, "Medium"); got != "High" {
		t.Errorf("Severity = %q, want High", got)
	}
	ctx := d.AlertContext(ev)
	if ctx["who"] != "alice" || ctx["gone"] != nil || len(ctx) != 3 {
		t.Errorf("AlertContext = %v", ctx)
	}
	if tags, _ := ctx["all_tags"].([]any); len(tags) != 2 {
		t.Errorf("AlertContext all_tags = %v", ctx["all_tags"])
	}
	if dd, ok := d.Dedup(ev); !ok || dd != "alice:198.51.100.1" {
		t.Errorf("Dedup = %q, %v", dd, ok)
	}
	if dd, ok := d.Dedup(map[string]any{}); !ok || dd != "" {
		t.Errorf("Dedup of an empty event = %q, %v; want empty and ok", dd, ok)
	}
	if got := d.Severity(map[string]any{"user": map[string]any{"name": "bob"}}, "Medium"); got != "Critical" {
		t.Errorf("Severity for bob = %q, want Critical", got)
	}
	if got := d.Severity(map[string]any{}, "Medium"); got != "Low" {
		t.Errorf("Severity fallthrough = %q, want Low (empty Conditions match)", got)
	}

	plain := mustCompile(t, "- Condition: AlwaysTrue")
	if _, ok := plain.Title(ev); ok {
		t.Error("Title ok without AlertTitle")
	}
	if _, ok := plain.Dedup(ev); ok {
		t.Error("Dedup ok without GroupBy")
	}
	if plain.AlertContext(ev) != nil {
		t.Error("AlertContext without AlertContext key")
	}
	if got := plain.Severity(ev, "Info"); got != "Info" {
		t.Errorf("Severity default = %q", got)
	}

	keysOnly, err := CompileAlertKeys(WithDynamicSeverities(parseYAML(t, "- {ChangeTo: Default, Conditions: [{Condition: AlwaysTrue}]}")))
	if err != nil {
		t.Fatal(err)
	}
	if keysOnly.HasMatcher() || keysOnly.Match(ev) {
		t.Error("CompileAlertKeys result must have no matcher")
	}
	if got := keysOnly.Severity(ev, "Medium"); got != "Medium" {
		t.Errorf("ChangeTo Default = %q, want the default", got)
	}
}

func TestAlertKeyErrors(t *testing.T) {
	cases := []struct {
		opt  Option
		want string
	}{
		{WithAlertTitle(3), "AlertTitle: expected a title template string, got the number 3"},
		{WithAlertTitle("a } b"), `AlertTitle: unmatched } at offset 2 of "a } b"`},
		{WithAlertTitle("a {} b"), "AlertTitle: placeholder at offset 2: expected a dotted key path"},
		{WithDynamicSeverities([]any{map[string]any{"ChangeTo": "Severe", "Conditions": []any{}}}), `DynamicSeverities[0].ChangeTo: expected one of Info, Low, Medium, High, Critical or Default, got the string "Severe"`},
		{WithDynamicSeverities([]any{map[string]any{"ChangeTo": "High"}}), "DynamicSeverities[0].Conditions: required key is missing"},
		{WithAlertContext([]any{map[string]any{"KeyName": "a", "KeyValue": map[string]any{"Key": "x"}}, map[string]any{"KeyName": "a", "KeyValue": map[string]any{"Key": "y"}}}), `AlertContext[1].KeyName: duplicate KeyName "a" (also at AlertContext[0])`},
		{WithAlertContext([]any{map[string]any{"KeyName": "a"}}), "AlertContext[0].KeyValue: required key is missing"},
		{WithGroupBy(map[string]any{}), "GroupBy: expected a list of key specifiers, got a mapping"},
	}
	for _, c := range cases {
		_, err := CompileAlertKeys(c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

func TestMapAnyKeys(t *testing.T) {
	// yaml.v3 decodes mappings with non-string keys into map[any]any.
	det := []any{map[any]any{"Key": "a", "Condition": "Exists"}}
	d, err := Compile(det)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Match(map[string]any{"a": 1}) {
		t.Error("map[any]any expression did not match")
	}
	_, err = Compile([]any{map[any]any{1: "a", "Condition": "Exists"}})
	if err == nil || !strings.Contains(err.Error(), "with string keys") {
		t.Errorf("non-string key: %v", err)
	}
}

func TestPathString(t *testing.T) {
	if got := PathString([]any{"Tests", 2, "Mocks", 0, "returnValue"}); got != "Tests[2].Mocks[0].returnValue" {
		t.Errorf("PathString = %q", got)
	}
}
