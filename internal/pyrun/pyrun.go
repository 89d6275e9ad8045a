// Package pyrun runs panther-analysis Python detections in CPython worker
// processes.
//
// A Pool starts N workers (default GOMAXPROCS). Each worker loads the same
// content: global helper modules (importable by GlobalID), data models (one
// per log type) and detections (module name = RuleID/PolicyID, not registered
// in sys.modules). The workers import our own panther_core and
// panther_detection_helpers packages, which are embedded in the binary and
// extracted to a private directory at start.
//
// Two kinds of work run on the pool:
//
//   - Evaluate: live ("batch mode") evaluation. The caller sends events, each
//     with the detections to run on it, and gets back only matches (with the
//     outputs or errors of every aux function) and rule errors.
//   - RunTests: the unit tests of one detection, with the exact pass/fail
//     rules and printed function results of panther_analysis_tool test.
//
// Robustness: every call has a timeout enforced inside Python (SIGALRM) and
// by a Go-side hard deadline that kills a stuck worker; every worker has an
// address-space limit so a rule that allocates too much gets a MemoryError;
// a worker that dies is replaced and its batch re-run, the pair that was
// running when it died retried once and then reported as a rule error.
package pyrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Detection kinds, as in the AnalysisType of the YAML spec.
const (
	KindRule          = "rule"
	KindScheduledRule = "scheduled_rule"
	KindPolicy        = "policy"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultCallTimeout = 15 * time.Second
	DefaultMemoryLimit = int64(1) << 30
)

// Options configures a Pool. The zero value is usable.
type Options struct {
	// Python is the interpreter to run; default "python3" looked up on PATH.
	Python string
	// Workers is the number of worker processes; default GOMAXPROCS.
	Workers int
	// CallTimeout bounds one call of a detection function; default 15s.
	// A negative value disables the timeout.
	CallTimeout time.Duration
	// MemoryLimit is each worker's address-space limit (RLIMIT_AS) in bytes;
	// default 1 GiB. A negative value disables the limit.
	MemoryLimit int64
	// KVPath is the SQLite file behind panther_detection_helpers.caching,
	// shared by all workers. Empty means a private file in Dir.
	KVPath string
	// Dir is where the embedded Python packages are extracted. Empty means
	// a new temporary directory, removed by Close.
	Dir string
	// Stderr receives what detections print in live evaluation and the
	// workers' own diagnostics; default io.Discard.
	Stderr io.Writer
	// Profile makes Evaluate measure the time spent in every detection (see
	// Pool.Stats). It costs about 0.1 µs per call.
	Profile bool
	// BatchSize is the number of events sent to a worker in one frame;
	// default 256.
	BatchSize int
	// TrustedJSON skips the validation of each event's JSON in Evaluate, for callers that
	// produce it with an encoder (an invalid event then fails its whole frame).
	TrustedJSON bool
}

// Module is the source of one Python module.
type Module struct {
	// Name is the module name (GlobalID for globals).
	Name string
	// Path is the file the source came from; tracebacks and errors name it.
	Path string
	// Source is the module's Python source text.
	Source string
}

// Mapping is one data model mapping: Name and exactly one of Path or Method.
type Mapping struct {
	Name   string
	Path   string
	Method string
}

// DataModel maps UDM names of some log types to JSONPaths or methods.
type DataModel struct {
	ID       string
	LogTypes []string
	Mappings []Mapping
	// Module holds the Method functions; nil when the data model has no
	// Filename.
	Module *Module
}

// Detection is a Python rule, scheduled rule or policy.
type Detection struct {
	// ID is the RuleID or PolicyID; it is also the module name.
	ID string
	// Kind is KindRule, KindScheduledRule or KindPolicy.
	Kind   string
	Module Module
	// SuppressAlert is true when the YAML says CreateAlert: false; test
	// results then omit the outputs PAT clears for signals.
	SuppressAlert bool
}

// Content is everything the workers load.
type Content struct {
	Globals    []Module
	DataModels []DataModel
	Detections []Detection
}

// Pool owns the worker processes. Its methods are safe for concurrent use.
type Pool struct {
	opts    Options
	python  string
	version string
	dir     string
	ownDir  bool
	kvPath  string
	load    []byte // the load request, replayed to replacement workers
	content Content
	detIdx  map[string]int

	setupMu   sync.Mutex
	setupErrs map[string]*SetupError

	idle    chan *worker
	slots   []*worker
	slotsMu sync.Mutex
	closing chan struct{}
	seq     atomic.Uint32

	broken     chan struct{} // closed when a dead worker could not be replaced
	brokenErr  error
	brokenOnce sync.Once
	closeMu    sync.Mutex
	closed     bool
	active     sync.WaitGroup // Evaluate and RunTests calls in progress

	selMu sync.Mutex
	sels  map[string]*Selection

	statsMu sync.Mutex
	stats   []DetectionStats

	guardsMu sync.Mutex
	guards   map[string][]GuardCond
}

