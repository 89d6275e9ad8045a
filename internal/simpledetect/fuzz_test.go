package simpledetect

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzCompile feeds arbitrary YAML to the compiler and evaluates whatever
// compiles against a fixed event; nothing may panic.
func FuzzCompile(f *testing.F) {
	seeds := []string{
		"- {KeyPath: a.b, Condition: Equals, Value: 1}",
		"- Any: [{Key: a, Condition: Exists}, {Condition: AlwaysTrue}]",
		"- {KeyPath: 'l[*].x', Condition: IsIn, Values: [1, a, true]}",
		"- {Condition: IsGreaterThan, Values: [{Key: a}, {DeepKey: [b, 0]}]}",
		"- {KeyPath: l, Condition: AllElements, Expressions: [{Key: x, Condition: IsNull}]}",
		"- {Enrichment: {Table: t, Selector: s, FieldPath: f}, Condition: IContains, Value: x}",
		"- {Key: ip, Condition: IsIPAddressInCIDR, Value: 10.0.0.0/8}",
		"- None: [{OnlyOne: [{Key: a, Condition: IsNotNullOrEmpty}]}]",
		"{a: b}",
		"- [1, 2]",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "t {a} {{x}} {l[*].x}")
	}
	ev := map[string]any{
		"a":            map[string]any{"b": int64(1)},
		"b":            []any{"x", 2.5, nil},
		"l":            []any{map[string]any{"x": 1}, map[string]any{"x": "a"}, "s", nil},
		"ip":           "10.1.1.1",
		"p_enrichment": map[string]any{"t": map[string]any{"s": map[string]any{"f": "xyz"}}},
	}
	f.Fuzz(func(t *testing.T, data []byte, title string) {
		var v any
		if yaml.Unmarshal(data, &v) != nil {
			return
		}
		if d, err := Compile(v, WithAlertTitle(title), WithGroupBy(v), WithAlertContext(v), WithDynamicSeverities(v)); err == nil {
			d.Match(ev)
			d.Title(ev)
			d.Dedup(ev)
			d.AlertContext(ev)
			d.Severity(ev, "Info")
		}
		if d, err := Compile(v); err == nil {
			d.Match(ev)
		}
		if flt, err := CompileFilters(v); err == nil {
			flt.Match(ev)
		}
	})
}
