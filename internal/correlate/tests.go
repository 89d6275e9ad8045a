package correlate

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
)

// TestResult is the outcome of one unit test of a correlation rule.
type TestResult struct {
	Name string
	// Passed: the rule matched exactly when the test expects it to.
	Passed bool
	// Matched: the rule found an occurrence in the test's matches.
	Matched bool
	// Error says why the test could not run (its RuleOutputs name no member, a time does not
	// parse); the test then fails.
	Error string
	// Occurrences are what the rule found.
	Occurrences []Occurrence
}

// testBase is the time integer offsets count from when a test gives no timestamp.
var testBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// RunTests runs the Tests of a loaded correlation rule, or those named in names (all when
// names is empty), in YAML order.
//
// Each test lists the matches of the member rules (RuleOutputs): for a member ID, for a field
// path, for a value, the times of the matches carrying that value. A time is a number of
// minutes (from the earliest timestamp of the test, else from 2024-01-01T00:00:00Z) or a
// timestamp (RFC 3339, or "2006-01-02 15:04:05" in UTC). The rule is evaluated once, over the
// lookback window that ends with the test's last match, as a complete window: an Absence is
// decided on the matches given.
func RunTests(d *analysis.Detection, names []string) ([]TestResult, error) {
	r, err := Compile(d)
	if err != nil {
		return nil, err
	}
	var out []TestResult
	for _, t := range d.Tests {
		if len(names) > 0 && !hasValue(names, t.Name) {
			continue
		}
		res := TestResult{Name: t.Name}
		w, err := r.testWindow(t)
		if err != nil {
			res.Error = err.Error()
		} else {
			res.Occurrences = r.Evaluate(w)
			res.Matched = len(res.Occurrences) > 0
			res.Passed = res.Matched == t.ExpectedResult
		}
		out = append(out, res)
	}
	return out, nil
}

// TestYAML loads one correlation rule spec and runs its tests: the entry point behind the
// API's testCorrelationRuleYAML. The error reports a spec that does not load (every problem,
// with line and key) or is not a correlation rule.
func TestYAML(yaml []byte) ([]TestResult, error) {
	col, err := analysis.LoadBytes("correlation_rule.yml", yaml, analysis.Options{})
	if err != nil {
		return nil, err
	}
	if len(col.Invalid) > 0 {
		return nil, errors.New(col.Invalid[0].Error())
	}
	for _, d := range col.Detections {
		if d.Type == analysis.TypeCorrelationRule {
			return RunTests(d, nil)
		}
	}
	return nil, errors.New("correlate: the YAML is not a correlation rule (AnalysisType: correlation_rule)")
}

// testMatch is one match a test lists.
type testMatch struct {
	member int
	t      time.Time
	fields map[string][]string
}

// testWindow turns a test's RuleOutputs into the window the rule is evaluated over.
func (r *Rule) testWindow(t analysis.Test) (*Window, error) {
	var raws []struct {
		members []int
		path    string
		value   string
		times   []any
		where   string
	}
	for i, ro := range t.RuleOutputs {
		members := r.membersNamed(ro.ID)
		if len(members) == 0 {
			return nil, fmt.Errorf("RuleOutputs[%d].ID %q is not a member of the correlation rule (its members are %s)", i, ro.ID, r.memberList())
		}
		if ro.Matches == nil {
			continue
		}
		byPath, ok := ro.Matches.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("RuleOutputs[%d].Matches: expected a mapping of field paths to {value: [times]}", i)
		}
		for _, path := range sortedKeys(byPath) {
			byValue, ok := byPath[path].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("RuleOutputs[%d].Matches.%s: expected a mapping of values to lists of times", i, path)
			}
			for _, v := range sortedKeys(byValue) {
				times, ok := byValue[v].([]any)
				if !ok {
					return nil, fmt.Errorf("RuleOutputs[%d].Matches.%s.%s: expected a list of times (minutes or timestamps)", i, path, v)
				}
				raws = append(raws, struct {
					members []int
					path    string
					value   string
					times   []any
					where   string
				}{members, path, v, times, fmt.Sprintf("RuleOutputs[%d].Matches.%s.%s", i, path, v)})
			}
		}
	}
	base := testBase
	first := true
	for _, raw := range raws {
		for _, tv := range raw.times {
			if s, ok := tv.(string); ok {
				ts, err := parseTime(s)
				if err == nil && (first || ts.Before(base)) {
					base, first = ts, false
				}
			}
		}
	}
	// A match is one (member, time, occurrence at that time); the fields of several paths
	// at the same time and position belong to one match.
	type slot struct {
		member int
		t      int64
		n      int
	}
	matches := map[slot]*testMatch{}
	var order []slot
	for _, raw := range raws {
		seen := map[int64]int{}
		for j, tv := range raw.times {
			ts, err := testTime(tv, base)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %v", raw.where, j, err)
			}
			k := seen[ts.UnixNano()]
			seen[ts.UnixNano()]++
			for _, m := range raw.members {
				sl := slot{m, ts.UnixNano(), k}
				tm := matches[sl]
				if tm == nil {
					tm = &testMatch{member: m, t: ts, fields: map[string][]string{}}
					matches[sl] = tm
					order = append(order, sl)
				}
				if !hasValue(tm.fields[raw.path], raw.value) {
					tm.fields[raw.path] = append(tm.fields[raw.path], raw.value)
				}
			}
		}
	}
	w := &Window{Complete: true, Signals: make([][]*Signal, len(r.Members))}
	if len(order) == 0 {
		return w, nil
	}
	end := int64(0)
	for i, sl := range order {
		if i == 0 || sl.t > end {
			end = sl.t
		}
	}
	w.End = end + 1
	w.Start = end - int64(r.Lookback)
	for i, sl := range order {
		tm := matches[sl]
		if sl.t < w.Start {
			continue // before the lookback window
		}
		m := r.Members[tm.member]
		w.Signals[tm.member] = append(w.Signals[tm.member], &Signal{
			Seq: int64(i + 1), RuleID: m.RuleID, Time: sl.t, Fields: tm.fields,
			Key: fmt.Sprintf("test:%s:%d:%d", m.ID, sl.t, sl.n), RowID: fmt.Sprintf("test-%d", i+1),
		})
	}
	return w, nil
}

// membersNamed returns the members a RuleOutputs ID names: the member with that ID, else
// the members of that RuleID.
func (r *Rule) membersNamed(id string) []int {
	for i, m := range r.Members {
		if m.ID == id {
			return []int{i}
		}
	}
	var out []int
	for i, m := range r.Members {
		if m.RuleID == id {
			out = append(out, i)
		}
	}
	return out
}

func (r *Rule) memberList() string {
	ids := make([]string, len(r.Members))
	for i, m := range r.Members {
		ids[i] = fmt.Sprintf("%q", m.ID)
	}
	return strings.Join(ids, ", ")
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// testTime reads a test time: minutes from base, or a timestamp.
func testTime(v any, base time.Time) (time.Time, error) {
	switch x := v.(type) {
	case int64:
		return base.Add(time.Duration(x) * time.Minute), nil
	case float64:
		return base.Add(time.Duration(x * float64(time.Minute))), nil
	case string:
		return parseTime(x)
	}
	return time.Time{}, fmt.Errorf("expected minutes (a number) or a timestamp, got %v", v)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (expected RFC 3339, e.g. 2024-06-01T10:00:00Z)", s)
}