// GuardCond is one condition of a rule's guard: the leading tests of its rule() function that
// decide, without side effects, that it returns False (see python/pyrun_guards.py). A rule
// can only match an event on which every condition of its guard holds.
type GuardCond struct {
	// Path is the field read: event.get(Path[0]) or event.deep_get(Path...).
	Path []string `json:"path"`
	// Default is the value read when the field is missing (or, for deep_get, null).
	Default any `json:"default"`
	// Op is eq, ne, in, notin, none, notnone, truthy or falsy.
	Op string `json:"op"`
	// Values are the constants compared with: strings, json.Number, bools and nils.
	Values []any `json:"values"`
}

// Guard returns the guard of a rule, nil when it has none.
func (p *Pool) Guard(id string) []GuardCond {
	p.guardsMu.Lock()
	defer p.guardsMu.Unlock()
	return p.guards[id]
}

func (p *Pool) recordGuards(g map[string][]GuardCond) {
	p.guardsMu.Lock()
	defer p.guardsMu.Unlock()
	if p.guards == nil { // every worker loads the same content: the first one's guards serve
		p.guards = g
	}
}

// SetupError describes why a detection, data model or global could not be
// loaded; those detections' tests do not run and live calls report it.
type SetupError struct {
	// ID is the detection or data model ID.
	ID string
	// Type is the Python exception class, e.g. "ModuleNotFoundError".
	Type string
	// Message is the exception text.
	Message string
	// Path and Line locate the failure when known (Line 0 = unknown).
	Path string
	Line int
	// Traceback is the formatted traceback of the load.
	Traceback string
	// Module is the module a ModuleNotFoundError names; Fix says how to install it into the
	// interpreter the workers run.
	Module string
	Fix    string
}

// Error formats the setup error as "path:line: Type: message", followed on a second line by
// the fix when there is one.
func (e *SetupError) Error() string {
	fix := ""
	if e.Fix != "" {
		fix = "\n" + e.Fix
	}
	return e.Cause() + fix
}

// Cause is the error without its fix: "path:line: Type: message".
func (e *SetupError) Cause() string {
	loc := e.Path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
	}
	if loc == "" {
		return fmt.Sprintf("%s: %s", e.Type, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Type, e.Message)
}

// New validates the content, checks the interpreter, extracts the embedded
// Python packages and starts the workers. Load errors of single detections
// do not fail New; see SetupErrors.
func New(ctx context.Context, o Options, c Content) (*Pool, error) {
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MemoryLimit == 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 256
	}
	p := &Pool{
		opts:      o,
		content:   c,
		detIdx:    make(map[string]int, len(c.Detections)),
		setupErrs: map[string]*SetupError{},
		closing:   make(chan struct{}),
		broken:    make(chan struct{}),
		sels:      map[string]*Selection{},
		stats:     make([]DetectionStats, len(c.Detections)),
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	python, version, err := probePython(ctx, o.Python)
	if err != nil {
		return nil, err
	}
	p.python, p.version = python, version
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "pyrun-")
		if err != nil {
			return nil, fmt.Errorf("pyrun: create work dir: %w", err)
		}
		p.dir, p.ownDir = dir, true
	} else {
		p.dir = filepath.Join(o.Dir, "pyrun")
	}
	if err := extract(p.dir); err != nil {
		p.removeDir()
		return nil, err
	}
	p.kvPath = o.KVPath
	if p.kvPath == "" {
		p.kvPath = filepath.Join(p.dir, "kv.sqlite")
	}
	if p.load, err = p.loadRequest(); err != nil {
		p.removeDir()
		return nil, err
	}
	p.idle = make(chan *worker, o.Workers)
	p.slots = make([]*worker, o.Workers)
	errs := make([]error, o.Workers)
	var wg sync.WaitGroup
	for i := range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w, err := p.startWorker(ctx, i)
			errs[i] = err
			p.slots[i] = w
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, w := range p.slots {
			if w != nil {
				w.stop()
			}
		}
		p.removeDir()
		return nil, err
	}
	for _, w := range p.slots {
		p.idle <- w
	}
	return p, nil
}

func (p *Pool) validate() error {
	var errs []error
	for i, d := range p.content.Detections {
		where := fmt.Sprintf("pyrun: Detections[%d]", i)
		switch {
		case d.ID == "":
			errs = append(errs, fmt.Errorf("%s: empty ID", where))
			continue
		case d.Kind != KindRule && d.Kind != KindScheduledRule && d.Kind != KindPolicy:
			errs = append(errs, fmt.Errorf("%s (%s): Kind is %q, expected %q, %q or %q", where, d.ID, d.Kind, KindRule, KindScheduledRule, KindPolicy))
		}
		if _, dup := p.detIdx[d.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate ID %q", where, d.ID))
		}
		p.detIdx[d.ID] = i
		p.stats[i].ID = d.ID
	}
	seen := map[string]bool{}
	for i, g := range p.content.Globals {
		if g.Name == "" {
			errs = append(errs, fmt.Errorf("pyrun: Globals[%d] (%s): empty module name", i, g.Path))
		}
		if seen[g.Name] {
			errs = append(errs, fmt.Errorf("pyrun: Globals[%d]: duplicate module name %q", i, g.Name))
		}
		seen[g.Name] = true
	}
	owner := map[string]string{}
	for i, dm := range p.content.DataModels {
		if dm.ID == "" {
			errs = append(errs, fmt.Errorf("pyrun: DataModels[%d]: empty ID", i))
		}
		for j, m := range dm.Mappings {
			if (m.Path == "") == (m.Method == "") {
				errs = append(errs, fmt.Errorf("pyrun: DataModels[%d] (%s) Mappings[%d] (%s): expected exactly one of Path or Method", i, dm.ID, j, m.Name))
			}
		}
		for _, lt := range dm.LogTypes {
			if prev, ok := owner[lt]; ok {
				p.setupErrs[dm.ID] = &SetupError{ID: dm.ID, Type: "ConflictingLogType",
					Message: fmt.Sprintf("Conflicting Enabled LogType [%s] in Data Model [%s], already claimed by [%s]", lt, dm.ID, prev)}
				continue
			}
			owner[lt] = dm.ID
		}
	}
	return errors.Join(errs...)
}

