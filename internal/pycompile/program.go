package pycompile

import (
	"fmt"
	"sort"
	"strings"
)

// Program is a set of compiled modules: global helpers, data model modules and detections.
type Program struct {
	modules    map[string]*Module // importable: global helpers
	detections map[string]*Module
	dmModules  map[string]*Module
	order      []*Module
	// dataModels maps a log type to its data model.
	dataModels map[string]*DataModel
}

// Module is one compiled Python module.
type Module struct {
	Name string
	Path string
	prog *Program
	tree *Node

	// Err is set when the module cannot be used at all (a syntax error, module code the
	// compiler does not model); its functions are then not compiled.
	Err string

	globals map[string]*binding
	funcs   []*Function // every function defined in the module, including nested ones
	state   int         // 0 new, 1 initializing, 2 ready
	star    bool        // has `from X import *`
}

// binding is a module-level name after the module's code ran.
type binding struct {
	val   Value
	known bool
	why   string // when not known: why compiled code cannot use it
}

// Function is one Python function (a def or a lambda) and, when it compiled, its Go form.
type Function struct {
	Module *Module
	Name   string
	Line   int
	node   *Node

	// Err says why the function did not compile; empty when it did.
	Err string
	// Bails lists the constructs of a compiled function that the compiler does not model: the
	// function runs in Go until it reaches one, then bails (CPython runs the call). Compiled
	// code has no side effects before a bail point, so running the call again is exact.
	Bails []string
	// full is true when the function and every function it calls compiled without bail points.
	full bool

	params    []param
	vararg    int // slot of *args, -1 when absent
	kwonly    int // number of keyword-only params at the end of params
	nslots    int
	body      []stmt
	expr      expr // lambdas
	heapFrame bool // a closure may outlive a call: frames are not reused
	depth     int  // nesting depth: 0 for module-level functions
	calls     []*Function
	compiled  bool
	native    *nativeHelper // the Go form of a known helper (see natives.go)
	state     int           // 0 new, 1 compiling, 2 done
	parent    *Function
}

type param struct {
	name   string
	slot   int
	defVal Value // the default, evaluated when the def ran
	hasDef bool
}

// Compiled reports whether the function runs in Go (possibly until a bail point).
func (f *Function) Compiled() bool { return f.compiled }

// Full reports whether the function and those it calls compiled without bail points.
func (f *Function) Full() bool { return f.full }

// Partial returns why a compiled function is not full: its first bail point, or the callee
// that has one; empty when it is full.
func (f *Function) Partial() string {
	if f.full || !f.compiled {
		return ""
	}
	if len(f.Bails) > 0 {
		return f.Bails[0]
	}
	for _, c := range f.calls {
		if !c.full {
			if !c.compiled {
				return fmt.Sprintf("calls %s, which does not compile (%s)", c.qualName(), firstLine(c.Err))
			}
			return fmt.Sprintf("calls %s (%s)", c.qualName(), firstLine(c.Partial()))
		}
	}
	return ""
}

// Build compiles parsed modules. Modules import each other by name (the GlobalIDs of global
// helpers); data models bind log types to their mappings. Build never fails: what does not
// compile is reported per function (Function.Err) and runs in CPython.
func Build(mods []*Parsed, dms []DataModelSpec) *Program {
	p := &Program{modules: map[string]*Module{}, detections: map[string]*Module{}, dmModules: map[string]*Module{},
		dataModels: map[string]*DataModel{}}
	for _, m := range mods {
		mod := &Module{Name: m.Name, Path: m.Path, prog: p, tree: m.Tree, globals: map[string]*binding{}}
		if m.Tree == nil {
			mod.Err = fmt.Sprintf("%s (line %d)", m.Err, m.Line)
			mod.state = 2
		}
		byName := p.modules
		switch m.Kind {
		case KindDetection:
			byName = p.detections
		case KindDataModel:
			byName = p.dmModules
		}
		if _, dup := byName[m.Name]; !dup {
			byName[m.Name] = mod
		}
		p.order = append(p.order, mod)
	}
	for _, m := range p.order {
		m.init()
	}
	checkMutations(p)
	for _, m := range p.order {
		for _, b := range m.globals {
			if b.known {
				freeze(b.val, 0)
			}
		}
	}
	for _, m := range p.order {
		for _, f := range m.funcs {
			f.compile()
			for _, pr := range f.params {
				freeze(pr.defVal, 0)
			}
		}
	}
	settleCalls(p)
	for _, spec := range dms {
		p.addDataModel(spec)
	}
	return p
}

// Module returns a global helper module by name.
func (p *Program) Module(name string) *Module { return p.modules[name] }

// Modules returns the modules in build order.
func (p *Program) Modules() []*Module { return p.order }

// Func returns a module-level function of the module, nil when there is none.
func (m *Module) Func(name string) *Function {
	b := m.globals[name]
	if b == nil || !b.known || b.val.K != KFunc {
		return nil
	}
	return b.val.O.(*closure).fn
}

// Funcs returns the module-level functions, by name.
func (m *Module) Funcs() []*Function {
	var out []*Function
	for _, f := range m.funcs {
		if f.depth == 0 && f.node.Type == "FunctionDef" {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// settleCalls computes which functions are full: compiled without bail points, and calling
// only full functions.
func settleCalls(p *Program) {
	for _, m := range p.order {
		for _, f := range m.funcs {
			f.full = f.compiled && len(f.Bails) == 0
		}
	}
	for changed := true; changed; {
		changed = false
		for _, m := range p.order {
			for _, f := range m.funcs {
				if !f.full {
					continue
				}
				for _, c := range f.calls {
					if !c.full {
						f.full = false
						changed = true
						break
					}
				}
			}
		}
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (f *Function) qualName() string {
	return f.Module.Name + "." + f.Name
}

// Stats counts compiled functions.
type Stats struct {
	Functions, Compiled, Full int
}

// Stats counts the module-level functions of the program and those that compiled.
func (p *Program) Stats() Stats {
	var s Stats
	for _, m := range p.order {
		for _, f := range m.Funcs() {
			s.Functions++
			if f.compiled {
				s.Compiled++
			}
			if f.full {
				s.Full++
			}
		}
	}
	return s
}
