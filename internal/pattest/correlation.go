package pattest

import (
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/correlate"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// correlationCases runs a correlation rule's tests in Go (package correlate), which
// panther_analysis_tool can only do on a Panther backend. Each test prints the [rule] line
// (whether the rule matched the test's RuleOutputs) and, when it matched, the [dedup] string
// of the alert it would raise; a test that cannot run prints why on its [rule] line.
func correlationCases(d *analysis.Detection, names []string) ([]testCase, error) {
	results, err := correlate.RunTests(d, names)
	if err != nil {
		return nil, err
	}
	cases := make([]testCase, len(results))
	for i, res := range results {
		tr := pyrun.TestResult{Name: res.Name, Passed: res.Passed}
		if res.Error != "" {
			tr.Functions = []pyrun.FunctionResult{{Name: "rule", Text: res.Error}}
		} else {
			tr.Functions = []pyrun.FunctionResult{{Name: "rule", Passed: res.Passed, Text: boolText(res.Matched)}}
			if res.Matched {
				tr.Functions = append(tr.Functions, pyrun.FunctionResult{Name: "dedup", Passed: true, Text: res.Occurrences[0].Dedup(d.ID)})
			}
		}
		for _, f := range tr.Functions {
			if !f.Passed {
				tr.Failures = append(tr.Failures, res.Name+":"+f.Name)
			}
		}
		cases[i] = testCase{decided: true, result: tr}
	}
	return cases, nil
}
