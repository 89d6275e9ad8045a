package detect

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pycompile"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Python rules run in Go where they compile (internal/pycompile): rule() is evaluated on the
// event tree; on a match the aux functions that compiled run in Go too, and the others run in
// CPython on that event only. A compiled call that cannot give CPython's exact result (it raised,
// or met something the compiler does not model) falls back to CPython for that event.

// compileContent compiles the Python rules of col; the rules keep their compiled form in
// Rule.compiled. Detections or data models that failed to load in CPython are not compiled:
// CPython's outcome (a setup error) is the reference.
func (e *Engine) compileContent(ctx context.Context, col *analysis.Collection, dets []*analysis.Detection, o Options) error {
	bad := e.pool.SetupErrors()
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
		if _, failed := bad[dm.ID]; failed {
			continue
		}
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
	prog, err := pycompile.Compile(ctx, o.Python, srcs, dms)
	if err != nil {
		return err
	}
	e.prog = prog
	for _, r := range e.rules {
		if !r.python || r.Type != analysis.TypeRule {
			continue
		}
		if _, failed := bad[r.ID]; failed {
			continue
		}
		if cd := prog.Detection(r.ID); cd != nil && cd.Rule != nil {
			r.compiled = cd
		}
	}
	for i := range e.workers {
		e.workers[i].x = pycompile.NewEvaluator(prog)
	}
	return nil
}

// RuleStats counts the work of one Python rule.
type RuleStats struct {
	// GoCalls counts the events its compiled rule() ran on, GoMatches the matches it found.
	GoCalls, GoMatches int64
	// Fallbacks counts the events whose compiled rule() handed the event to CPython.
	Fallbacks int64
	// AuxInPython counts the matches whose aux functions (some or all) ran in CPython.
	AuxInPython int64
	// GoTime is the time spent in the compiled functions (measured with Options.Profile).
	GoTime time.Duration
}

type ruleCounters struct {
	goCalls, goMatches, fallbacks, auxPython, goNanos atomic.Int64
}

// Compiled reports whether the rule's rule() function runs in Go.
func (r *Rule) Compiled() bool { return r.compiled != nil }

// CompiledAux reports, in AuxNames order, which aux functions the rule defines and which of
// them compiled.
func (r *Rule) CompiledAux() (defined, compiled [pycompile.NumAux]bool) {
	if r.compiled == nil {
		return
	}
	for i := range r.compiled.Aux {
		defined[i] = r.compiled.Defined[i]
		compiled[i] = r.compiled.Aux[i] != nil
	}
	return
}

// NotCompiled says why the rule's functions did not compile, by function name.
func (r *Rule) NotCompiled() map[string]string {
	if r.compiled == nil {
		return nil
	}
	return r.compiled.Why
}

// Stats returns the rule's counters.
func (r *Rule) Stats() RuleStats {
	return RuleStats{GoCalls: r.counts.goCalls.Load(), GoMatches: r.counts.goMatches.Load(),
		Fallbacks: r.counts.fallbacks.Load(), AuxInPython: r.counts.auxPython.Load(),
		GoTime: time.Duration(r.counts.goNanos.Load())}
}

// Program returns the compiled program, nil when compilation is off.
func (e *Engine) Program() *pycompile.Program { return e.prog }

// evalCompiled runs a compiled rule on the current event of w. It returns the outcome when the
// rule and its aux functions settled in Go; otherwise it returns the Python work: aux 0 to run
// the whole detection in CPython, else the mask of aux functions to run there (pending holds
// the outputs computed in Go).
func (w *worker) evalCompiled(r *Rule, ev pycompile.Value, profile bool) (matched bool, outs partial, aux uint16, python bool) {
	if profile {
		start := time.Now()
		defer func() { r.counts.goNanos.Add(int64(time.Since(start))) }()
	}
	cd := r.compiled
	r.counts.goCalls.Add(1)
	m, ok := w.x.RunRule(cd.Rule, ev)
	if !ok {
		r.counts.fallbacks.Add(1)
		return false, partial{}, 0, true
	}
	if !m {
		return false, partial{}, 0, false
	}
	r.counts.goMatches.Add(1)
	var p partial
	for i, f := range cd.Aux {
		if !cd.Defined[i] {
			continue
		}
		if f != nil {
			if out, ok := w.x.RunAux(i, f, ev); ok {
				p.outs[i] = out
				p.have |= 1 << i
				continue
			}
		}
		aux |= 1 << i
	}
	if aux != 0 {
		r.counts.auxPython.Add(1)
		return true, p, aux, true
	}
	return true, p, 0, false
}

// partial holds the aux outputs computed in Go for a match.
type partial struct {
	outs [pycompile.NumAux]pycompile.Output
	have uint16
}

// match builds the pyrun form of a match: the outputs computed in Go, completed by those of a
// CPython aux-only run (py, nil when there was none).
func (p *partial) match(cd *pycompile.Detection, py *pyrun.Match) *pyrun.Match {
	m := &pyrun.Match{}
	if py != nil {
		*m = *py
	}
	for i := range cd.Aux {
		if !cd.Defined[i] || p.have&(1<<i) == 0 {
			continue
		}
		out := p.outs[i]
		o := &pyrun.Output{Value: out.Value}
		switch pycompile.AuxNames[i] {
		case "title":
			m.Title = o
		case "description":
			m.Description = o
		case "reference":
			m.Reference = o
		case "severity":
			m.Severity = o
		case "runbook":
			m.Runbook = o
		case "destinations":
			m.Destinations = &pyrun.Destinations{Names: out.Destinations, None: out.DestNone}
		case "dedup":
			m.Dedup = o
		case "alert_context":
			m.AlertContext = o
		case "unique":
			m.Unique = o
		}
	}
	return m
}

// PrintCompileReport writes which functions of the rules compiled, for `--rule-stats` and
// `panther detections list --compiled`.
func PrintCompileReport(w io.Writer, rules []*Rule) {
	var py, full, rule int
	for _, r := range rules {
		if !r.python {
			continue
		}
		py++
		if r.compiled != nil {
			rule++
			if r.compiled.FullyCompiled() {
				full++
			}
		}
	}
	fmt.Fprintf(w, "Python rules compiled to Go: %d of %d fully, rule() of %d\n", full, py, rule)
}
