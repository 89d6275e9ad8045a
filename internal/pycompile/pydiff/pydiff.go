// Package pydiff is the differential test of the Python compiler: every compiled function of a
// detection content set runs in Go (internal/pycompile) and in CPython (internal/pyrun's
// workers, the reference) on the same events, and any difference in the returned value (type
// included) is a mismatch. A compiled call that bails or raises is a fallback, not a mismatch:
// the engine then runs the function in CPython.
//
// The events are the detections' unit-test logs, mutated variants of them (keys dropped or
// recased, values replaced by None, empty strings, other types, non-ASCII text...), and each
// of them decoded with its log type's schema, as live events are.
package pydiff

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/pycompile"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Options configure a run.
type Options struct {
	// Python is the interpreter (default python3).
	Python string
	// Mutations is the number of mutated variants of each test event (default 8).
	Mutations int
	// Seed makes the mutations reproducible.
	Seed uint64
	// Registry decodes events with their log type's schema for the typed runs; nil skips them.
	Registry *logtypes.Registry
	// Workers is the number of CPython workers (default 2).
	Workers int
	// Only, when set, limits the run to detections it accepts.
	Only func(id string) bool
	// Extra are JSON events compared on every detection besides its tests' data (e.g. generated
	// events of its log type), each with ExtraMutations mutated variants.
	Extra          []string
	ExtraMutations int
}

// Mismatch is one (function, event) where Go and CPython disagree.
type Mismatch struct {
	Detection, Function string
	// Mode is "json" (the event as decoded JSON) or "typed" (decoded with the schema).
	Mode   string
	Event  string
	Python string
	Go     string
}

func (m Mismatch) String() string {
	return fmt.Sprintf("%s.%s (%s): CPython %s, Go %s\n\tevent: %s", m.Detection, m.Function, m.Mode, m.Python, m.Go, truncate(m.Event, 600))
}

// Report is the outcome of a run.
type Report struct {
	// Rules counts the Python rules; FullyCompiled those whose rule() and aux functions all
	// compiled.
	Rules, FullyCompiled, RuleCompiled int
	// Functions counts the rule and aux functions defined; Compiled those that compiled.
	Functions, Compiled int
	// GuardSkips counts the (rule, event) pairs the compiled guard rules out (CPython must
	// return False on each).
	GuardSkips int
	// Calls counts the (function, event) pairs compared; Fallbacks those where the compiled
	// call bailed or raised (CPython then runs it); PythonErrors those where CPython raised.
	Calls, Fallbacks, PythonErrors int
	// Events counts the distinct events used.
	Events     int
	Mismatches []Mismatch
	// Reasons counts why functions did not compile (first line of the reason, without line
	// numbers).
	Reasons map[string]int
	// FallbackReasons counts why compiled calls fell back to CPython; FallbackExample names a
	// function where each happened.
	FallbackReasons map[string]int
	FallbackExample map[string]string
}

// Run compiles the Python rules of col and compares every compiled function with CPython.
func Run(ctx context.Context, col *analysis.Collection, o Options) (*Report, error) {
	if o.Mutations == 0 {
		o.Mutations = 8
	}
	if o.Workers == 0 {
		o.Workers = 2
	}
	var dets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type != analysis.TypeRule || d.PythonSource == "" {
			continue
		}
		if o.Only != nil && !o.Only(d.ID) {
			continue
		}
		dets = append(dets, d)
	}
	srcs, dms := Sources(col, dets)
	prog, err := pycompile.Compile(ctx, o.Python, srcs, dms)
	if err != nil {
		return nil, err
	}
	pool, err := pyrun.New(ctx, pyrun.Options{Python: o.Python, Workers: o.Workers}, detect.PythonContent(col, dets))
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	rep := &Report{Reasons: map[string]int{}, FallbackReasons: map[string]int{}, FallbackExample: map[string]string{}}
	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed))
	x := pycompile.NewEvaluator(prog)
	seen := map[string]bool{}
	for _, d := range dets {
		cd := prog.Detection(d.ID)
		if cd == nil {
			continue
		}
		rep.Rules++
		if cd.FullyCompiled() {
			rep.FullyCompiled++
		}
		if cd.Rule != nil {
			rep.RuleCompiled++
		}
		names, fns := []string{}, []*pycompile.Function{}
		if cd.RuleDefined {
			rep.Functions++
			if cd.Rule != nil {
				rep.Compiled++
				names, fns = append(names, "rule"), append(fns, cd.Rule)
			}
		}
		for i, f := range cd.Aux {
			if !cd.Defined[i] {
				continue
			}
			rep.Functions++
			if f != nil {
				rep.Compiled++
				names, fns = append(names, pycompile.AuxNames[i]), append(fns, f)
			}
		}
		for _, why := range cd.Why {
			rep.Reasons[reasonKey(why)]++
		}
		if len(fns) == 0 || pool.SetupError(d.ID) != nil {
			continue
		}
		events := Events(d, o.Mutations, rng)
		events = append(events, extra(o.Extra, o.ExtraMutations, rng)...)
		for _, e := range events {
			seen[e] = true
		}
		if err := compare(ctx, rep, pool, x, d, names, fns, events, "json"); err != nil {
			return nil, err
		}
		if o.Registry != nil {
			typed := typedEvents(o.Registry, d, events)
			for _, t := range typed {
				seen[string(t.js)] = true
			}
			if err := compareTyped(ctx, rep, pool, x, d, names, fns, typed); err != nil {
				return nil, err
			}
		}
	}
	rep.Events = len(seen)
	return rep, nil
}

