package pycompile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/event"
)

// AuxNames are the aux functions of a detection in the order panther_core runs them.
var AuxNames = [...]string{"title", "description", "reference", "severity", "runbook", "destinations", "dedup", "alert_context", "unique"}

// NumAux is the number of aux functions.
const NumAux = len(AuxNames)

// Compile parses the sources with CPython (python, default python3) and compiles them. Syntax
// errors only make the affected module's functions not compile.
func Compile(ctx context.Context, python string, srcs []Source, dms []DataModelSpec) (*Program, error) {
	parsed, err := Parse(ctx, python, srcs)
	if err != nil {
		return nil, err
	}
	return Build(parsed, dms), nil
}

// Detection is the compiled form of one detection module: its rule() function and aux
// functions. A nil function is either not defined (Defined false) or not compiled (Why says
// why); a compiled function that is not full has an entry in Partial (why it may bail).
type Detection struct {
	Rule    *Function
	Aux     [NumAux]*Function
	Defined [NumAux]bool
	// RuleDefined is false when the module has no rule function.
	RuleDefined bool
	// Why maps the functions that did not compile to the reason.
	Why map[string]string
	// Partial maps the compiled functions that may bail to the first reason.
	Partial map[string]string
}

// Detection returns the compiled functions of a detection module (nil when the program has no
// such module).
func (p *Program) Detection(module string) *Detection {
	m := p.detections[module]
	if m == nil {
		return nil
	}
	d := &Detection{Why: map[string]string{}, Partial: map[string]string{}}
	get := func(name string) (*Function, bool) {
		b := m.lookup(name)
		if b == nil {
			return nil, false
		}
		if !b.known {
			d.Why[name] = b.why
			return nil, true
		}
		if b.val.K != KFunc {
			d.Why[name] = "not a function"
			return nil, true
		}
		f := b.val.O.(*closure).fn
		if !f.compiled {
			d.Why[name] = f.Err
			if f.Err == "" {
				d.Why[name] = "not compiled"
			}
			return nil, true
		}
		if why := f.Partial(); why != "" {
			d.Partial[name] = why
		}
		return f, true
	}
	if m.Err != "" {
		d.Why["rule"] = m.Err
	}
	d.Rule, d.RuleDefined = get("rule")
	for i, name := range AuxNames {
		d.Aux[i], d.Defined[i] = get(name)
	}
	return d
}

// FullyCompiled reports whether rule() and every defined aux function compiled without bail
// points.
func (d *Detection) FullyCompiled() bool {
	if d.Rule == nil || !d.Rule.full {
		return false
	}
	for i := range d.Aux {
		if d.Defined[i] && (d.Aux[i] == nil || !d.Aux[i].full) {
			return false
		}
	}
	return true
}

// SetEvent makes e the current event: the argument of the next calls.
func (x *Evaluator) SetEvent(e *event.Event) Value {
	x.reset()
	x.ev = e
	x.dm = x.prog.dataModels[e.LogType.Name]
	return typedEvent(e)
}

// SetJSONEvent makes an event given as a JSON object the current event (as a PantherEvent over
// the decoded JSON, with the data model of its p_log_type).
func (x *Evaluator) SetJSONEvent(js string) (Value, error) {
	x.reset()
	v, err := parseJSON(js)
	if err != nil {
		return None, err
	}
	if v.K != KDict {
		return None, fmt.Errorf("pycompile: event JSON is a %s, not an object", typeName(v))
	}
	d := v.dict()
	if lt, ok := d.getStr("p_log_type"); ok && lt.K == KStr {
		x.dm = x.prog.dataModels[lt.S]
	}
	return genericEvent(d), nil
}

// Call runs f(arg). The result is valid until the next SetEvent.
func (x *Evaluator) Call(f *Function, arg Value) (Value, *Exception) {
	x.steps = 0
	x.depth = 0
	x.args, x.kws = x.args[:0], x.kws[:0]
	return x.callFunc(f, nil, []Value{arg}, nil)
}

