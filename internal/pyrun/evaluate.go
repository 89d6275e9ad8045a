package pyrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Selection is an interned list of detections to run on an event. Get one
// from Pool.Select and reuse it (e.g. one per log type); events sharing a
// Selection are encoded compactly.
type Selection struct {
	ids []string
	idx []int32
	// aux, when not nil, holds for each detection the aux functions to run instead of the
	// whole detection (see SelectItem); 0 runs the whole detection.
	aux []uint16
}

// IDs returns the detection IDs of the selection.
func (s *Selection) IDs() []string { return slices.Clone(s.ids) }

// Select returns the interned Selection for the detection IDs, in the given
// order. Unknown IDs are an error.
func (p *Pool) Select(ids ...string) (*Selection, error) {
	key := strings.Join(ids, "\x00")
	p.selMu.Lock()
	defer p.selMu.Unlock()
	if s, ok := p.sels[key]; ok {
		return s, nil
	}
	s := &Selection{ids: slices.Clone(ids), idx: make([]int32, len(ids))}
	for i, id := range ids {
		j, ok := p.detIdx[id]
		if !ok {
			return nil, fmt.Errorf("pyrun: Select: unknown detection ID %q", id)
		}
		s.idx[i] = int32(j)
	}
	p.sels[key] = s
	return s, nil
}

// SelectItem is one entry of a Selection made by SelectItems: a detection, and in Aux the aux
// functions to run on its own, as bits: 1<<i for the i-th function of AuxOrder. With Aux 0 the
// detection runs whole (rule() and, on a match, every aux function). With Aux set, rule() does
// not run: the caller found the match elsewhere (the rule compiled to Go), and the Result is a
// Match holding the outputs of those aux functions only.
type SelectItem struct {
	ID  string
	Aux uint16
}

// AuxOrder lists the aux functions in the order panther_core runs them; bit i of
// SelectItem.Aux is AuxOrder[i].
var AuxOrder = [...]string{"title", "description", "reference", "severity", "runbook", "destinations", "dedup", "alert_context", "unique"}

// SelectItems returns the interned Selection for the items, in the given order.
func (p *Pool) SelectItems(items ...SelectItem) (*Selection, error) {
	var key strings.Builder
	anyAux := false
	for _, it := range items {
		key.WriteString(it.ID)
		key.WriteByte(0)
		key.WriteString(strconv.Itoa(int(it.Aux)))
		key.WriteByte(0)
		anyAux = anyAux || it.Aux != 0
	}
	if !anyAux {
		ids := make([]string, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		return p.Select(ids...)
	}
	k := "\x01" + key.String()
	p.selMu.Lock()
	defer p.selMu.Unlock()
	if s, ok := p.sels[k]; ok {
		return s, nil
	}
	s := &Selection{ids: make([]string, len(items)), idx: make([]int32, len(items)), aux: make([]uint16, len(items))}
	for i, it := range items {
		j, ok := p.detIdx[it.ID]
		if !ok {
			return nil, fmt.Errorf("pyrun: SelectItems: unknown detection ID %q", it.ID)
		}
		s.ids[i], s.idx[i], s.aux[i] = it.ID, int32(j), it.Aux
	}
	p.sels[k] = s
	return s, nil
}

// Event is one event to evaluate.
type Event struct {
	// Data is the event as one JSON object.
	Data json.RawMessage
	// Detections are the detections to run on it (already filtered by log
	// type by the caller). A nil Selection runs nothing.
	Detections *Selection
}

// Result is a match or an error of one (event, detection) pair. Pairs
// whose detection did not match produce no Result.
type Result struct {
	// Event is the index of the event in the Evaluate argument.
	Event int
	// DetectionID is the RuleID or PolicyID.
	DetectionID string
	// Match is set when rule() returned True (policy() returned False).
	Match *Match
	// Error is set when the detection failed on the event.
	Error *RuleError
}

// Output is the outcome of one aux function.
type Output struct {
	// Value is the returned string after truncation to 1000 characters. For
	// alert_context it is the JSON text, possibly {"_error": ...}.
	Value string
	// Err is "<ExcType>: <message>" when the function raised or returned a
	// value of the wrong type; Value is then empty (alert_context excepted).
	Err string
}

// Destinations is the outcome of destinations().
type Destinations struct {
	// Names are the returned display names or UUIDs, not yet resolved.
	Names []string
	// None is true when destinations() returned None (no override).
	None bool
	// Err is "<ExcType>: <message>" when the function failed.
	Err string
}

// Match holds the outcome of every aux function a matching detection
// defines; a nil field means the function is not defined.
type Match struct {
	Title        *Output
	Description  *Output
	Reference    *Output
	Severity     *Output // upper-cased; "DEFAULT" means the YAML severity
	Runbook      *Output
	Destinations *Destinations
	Dedup        *Output
	AlertContext *Output
	Unique       *Output
}

// RuleError describes why a detection failed on an event.
type RuleError struct {
	// Type is the exception class, e.g. "KeyError", "FunctionReturnTypeError",
	// "DetectionTimeoutError" or "WorkerCrash".
	Type    string
	Message string
	// Function is the failing function: "rule", "policy" or "setup".
	Function string
	// Path and Line locate the failure in the detection's file (Line 0 =
	// unknown).
	Path string
	Line int
	// Traceback holds only the detection file's frames.
	Traceback string
	// Timeout is true when the call exceeded the call timeout.
	Timeout bool
	// Crash is true when the worker died twice while running this pair.
	Crash bool
}

// Error formats the rule error as "path:line: Type: message".
func (e *RuleError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Type, e.Message)
}

