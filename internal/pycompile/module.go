package pycompile

import (
	"fmt"
	"strings"
)

// closure is a function value: a Function and, for nested functions and lambdas, the frame
// of the function that created it.
type closure struct {
	fn  *Function
	env *frame
}

func funcValue(f *Function, env *frame) Value { return Value{K: KFunc, O: &closure{fn: f, env: env}} }

func (m *Module) bind(name string, v Value) {
	m.globals[name] = &binding{val: v, known: true}
}

func (m *Module) unknown(name, why string) {
	m.globals[name] = &binding{why: why}
}

// lookup returns the binding of a module-level name, nil when the module does not bind it.
func (m *Module) lookup(name string) *binding {
	if b, ok := m.globals[name]; ok {
		return b
	}
	if m.star {
		return &binding{why: "the module uses `from ... import *`"}
	}
	return nil
}

// init runs the module's top-level code the way CPython would for what the compiler models:
// imports, function definitions and assignments of values it can compute. Names bound by code
// it does not model are unknown, with the reason; functions that use them do not compile.
func (m *Module) init() {
	if m.state != 0 {
		return
	}
	m.state = 1
	defer func() { m.state = 2 }()
	for _, st := range m.tree.List("body") {
		m.initStmt(st)
	}
}

func (m *Module) initStmt(st *Node) {
	switch st.Type {
	case "Import":
		for _, a := range st.List("names") {
			name := a.Str("name")
			as := a.Str("asname")
			if as != "" {
				m.importAs(as, name)
				continue
			}
			// `import a.b` binds a.
			top, _, _ := strings.Cut(name, ".")
			m.importAs(top, top)
			if top != name {
				m.importAs(top, top) // the submodule is reached as an attribute of top
			}
		}
	case "ImportFrom":
		mod := st.Str("module")
		if n, ok := st.Fields["level"].(intLit); ok && n != "0" {
			for _, a := range st.List("names") {
				m.unknown(bound(a), "relative import")
			}
			return
		}
		for _, a := range st.List("names") {
			name := a.Str("name")
			if name == "*" {
				m.star = true
				continue
			}
			m.importFrom(bound(a), mod, name)
		}
	case "FunctionDef":
		f := m.newFunction(st, nil)
		if len(st.List("decorator_list")) > 0 {
			m.unknown(st.Str("name"), "decorated function")
			f.Err = "decorated function"
			return
		}
		if err := f.evalDefaults(); err != "" {
			m.unknown(st.Str("name"), err)
			f.Err = err
			return
		}
		m.bind(st.Str("name"), funcValue(f, nil))
	case "AsyncFunctionDef", "ClassDef":
		m.unknown(st.Str("name"), strings.ToLower(st.Type[:len(st.Type)-3])+" definition")
		for _, sub := range st.List("body") {
			m.collectNested(sub, nil)
		}
	case "Assign":
		val, why := m.evalModuleExpr(st.Node("value"))
		for _, t := range st.List("targets") {
			m.assignTarget(t, val, why)
		}
	case "AnnAssign":
		if st.Node("value") == nil {
			return
		}
		val, why := m.evalModuleExpr(st.Node("value"))
		m.assignTarget(st.Node("target"), val, why)
	case "AugAssign":
		t := st.Node("target")
		if t.Is("Name") {
			b := m.lookup(t.Str("id"))
			if b == nil || !b.known {
				m.unknown(t.Str("id"), "augmented assignment of an unknown value")
				return
			}
			r, why := m.evalModuleExpr(st.Node("value"))
			if why != "" {
				m.unknown(t.Str("id"), why)
				return
			}
			v, err := noEval.binop(st.Str("op"), b.val, r)
			if err != nil {
				m.unknown(t.Str("id"), "module code: "+err.Error())
				return
			}
			m.bind(t.Str("id"), v)
			return
		}
		m.unmodeled(st, "augmented assignment")
	case "Expr":
		if v := st.Node("value"); v.Is("Constant") {
			return // docstring
		}
		if _, why := m.evalModuleExpr(st.Node("value")); why != "" {
			m.unmodeled(st, why)
		}
	case "Pass":
	default:
		m.unmodeled(st, "module-level "+st.Type)
	}
}

// bound is the name an import alias binds.
func bound(a *Node) string {
	if as := a.Str("asname"); as != "" {
		return as
	}
	return a.Str("name")
}

