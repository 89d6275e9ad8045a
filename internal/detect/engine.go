package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/pycompile"
	"github.com/pantherlabs/panther/internal/pyrun"
	"github.com/pantherlabs/panther/internal/simpledetect"
)

// Options configure an Engine.
type Options struct {
	Python      string        // interpreter; default python3
	Workers     int           // Python worker processes; default GOMAXPROCS
	CallTimeout time.Duration // per rule call; default 15s
	MemoryLimit int64         // per worker; default 1 GiB
	KVPath      string        // the key-value store of panther_detection_helpers.caching
	Stderr      io.Writer     // what rules print; default discarded
	Profile     bool          // measure the time spent in each rule
	// NoGuards sends every event to every Python rule of its log type, instead of skipping the
	// rules whose leading tests show they return False (see guard.go).
	NoGuards bool
	// NoCompile runs every Python function in CPython instead of compiling what it can to Go
	// (see compiled.go).
	NoCompile bool
	// Parallel is the number of goroutines that evaluate compiled rules; default GOMAXPROCS.
	Parallel int
}

// Rule is a live rule.
type Rule struct {
	*analysis.Detection
	python bool
	// order is the rule's position in Engine.rules: outcomes of one event are sorted by it.
	order int
	// guards holds the rule's guard compiled for each log type (see guard.go).
	guards map[*logschema.LogType][]guardCond
	// filters are the rule's InlineFilters, nil when there are none (or they accept
	// everything).
	filters *simpledetect.Filter
	// compiled is the Go form of the rule's functions; nil when rule() runs in CPython.
	compiled *pycompile.Detection
	counts   ruleCounters
}

// Engine evaluates rules on events. Evaluate is not safe for concurrent use.
type Engine struct {
	pool     *pyrun.Pool
	prog     *pycompile.Program
	noGuards bool
	profile  bool
	byType   map[string][]*Rule
	rules    []*Rule
	byID     map[string]*Rule
	sels     map[string]*pyrun.Selection
	// LoadErrors lists the enabled detections that cannot run (see LoadError), by ID.
	LoadErrors []LoadError
	// Skipped maps the ID of each LoadErrors entry to its message.
	Skipped map[string]string

	workers []*worker
	guardMu sync.Mutex
	selKey  []byte

	// Skips counts the (event, Python rule) pairs whose guard showed the rule cannot match.
	Skips atomic.Int64
}

// worker is the state of one evaluation goroutine.
type worker struct {
	x    *pycompile.Evaluator
	buf  []byte
	outs []Outcome
	py   []pyWork
	// partials holds the Go outputs of matches whose other aux functions run in CPython.
	partials []pendingMatch
	// guards caches Engine.guard without its lock.
	guards map[guardKey][]guardCond
}

type guardKey struct {
	r  *Rule
	lt *logschema.LogType
}

func (e *Engine) workerGuard(w *worker, r *Rule, lt *logschema.LogType) []guardCond {
	k := guardKey{r, lt}
	if g, ok := w.guards[k]; ok {
		return g
	}
	if w.guards == nil {
		w.guards = map[guardKey][]guardCond{}
	}
	g := e.guard(r, lt)
	w.guards[k] = g
	return g
}

// pyWork is the CPython work for one event: the detections to run on it.
type pyWork struct {
	event int
	data  []byte
	items []pyrun.SelectItem
}

type pendingMatch struct {
	event int
	rule  *Rule
	p     partial
}