type wireModule struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Source string `json:"source"`
}

type wireDetection struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Path   string `json:"path"`
	Source string `json:"source"`
}

type wireMapping struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	Method string `json:"method,omitempty"`
}

type wireDataModel struct {
	ID       string        `json:"id"`
	LogTypes []string      `json:"log_types"`
	Mappings []wireMapping `json:"mappings"`
	Module   *wireModule   `json:"module,omitempty"`
}

type loadRequest struct {
	Op          string          `json:"op"`
	Timeout     float64         `json:"timeout"`
	MemoryLimit int64           `json:"memory_limit"`
	Profile     bool            `json:"profile"`
	Globals     []wireModule    `json:"globals"`
	DataModels  []wireDataModel `json:"data_models"`
	Detections  []wireDetection `json:"detections"`
}

func (p *Pool) loadRequest() ([]byte, error) {
	req := loadRequest{Op: "load", Profile: p.opts.Profile}
	if p.opts.CallTimeout > 0 {
		req.Timeout = p.opts.CallTimeout.Seconds()
	}
	if p.opts.MemoryLimit > 0 {
		req.MemoryLimit = p.opts.MemoryLimit
	}
	for _, g := range p.content.Globals {
		req.Globals = append(req.Globals, wireModule(g))
	}
	for _, dm := range p.content.DataModels {
		if _, bad := p.setupErrs[dm.ID]; bad {
			continue
		}
		w := wireDataModel{ID: dm.ID, LogTypes: dm.LogTypes}
		for _, m := range dm.Mappings {
			w.Mappings = append(w.Mappings, wireMapping(m))
		}
		if dm.Module != nil {
			m := wireModule(*dm.Module)
			if m.Name == "" {
				m.Name = dm.ID
			}
			w.Module = &m
		}
		req.DataModels = append(req.DataModels, w)
	}
	for _, d := range p.content.Detections {
		req.Detections = append(req.Detections, wireDetection{ID: d.ID, Kind: d.Kind, Path: d.Module.Path, Source: d.Module.Source})
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("pyrun: encode content: %w", err)
	}
	return b, nil
}

// SetupErrors returns the load error text of every detection or data model
// that failed to load, keyed by ID ("path:line: Type: message").
func (p *Pool) SetupErrors() map[string]string {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	out := make(map[string]string, len(p.setupErrs))
	for id, e := range p.setupErrs {
		out[id] = e.Error()
	}
	return out
}

// SetupError returns the load error of one detection or data model, or nil.
func (p *Pool) SetupError(id string) *SetupError {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	return p.setupErrs[id]
}

// PythonVersion reports the interpreter version the workers run.
func (p *Pool) PythonVersion() string { return p.version }

// DetectionStats is the cumulative work of one detection in Evaluate.
type DetectionStats struct {
	ID      string
	Calls   int64
	Matches int64
	Errors  int64
	// Time is the time spent in the detection's functions; it is measured
	// only with Options.Profile.
	Time time.Duration
}

// Stats returns the cumulative per-detection statistics, slowest first.
func (p *Pool) Stats() []DetectionStats {
	p.statsMu.Lock()
	out := append([]DetectionStats(nil), p.stats...)
	p.statsMu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// ErrClosed is returned by calls on a closed Pool.
var ErrClosed = errors.New("pyrun: pool is closed")

func (p *Pool) enter() error {
	p.closeMu.Lock()
	defer p.closeMu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.active.Add(1)
	return nil
}

// Close stops every worker and waits for them to exit. Calls in progress
// finish first. Close is idempotent.
func (p *Pool) Close() error {
	p.closeMu.Lock()
	if p.closed {
		p.closeMu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closing)
	p.closeMu.Unlock()
	p.active.Wait()
	p.slotsMu.Lock()
	slots := append([]*worker(nil), p.slots...)
	p.slotsMu.Unlock()
	var errs []error
	for _, w := range slots {
		if w != nil {
			if err := w.stop(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	p.removeDir()
	return errors.Join(errs...)
}

func (p *Pool) removeDir() {
	if p.ownDir {
		_ = os.RemoveAll(p.dir)
	}
}
