package pyrun

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func abs(t *testing.T, path string) string {
	a, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fr(name string, passed bool, text string) FunctionResult {
	return FunctionResult{Name: name, Passed: passed, Text: text}
}

func TestRunTests(t *testing.T) {
	p := newPool(t, Options{Workers: 2}, testContent(t))
	longDesc := strings.Repeat("x", 985) + "... (truncated)"
	cases := []struct {
		name  string
		det   string
		opts  TestOptions
		tests []TestCase
		want  []TestResult
	}{
		{
			name: "aux outputs, severity and truncation",
			det:  "Basic.Rule",
			tests: []TestCase{{
				Name: "admin", ExpectedResult: true,
				Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"root"}}`),
			}, {
				Name: "default severity", ExpectedResult: true,
				Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"admin"},"p_log_type":"Test.Default","dest":["a"]}`),
			}, {
				Name: "not admin", ExpectedResult: false,
				Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"bob"}}`),
			}},
			want: []TestResult{{
				Name: "admin", Passed: true,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, "Admin login by root"),
					fr("dedup", true, "Admin login by root"),
					fr("alertContext", true, `{"user": {"userName": "root"}, "n": 1}`),
					fr("description", true, longDesc),
					fr("severity", true, "HIGH"),
				},
			}, {
				// Severity DEFAULT is None in tests: not printed. Unknown
				// destinations are ignored without --available-destination.
				Name: "default severity", Passed: true,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, "Admin login by admin"),
					fr("dedup", true, "Admin login by admin"),
					fr("alertContext", true, `{"user": {"userName": "admin"}, "n": 1}`),
					fr("description", true, longDesc),
				},
			}, {
				Name: "not admin", Passed: true,
				Functions: []FunctionResult{fr("rule", true, "false")},
			}},
		},
		{
			name: "available destinations make unknown names errors",
			det:  "Basic.Rule",
			opts: TestOptions{AvailableDestinations: []string{"b"}},
			tests: []TestCase{{
				Name: "unknown", ExpectedResult: true,
				Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"root"},"dest":["a"]}`),
			}},
			want: []TestResult{{
				Name: "unknown", Passed: false,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, "Admin login by root"),
					fr("dedup", true, "Admin login by root"),
					fr("alertContext", true, `{"user": {"userName": "root"}, "n": 1}`),
					fr("description", true, longDesc),
					fr("severity", true, "HIGH"),
					fr("destinations", false, "UnknownDestinationError: Invalid Destinations: ['a']"),
				},
				Failures: []string{"unknown:destinations"},
			}},
		},
		{
			name: "mocks: string and bool values, missing name",
			det:  "Mocked.Rule",
			tests: []TestCase{{
				Name: "new user", ExpectedResult: true, Data: json.RawMessage(`{"user":"bob"}`),
				Mocks: []Mock{{ObjectName: "get_string_set", ReturnValue: `["alice"]`}},
			}, {
				Name: "known user", ExpectedResult: false, Data: json.RawMessage(`{"user":"alice"}`),
				Mocks: []Mock{{ObjectName: "get_string_set", ReturnValue: `["alice"]`}},
			}, {
				Name: "no such name", ExpectedResult: true, Data: json.RawMessage(`{"user":"bob"}`),
				Mocks: []Mock{{ObjectName: "get_string_set", ReturnValue: `[]`}, {ObjectName: "no_such_name", ReturnValue: true}},
			}, {
				// The rule stores the mock's value in ENABLED; the patch restores
				// the original when the test ends.
				Name: "disabled by bool mock", ExpectedResult: false, Data: json.RawMessage(`{"user":"bob"}`),
				Mocks: []Mock{{ObjectName: "ENABLED", ReturnValue: false}},
			}, {
				Name: "enabled again", ExpectedResult: true, Data: json.RawMessage(`{"user":"carol"}`),
				Mocks: []Mock{{ObjectName: "get_string_set", ReturnValue: `[]`}},
			}},
			want: []TestResult{{
				Name: "new user", Passed: true,
				Functions: []FunctionResult{fr("rule", true, "true"), fr("dedup", true, "defaultDedupString:Mocked.Rule")},
			}, {
				Name: "known user", Passed: true, Functions: []FunctionResult{fr("rule", true, "false")},
			}, {
				Name: "no such name", Failures: []string{"no such name"},
				Warning: "AttributeError: {<module 'Mocked.Rule' from '" + abs(t, "testdata/content/mocked_rule.py") + "'> does not have the attribute 'no_such_name'}",
			}, {
				Name: "disabled by bool mock", Passed: true, Functions: []FunctionResult{fr("rule", true, "false")},
			}, {
				Name: "enabled again", Passed: true, Functions: []FunctionResult{fr("rule", true, "true"), fr("dedup", true, "defaultDedupString:Mocked.Rule")},
			}},
		},
		{
			name: "module state and captured output",
			det:  "Stateful.Rule",
			tests: []TestCase{
				{Name: "first", ExpectedResult: false, Data: json.RawMessage(`{"id":1}`)},
				{Name: "second", ExpectedResult: true, Data: json.RawMessage(`{"id":2}`)},
			},
			want: []TestResult{
				{Name: "first", Passed: true, Functions: []FunctionResult{fr("rule", true, "false")}, Output: "call 1 for 1\n"},
				{Name: "second", Passed: true, Output: "call 2 for 2\n", Functions: []FunctionResult{
					fr("rule", true, "true"), fr("dedup", true, "defaultDedupString:Stateful.Rule")}},
			},
		},
		{
			name: "aux errors fail only expected-alert tests",
			det:  "AuxError.Rule",
			tests: []TestCase{
				{Name: "alerting", ExpectedResult: true, Data: json.RawMessage(`{"match":true}`)},
				{Name: "quiet", ExpectedResult: false, Data: json.RawMessage(`{"match":false}`)},
				{Name: "wrong", ExpectedResult: true, Data: json.RawMessage(`{"match":false}`)},
			},
			want: []TestResult{{
				Name: "alerting",
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", false, "ZeroDivisionError: division by zero"),
					fr("dedup", false, "FunctionReturnTypeError: detection [AuxError.Rule] function [dedup] returned [int], expected [str]"),
				},
				Failures: []string{"alerting:title", "alerting:dedup"},
			}, {
				Name: "quiet", Passed: true, Functions: []FunctionResult{fr("rule", true, "false")},
			}, {
				Name:      "wrong",
				Functions: []FunctionResult{fr("rule", false, "false"), fr("title", false, "ZeroDivisionError: division by zero"), fr("dedup", false, "FunctionReturnTypeError: detection [AuxError.Rule] function [dedup] returned [int], expected [str]")},
				Failures:  []string{"wrong:rule", "wrong:title", "wrong:dedup"},
			}},
		},
		{
			name:  "non-bool return",
			det:   "NonBool.Rule",
			tests: []TestCase{{Name: "none", ExpectedResult: false, Data: json.RawMessage(`{}`)}},
			want: []TestResult{{
				Name:      "none",
				Functions: []FunctionResult{fr("rule", false, "FunctionReturnTypeError: detection [NonBool.Rule] function [rule] returned [NoneType], expected [bool]")},
				Failures:  []string{"none:rule"},
			}},
		},
		{
			name: "udm paths, methods and multiple matches",
			det:  "UDM.Rule",
			tests: []TestCase{{
				Name: "mapped", ExpectedResult: true,
				Data: json.RawMessage(`{"p_log_type":"Test.UDM","net":{"src":"10.0.0.1"},"who":{"name":"eve"},"deep":{"x":1},"p_custom":"from-raw","items":[{"name":"one"}]}`),
			}, {
				Name: "multiple matches", ExpectedResult: true,
				Data: json.RawMessage(`{"p_log_type":"Test.UDM","net":{"src":"10.0.0.1"},"who":{"name":"eve"},"items":[{"name":"one"},{"name":"two"}]}`),
			}, {
				// Without p_log_type there is no data model: udm falls back to the raw event.
				Name: "no data model", ExpectedResult: true,
				Data: json.RawMessage(`{"source_ip":"10.0.0.1"}`),
			}},
			want: []TestResult{{
				Name: "mapped", Passed: true,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, "EVE via net.src and get_actor"),
					fr("dedup", true, "EVE via net.src and get_actor"),
					fr("alertContext", true, `{"nested": {"x": 1}, "fallback": "from-raw", "items": "one"}`),
				},
			}, {
				Name: "multiple matches",
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, "EVE via net.src and get_actor"),
					fr("dedup", true, "EVE via net.src and get_actor"),
					fr("alertContext", false, "Exception: JSONPath [$.items[*].name] in DataModel [Test.UDM.Model], matched multiple fields."),
				},
				Failures: []string{"multiple matches:alertContext"},
			}, {
				Name: "no data model",
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", false, "PantherError: a data model hasn't been specified for log type: None"),
					fr("dedup", true, "defaultDedupString:UDM.Rule"),
					fr("alertContext", true, `{"nested": null, "fallback": null, "items": null}`),
				},
				Failures: []string{"no data model:title"},
			}},
		},
		{
			name:  "deep_walk modes",
			det:   "DeepWalk.Rule",
			tests: []TestCase{{Name: "walk", ExpectedResult: true, Data: json.RawMessage(`{"records":[{"tags":[{"key":"a"},{"key":"b"}],"only":"x"},{"tags":[{"key":"a"},{"key":"c"}]}],"nullish":null,"zero":0}`)}},
			want: []TestResult{{
				Name: "walk", Passed: true,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("dedup", true, "defaultDedupString:DeepWalk.Rule"),
					fr("alertContext", true, `{"all": ["a", "b", "c"], "first": "a", "last": "c", "single": "x", "missing": "dflt", "bogus": "all", "deep_get_none": "was-none", "deep_get_falsy": 0}`),
				},
			}},
		},
		{
			name:  "long title and alert_context overflow",
			det:   "Overflow.Rule",
			tests: []TestCase{{Name: "big", ExpectedResult: true, Data: json.RawMessage(`{}`)}},
			want: []TestResult{{
				Name: "big", Passed: true,
				Functions: []FunctionResult{
					fr("rule", true, "true"),
					fr("title", true, strings.Repeat("T", 985)+"... (truncated)"),
					fr("dedup", true, strings.Repeat("T", 985)+"... (truncated)"),
					fr("alertContext", true, `{"_error": "alert_context size is [300011] characters, bigger than maximum of [204800] characters"}`),
				},
			}},
		},
		{
			name: "policy gets a plain dict",
			det:  "Policy.Check",
			tests: []TestCase{
				{Name: "encrypted", ExpectedResult: true, Data: json.RawMessage(`{"Name":"b1","Encrypted":true}`)},
				{Name: "plain", ExpectedResult: false, Data: json.RawMessage(`{"Name":"b2"}`)},
			},
			want: []TestResult{
				{Name: "encrypted", Passed: true, Functions: []FunctionResult{fr("policy", true, "true")}},
				{Name: "plain", Passed: true, Functions: []FunctionResult{
					fr("policy", true, "false"), fr("title", true, "Unencrypted b2"), fr("dedup", true, "Unencrypted b2")}},
			},
		},
		{
			name:  "scheduled rule without rule() always matches and gets no data model",
			det:   "Sched.NoRule",
			tests: []TestCase{{Name: "row", ExpectedResult: true, Data: json.RawMessage(`{"id":7,"p_log_type":"Test.UDM"}`)}},
			want: []TestResult{{Name: "row", Passed: true, Functions: []FunctionResult{
				fr("rule", true, "true"), fr("title", true, "row 7 has model True"), fr("dedup", true, "row 7 has model True")}}},
		},
		{
			name:  "CreateAlert false clears printed outputs but not alertContext",
			det:   "Signal.Rule",
			tests: []TestCase{{Name: "sig", ExpectedResult: true, Data: json.RawMessage(`{"eventName":"ConsoleLogin","userIdentity":{"userName":"root"}}`)}},
			want: []TestResult{{Name: "sig", Passed: true, Functions: []FunctionResult{
				fr("rule", true, "true"), fr("alertContext", true, `{"user": {"userName": "root"}, "n": 1}`)}}},
		},
		{
			name:  "data that is not a mapping",
			det:   "Hit.Rule",
			tests: []TestCase{{Name: "list", ExpectedResult: true, Data: json.RawMessage(`[1]`)}},
			want:  []TestResult{{Name: "list", Failures: []string{"list"}, Warning: "AttributeError: {'list' object has no attribute 'get'}"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := p.RunTests(context.Background(), tc.det, tc.tests, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if len(got[i].Failures) == 0 {
					got[i].Failures = nil
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(tc.want, "", "  ")
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestRunTestsSetupErrors(t *testing.T) {
	p := newPool(t, Options{Workers: 1}, testContent(t))
	py := p.python
	for _, tc := range []struct{ id, want string }{
		{"ImportError.Rule", "testdata/content/import_error_rule.py:1: ModuleNotFoundError: No module named 'not_a_real_module_xyz'\n" +
			"rule ImportError.Rule imports not_a_real_module_xyz, which is not installed in " + py + ": install it with `" + py +
			" -m pip install not-a-real-module-xyz` (or your distribution's package)"},
		{"Missing.Rule", "testdata/content/missing_rule.py: AssertionError: detection needs to have a method named 'rule'"},
	} {
		_, err := p.RunTests(context.Background(), tc.id, []TestCase{{Name: "x", Data: json.RawMessage(`{}`)}}, TestOptions{})
		var se *SetupError
		if !errors.As(err, &se) || se.Error() != tc.want {
			t.Errorf("%s: got %v, want %q", tc.id, err, tc.want)
		}
		if got := p.SetupErrors()[tc.id]; got != tc.want {
			t.Errorf("SetupErrors()[%s] = %q, want %q", tc.id, got, tc.want)
		}
	}
	if n := len(p.SetupErrors()); n != 2 {
		t.Errorf("SetupErrors has %d entries, want 2: %v", n, p.SetupErrors())
	}
}