// RunRule runs a compiled rule() on the current event: matched, or ok false when the outcome
// must come from CPython (the function raised, bailed, or returned a non-bool).
func (x *Evaluator) RunRule(f *Function, ev Value) (matched, ok bool) {
	v, err := x.Call(f, ev)
	if err != nil || v.K != KBool {
		return false, false
	}
	return v.N != 0, true
}

// Output is the outcome of a compiled aux function after panther_core's checks, truncation and
// serialization: what pyrun reports for the same function in batch mode.
type Output struct {
	Value string
	// Destinations holds the names of destinations(); DestNone is true when it returned None.
	Destinations []string
	DestNone     bool
}

const (
	maxField         = 1000
	truncSuffix      = "... (truncated)"
	maxAlertContext  = 200 * 1024
	alertContextTmpl = "alert_context size is [%d] characters, bigger than maximum of [%d] characters"
)

var severities = map[string]bool{"INFO": true, "LOW": true, "MEDIUM": true, "HIGH": true, "CRITICAL": true, "DEFAULT": true}

// truncate is panther_core's truncation, in code points.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	r := []rune(s)
	return string(r[:limit-len(truncSuffix)]) + truncSuffix
}

// RunAux runs aux function i (an index of AuxNames) on the current event; ok is false when the
// outcome must come from CPython (the function raised, bailed, or returned the wrong type).
func (x *Evaluator) RunAux(i int, f *Function, ev Value) (Output, bool) {
	v, err := x.Call(f, ev)
	if err != nil {
		return Output{}, false
	}
	switch AuxNames[i] {
	case "severity":
		if v.K != KStr || !isASCII(v.S) {
			return Output{}, false
		}
		s := asciiUpper(v.S)
		if !severities[s] {
			return Output{}, false
		}
		return Output{Value: s}, true
	case "destinations":
		if v.K == KNone {
			return Output{DestNone: true}, true
		}
		if v.K != KList {
			return Output{}, false
		}
		var names []string
		for _, it := range v.list().items {
			switch it.K {
			case KStr:
				names = append(names, it.S)
			case KBool:
				if it.N != 0 {
					names = append(names, "True")
				} else {
					names = append(names, "False")
				}
			default:
				return Output{}, false
			}
		}
		if names == nil {
			names = []string{}
		}
		return Output{Destinations: names}, true
	case "alert_context":
		if !isMapping(v) {
			return Output{}, false
		}
		o := defaultDumpOpts()
		o.allowNaN = false
		o.wrappers = true
		text, err := x.dumps(v, o)
		if err != nil {
			return Output{}, false
		}
		if len(text) > maxAlertContext {
			msg := fmt.Sprintf(alertContextTmpl, len(text), maxAlertContext)
			var b strings.Builder
			b.WriteString(`{"_error": `)
			writeJSONString(&b, msg, true)
			b.WriteString("}")
			return Output{Value: b.String()}, true
		}
		return Output{Value: text}, true
	}
	if v.K != KStr {
		return Output{}, false
	}
	return Output{Value: truncate(v.S, maxField)}, true
}

// FunctionReport describes one function of a module for listings.
type FunctionReport struct {
	Module, Name string
	Line         int
	// Compiled: the function runs in Go; Full: without bail points (else Why says why it may
	// bail, or why it did not compile).
	Compiled, Full bool
	Why            string
}

// Report lists every module-level function with whether it compiled.
func (p *Program) Report() []FunctionReport {
	var out []FunctionReport
	for _, m := range p.order {
		for _, f := range m.Funcs() {
			why := f.Err
			if f.compiled {
				why = f.Partial()
			}
			out = append(out, FunctionReport{Module: m.Name, Name: f.Name, Line: f.Line, Compiled: f.compiled, Full: f.full, Why: why})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Module != out[j].Module {
			return out[i].Module < out[j].Module
		}
		return out[i].Line < out[j].Line
	})
	return out
}