// Sources returns the modules and data models of col as the compiler takes them: every global
// helper, every enabled data model, and the given detections.
func Sources(col *analysis.Collection, dets []*analysis.Detection) ([]pycompile.Source, []pycompile.DataModelSpec) {
	var srcs []pycompile.Source
	for _, g := range col.Globals {
		srcs = append(srcs, pycompile.Source{Name: g.ID, Kind: pycompile.KindGlobal, Path: g.PythonPath, Text: g.PythonSource})
	}
	var dms []pycompile.DataModelSpec
	for _, dm := range col.DataModels {
		if !dm.Enabled {
			continue
		}
		spec := pycompile.DataModelSpec{ID: dm.ID, LogTypes: dm.LogTypes}
		if dm.PythonSource != "" {
			spec.Module = dm.ID
			srcs = append(srcs, pycompile.Source{Name: dm.ID, Kind: pycompile.KindDataModel, Path: dm.PythonPath, Text: dm.PythonSource})
		}
		for _, m := range dm.Mappings {
			spec.Mappings = append(spec.Mappings, pycompile.MappingSpec{Name: m.Name, Path: m.Path, Method: m.Method})
		}
		dms = append(dms, spec)
	}
	for _, d := range dets {
		srcs = append(srcs, pycompile.Source{Name: d.ID, Kind: pycompile.KindDetection, Path: d.PythonPath, Text: d.PythonSource})
	}
	return srcs, dms
}