type pair struct{ ev, det int32 }

// Evaluate runs every event's selected detections and returns the matches
// and errors, ordered by event and then by detection order in the content.
// Batches run in parallel on all workers. A failure of single detections is
// a Result; an error is returned only when the pool cannot do the work
// (closed, canceled, workers that cannot be restarted).
func (p *Pool) Evaluate(ctx context.Context, events []Event) ([]Result, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.active.Done()
	if !p.opts.TrustedJSON {
		for i, e := range events {
			if e.Detections == nil {
				continue
			}
			if err := checkObject(e.Data); err != nil {
				return nil, fmt.Errorf("pyrun: Evaluate: events[%d].Data: %w", i, err)
			}
		}
	}
	// Chunks of at most BatchSize events, and enough of them to keep every worker busy.
	size := max(1, min(p.opts.BatchSize, (len(events)+len(p.slots)-1)/len(p.slots)))
	nchunks := (len(events) + size - 1) / size
	out := make([][]Result, nchunks)
	errs := make([]error, nchunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(nchunks, 2*len(p.slots)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= nchunks {
					return
				}
				lo := c * size
				hi := min(lo+size, len(events))
				out[c], errs[c] = p.runChunk(ctx, events[lo:hi], lo)
				if errs[c] != nil {
					next.Store(int64(nchunks))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range out {
		n += len(r)
	}
	results := make([]Result, 0, n)
	for _, r := range out {
		results = append(results, r...)
	}
	return results, nil
}

// checkObject verifies that data is one JSON object.
func checkObject(data []byte) error {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return errors.New("expected a JSON object")
	}
	if !json.Valid(data) {
		return errors.New("invalid JSON")
	}
	return nil
}

// runChunk evaluates events[lo:hi] (base = lo) on one worker, re-running
// the batch on a fresh worker when a worker dies.
func (p *Pool) runChunk(ctx context.Context, events []Event, base int) ([]Result, error) {
	attempts := map[pair]int{}
	skip := map[pair]*RuleError{}
	var failures int
	for {
		seq := p.seq.Add(1)
		frame := p.encodeEval(seq, events, skip)
		w, err := p.acquire(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := w.call(ctx, frame, p.opts.CallTimeout+grace(p.opts.CallTimeout), p.opts.CallTimeout > 0)
		if err == nil {
			p.release(w)
			return p.decodeEval(resp, events, base, skip)
		}
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
		if perr == nil && prog.inCall(seq) && int(prog.Item) < len(events) {
			pr := pair{int32(prog.Item), int32(prog.Det)}
			if we.Timeout {
				skip[pr] = p.pairError(int(pr.det), "DetectionTimeoutError",
					fmt.Sprintf("call exceeded the timeout of %s and did not stop; the worker was killed", p.opts.CallTimeout), true, false)
				continue
			}
			attempts[pr]++
			if attempts[pr] >= 2 {
				skip[pr] = p.pairError(int(pr.det), "WorkerCrash",
					fmt.Sprintf("the python worker died twice while running this detection on this event (%s)", we.Exit), false, true)
			}
			continue
		}
		failures++
		if failures >= 3 {
			return nil, fmt.Errorf("pyrun: batch of events %d..%d failed three times outside detection calls: %w", base, base+len(events)-1, err)
		}
	}
}

// grace is the extra time the Go-side hard deadline allows after the
// Python-side timeout.
func grace(timeout time.Duration) time.Duration {
	return max(timeout/2, time.Second)
}

func (p *Pool) pairError(det int, typ, msg string, timeout, crash bool) *RuleError {
	d := p.content.Detections[det]
	fn := "rule"
	if d.Kind == KindPolicy {
		fn = "policy"
	}
	return &RuleError{Type: typ, Message: msg, Function: fn, Path: d.Module.Path, Timeout: timeout, Crash: crash}
}

// encodeEval builds the eval request: {"op","seq","sets","skip","events"}.
// Events are copied verbatim, so the worker decodes each exactly once.
func (p *Pool) encodeEval(seq uint32, events []Event, skip map[pair]*RuleError) []byte {
	setOf := map[*Selection]int{}
	var sets []*Selection
	size := 64
	for _, e := range events {
		if e.Detections == nil {
			continue
		}
		if _, ok := setOf[e.Detections]; !ok {
			setOf[e.Detections] = len(sets)
			sets = append(sets, e.Detections)
			size += 8 * len(e.Detections.idx)
		}
		size += len(e.Data) + 16
	}
	b := make([]byte, 0, size+16*len(skip))
	b = append(b, `{"op":"eval","seq":`...)
	b = strconv.AppendUint(b, uint64(seq), 10)
	b = append(b, `,"sets":[`...)
	for i, s := range sets {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, d := range s.idx {
			if j > 0 {
				b = append(b, ',')
			}
			if s.aux != nil && s.aux[j] != 0 {
				b = append(b, '[')
				b = strconv.AppendInt(b, int64(d), 10)
				b = append(b, ',')
				b = strconv.AppendUint(b, uint64(s.aux[j]), 10)
				b = append(b, ']')
				continue
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, ']')
	}
	b = append(b, `],"skip":[`...)
	first := true
	for pr := range skip {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(pr.ev), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(pr.det), 10)
		b = append(b, ']')
	}
	b = append(b, `],"events":[`...)
	first = true
	for _, e := range events {
		if !first {
			b = append(b, ',')
		}
		first = false
		if e.Detections == nil {
			b = append(b, `[-1,null]`...)
			continue
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(setOf[e.Detections]), 10)
		b = append(b, ',')
		b = append(b, e.Data...)
		b = append(b, ']')
	}
	b = append(b, "]}"...)
	return b
}

type evalResponse struct {
	Seq   uint32              `json:"seq"`
	Fatal string              `json:"fatal"`
	M     [][]json.RawMessage `json:"m"`
	E     [][]json.RawMessage `json:"e"`
	T     [][2]int64          `json:"t"`
}

type wireAux struct {
	Title           *string         `json:"title"`
	TitleErr        *string         `json:"title!"`
	Description     *string         `json:"description"`
	DescriptionErr  *string         `json:"description!"`
	Reference       *string         `json:"reference"`
	ReferenceErr    *string         `json:"reference!"`
	Severity        *string         `json:"severity"`
	SeverityErr     *string         `json:"severity!"`
	Runbook         *string         `json:"runbook"`
	RunbookErr      *string         `json:"runbook!"`
	Destinations    json.RawMessage `json:"destinations"`
	DestinationsErr *string         `json:"destinations!"`
	Dedup           *string         `json:"dedup"`
	DedupErr        *string         `json:"dedup!"`
	AlertContext    *string         `json:"alert_context"`
	AlertContextErr *string         `json:"alert_context!"`
	Unique          *string         `json:"unique"`
	UniqueErr       *string         `json:"unique!"`
}

func output(v, e *string) *Output {
	if v == nil && e == nil {
		return nil
	}
	o := &Output{}
	if v != nil {
		o.Value = *v
	}
	if e != nil {
		o.Err = *e
	}
	return o
}

func (a *wireAux) match() (*Match, error) {
	m := &Match{
		Title:        output(a.Title, a.TitleErr),
		Description:  output(a.Description, a.DescriptionErr),
		Reference:    output(a.Reference, a.ReferenceErr),
		Severity:     output(a.Severity, a.SeverityErr),
		Runbook:      output(a.Runbook, a.RunbookErr),
		Dedup:        output(a.Dedup, a.DedupErr),
		AlertContext: output(a.AlertContext, a.AlertContextErr),
		Unique:       output(a.Unique, a.UniqueErr),
	}
	if a.Destinations != nil || a.DestinationsErr != nil {
		d := &Destinations{}
		switch {
		case a.DestinationsErr != nil:
			d.Err = *a.DestinationsErr
		case string(a.Destinations) == "null":
			d.None = true
		default:
			if err := json.Unmarshal(a.Destinations, &d.Names); err != nil {
				return nil, fmt.Errorf("destinations: %w", err)
			}
		}
		m.Destinations = d
	}
	return m, nil
}

func decodeTriple(t []json.RawMessage) (ev, det int, rest json.RawMessage, err error) {
	if len(t) != 3 {
		return 0, 0, nil, fmt.Errorf("result has %d elements, expected 3", len(t))
	}
	if ev, err = strconv.Atoi(string(t[0])); err != nil {
		return 0, 0, nil, fmt.Errorf("result event index: %w", err)
	}
	if det, err = strconv.Atoi(string(t[1])); err != nil {
		return 0, 0, nil, fmt.Errorf("result detection index: %w", err)
	}
	return ev, det, t[2], nil
}

// decodeEval turns a worker response into Results and updates the stats.
func (p *Pool) decodeEval(resp []byte, events []Event, base int, skip map[pair]*RuleError) ([]Result, error) {
	var r evalResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("pyrun: decode eval response: %w", err)
	}
	if r.Fatal != "" {
		return nil, fmt.Errorf("pyrun: worker failed on a batch: %s", r.Fatal)
	}
	ndet := len(p.content.Detections)
	results := make([]Result, 0, len(r.M)+len(r.E)+len(skip))
	bad := func(err error) ([]Result, error) {
		return nil, fmt.Errorf("pyrun: decode eval response: %w", err)
	}
	for _, t := range r.M {
		ev, det, rest, err := decodeTriple(t)
		if err != nil {
			return bad(err)
		}
		if ev < 0 || ev >= len(events) || det < 0 || det >= ndet {
			return bad(fmt.Errorf("match (%d, %d) out of range", ev, det))
		}
		var a wireAux
		if err := json.Unmarshal(rest, &a); err != nil {
			return bad(err)
		}
		m, err := a.match()
		if err != nil {
			return bad(err)
		}
		results = append(results, Result{Event: base + ev, DetectionID: p.content.Detections[det].ID, Match: m})
	}
	for _, t := range r.E {
		ev, det, rest, err := decodeTriple(t)
		if err != nil {
			return bad(err)
		}
		if ev < 0 || ev >= len(events) || det < 0 || det >= ndet {
			return bad(fmt.Errorf("error (%d, %d) out of range", ev, det))
		}
		var we wireError
		if err := json.Unmarshal(rest, &we); err != nil {
			return bad(err)
		}
		d := p.content.Detections[det]
		results = append(results, Result{Event: base + ev, DetectionID: d.ID, Error: &RuleError{
			Type: we.Type, Message: we.Msg, Function: we.Fn, Path: d.Module.Path, Line: we.Line,
			Traceback: we.TB, Timeout: we.Type == "DetectionTimeoutError",
		}})
	}
	for pr, e := range skip {
		results = append(results, Result{Event: base + int(pr.ev), DetectionID: p.content.Detections[pr.det].ID, Error: e})
	}
	p.account(events, &r, results)
	order := func(id string) int { return p.detIdx[id] }
	sort.Slice(results, func(i, j int) bool {
		if results[i].Event != results[j].Event {
			return results[i].Event < results[j].Event
		}
		return order(results[i].DetectionID) < order(results[j].DetectionID)
	})
	return results, nil
}

// account adds one batch to the per-detection statistics.
func (p *Pool) account(events []Event, r *evalResponse, results []Result) {
	counts := map[*Selection]int64{}
	for _, e := range events {
		if e.Detections != nil {
			counts[e.Detections]++
		}
	}
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	for s, n := range counts {
		for _, d := range s.idx {
			p.stats[d].Calls += n
		}
	}
	for _, res := range results {
		i := p.detIdx[res.DetectionID]
		if res.Match != nil {
			p.stats[i].Matches++
		} else {
			p.stats[i].Errors++
		}
	}
	for _, t := range r.T {
		if t[0] >= 0 && int(t[0]) < len(p.stats) {
			p.stats[t[0]].Time += time.Duration(t[1])
		}
	}
}
