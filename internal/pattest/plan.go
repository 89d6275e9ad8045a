package pattest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// state says how a detection is handled.
type state int

const (
	// stateGo: evaluated in Go (a simple detection), results ready at plan
	// time; also a detection whose setup failed before any Python ran.
	stateGo state = iota
	// statePython: tests run on the Python workers.
	statePython
	// stateDisabled: skipped by --skip-disabled-tests.
	stateDisabled
	// stateNoTestName: skipped because none of its tests is named by
	// --test-names.
	stateNoTestName
	// stateBaseMissing: a derived rule whose base is not among the tested
	// specs; PAT warns and moves on.
	stateBaseMissing
)

// item is one detection under test.
type item struct {
	// d is the detection as loaded; eff the one that runs (a derived rule
	// resolved against its base, with d's ID).
	d, eff *analysis.Detection
	state  state
	// tests are the detection's tests (a derived rule without Tests
	// inherits its base's); hasTests is false when there is no Tests key.
	tests    []analysis.Test
	hasTests bool
	// cases are the tests that run (all, or those --test-names selects),
	// in YAML order.
	cases    []testCase
	setupErr error
	// err is a failure of the run itself (the worker pool broke).
	err  error
	done chan struct{}
}

// testCase is one test to run: decided in Go, or sent to Python.
type testCase struct {
	decided bool
	pyCase  pyrun.TestCase
	result  pyrun.TestResult
}

// plan is what a run does, in PAT's order: Python detections, correlation
// and derived rules in load order, then the simple detections.
type plan struct {
	items      []*item
	content    pyrun.Content
	dataModels []*analysis.DataModel
}

// needPython reports whether any detection or data model needs CPython.
func (p *plan) needPython() bool {
	if len(p.content.Detections) > 0 {
		return true
	}
	for _, dm := range p.content.DataModels {
		if dm.Module != nil {
			return true
		}
	}
	return false
}

// isSimple is PAT's is_simple_detection: a Detection key on anything but a
// correlation rule or a policy.
func isSimple(d *analysis.Detection) bool {
	return d.Detection != nil && d.Type != analysis.TypeCorrelationRule && d.Type != analysis.TypePolicy
}

// plan sorts the kept specs into the detections to test and the Python
// content the workers load.
func (r *runner) plan(kept []analysis.Spec) *plan {
	p := &plan{}
	var dets, simples []*analysis.Detection
	for _, s := range kept {
		switch x := s.(type) {
		case *analysis.Detection:
			if isSimple(x) {
				simples = append(simples, x)
			} else {
				dets = append(dets, x)
			}
		case *analysis.Global:
			p.content.Globals = append(p.content.Globals, pyrun.Module{Name: x.ID, Path: x.PythonPath, Source: x.PythonSource})
		case *analysis.DataModel:
			if !x.Enabled {
				continue
			}
			p.dataModels = append(p.dataModels, x)
			p.content.DataModels = append(p.content.DataModels, pyDataModel(x))
		}
	}
	order := append(dets, simples...)
	// PAT looks a derived rule's base up among the tested detections by
	// RuleID, taking the first.
	byRuleID := map[string]*analysis.Detection{}
	for _, d := range order {
		if d.Type != analysis.TypePolicy {
			if _, dup := byRuleID[d.ID]; !dup {
				byRuleID[d.ID] = d
			}
		}
	}
	for _, d := range order {
		it := r.planOne(d, byRuleID)
		if it.state == statePython {
			p.content.Detections = append(p.content.Detections, pyDetection(it.eff))
		}
		p.items = append(p.items, it)
	}
	return p
}

func (r *runner) planOne(d *analysis.Detection, byRuleID map[string]*analysis.Detection) *item {
	it := &item{d: d, eff: d, tests: d.Tests, hasTests: d.HasTests, done: make(chan struct{})}
	if r.o.SkipDisabledTests && d.Raw["Enabled"] != true {
		it.state = stateDisabled
		return it
	}
	if len(r.o.TestNames) > 0 && !anyNamed(d.Tests, r.o.TestNames) {
		it.state = stateNoTestName
		return it
	}
	if d.Type == analysis.TypeCorrelationRule {
		it.state = stateGo
		it.cases, it.setupErr = correlationCases(d, r.o.TestNames)
		return it
	}
	suppress := false
	if v, ok := d.Raw["CreateAlert"].(bool); ok {
		suppress = !v
	}
	if d.IsDerived() {
		base := byRuleID[d.BaseDetection]
		if base == nil || base.Type == analysis.TypeCorrelationRule {
			it.state = stateBaseMissing
			return it
		}
		if !d.HasTests && len(base.Tests) > 0 {
			it.tests, it.hasTests = base.Tests, true
		}
		it.eff = derive(d, base, suppress)
	}
	var sel []analysis.Test
	for _, t := range it.tests {
		if len(r.o.TestNames) == 0 || contains(r.o.TestNames, t.Name) {
			sel = append(sel, t)
		}
	}
	it.cases = make([]testCase, len(sel))
	switch eff := it.eff; {
	case eff.Filename != "" && eff.PythonPath != "":
		it.state = statePython
		for i, t := range sel {
			it.cases[i] = pythonCase(eff, t)
		}
	case eff.Simple != nil && eff.Simple.HasMatcher():
		it.state = stateGo
		for i, t := range sel {
			it.cases[i] = testCase{decided: true, result: evalSimple(eff, t, suppress)}
		}
	default:
		it.state = stateGo
		it.setupErr = fmt.Errorf("%s: base detection %q has neither a Python body nor a simple detection", d.File, d.BaseDetection)
	}
	return it
}