func reasonKey(why string) string {
	why = strings.SplitN(why, "\n", 2)[0]
	if strings.HasPrefix(why, "line ") {
		if i := strings.Index(why, ": "); i >= 0 {
			why = why[i+2:]
		}
	}
	if len(why) > 100 {
		why = why[:100]
	}
	return why
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// compare runs the functions on JSON events in both languages.
func compare(ctx context.Context, rep *Report, pool *pyrun.Pool, x *pycompile.Evaluator, d *analysis.Detection,
	names []string, fns []*pycompile.Function, events []string, mode string) error {
	if len(events) == 0 {
		return nil
	}
	raw := make([]json.RawMessage, len(events))
	for i, e := range events {
		raw[i] = json.RawMessage(e)
	}
	py, err := pool.Call(ctx, d.ID, names, raw)
	if err != nil {
		return err
	}
	for i, e := range events {
		for j, f := range fns {
			ev, err := x.SetJSONEvent(e)
			if err != nil {
				return fmt.Errorf("pydiff: %s: event %s: %w", d.ID, truncate(e, 200), err)
			}
			check(rep, x, d.ID, names[j], mode, e, py[i][j], f, ev)
		}
	}
	return nil
}

// check compares one call.
func check(rep *Report, x *pycompile.Evaluator, det, name, mode, e string, py pyrun.CallResult, f *pycompile.Function, ev pycompile.Value) {
	rep.Calls++
	if name == "rule" && x.GuardFails(f.Guard(), ev) {
		rep.GuardSkips++
		if py.Exc != "" || string(py.Value) != "false" {
			rep.Mismatches = append(rep.Mismatches, Mismatch{Detection: det, Function: "rule guard", Mode: mode, Event: e,
				Python: "returned " + string(py.Value) + py.Exc, Go: "guard rules the event out"})
		}
	}
	if py.Exc != "" {
		rep.PythonErrors++
	}
	v, exc := x.Call(f, ev)
	if exc != nil {
		// Compiled code that raises or bails hands the call to CPython: never wrong.
		rep.Fallbacks++
		why := exc.Error()
		if !exc.Bail {
			why = "raised " + exc.Error()
			if py.Exc == "" {
				why += " (CPython returned)"
			}
		}
		rep.FallbackReasons[reasonKey(why)]++
		rep.FallbackExample[reasonKey(why)] = det + "." + name
		return
	}
	got, err := x.Tag(v)
	if err != nil {
		rep.Fallbacks++
		return
	}
	if py.Exc != "" {
		rep.Mismatches = append(rep.Mismatches, Mismatch{Detection: det, Function: name, Mode: mode, Event: e,
			Python: "raised " + py.Exc, Go: pycompile.FormatTagged(got)})
		return
	}
	var want any
	if err := json.Unmarshal(py.Value, &want); err != nil {
		rep.Mismatches = append(rep.Mismatches, Mismatch{Detection: det, Function: name, Mode: mode, Event: e,
			Python: "undecodable " + string(py.Value), Go: pycompile.FormatTagged(got)})
		return
	}
	if !pycompile.SameTagged(want, got) {
		rep.Mismatches = append(rep.Mismatches, Mismatch{Detection: det, Function: name, Mode: mode, Event: e,
			Python: string(py.Value), Go: pycompile.FormatTagged(got)})
	}
}

// typedEvent is an event decoded with a log type's schema, and its JSON as rules see it.
type typedEvent struct {
	ev *event.Event
	js []byte
}

// typedEvents decodes the events with the schema of their p_log_type, else of each of the
// detection's log types; events that do not decode are left out.
func typedEvents(reg *logtypes.Registry, d *analysis.Detection, events []string) []typedEvent {
	var out []typedEvent
	for i, e := range events {
		var probe struct {
			LogType string `json:"p_log_type"`
		}
		_ = json.Unmarshal([]byte(e), &probe)
		types := d.LogTypes
		if probe.LogType != "" {
			types = []string{probe.LogType}
		}
		for _, name := range types {
			lt := reg.Get(name)
			if lt == nil {
				continue
			}
			dec := &decode.Decoder{Arena: &event.Arena{}}
			root, err := dec.JSON(lt.Root, []byte(e))
			if err != nil {
				continue
			}
			ev := &event.Event{LogType: lt.LogType, Root: root, RowID: fmt.Sprintf("row%04d", i),
				ParseTime: 1700000000123456789}
			if t, ok := decode.EventTime(lt.LogType, &ev.Root); ok {
				ev.EventTime = t
			} else {
				ev.EventTime = ev.ParseTime
			}
			if i%3 == 1 {
				ev.SourceLabel, ev.SourceID = "prod-trail", "6f0e2a3c-source"
			}
			for k, kind := range indicatorKinds() {
				if vals := dec.Indicators.Values(kind); len(vals) > 0 {
					ev.Indicators[k] = append([]string(nil), vals...)
				}
			}
			out = append(out, typedEvent{ev: ev, js: event.AppendJSON(nil, ev)})
			break
		}
	}
	return out
}

func compareTyped(ctx context.Context, rep *Report, pool *pyrun.Pool, x *pycompile.Evaluator, d *analysis.Detection,
	names []string, fns []*pycompile.Function, events []typedEvent) error {
	if len(events) == 0 {
		return nil
	}
	raw := make([]json.RawMessage, len(events))
	for i, e := range events {
		raw[i] = e.js
	}
	py, err := pool.Call(ctx, d.ID, names, raw)
	if err != nil {
		return err
	}
	for i, e := range events {
		for j, f := range fns {
			ev := x.SetEvent(e.ev)
			check(rep, x, d.ID, names[j], "typed", string(e.js), py[i][j], f, ev)
		}
	}
	return nil
}

// Events returns the JSON events to compare a detection on: its tests' data (tests with mocks
// are left out: mocks replace module names compiled code has resolved), and n mutated
// variants of each.
func Events(d *analysis.Detection, n int, rng *rand.Rand) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var bases []any
	for _, t := range d.Tests {
		if len(t.Mocks) > 0 || len(t.DataJSON) == 0 {
			continue
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(string(t.DataJSON)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			continue
		}
		if _, ok := v.(map[string]any); !ok {
			continue
		}
		add(string(t.DataJSON))
		bases = append(bases, v)
	}
	for _, b := range bases {
		for range n {
			m := Mutate(b, bases, rng)
			js, err := json.Marshal(m)
			if err == nil {
				add(string(js))
			}
		}
	}
	return out
}

// extra returns the events and n mutated variants of each.
func extra(events []string, n int, rng *rand.Rand) []string {
	var out []string
	var bases []any
	for _, e := range events {
		var v any
		dec := json.NewDecoder(strings.NewReader(e))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			continue
		}
		if _, ok := v.(map[string]any); ok {
			out = append(out, e)
			bases = append(bases, v)
		}
	}
	for _, b := range bases {
		for range n {
			if js, err := json.Marshal(Mutate(b, bases, rng)); err == nil {
				out = append(out, string(js))
			}
		}
	}
	return out
}

