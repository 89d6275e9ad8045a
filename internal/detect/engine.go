package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/pyrun"
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
}

// Rule is a live rule.
type Rule struct {
	*analysis.Detection
	python bool
	// guards holds the rule's guard compiled for each log type (see guard.go).
	guards map[*logschema.LogType][]guardCond
}

// Engine evaluates rules on events. Evaluate is not safe for concurrent use.
type Engine struct {
	pool     *pyrun.Pool
	noGuards bool
	byType   map[string][]*Rule
	rules    []*Rule
	sels     map[string]*pyrun.Selection
	// LoadErrors lists the enabled detections that cannot run (see LoadError), by ID.
	LoadErrors []LoadError
	// Skipped maps the ID of each LoadErrors entry to its message.
	Skipped map[string]string

	buf  []byte
	offs []int

	// Skips counts the (event, Python rule) pairs whose guard showed the rule cannot match.
	Skips int64
}

// New prepares the enabled rules of col for live evaluation and starts the Python workers if
// any rule needs them.
func New(ctx context.Context, col *analysis.Collection, o Options) (*Engine, error) {
	e := &Engine{byType: make(map[string][]*Rule), sels: make(map[string]*pyrun.Selection), Skipped: make(map[string]string),
		noGuards: o.NoGuards}
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
		e.rules = append(e.rules, r)
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
	}
	e.addInvalid(col)
	e.sortLoadErrors()
	return e, nil
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
// ordered by event.
func (e *Engine) Evaluate(ctx context.Context, evs []*event.Event) ([]Outcome, error) {
	e.buf = e.buf[:0]
	e.offs = e.offs[:0]
	var out []Outcome
	var pyEvents []pyrun.Event
	var pyIndex []int // pyEvents[i] is evs[pyIndex[i]]
	var pyIDs []string
	for i, ev := range evs {
		rules := e.byType[ev.LogType.Name]
		if len(rules) == 0 {
			continue
		}
		// The event's JSON is built only if a Go-evaluated part or a Python rule needs it.
		var js []byte
		jsonOf := func() []byte {
			if js == nil {
				start := len(e.buf)
				e.buf = event.AppendJSON(e.buf, ev)
				js = e.buf[start:]
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
		pyIDs = pyIDs[:0]
		for _, r := range rules {
			if r.Filters != nil && !r.Filters.Match(decoded()) {
				continue
			}
			if r.python {
				if !e.noGuards && !mayMatch(e.guard(r, ev.LogType), ev) {
					e.Skips++
					continue
				}
				pyIDs = append(pyIDs, r.ID)
				continue
			}
			if r.Simple.Match(decoded()) {
				out = append(out, Outcome{Event: i, Rule: r, Alert: simpleAlert(r, decoded())})
			}
		}
		if len(pyIDs) > 0 {
			sel, err := e.selection(pyIDs)
			if err != nil {
				return nil, err
			}
			pyEvents = append(pyEvents, pyrun.Event{Data: jsonOf(), Detections: sel})
			pyIndex = append(pyIndex, i)
		}
	}
	if len(pyEvents) > 0 {
		results, err := e.pool.Evaluate(ctx, pyEvents)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]*Rule, len(e.rules))
		for _, r := range e.rules {
			byID[r.ID] = r
		}
		for _, res := range results {
			r := byID[res.DetectionID]
			o := Outcome{Event: pyIndex[res.Event], Rule: r}
			switch {
			case res.Error != nil:
				o.Err = res.Error
				o.Alert = errorAlert(r, res.Error)
			case res.Match != nil:
				o.Alert = res.Match.Resolve(defaults(r.Detection))
				o.HasUnique = res.Match.Unique != nil && res.Match.Unique.Err == ""
			default:
				continue
			}
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Event < out[j].Event })
	return out, nil
}

// guard returns the rule's guard for a log type, compiling it the first time.
func (e *Engine) guard(r *Rule, lt *logschema.LogType) []guardCond {
	if g, ok := r.guards[lt]; ok {
		return g
	}
	if r.guards == nil {
		r.guards = make(map[*logschema.LogType][]guardCond)
	}
	g := compileGuard(e.pool.Guard(r.ID), lt)
	r.guards[lt] = g
	return g
}

func (e *Engine) selection(ids []string) (*pyrun.Selection, error) {
	key := strings.Join(ids, "\x00")
	if s, ok := e.sels[key]; ok {
		return s, nil
	}
	s, err := e.pool.Select(ids...)
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