// unmodeled marks every name the statement binds or mentions as unknown: the compiler does
// not know what the statement did to them.
func (m *Module) unmodeled(st *Node, why string) {
	walk(st, func(n *Node) bool {
		switch n.Type {
		case "Name":
			m.unknown(n.Str("id"), why)
		case "FunctionDef", "ClassDef", "AsyncFunctionDef":
			m.unknown(n.Str("name"), why)
			m.collectNested(n, nil)
			return false
		case "alias":
			m.unknown(bound(n), why)
		case "Lambda":
			return false
		}
		return true
	})
}

// collectNested registers functions defined inside code the compiler does not run, so that
// they are listed (as not compiled).
func (m *Module) collectNested(n *Node, parent *Function) {
	walk(n, func(c *Node) bool {
		if c.Type == "FunctionDef" {
			f := m.newFunction(c, parent)
			f.Err = "defined in code the compiler does not run"
			f.state = 2
			return false
		}
		return true
	})
}

func (m *Module) assignTarget(t *Node, val Value, why string) {
	switch t.Type {
	case "Name":
		if why != "" {
			m.unknown(t.Str("id"), why)
			return
		}
		m.bind(t.Str("id"), val)
	case "Tuple", "List":
		elts := t.List("elts")
		if why == "" && (val.K == KTuple || val.K == KList) && len(val.list().items) == len(elts) {
			for i, e := range elts {
				m.assignTarget(e, val.list().items[i], "")
			}
			return
		}
		for _, e := range elts {
			m.assignTarget(e, None, "unpacking the compiler does not model")
		}
	default:
		m.unmodeled(t, "assignment to "+t.Type)
	}
}

// evalModuleExpr computes the value of a module-level expression, or says why it cannot.
func (m *Module) evalModuleExpr(n *Node) (Value, string) {
	f := &Function{Module: m, Name: "<module>", Line: n.Line, node: n, vararg: -1, state: 1}
	sc := newScope(f, nil)
	sc.module = true
	c := &compiler{fn: f, sc: sc}
	e, err := c.expr(n)
	if err != nil {
		return None, err.Error()
	}
	if len(f.calls) > 0 {
		return None, "module code calls a function defined in Python"
	}
	x := newEvaluator(m.prog)
	fr := &frame{locals: make([]Value, f.nslots)}
	for i := range fr.locals {
		fr.locals[i] = unbound
	}
	v, exc := e(x, fr)
	if exc != nil {
		return None, "module code: " + exc.Error()
	}
	return v, ""
}

// importAs binds name to module path (import path [as name]).
func (m *Module) importAs(name, path string) {
	if mod := m.prog.modules[path]; mod != nil {
		if mod.state == 1 {
			m.unknown(name, "circular import of "+path)
			return
		}
		mod.init()
		if mod.Err != "" {
			m.unknown(name, fmt.Sprintf("module %s: %s", path, mod.Err))
			return
		}
		m.bind(name, Value{K: KModule, O: mod})
		return
	}
	if sm := stdModule(path); sm != nil {
		m.bind(name, Value{K: KModule, O: sm})
		return
	}
	m.unknown(name, "imports "+path+", which the compiler does not support")
}

// importFrom binds name to the attribute attr of module path.
func (m *Module) importFrom(name, path, attr string) {
	if mod := m.prog.modules[path]; mod != nil {
		if mod.state == 1 {
			m.unknown(name, "circular import of "+path)
			return
		}
		mod.init()
		if mod.Err != "" {
			m.unknown(name, fmt.Sprintf("module %s: %s", path, mod.Err))
			return
		}
		b := mod.lookup(attr)
		if b == nil {
			m.unknown(name, fmt.Sprintf("%s has no name %s", path, attr))
			return
		}
		m.globals[name] = b
		return
	}
	if sm := stdModule(path); sm != nil {
		v, ok := sm.attr(attr)
		if !ok {
			m.unknown(name, fmt.Sprintf("imports %s from %s, which the compiler does not support", attr, path))
			return
		}
		m.bind(name, v)
		return
	}
	if sm := stdModule(path + "." + attr); sm != nil {
		m.bind(name, Value{K: KModule, O: sm})
		return
	}
	m.unknown(name, "imports from "+path+", which the compiler does not support")
}

// walk calls f on n and its descendants, depth first, while f returns true for a node.
func walk(n *Node, f func(*Node) bool) {
	if n == nil || !f(n) {
		return
	}
	for _, v := range n.Fields {
		switch c := v.(type) {
		case *Node:
			walk(c, f)
		case []any:
			for _, e := range c {
				if cn, ok := e.(*Node); ok {
					walk(cn, f)
				}
			}
		}
	}
}
