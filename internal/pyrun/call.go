package pyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// CallResult is the outcome of one function call made by Pool.Call.
type CallResult struct {
	// Value is the returned value in a tagged JSON encoding that keeps Python's exact types:
	// None, bools and strs as JSON; {"i": "12"} for an int, {"f": "1.5"} (repr) for a float;
	// {"l": [...]}, {"t": [...]}, {"s": [...]}, {"fs": [...]} for list, tuple, set and
	// frozenset; {"d": [[k, v], ...]} for a dict; {"ev"|"icd": [[k, v], ...]} and {"il": [...]}
	// for PantherEvent, ImmutableCaseInsensitiveDict and ImmutableList (their raw containers);
	// {"o": "<type name>"} for anything else. Empty when the call raised.
	Value json.RawMessage
	// Exc is the class of the exception the call raised, empty when it returned.
	Exc string
}

type callRequest struct {
	Op     string            `json:"op"`
	Seq    uint32            `json:"seq"`
	Det    int               `json:"det"`
	Fns    []string          `json:"fns"`
	Events []json.RawMessage `json:"events"`
}

type callResponse struct {
	Seq        uint32     `json:"seq"`
	Fatal      string     `json:"fatal"`
	SetupError *wireError `json:"setup_error"`
	Results    [][]struct {
		V   json.RawMessage `json:"v"`
		Exc string          `json:"exc"`
	} `json:"results"`
}

// Call calls the named functions of a loaded detection module on each event (JSON objects),
// live style: PantherEvent with the data model of the event's p_log_type, no mocks, output
// discarded. It returns results[event][function]. It is the CPython reference of the
// compiler's differential tests (internal/pycompile).
func (p *Pool) Call(ctx context.Context, detectionID string, fns []string, events []json.RawMessage) ([][]CallResult, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.active.Done()
	det, ok := p.detIdx[detectionID]
	if !ok {
		return nil, fmt.Errorf("pyrun: Call: unknown detection ID %q", detectionID)
	}
	if se := p.SetupError(detectionID); se != nil {
		return nil, se
	}
	for i, e := range events {
		if err := checkObject(e); err != nil {
			return nil, fmt.Errorf("pyrun: Call: events[%d]: %w", i, err)
		}
	}
	req := callRequest{Op: "call", Seq: p.seq.Add(1), Det: det, Fns: fns, Events: events}
	frame, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("pyrun: Call: %w", err)
	}
	w, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := w.call(ctx, frame, p.opts.CallTimeout+grace(p.opts.CallTimeout), p.opts.CallTimeout > 0)
	if err != nil {
		var we *WorkerError
		if errors.As(err, &we) {
			if _, rerr := p.replace(w); rerr != nil {
				return nil, rerr
			}
			return nil, fmt.Errorf("pyrun: Call %s: %w", detectionID, err)
		}
		p.release(w)
		return nil, err
	}
	p.release(w)
	var r callResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("pyrun: Call %s: decode response: %w", detectionID, err)
	}
	if r.Fatal != "" {
		return nil, fmt.Errorf("pyrun: Call %s: %s", detectionID, r.Fatal)
	}
	if r.SetupError != nil {
		return nil, fmt.Errorf("pyrun: Call %s: %s: %s", detectionID, r.SetupError.Type, r.SetupError.Msg)
	}
	if len(r.Results) != len(events) {
		return nil, fmt.Errorf("pyrun: Call %s: %d results for %d events", detectionID, len(r.Results), len(events))
	}
	out := make([][]CallResult, len(events))
	for i, row := range r.Results {
		if len(row) != len(fns) {
			return nil, fmt.Errorf("pyrun: Call %s: %d results for %d functions", detectionID, len(row), len(fns))
		}
		out[i] = make([]CallResult, len(fns))
		for j, c := range row {
			out[i][j] = CallResult{Value: c.V, Exc: c.Exc}
		}
	}
	return out, nil
}