// New prepares the enabled rules of col for live evaluation and starts the Python workers if
// any rule needs them.
func New(ctx context.Context, col *analysis.Collection, o Options) (*Engine, error) {
	e := &Engine{byType: make(map[string][]*Rule), sels: make(map[string]*pyrun.Selection), Skipped: make(map[string]string),
		noGuards: o.NoGuards, profile: o.Profile, byID: map[string]*Rule{}}
	par := o.Parallel
	if par <= 0 {
		par = runtime.GOMAXPROCS(0)
	}
	for range par {
		e.workers = append(e.workers, &worker{})
	}
	var pyDets []*analysis.Detection
	for _, d := range col.Detections {
		if d.Type != analysis.TypeRule || !d.Enabled {
			continue
		}
		eff, ok := Effective(col, d)
		if !ok {
			e.addLoadError(LoadError{ID: d.ID, Type: d.Type, File: d.File, Severity: d.Severity,
				Cause: fmt.Sprintf("its BaseDetection %q is not among the loaded detections", d.BaseDetection),
				Fix:   fmt.Sprintf("add the rule %s to the content, or remove BaseDetection from %s", d.BaseDetection, d.File)})
			continue
		}
		if !eff.Enabled {
			continue
		}
		r := &Rule{Detection: eff, python: eff.PythonSource != ""}
		if !r.python && (eff.Simple == nil || !eff.Simple.HasMatcher()) {
			e.addLoadError(LoadError{ID: d.ID, Type: d.Type, File: d.File, Severity: eff.Severity,
				Cause: "it has neither a Python body (Filename) nor a simple detection (Detection)",
				Fix:   "give it a Filename or a Detection"})
			continue
		}
		if !eff.Filters.Always() {
			r.filters = eff.Filters
		}
		r.order = len(e.rules)
		e.rules = append(e.rules, r)
		e.byID[r.ID] = r
		if r.python {
			pyDets = append(pyDets, eff)
		}
		for _, lt := range eff.LogTypes {
			e.byType[lt] = append(e.byType[lt], r)
		}
	}
	if len(pyDets) > 0 {
		pool, err := pyrun.New(ctx, pyrun.Options{Python: o.Python, Workers: o.Workers, CallTimeout: o.CallTimeout,
			MemoryLimit: o.MemoryLimit, KVPath: o.KVPath, Stderr: o.Stderr, Profile: o.Profile, TrustedJSON: true},
			PythonContent(col, pyDets))
		if err != nil {
			return nil, err
		}
		e.pool = pool
		e.dropUnloaded(col)
		if !o.NoCompile {
			if err := e.compileContent(ctx, col, pyDets, o); err != nil {
				// Compilation is an optimization: without it every rule runs in CPython.
				fmt.Fprintf(stderrOf(o), "panther: Python rules run in CPython only: %v\n", err)
			}
		}
	}
	e.addInvalid(col)
	e.sortLoadErrors()
	return e, nil
}

func stderrOf(o Options) io.Writer {
	if o.Stderr == nil {
		return io.Discard
	}
	return o.Stderr
}

// Close stops the Python workers.
func (e *Engine) Close() error {
	if e.pool == nil {
		return nil
	}
	return e.pool.Close()
}

// Rules returns the live rules.
func (e *Engine) Rules() []*Rule { return e.rules }

// LogTypes returns the log types that have rules.
func (e *Engine) LogTypes() []string {
	out := make([]string, 0, len(e.byType))
	for lt := range e.byType {
		out = append(out, lt)
	}
	sort.Strings(out)
	return out
}

// Stats returns the time spent in each Python rule (with Options.Profile).
func (e *Engine) Stats() []pyrun.DetectionStats {
	if e.pool == nil {
		return nil
	}
	return e.pool.Stats()
}

// Outcome is a match or an error of one rule on one event.
type Outcome struct {
	Event int // index in the Evaluate argument
	Rule  *Rule
	// Alert holds the generated fields of a match, after production defaults.
	Alert pyrun.Alert
	// Err is set for a rule error; Alert then holds the error's title and dedup.
	Err *pyrun.RuleError
	// HasUnique is true when the rule defines unique() (and it worked on this event).
	HasUnique bool
}

