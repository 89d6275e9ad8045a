package pattest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/simpledetect"
)

func TestParseFilters(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string // PAT's repr of the filters
		err  string
	}{
		{name: "none: no status filter (spec 2.4)", args: nil, want: "[] - []"},
		{name: "positive filter", args: []string{"RuleID=A,B"},
			want: "[Filter(key='RuleID', values=['A', 'B'])] - []"},
		{name: "Status filter", args: []string{"Status=deprecated"},
			want: "[Filter(key='Status', values=['deprecated'])] - []"},
		{name: "Status!= filter", args: []string{"Status!=beta,deprecated"},
			want: "[] - [Filter(key='Status', values=['beta', 'deprecated'])]"},
		{name: "later filter on a key wins", args: []string{"Severity=High", "LogTypes=AWS.CloudTrail", "Severity=Low"},
			want: "[Filter(key='Severity', values=['Low']), Filter(key='LogTypes', values=['AWS.CloudTrail'])] - []"},
		{name: "Enabled is a bool", args: []string{"Enabled=TRUE", "Tags!=x"},
			want: "[Filter(key='Enabled', values=[True])] - [Filter(key='Tags', values=['x'])]"},
		{name: "unknown key", args: []string{"Nope=1"}, err: `"Nope" is not a key`},
		{name: "no value separator", args: []string{"RuleID"}, err: "expected KEY=VALUE"},
		{name: "Enabled needs a bool", args: []string{"Enabled=maybe"}, err: "Enabled takes true or false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := parseFilters(c.args)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := fs.String(); got != c.want {
				t.Errorf("filters\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestFiltersApply(t *testing.T) {
	spec := func(id string, raw map[string]any) analysis.Spec {
		raw["RuleID"] = id
		return &analysis.Detection{Header: analysis.Header{Type: analysis.TypeRule, ID: id, WalkDir: "./rules", Raw: raw}}
	}
	specs := []analysis.Spec{
		spec("A", map[string]any{"Status": "Experimental", "Enabled": true}),
		spec("B", map[string]any{"Status": "deprecated", "Enabled": true}),
		spec("C", map[string]any{"Enabled": false, "Tags": []any{"Okta", "x"}}),
		spec("D", map[string]any{"Enabled": true, "Status": "stable"}),
		&analysis.Global{Header: analysis.Header{Type: analysis.TypeGlobal, ID: "g", WalkDir: "./global_helpers", Raw: map[string]any{}}},
	}
	cases := []struct {
		args []string
		want string
	}{
		{nil, "A B C D g"},
		{[]string{"Enabled=true"}, "A B D g"},
		{[]string{"Status!=experimental,deprecated"}, "C D g"},
		{[]string{"Status=experimental,deprecated"}, "A B g"},
		{[]string{"Tags=okta"}, "C g"},
		{[]string{"Tags!=OKTA"}, "A B D g"},
	}
	for _, c := range cases {
		fs, err := parseFilters(c.args)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range specs {
			if fs.all().Keep(s) {
				got = append(got, s.Meta().ID)
			}
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("filters %v keep %v, want %s", c.args, got, c.want)
		}
	}
}

func FuzzParseFilters(f *testing.F) {
	for _, s := range []string{"RuleID=A,B", "Status!=x", "Enabled=true", "Tags=a=b", "=x", "Severity=", "LogTypes!=,,"} {
		f.Add(s, "Severity=High")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		fs, err := parseFilters([]string{a, b})
		if err != nil {
			return
		}
		// Every filter key is unique per direction.
		seen := map[string]bool{}
		for _, f := range fs.all() {
			k := f.Key + map[bool]string{true: "!", false: ""}[f.Negate]
			if seen[k] {
				t.Fatalf("duplicate filter %s in %s", k, fs)
			}
			seen[k] = true
		}
		if s := fs.String(); !strings.HasPrefix(s, "[") || !strings.HasSuffix(s, "]") {
			t.Fatalf("bad repr %s", s)
		}
	})
}

func TestPickData(t *testing.T) {
	cases := []struct {
		name string
		test analysis.Test
		want string // "" = missing
	}{
		{name: "log", test: analysis.Test{Log: map[string]any{"b": 1, "a": 2}, DataJSON: json.RawMessage(`{"b":1,"a":2}`)}, want: `{"b":1,"a":2}`},
		{name: "resource wins", test: analysis.Test{Resource: map[string]any{"x": 1}, Log: map[string]any{"y": 1}, DataJSON: json.RawMessage(`{"x":1}`)}, want: `{"x":1}`},
		{name: "empty resource falls back to log", test: analysis.Test{Resource: map[string]any{}, Log: map[string]any{"y": int64(1)}, DataJSON: json.RawMessage(`{}`)}, want: `{"y":1}`},
		{name: "null resource falls back to log", test: analysis.Test{Log: map[string]any{"y": true}, DataJSON: json.RawMessage(`null`)}, want: `{"y":true}`},
		{name: "empty resource and no log", test: analysis.Test{Resource: []any{}, DataJSON: json.RawMessage(`[]`)}},
		{name: "nothing", test: analysis.Test{}},
		{name: "null log", test: analysis.Test{DataJSON: json.RawMessage(`null`)}, want: "null"},
		{name: "string log", test: analysis.Test{Log: "s", DataJSON: json.RawMessage(`"s"`)}, want: `"s"`},
	}
	for _, c := range cases {
		got := pickData(c.test)
		if string(got.raw) != c.want || (c.want == "") != (got.raw == nil) {
			t.Errorf("%s: pickData = %q, want %q", c.name, got.raw, c.want)
		}
	}
}

// simpleDetection compiles a YAML-like detection body for evalSimple.
func simpleDetection(t testing.TB, body any, filters any, opts ...simpledetect.Option) *analysis.Detection {
	t.Helper()
	sd, err := simpledetect.Compile(body, opts...)
	if err != nil {
		t.Fatal(err)
	}
	d := &analysis.Detection{Header: analysis.Header{Type: analysis.TypeRule, ID: "S"}, Simple: sd}
	if filters != nil {
		if d.Filters, err = simpledetect.CompileFilters(filters); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestEvalSimple(t *testing.T) {
	body := []any{map[string]any{"KeyPath": "action", "Condition": "Equals", "Value": "login"}}
	ctxSpec := []any{
		map[string]any{"KeyName": "z", "KeyValue": map[string]any{"KeyPath": "user"}},
		map[string]any{"KeyName": "a", "KeyValue": map[string]any{"KeyPath": "n"}},
	}
	d := simpleDetection(t, body, []any{map[string]any{"KeyPath": "env", "Condition": "Equals", "Value": "prod"}},
		simpledetect.WithAlertTitle("Login by {user}"),
		simpledetect.WithGroupBy([]any{map[string]any{"KeyPath": "user"}}),
		simpledetect.WithAlertContext(ctxSpec),
		simpledetect.WithDynamicSeverities([]any{map[string]any{"ChangeTo": "Critical",
			"Conditions": []any{map[string]any{"KeyPath": "user", "Condition": "Equals", "Value": "root"}}}}),
	)
	d.AlertContext = ctxSpec
	test := func(expected bool, log string) analysis.Test {
		var v any
		if err := json.Unmarshal([]byte(log), &v); err != nil {
			t.Fatal(err)
		}
		return analysis.Test{Name: "T", ExpectedResult: expected, Log: v, DataJSON: json.RawMessage(log)}
	}
	cases := []struct {
		name     string
		test     analysis.Test
		suppress bool
		want     string
	}{
		{name: "match prints outputs", test: test(true, `{"action":"login","env":"prod","user":"bob","n":1.50}`),
			want: `PASS|rule:PASS:true|title:PASS:Login by bob|dedup:PASS:bob|alertContext:PASS:{"z": "bob", "a": 1.5}`},
		{name: "dynamic severity", test: test(true, `{"action":"login","env":"prod","user":"root"}`),
			want: `PASS|rule:PASS:true|title:PASS:Login by root|dedup:PASS:root|alertContext:PASS:{"z": "root", "a": null}|severity:PASS:CRITICAL`},
		{name: "signal keeps only the alert context", test: test(true, `{"action":"login","env":"prod","user":"root"}`), suppress: true,
			want: `PASS|rule:PASS:true|alertContext:PASS:{"z": "root", "a": null}`},
		{name: "expected false", test: test(false, `{"action":"logout","env":"prod"}`), want: `PASS|rule:PASS:false`},
		{name: "unexpected match", test: test(false, `{"action":"login","env":"prod"}`), want: `FAIL|rule:FAIL:true|S:T:rule`},
		{name: "filtered out", test: test(false, `{"action":"login","env":"dev"}`), want: `PASS|rule:PASS:false`},
		{name: "filtered out but expected", test: test(true, `{"action":"login","env":"dev"}`), want: `FAIL|rule:FAIL:false|S:T:rule`},
		{name: "not a mapping", test: test(false, `["a"]`), want: `FAIL|warn:AttributeError: {'list' object has no attribute 'get'}|S:T`},
		{name: "no log", test: analysis.Test{Name: "T"}, want: `FAIL|warn:AttributeError: {'Log'}|S:T`},
	}
	for _, c := range cases {
		res := evalSimple(d, c.test, c.suppress)
		parts := []string{map[bool]string{true: "PASS", false: "FAIL"}[res.Passed]}
		if res.Warning != "" {
			parts = append(parts, "warn:"+res.Warning)
		}
		for _, f := range res.Functions {
			parts = append(parts, f.Name+":"+map[bool]string{true: "PASS", false: "FAIL"}[f.Passed]+":"+f.Text)
		}
		for _, f := range res.Failures {
			parts = append(parts, "S:"+f)
		}
		if got := strings.Join(parts, "|"); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 1200)
	got := truncate(long)
	if n := len([]rune(got)); n != 1000 || !strings.HasSuffix(got, truncSuffix) {
		t.Errorf("truncate kept %d runes, suffix %v", n, strings.HasSuffix(got, truncSuffix))
	}
	if s := strings.Repeat("x", 1000); truncate(s) != s {
		t.Error("a 1000-character title was truncated")
	}
}