// Mutate returns a copy of v with one to three random changes: a key dropped or recased, a
// value replaced by None, an empty string, another type, a value of another event, non-ASCII
// or whitespace-padded text...
func Mutate(v any, others []any, rng *rand.Rand) any {
	out := deepCopy(v)
	for range 1 + rng.IntN(3) {
		out = mutateOnce(out, others, rng)
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// paths lists the paths of every value under v.
func paths(v any, prefix []any, out *[][]any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := append(append([]any(nil), prefix...), k)
			*out = append(*out, p)
			paths(x[k], p, out)
		}
	case []any:
		for i, e := range x {
			p := append(append([]any(nil), prefix...), i)
			*out = append(*out, p)
			paths(e, p, out)
		}
	}
}

func at(v any, path []any) any {
	for _, s := range path {
		switch x := v.(type) {
		case map[string]any:
			k, ok := s.(string)
			if !ok {
				return nil
			}
			v = x[k]
		case []any:
			i, ok := s.(int)
			if !ok || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

var replacements = []any{nil, "", json.Number("0"), json.Number("1"), json.Number("-7"), json.Number("2.5"),
	json.Number("1e+20"), json.Number("12345678901234567890"), true, false, "None", "0", "true", " padded ",
	"MiXeD CaSe", "ünïcödé", "日本語", "a\nb", "arn:aws:iam::123456789012:root", "root", "ConsoleLogin",
	"AssumeRole", "1.2.3.4", "10.0.0.1", "*", "AccessDenied", map[string]any{}, []any{},
	[]any{"a", "b"}, map[string]any{"k": "v", "K": "w"}, []any{map[string]any{"x": json.Number("1")}}}

func mutateOnce(v any, others []any, rng *rand.Rand) any {
	var ps [][]any
	paths(v, nil, &ps)
	if len(ps) == 0 {
		return v
	}
	p := ps[rng.IntN(len(ps))]
	parent := at(v, p[:len(p)-1])
	last := p[len(p)-1]
	set := func(val any) {
		switch x := parent.(type) {
		case map[string]any:
			x[last.(string)] = val
		case []any:
			x[last.(int)] = val
		}
	}
	switch rng.IntN(6) {
	case 0: // drop
		switch x := parent.(type) {
		case map[string]any:
			delete(x, last.(string))
		case []any:
			set(nil)
		}
	case 1: // recase the key
		if m, ok := parent.(map[string]any); ok {
			k := last.(string)
			val := m[k]
			delete(m, k)
			if rng.IntN(2) == 0 {
				m[strings.ToUpper(k)] = val
			} else {
				m[strings.ToLower(k)] = val
			}
		}
	case 2: // a value of another event at the same path, or of this one elsewhere
		src := others[rng.IntN(len(others))]
		if val := at(src, p); val != nil {
			set(deepCopy(val))
		} else {
			set(deepCopy(at(v, ps[rng.IntN(len(ps))])))
		}
	case 3: // change a string
		if s, ok := at(v, p).(string); ok && s != "" {
			switch rng.IntN(4) {
			case 0:
				set(strings.ToUpper(s))
			case 1:
				set(s + " ")
			case 2:
				set(s[:rng.IntN(len(s))])
			default:
				set(s + "é")
			}
			break
		}
		fallthrough
	default:
		set(deepCopy(replacements[rng.IntN(len(replacements))]))
	}
	return v
}

func indicatorKinds() []indicators.Kind { return indicators.Kinds[:] }
