package pyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Mock replaces a module-level name of the detection during one test with
// MagicMock(return_value=ReturnValue). The loader passes only mocks that
// have both objectName and returnValue, as PAT does.
type Mock struct {
	ObjectName string
	// ReturnValue is passed to Python exactly as parsed (JSON-encoded): a
	// string or bool in the YAML format.
	ReturnValue any
}

// TestCase is one entry of a detection's Tests list.
type TestCase struct {
	Name           string
	ExpectedResult bool
	// Data is the test's Resource if present and non-empty, else its Log
	// (PAT: `Resource or Log`), as JSON.
	Data  json.RawMessage
	Mocks []Mock
}

// TestOptions are the flags of `panther test` that reach the runtime.
type TestOptions struct {
	// AvailableDestinations are the --available-destination names. When
	// empty, unknown destination names are ignored (PAT's default); when
	// set, they fail expected-alert tests with UnknownDestinationError.
	AvailableDestinations []string
}

// FunctionResult is one printed function line of a test, in PAT's order:
// the matcher (rule or policy), title, dedup, alertContext, description,
// reference, severity, runbook, destinations, unique.
type FunctionResult struct {
	// Name is the printable name ("rule", "policy", "title", "alertContext", ...).
	Name string
	// Passed selects [PASS] or [FAIL].
	Passed bool
	// Text is the printed output: a string raw, other values as JSON, or
	// the error "<ExcType>: <message>".
	Text string
}

// TestResult is the outcome of one test case.
type TestResult struct {
	Name   string
	Passed bool
	// Functions are the lines PAT prints under the test, in order.
	Functions []FunctionResult
	// Failures are the entries PAT adds to the Failed Tests Summary for
	// this test: "<test>:<func>" per failing function, or "<test>" when
	// the test could not run (see Warning).
	Failures []string
	// Output is what the test printed to stdout and stderr.
	Output string
	// Warning is set when the test could not run (a Mock naming a missing
	// attribute, data that is not a mapping, ...). PAT logs it as
	// "WARNING: <Warning>" and prints no [PASS]/[FAIL] line for the test.
	Warning string
}

type wireTest struct {
	Name     string          `json:"name"`
	Expected bool            `json:"expected"`
	Data     json.RawMessage `json:"data"`
	Mocks    [][2]any        `json:"mocks,omitempty"`
}

type testRequest struct {
	Op       string     `json:"op"`
	Seq      uint32     `json:"seq"`
	Det      int        `json:"det"`
	Tests    []wireTest `json:"tests"`
	Dests    []string   `json:"dests,omitempty"`
	Suppress bool       `json:"suppress"`
	Start    int        `json:"start"`
}

type wireTestResult struct {
	Name     string   `json:"name"`
	Passed   bool     `json:"passed"`
	Funcs    [][3]any `json:"funcs"`
	Failures []string `json:"failures"`
	Output   string   `json:"output"`
	Warning  string   `json:"warning"`
}

type testResponse struct {
	Seq        uint32           `json:"seq"`
	Fatal      string           `json:"fatal"`
	SetupError *wireError       `json:"setup_error"`
	Results    []wireTestResult `json:"results"`
}

