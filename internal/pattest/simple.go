package pattest

import (
	"strings"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// maxField is panther_core's limit on title and dedup; longer outputs keep
// their first 985 characters and get truncSuffix.
const (
	maxField    = 1000
	truncSuffix = "... (truncated)"
)

// evalSimple runs one test of a YAML simple detection with the Go
// evaluator and reports it the way PAT reports a Python rule: the matcher
// output, and on tests that expect an alert the generated title, dedup
// string, alert context and dynamic severity. An event the InlineFilters
// reject makes the detection return False without generating anything.
func evalSimple(d *analysis.Detection, t analysis.Test, suppress bool) pyrun.TestResult {
	data := pickData(t)
	if data.raw == nil {
		return warningResult(t.Name, missingLogWarning)
	}
	v, _ := data.decode()
	ev, isMap := v.(map[string]any)
	if !isMap {
		return warningResult(t.Name, "AttributeError: {'"+pyTypeName(v)+"' object has no attribute 'get'}")
	}
	passFilters := d.Filters == nil || d.Filters.Match(ev)
	out := passFilters && d.Simple.Match(ev)
	res := pyrun.TestResult{Name: t.Name}
	res.Functions = append(res.Functions, pyrun.FunctionResult{Name: "rule", Passed: out == t.ExpectedResult, Text: boolText(out)})
	if t.ExpectedResult {
		res.Passed = out
		if passFilters {
			res.Functions = append(res.Functions, simpleOutputs(d, ev, suppress)...)
		}
	} else {
		res.Passed = !out
	}
	for _, f := range res.Functions {
		if !f.Passed {
			res.Failures = append(res.Failures, t.Name+":"+f.Name)
		}
	}
	return res
}

// simpleOutputs are the generated alert fields in PAT's print order:
// title, dedup, alertContext, severity. A signal (CreateAlert: false)
// keeps only the alert context, as PAT clears the others.
func simpleOutputs(d *analysis.Detection, ev map[string]any, suppress bool) []pyrun.FunctionResult {
	var out []pyrun.FunctionResult
	if title, ok := d.Simple.Title(ev); ok && !suppress {
		out = append(out, pyrun.FunctionResult{Name: "title", Passed: true, Text: truncate(title)})
	}
	if dedup, ok := d.Simple.Dedup(ev); ok && !suppress {
		out = append(out, pyrun.FunctionResult{Name: "dedup", Passed: true, Text: truncate(dedup)})
	}
	if ctx := d.Simple.AlertContext(ev); ctx != nil {
		out = append(out, pyrun.FunctionResult{Name: "alertContext", Passed: true, Text: alertContextJSON(d.AlertContext, ctx)})
	}
	// A dynamic severity of Default (or none matching) is the configured
	// severity, which PAT does not pass to tests: nothing is printed.
	if sev := d.Simple.Severity(ev, ""); sev != "" && !suppress {
		out = append(out, pyrun.FunctionResult{Name: "severity", Passed: true, Text: strings.ToUpper(sev)})
	}
	return out
}

// alertContextJSON encodes the alert context like json.dumps, with the
// keys in the order of the AlertContext list.
func alertContextJSON(spec any, ctx map[string]any) string {
	var names []string
	if list, ok := spec.([]any); ok {
		for _, e := range list {
			if m, ok := e.(map[string]any); ok {
				if n, ok := m["KeyName"].(string); ok {
					if _, have := ctx[n]; have && !contains(names, n) {
						names = append(names, n)
					}
				}
			}
		}
	}
	if len(names) != len(ctx) {
		return string(appendPyJSON(nil, ctx))
	}
	b := []byte{'{'}
	for i, n := range names {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendPyJSONString(b, n)
		b = append(b, ": "...)
		b = appendPyJSON(b, ctx[n])
	}
	return string(append(b, '}'))
}

func truncate(s string) string {
	if len([]rune(s)) <= maxField {
		return s
	}
	return string([]rune(s)[:maxField-len(truncSuffix)]) + truncSuffix
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