// Evaluate runs the rules of each event's log type and returns the matches and errors,
// ordered by event (and, for one event, simple detections first, then Python rules, in content
// order). Compiled rules run on several goroutines; what must run in CPython is sent to the
// workers in one call.
func (e *Engine) Evaluate(ctx context.Context, evs []*event.Event) ([]Outcome, error) {
	n := len(e.workers)
	if len(evs) < 256 {
		n = 1
	}
	size := (len(evs) + n - 1) / max(n, 1)
	var wg sync.WaitGroup
	for k := 0; k < n; k++ {
		lo, hi := k*size, min((k+1)*size, len(evs))
		w := e.workers[k]
		w.outs, w.py, w.partials, w.buf = w.outs[:0], w.py[:0], w.partials[:0], w.buf[:0]
		if lo >= hi {
			continue
		}
		if k == n-1 {
			e.evalRange(w, evs, lo, hi)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.evalRange(w, evs, lo, hi)
		}()
	}
	wg.Wait()
	var out []Outcome
	var pyEvents []pyrun.Event
	var pyIndex []int
	pending := map[pendingKey]*pendingMatch{}
	for _, w := range e.workers[:n] {
		out = append(out, w.outs...)
		for i := range w.partials {
			p := &w.partials[i]
			pending[pendingKey{p.event, p.rule}] = p
		}
		for _, pw := range w.py {
			sel, err := e.selection(pw.items)
			if err != nil {
				return nil, err
			}
			pyEvents = append(pyEvents, pyrun.Event{Data: pw.data, Detections: sel})
			pyIndex = append(pyIndex, pw.event)
		}
	}
	if len(pyEvents) > 0 {
		results, err := e.pool.Evaluate(ctx, pyEvents)
		if err != nil {
			return nil, err
		}
		for _, res := range results {
			r := e.byID[res.DetectionID]
			o := Outcome{Event: pyIndex[res.Event], Rule: r}
			switch {
			case res.Error != nil:
				o.Err = res.Error
				o.Alert = errorAlert(r, res.Error)
			case res.Match != nil:
				m := res.Match
				if p := pending[pendingKey{o.Event, r}]; p != nil {
					m = p.p.match(r.compiled, m)
				}
				o.Alert = m.Resolve(defaults(r.Detection))
				o.HasUnique = m.Unique != nil && m.Unique.Err == ""
			default:
				continue
			}
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Event != b.Event {
			return a.Event < b.Event
		}
		if a.Rule.python != b.Rule.python {
			return !a.Rule.python
		}
		return a.Rule.order < b.Rule.order
	})
	return out, nil
}

type pendingKey struct {
	event int
	rule  *Rule
}

// evalRange evaluates evs[lo:hi] on one worker.
func (e *Engine) evalRange(w *worker, evs []*event.Event, lo, hi int) {
	var items []pyrun.SelectItem
	for i := lo; i < hi; i++ {
		ev := evs[i]
		rules := e.byType[ev.LogType.Name]
		if len(rules) == 0 {
			continue
		}
		// The event's JSON is built only if a Go-evaluated part or a Python call needs it.
		var js []byte
		jsonOf := func() []byte {
			if js == nil {
				start := len(w.buf)
				w.buf = event.AppendJSON(w.buf, ev)
				js = w.buf[start:len(w.buf):len(w.buf)]
			}
			return js
		}
		var m map[string]any // decoded only when a Go-evaluated part needs it
		decoded := func() map[string]any {
			if m == nil {
				m = decodeMap(jsonOf())
			}
			return m
		}
		var cev pycompile.Value
		haveCev := false
		items = items[:0]
		for _, r := range rules {
			if r.filters != nil && !r.filters.Match(decoded()) {
				continue
			}
			if !r.python {
				if r.Simple.Match(decoded()) {
					w.outs = append(w.outs, Outcome{Event: i, Rule: r, Alert: simpleAlert(r, decoded())})
				}
				continue
			}
			if r.compiled != nil {
				// The leading tests of rule() that return False hold in Go as in CPython.
				if !e.noGuards && !mayMatch(e.workerGuard(w, r, ev.LogType), ev) {
					e.Skips.Add(1)
					continue
				}
				if !haveCev {
					cev, haveCev = w.x.SetEvent(ev), true
				}
				matched, p, aux, python := w.evalCompiled(r, cev, e.profile)
				switch {
				case !python && matched:
					mt := p.match(r.compiled, nil)
					w.outs = append(w.outs, Outcome{Event: i, Rule: r, Alert: mt.Resolve(defaults(r.Detection)),
						HasUnique: mt.Unique != nil && mt.Unique.Err == ""})
				case python && aux != 0:
					w.partials = append(w.partials, pendingMatch{event: i, rule: r, p: p})
					items = append(items, pyrun.SelectItem{ID: r.ID, Aux: aux})
				case python:
					items = append(items, pyrun.SelectItem{ID: r.ID})
				}
				continue
			}
			if !e.noGuards && !mayMatch(e.workerGuard(w, r, ev.LogType), ev) {
				e.Skips.Add(1)
				continue
			}
			items = append(items, pyrun.SelectItem{ID: r.ID})
		}
		if len(items) > 0 {
			w.py = append(w.py, pyWork{event: i, data: jsonOf(), items: append([]pyrun.SelectItem(nil), items...)})
		}
	}
}