// RunTests runs the unit tests of one detection in order, on one worker,
// against one freshly loaded module (so module state carries from test to
// test, as in PAT). A detection that fails to load returns a *SetupError
// and no results. Different detections may be tested concurrently.
func (p *Pool) RunTests(ctx context.Context, detectionID string, tests []TestCase, o TestOptions) ([]TestResult, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.active.Done()
	det, ok := p.detIdx[detectionID]
	if !ok {
		return nil, fmt.Errorf("pyrun: RunTests: unknown detection ID %q", detectionID)
	}
	if se := p.SetupError(detectionID); se != nil {
		return nil, se
	}
	req := testRequest{Op: "test", Det: det, Dests: o.AvailableDestinations, Suppress: p.content.Detections[det].SuppressAlert}
	for _, t := range tests {
		wt := wireTest{Name: t.Name, Expected: t.ExpectedResult, Data: t.Data}
		if len(wt.Data) == 0 {
			wt.Data = json.RawMessage("null")
		} else if !json.Valid(wt.Data) {
			return nil, fmt.Errorf("pyrun: RunTests %s: test %q: Data is not valid JSON", detectionID, t.Name)
		}
		for _, m := range t.Mocks {
			wt.Mocks = append(wt.Mocks, [2]any{m.ObjectName, m.ReturnValue})
		}
		req.Tests = append(req.Tests, wt)
	}
	results := make([]TestResult, 0, len(tests))
	for req.Start < len(tests) {
		req.Seq = p.seq.Add(1)
		frame, err := json.Marshal(req)
		if err != nil {
			return nil, fmt.Errorf("pyrun: RunTests %s: encode tests (mock values must be JSON-encodable): %w", detectionID, err)
		}
		w, err := p.acquire(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := w.call(ctx, frame, p.opts.CallTimeout+grace(p.opts.CallTimeout), p.opts.CallTimeout > 0)
		if err != nil {
			var we *WorkerError
			if !errors.As(err, &we) {
				p.release(w)
				return nil, err
			}
			prog, perr := w.progress()
			if _, rerr := p.replace(w); rerr != nil {
				return nil, rerr
			}
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			failed := req.Start
			if perr == nil && prog.inCall(req.Seq) && int(prog.Item) >= req.Start && int(prog.Item) < len(tests) {
				failed = int(prog.Item)
			}
			// Tests before the one that was running passed through the dead
			// worker without a response: run them again from a fresh module.
			if failed > req.Start {
				req.Tests = req.Tests[:failed]
				sub, err := p.runTestRange(ctx, detectionID, req)
				if err != nil {
					return nil, err
				}
				results = append(results, sub...)
				req.Tests = nil
				for _, t := range tests {
					req.Tests = append(req.Tests, wireTest{Name: t.Name, Expected: t.ExpectedResult, Data: orNull(t.Data), Mocks: mocks(t.Mocks)})
				}
			}
			name := tests[failed].Name
			results = append(results, TestResult{Name: name, Failures: []string{name},
				Warning: fmt.Sprintf("Unexpected exception: {%s}", we.Error())})
			req.Start = failed + 1
			continue
		}
		p.release(w)
		var r testResponse
		if err := json.Unmarshal(resp, &r); err != nil {
			return nil, fmt.Errorf("pyrun: RunTests %s: decode response: %w", detectionID, err)
		}
		if r.Fatal != "" {
			return nil, fmt.Errorf("pyrun: RunTests %s: worker failed: %s", detectionID, r.Fatal)
		}
		if r.SetupError != nil {
			d := p.content.Detections[det]
			return nil, p.setupError(d.ID, d.Kind, d.Module.Path, *r.SetupError)
		}
		for _, wr := range r.Results {
			results = append(results, wr.result())
		}
		break
	}
	return results, nil
}

// runTestRange runs req (already trimmed) once more without crash handling;
// a second crash is returned as an error.
func (p *Pool) runTestRange(ctx context.Context, id string, req testRequest) ([]TestResult, error) {
	req.Seq = p.seq.Add(1)
	frame, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	w, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := w.call(ctx, frame, p.opts.CallTimeout+grace(p.opts.CallTimeout), p.opts.CallTimeout > 0)
	if err != nil {
		if _, rerr := p.replace(w); rerr != nil {
			return nil, rerr
		}
		return nil, fmt.Errorf("pyrun: RunTests %s: %w", id, err)
	}
	p.release(w)
	var r testResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("pyrun: RunTests %s: decode response: %w", id, err)
	}
	if r.Fatal != "" {
		return nil, fmt.Errorf("pyrun: RunTests %s: worker failed: %s", id, r.Fatal)
	}
	out := make([]TestResult, 0, len(r.Results))
	for _, wr := range r.Results {
		out = append(out, wr.result())
	}
	return out, nil
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

func mocks(ms []Mock) [][2]any {
	var out [][2]any
	for _, m := range ms {
		out = append(out, [2]any{m.ObjectName, m.ReturnValue})
	}
	return out
}

func (wr wireTestResult) result() TestResult {
	tr := TestResult{Name: wr.Name, Passed: wr.Passed, Failures: wr.Failures, Output: wr.Output, Warning: wr.Warning}
	for _, f := range wr.Funcs {
		name, _ := f[0].(string)
		passed, _ := f[1].(bool)
		text, _ := f[2].(string)
		tr.Functions = append(tr.Functions, FunctionResult{Name: name, Passed: passed, Text: text})
	}
	return tr
}