// derive is the detection a derived rule runs: its base's logic (Python
// module or simple detection with its alert keys) under the derived
// rule's ID, with the derived rule's own InlineFilters and CreateAlert, as
// PAT passes them to the engine. A base that is itself derived has no
// logic of its own, which planOne reports as a setup error.
func derive(d, base *analysis.Detection, suppress bool) *analysis.Detection {
	e := *base
	e.Header = d.Header
	e.BaseDetection = d.BaseDetection
	e.Filters = d.Filters
	e.CreateAlert = !suppress
	return &e
}

func anyNamed(tests []analysis.Test, names []string) bool {
	for _, t := range tests {
		if contains(names, t.Name) {
			return true
		}
	}
	return false
}

// pythonCase prepares one test of a Python detection. A test PAT cannot
// start (no Log) and a test whose event the InlineFilters reject are
// decided here: the backend does not call rule() on a filtered event, so
// the detection returns False.
func pythonCase(d *analysis.Detection, t analysis.Test) testCase {
	data := pickData(t)
	if data.raw == nil {
		return testCase{decided: true, result: warningResult(t.Name, missingLogWarning)}
	}
	if d.Filters != nil {
		if ev, ok := data.event(); ok && !d.Filters.Match(ev) {
			return testCase{decided: true, result: filteredResult(d, t)}
		}
	}
	tc := pyrun.TestCase{Name: t.Name, ExpectedResult: t.ExpectedResult, Data: data.raw}
	for _, m := range t.Mocks {
		tc.Mocks = append(tc.Mocks, pyrun.Mock{ObjectName: m.ObjectName, ReturnValue: m.ReturnValue})
	}
	return testCase{pyCase: tc}
}

// filteredResult is the outcome of a test whose event the InlineFilters
// reject: the matcher returns False and nothing else runs.
func filteredResult(d *analysis.Detection, t analysis.Test) pyrun.TestResult {
	matcher := "rule"
	if d.Type == analysis.TypePolicy {
		matcher = "policy"
	}
	ok := !t.ExpectedResult
	res := pyrun.TestResult{Name: t.Name, Passed: ok,
		Functions: []pyrun.FunctionResult{{Name: matcher, Passed: ok, Text: "false"}}}
	if !ok {
		res.Failures = []string{t.Name + ":" + matcher}
	}
	return res
}

// missingLogWarning is what PAT logs for a test with neither Resource nor
// Log: the KeyError of unit_test["Log"].
const missingLogWarning = "AttributeError: {'Log'}"

func warningResult(name, warning string) pyrun.TestResult {
	return pyrun.TestResult{Name: name, Warning: warning, Failures: []string{name}}
}

// caseData is a test's data as PAT picks it: `Resource or Log`.
type caseData struct {
	// raw is the JSON of the data; nil when the test has none (PAT's
	// KeyError on "Log").
	raw json.RawMessage
}

func pickData(t analysis.Test) caseData {
	switch {
	case pyTruthy(t.Resource):
		return caseData{raw: t.DataJSON}
	case t.Log != nil:
		if t.Resource == nil && len(t.DataJSON) > 0 && !bytes.Equal(t.DataJSON, []byte("null")) {
			// DataJSON is the Log, with its keys in document order.
			return caseData{raw: t.DataJSON}
		}
		b, err := json.Marshal(t.Log)
		if err != nil {
			return caseData{}
		}
		return caseData{raw: b}
	case t.Resource != nil || len(t.DataJSON) == 0:
		// A falsy Resource and no Log, or no data at all.
		return caseData{}
	}
	return caseData{raw: t.DataJSON}
}

// decode returns the data decoded with numbers kept as json.Number.
func (c caseData) decode() (any, bool) {
	if c.raw == nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(c.raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// event returns the data when it is a mapping.
func (c caseData) event() (map[string]any, bool) {
	v, ok := c.decode()
	if !ok {
		return nil, false
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func pyDataModel(dm *analysis.DataModel) pyrun.DataModel {
	m := pyrun.DataModel{ID: dm.ID, LogTypes: dm.LogTypes}
	for _, mp := range dm.Mappings {
		m.Mappings = append(m.Mappings, pyrun.Mapping{Name: mp.Name, Path: mp.Path, Method: mp.Method})
	}
	if dm.Filename != "" {
		m.Module = &pyrun.Module{Name: dm.ID, Path: dm.PythonPath, Source: dm.PythonSource}
	}
	return m
}

func pyDetection(d *analysis.Detection) pyrun.Detection {
	kind := pyrun.KindRule
	switch d.Type {
	case analysis.TypeScheduledRule:
		kind = pyrun.KindScheduledRule
	case analysis.TypePolicy:
		kind = pyrun.KindPolicy
	}
	return pyrun.Detection{
		ID:            d.ID,
		Kind:          kind,
		Module:        pyrun.Module{Name: d.ID, Path: d.PythonPath, Source: d.PythonSource},
		SuppressAlert: !d.CreateAlert,
	}
}