// guard returns the rule's guard for a log type, compiling it the first time.
func (e *Engine) guard(r *Rule, lt *logschema.LogType) []guardCond {
	e.guardMu.Lock()
	defer e.guardMu.Unlock()
	if g, ok := r.guards[lt]; ok {
		return g
	}
	if r.guards == nil {
		r.guards = make(map[*logschema.LogType][]guardCond)
	}
	conds := e.pool.Guard(r.ID)
	if r.compiled != nil {
		// Both guards are sound: every condition of either must hold for a match.
		conds = append(append([]pyrun.GuardCond(nil), conds...), goGuard(r.compiled.Rule)...)
	}
	g := compileGuard(conds, lt)
	r.guards[lt] = g
	return g
}

// goGuard converts the guard the compiler found in a compiled rule() to pyrun's form.
func goGuard(f *pycompile.Function) []pyrun.GuardCond {
	var out []pyrun.GuardCond
	conv := func(v any) any {
		if i, ok := v.(int64); ok {
			return json.Number(strconv.FormatInt(i, 10))
		}
		return v
	}
	for _, c := range f.Guard() {
		gc := pyrun.GuardCond{Path: c.Path, Default: conv(c.Default), Op: c.Op}
		for _, v := range c.Values {
			gc.Values = append(gc.Values, conv(v))
		}
		out = append(out, gc)
	}
	return out
}

func (e *Engine) selection(items []pyrun.SelectItem) (*pyrun.Selection, error) {
	b := e.selKey[:0]
	for _, it := range items {
		b = strconv.AppendInt(b, int64(e.byID[it.ID].order), 10)
		b = append(b, ':')
		b = strconv.AppendUint(b, uint64(it.Aux), 10)
		b = append(b, ',')
	}
	e.selKey = b
	if s, ok := e.sels[string(b)]; ok {
		return s, nil
	}
	key := string(b)
	s, err := e.pool.SelectItems(items...)
	if err != nil {
		return nil, err
	}
	e.sels[key] = s
	return s, nil
}

func decodeMap(js []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		// AppendJSON always writes a valid object.
		panic(errors.New("detect: invalid event JSON: " + err.Error()))
	}
	return m
}

func defaults(d *analysis.Detection) pyrun.Defaults {
	return pyrun.Defaults{ID: d.ID, DisplayName: d.DisplayName, Severity: d.Severity,
		Description: d.Description, Reference: d.Reference, Runbook: d.Runbook}
}

// simpleAlert resolves the alert fields of a simple detection match.
func simpleAlert(r *Rule, ev map[string]any) pyrun.Alert {
	d := r.Detection
	a := pyrun.Alert{Severity: strings.ToUpper(d.Severity), Description: d.Description, Reference: d.Reference, Runbook: d.Runbook}
	// As for Python rules: the dedup string falls back to the generated title, then to the
	// default string; the title falls back to the display name, then the ID.
	titleOut := ""
	if title, ok := r.Simple.Title(ev); ok && title != "" {
		a.Title, titleOut = title, title
	} else if d.DisplayName != "" {
		a.Title = d.DisplayName
	} else {
		a.Title = d.ID
	}
	if dedup, ok := r.Simple.Dedup(ev); ok && dedup != "" {
		a.Dedup = dedup
	} else if titleOut != "" {
		a.Dedup = titleOut
	} else {
		a.Dedup = "defaultDedupString:" + d.ID
	}
	a.Severity = strings.ToUpper(r.Simple.Severity(ev, d.Severity))
	if ctx := r.Simple.AlertContext(ev); ctx != nil {
		if b, err := json.Marshal(ctx); err == nil {
			a.AlertContext = b
		}
	}
	return a
}

// errorAlert is the alert of a rule error: dedup is the exception class, the title the
// error's repr, as Panther does.
func errorAlert(r *Rule, err *pyrun.RuleError) pyrun.Alert {
	title := fmt.Sprintf("%s(%q)", err.Type, err.Message)
	if len(title) > 1000 {
		title = title[:985] + "... (truncated)"
	}
	return pyrun.Alert{
		Title:       title,
		Dedup:       err.Type,
		Severity:    strings.ToUpper(r.Severity),
		Description: r.Description,
		Reference:   r.Reference,
		Runbook:     r.Runbook,
	}
}
