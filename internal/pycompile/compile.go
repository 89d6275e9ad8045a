package pycompile

import (
	"fmt"
)

// The compiler turns each function's syntax tree into Go closures: an expr computes a value, a
// stmt runs and says how control leaves it. Names are resolved at compile time: locals to frame
// slots, module-level names to their value (module code has run and checkMutations proved the
// value does not change), the rest to builtins.

type expr func(x *Evaluator, fr *frame) (Value, *Exception)

type ctl uint8

const (
	ctlNext ctl = iota
	ctlReturn
	ctlBreak
	ctlContinue
)

type stmt func(x *Evaluator, fr *frame) (ctl, *Exception)

// frame is the activation of one function call.
type frame struct {
	locals []Value
	ret    Value
	up     *frame // the frame of the enclosing function, for closures
	fn     *Function
}

// unbound marks a local that has no value yet.
var unbound = Value{K: numKinds}

// compileError is why a construct does not compile.
type compileError struct {
	line int
	msg  string
}

func (e *compileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

func unsupported(n *Node, format string, args ...any) *compileError {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &compileError{line: line, msg: fmt.Sprintf(format, args...)}
}

// scope resolves names inside one function.
type scope struct {
	fn      *Function
	locals  map[string]int
	parent  *scope
	module  bool // module-level expression: no locals but comprehension variables
	globals map[string]bool
}

func newScope(f *Function, parent *scope) *scope {
	return &scope{fn: f, locals: map[string]int{}, parent: parent, globals: map[string]bool{}}
}

func (s *scope) slot(name string) int {
	if i, ok := s.locals[name]; ok {
		return i
	}
	i := s.fn.nslots
	s.fn.nslots++
	s.locals[name] = i
	return i
}

// newSlot allocates an anonymous slot (comprehension variables, temporaries).
func (s *scope) newSlot() int {
	i := s.fn.nslots
	s.fn.nslots++
	return i
}

type compiler struct {
	fn *Function
	sc *scope
	// loops counts the enclosing loops (break/continue are valid inside).
	loops int
	// stub makes constructs that do not compile bail points instead of errors (function
	// bodies; module-level expressions must compute a value).
	stub bool
	// escapes holds the closures (lambdas, generator expressions, nested functions) of the
	// function that may outlive the call: only those need frames that are not reused.
	escapes map[*Node]bool
}

// consumers are the builtins that use a function or iterator argument during the call only.
var consumers = map[string]bool{"reduce": true, "any": true, "all": true, "sorted": true, "min": true, "max": true,
	"sum": true, "list": true, "tuple": true, "set": true, "frozenset": true, "dict": true, "map": true,
	"filter": true, "enumerate": true, "zip": true, "next": true}

// findEscapes marks the closures of a function body that may escape the call.
func (c *compiler) findEscapes(fn *Node) {
	c.escapes = map[*Node]bool{}
	parents := map[*Node]*Node{}
	var visit func(n, parent *Node)
	visit = func(n, parent *Node) {
		parents[n] = parent
		for _, v := range n.Fields {
			switch x := v.(type) {
			case *Node:
				visit(x, n)
			case []any:
				for _, e := range x {
					if cn, ok := e.(*Node); ok {
						visit(cn, n)
					}
				}
			}
		}
	}
	for _, st := range fn.List("body") {
		visit(st, fn)
	}
	nestedNames := map[string]bool{}
	for n := range parents {
		if n.Type == "FunctionDef" && n != fn {
			nestedNames[n.Str("name")] = true
		}
	}
	for n, p := range parents {
		switch n.Type {
		case "Lambda", "GeneratorExp":
			call := p
			if p != nil && p.Type == "keyword" && p.Str("arg") == "key" {
				call = parents[p]
			}
			if !c.consumedBy(n, call) {
				c.escapes[n] = true
			}
		case "FunctionDef":
			c.escapes[n] = false
		case "Name":
			// A nested function used other than by calling it may escape.
			if nestedNames[n.Str("id")] && !(p != nil && p.Type == "Call" && p.Node("func") == n) {
				for d := range parents {
					if d.Type == "FunctionDef" && d.Str("name") == n.Str("id") {
						c.escapes[d] = true
					}
				}
			}
		}
	}
}

// consumedBy reports whether closure n is an argument of a call that only uses it during the
// call: a consuming builtin, or str.join.
func (c *compiler) consumedBy(n, call *Node) bool {
	if call == nil || call.Type != "Call" || call.Node("func") == n {
		return false
	}
	fn := call.Node("func")
	if fn.Is("Attribute") {
		return fn.Str("attr") == "join"
	}
	if !fn.Is("Name") || c.resolveLocal(fn.Str("id")).ok {
		return false
	}
	v, err := c.global(fn, fn.Str("id"))
	if err != nil || v.K != KBuiltin {
		return false
	}
	return consumers[v.O.(*builtinFn).name]
}

// bailStmt is a statement the compiler does not model: running it bails.
func (c *compiler) bailStmt(err *compileError) stmt {
	why := err.Error()
	c.fn.Bails = append(c.fn.Bails, why)
	return func(*Evaluator, *frame) (ctl, *Exception) { return ctlNext, &Exception{Bail: true, Msg: why} }
}

// bailExpr is an expression the compiler does not model: evaluating it bails.
func (c *compiler) bailExpr(err *compileError) expr {
	why := err.Error()
	c.fn.Bails = append(c.fn.Bails, why)
	return func(*Evaluator, *frame) (Value, *Exception) { return None, &Exception{Bail: true, Msg: why} }
}

// wholeFunction lists constructs that change what a call does before its body runs, so the
// function cannot run in Go at all.
var wholeFunction = map[string]string{"Yield": "a generator function (yield)", "YieldFrom": "a generator function (yield from)",
	"Await": "await", "Nonlocal": "nonlocal statement"}

func (m *Module) newFunction(n *Node, parent *Function) *Function {
	name := n.Str("name")
	if n.Type == "Lambda" {
		name = "<lambda>"
	}
	f := &Function{Module: m, Name: name, Line: n.Line, node: n, vararg: -1, parent: parent}
	if parent != nil {
		f.depth = parent.depth + 1
		f.Name = parent.Name + "." + name
	}
	m.funcs = append(m.funcs, f)
	return f
}

// evalDefaults computes the default values of a module-level function's parameters, as
// CPython does when it runs the def; it returns why it cannot.
func (f *Function) evalDefaults() string {
	args := f.node.Node("args")
	for _, d := range append(args.List("defaults"), args.List("kw_defaults")...) {
		if d == nil {
			continue
		}
		v, why := f.Module.evalModuleExpr(d)
		if why != "" {
			return "parameter default: " + why
		}
		if isMutable(v) {
			return "a mutable parameter default"
		}
	}
	return ""
}

// compile compiles a function; errors are recorded in f.Err.
func (f *Function) compile() {
	if f.state != 0 {
		return
	}
	f.state = 1
	defer func() { f.state = 2 }()
	if f.Err != "" {
		return
	}
	if f.Module.Err != "" {
		f.Err = "module: " + f.Module.Err
		return
	}
	if f.parent != nil {
		// Nested functions compile with their enclosing function.
		return
	}
	if err := f.compileBody(nil); err != nil {
		f.Err = err.Error()
		return
	}
	f.compiled = true
	f.native = nativeFor(f)
}

func (f *Function) compileBody(parent *scope) *compileError {
	sc := newScope(f, parent)
	c := &compiler{fn: f, sc: sc, stub: true}
	n := f.node
	var whole *compileError
	walk(n, func(x *Node) bool {
		if x != n && (x.Type == "FunctionDef" || x.Type == "Lambda" || x.Type == "ClassDef") {
			return false
		}
		if why, ok := wholeFunction[x.Type]; ok && whole == nil {
			whole = unsupported(x, "%s", why)
		}
		return true
	})
	if whole != nil {
		return whole
	}
	args := n.Node("args")
	if len(args.List("posonlyargs")) > 0 {
		return unsupported(n, "positional-only parameters")
	}
	if args.Node("kwarg") != nil {
		return unsupported(n, "**kwargs parameters")
	}
	defaults := args.List("defaults")
	plain := args.List("args")
	for i, a := range plain {
		p := param{name: a.Str("arg"), slot: sc.slot(a.Str("arg"))}
		if j := i - (len(plain) - len(defaults)); j >= 0 {
			if err := c.defaultOf(&p, defaults[j]); err != nil {
				return err
			}
		}
		f.params = append(f.params, p)
	}
	if va := args.Node("vararg"); va != nil {
		f.vararg = sc.slot(va.Str("arg"))
	}
	kwDefaults := args.List("kw_defaults")
	for i, a := range args.List("kwonlyargs") {
		p := param{name: a.Str("arg"), slot: sc.slot(a.Str("arg"))}
		if i < len(kwDefaults) && kwDefaults[i] != nil {
			if err := c.defaultOf(&p, kwDefaults[i]); err != nil {
				return err
			}
		}
		f.params = append(f.params, p)
		f.kwonly++
	}
	if n.Type == "Lambda" {
		e, err := c.expr(n.Node("body"))
		if err != nil {
			return err
		}
		f.expr = e
		return nil
	}
	for name := range localNames(n) {
		sc.slot(name)
	}
	c.findEscapes(n)
	walk(n, func(c *Node) bool {
		if c != n && (c.Type == "FunctionDef" || c.Type == "Lambda" || c.Type == "ClassDef") {
			return false
		}
		if c.Type == "Global" || c.Type == "Nonlocal" {
			for _, name := range c.Strs("names") {
				sc.globals[name] = true
			}
		}
		return true
	})
	body, err := c.block(n.List("body"))
	if err != nil {
		return err
	}
	f.body = body
	return nil
}

func (c *compiler) defaultOf(p *param, d *Node) *compileError {
	p.hasDef = true
	if c.fn.depth == 0 {
		v, why := c.fn.Module.evalModuleExpr(d)
		if why != "" {
			return unsupported(d, "parameter default: %s", why)
		}
		if isMutable(v) {
			return unsupported(d, "a mutable parameter default")
		}
		p.defVal = v
		return nil
	}
	// Nested functions and lambdas evaluate their defaults when they are created; only
	// constants are supported.
	if !d.Is("Constant") {
		return unsupported(d, "a non-constant default of a nested function")
	}
	v, err := constant(d)
	if err != nil {
		return err
	}
	p.defVal = v
	return nil
}

func (c *compiler) block(list []*Node) ([]stmt, *compileError) {
	out := make([]stmt, 0, len(list))
	for _, n := range list {
		s, err := c.stmt(n)
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// runBlock runs statements until one transfers control.
func runBlock(x *Evaluator, fr *frame, body []stmt) (ctl, *Exception) {
	for _, s := range body {
		if r, err := s(x, fr); r != ctlNext || err != nil {
			return r, err
		}
	}
	return ctlNext, nil
}

func (c *compiler) stmt(n *Node) (stmt, *compileError) {
	s, err := c.stmt1(n)
	if err != nil && c.stub {
		return c.bailStmt(err), nil
	}
	return s, err
}

func (c *compiler) stmt1(n *Node) (stmt, *compileError) {
	switch n.Type {
	case "Return":
		if n.Node("value") == nil {
			return func(x *Evaluator, fr *frame) (ctl, *Exception) {
				fr.ret = None
				return ctlReturn, nil
			}, nil
		}
		e, err := c.expr(n.Node("value"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (ctl, *Exception) {
			v, err := e(x, fr)
			if err != nil {
				return ctlNext, err
			}
			fr.ret = v
			return ctlReturn, nil
		}, nil
	case "Expr":
		if n.Node("value").Is("Constant") {
			return nil, nil // docstring or no-op
		}
		e, err := c.expr(n.Node("value"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (ctl, *Exception) {
			_, err := e(x, fr)
			return ctlNext, err
		}, nil
	case "Pass", "Global":
		return nil, nil // global declarations are resolved at compile time
	case "Assign":
		return c.assign(n)
	case "AnnAssign":
		if n.Node("value") == nil {
			return nil, nil
		}
		e, err := c.expr(n.Node("value"))
		if err != nil {
			return nil, err
		}
		store, err := c.target(n.Node("target"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (ctl, *Exception) {
			v, err := e(x, fr)
			if err == nil {
				err = store(x, fr, v)
			}
			return ctlNext, err
		}, nil
	case "AugAssign":
		return c.augAssign(n)
	case "If":
		return c.ifStmt(n)
	case "For":
		return c.forStmt(n)
	case "While":
		return c.whileStmt(n)
	case "Break", "Continue":
		if c.loops == 0 {
			return nil, unsupported(n, "%s outside a loop", n.Type)
		}
		r := ctlBreak
		if n.Type == "Continue" {
			r = ctlContinue
		}
		return func(*Evaluator, *frame) (ctl, *Exception) { return r, nil }, nil
	case "Try":
		return c.tryStmt(n)
	case "Raise":
		return c.raiseStmt(n)
	case "Assert":
		return c.assertStmt(n)
	case "Import", "ImportFrom":
		return c.importStmt(n)
	case "FunctionDef":
		return c.nestedDef(n)
	case "Delete":
		return c.deleteStmt(n)
	}
	return nil, unsupported(n, "%s statement", n.Type)
}

func (c *compiler) assign(n *Node) (stmt, *compileError) {
	e, err := c.expr(n.Node("value"))
	if err != nil {
		return nil, err
	}
	targets := n.List("targets")
	if len(targets) == 1 && targets[0].Is("Name") && !c.sc.globals[targets[0].Str("id")] {
		if ref := c.resolveLocal(targets[0].Str("id")); ref.depth == 0 {
			slot := ref.slot
			return func(x *Evaluator, fr *frame) (ctl, *Exception) {
				v, err := e(x, fr)
				if err != nil {
					return ctlNext, err
				}
				fr.locals[slot] = v
				return ctlNext, nil
			}, nil
		}
	}
	stores := make([]storeFn, len(targets))
	for i, t := range targets {
		s, err := c.target(t)
		if err != nil {
			return nil, err
		}
		stores[i] = s
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		v, err := e(x, fr)
		if err != nil {
			return ctlNext, err
		}
		for _, s := range stores {
			if err := s(x, fr, v); err != nil {
				return ctlNext, err
			}
		}
		return ctlNext, nil
	}, nil
}

type storeFn func(x *Evaluator, fr *frame, v Value) *Exception

// localRef locates a local variable: depth 0 is the current frame, 1 the enclosing function's.
type localRef struct {
	depth, slot int
	ok          bool
}

func (c *compiler) resolveLocal(name string) localRef {
	d := 0
	for s := c.sc; s != nil; s = s.parent {
		if i, ok := s.locals[name]; ok {
			return localRef{depth: d, slot: i, ok: true}
		}
		if s.module {
			break
		}
		d++
	}
	return localRef{}
}

func frameAt(fr *frame, depth int) *frame {
	for ; depth > 0; depth-- {
		fr = fr.up
	}
	return fr
}

// target compiles an assignment target.
func (c *compiler) target(t *Node) (storeFn, *compileError) {
	switch t.Type {
	case "Name":
		if c.sc.globals[t.Str("id")] {
			return nil, unsupported(t, "assignment to the global %s (the function changes state)", t.Str("id"))
		}
		ref := c.resolveLocal(t.Str("id"))
		if !ref.ok {
			return nil, unsupported(t, "assignment to %s outside the function", t.Str("id"))
		}
		if ref.depth > 0 {
			return nil, unsupported(t, "assignment to a variable of the enclosing function")
		}
		slot := ref.slot
		return func(x *Evaluator, fr *frame, v Value) *Exception {
			fr.locals[slot] = v
			return nil
		}, nil
	case "Tuple", "List":
		elts := t.List("elts")
		for _, e := range elts {
			if e.Is("Starred") {
				return nil, unsupported(e, "starred assignment")
			}
		}
		stores := make([]storeFn, len(elts))
		for i, e := range elts {
			s, err := c.target(e)
			if err != nil {
				return nil, err
			}
			stores[i] = s
		}
		line := t.Line
		return func(x *Evaluator, fr *frame, v Value) *Exception {
			items, err := x.unpack(v, len(stores), line)
			if err != nil {
				return err
			}
			for i, s := range stores {
				if err := s(x, fr, items[i]); err != nil {
					return err
				}
			}
			return nil
		}, nil
	case "Subscript":
		obj, err := c.expr(t.Node("value"))
		if err != nil {
			return nil, err
		}
		if t.Node("slice").Is("Slice") {
			return nil, unsupported(t, "slice assignment")
		}
		key, err := c.expr(t.Node("slice"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame, v Value) *Exception {
			o, err := obj(x, fr)
			if err != nil {
				return err
			}
			k, err := key(x, fr)
			if err != nil {
				return err
			}
			return x.setItem(o, k, v)
		}, nil
	}
	return nil, unsupported(t, "assignment to %s", t.Type)
}

// unpack returns exactly n items of an iterable, for tuple assignment.
func (x *Evaluator) unpack(v Value, n, line int) ([]Value, *Exception) {
	if v.K == KTuple || v.K == KList {
		items := v.list().items
		if len(items) != n {
			if len(items) < n {
				return nil, raise("ValueError", "not enough values to unpack (expected %d, got %d)", n, len(items))
			}
			return nil, raise("ValueError", "too many values to unpack (expected %d)", n)
		}
		return items, nil
	}
	items, err := x.collect(v, n+1)
	if err != nil {
		return nil, err
	}
	if len(items) < n {
		return nil, raise("ValueError", "not enough values to unpack (expected %d, got %d)", n, len(items))
	}
	if len(items) > n {
		return nil, raise("ValueError", "too many values to unpack (expected %d)", n)
	}
	return items, nil
}

func (x *Evaluator) setItem(o, k, v Value) *Exception {
	switch o.K {
	case KDict:
		return o.dict().put(k, v)
	case KList:
		items := o.list().items
		i, err := x.index(k, len(items), "list assignment index out of range")
		if err != nil {
			return err
		}
		items[i] = v
		return nil
	case KEvent, KEvDict, KEvList:
		return typeError("'%s' object does not support item assignment", typeName(o))
	}
	return typeError("'%s' object does not support item assignment", typeName(o))
}

func (c *compiler) augAssign(n *Node) (stmt, *compileError) {
	t := n.Node("target")
	op := n.Str("op")
	val, err := c.expr(n.Node("value"))
	if err != nil {
		return nil, err
	}
	switch t.Type {
	case "Name":
		ref := c.resolveLocal(t.Str("id"))
		if !ref.ok || ref.depth > 0 || c.sc.globals[t.Str("id")] {
			return nil, unsupported(t, "augmented assignment to a non-local name (the function changes state)")
		}
		slot, name := ref.slot, t.Str("id")
		return func(x *Evaluator, fr *frame) (ctl, *Exception) {
			cur := fr.locals[slot]
			if cur.K == numKinds {
				return ctlNext, raise("UnboundLocalError", "local variable '%s' referenced before assignment", name)
			}
			r, err := val(x, fr)
			if err != nil {
				return ctlNext, err
			}
			v, err := x.inplace(op, cur, r)
			if err != nil {
				return ctlNext, err
			}
			fr.locals[slot] = v
			return ctlNext, nil
		}, nil
	case "Subscript":
		obj, err := c.expr(t.Node("value"))
		if err != nil {
			return nil, err
		}
		if t.Node("slice").Is("Slice") {
			return nil, unsupported(t, "slice assignment")
		}
		key, err := c.expr(t.Node("slice"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (ctl, *Exception) {
			o, err := obj(x, fr)
			if err != nil {
				return ctlNext, err
			}
			k, err := key(x, fr)
			if err != nil {
				return ctlNext, err
			}
			cur, err := x.getItem(o, k)
			if err != nil {
				return ctlNext, err
			}
			r, err := val(x, fr)
			if err != nil {
				return ctlNext, err
			}
			v, err := x.inplace(op, cur, r)
			if err != nil {
				return ctlNext, err
			}
			return ctlNext, x.setItem(o, k, v)
		}, nil
	}
	return nil, unsupported(t, "augmented assignment to %s", t.Type)
}

// inplace is a op= b: lists extend in place; everything else is a op b.
func (x *Evaluator) inplace(op string, a, b Value) (Value, *Exception) {
	if op == "Add" && a.K == KList {
		items, err := x.collect(b, -1)
		if err != nil {
			return None, err
		}
		l := a.list()
		l.items = append(l.items, items...)
		return a, nil
	}
	if a.K == KSet && (b.K == KSet || b.K == KFrozenSet) && (op == "BitOr" || op == "BitAnd" || op == "Sub" || op == "BitXor") {
		r, err := setOp(op, a, b)
		if err != nil {
			return None, err
		}
		d := a.dict()
		nd := r.dict()
		*d = Dict{keys: nd.keys, set: true}
		return a, nil
	}
	if op == "BitOr" && a.K == KDict && b.K == KDict {
		d := a.dict()
		db := b.dict()
		for i, k := range db.keys {
			if err := d.put(k, db.vals[i]); err != nil {
				return None, err
			}
		}
		return a, nil
	}
	return x.binop(op, a, b)
}

func (c *compiler) ifStmt(n *Node) (stmt, *compileError) {
	test, err := c.cond(n.Node("test"))
	if err != nil {
		return nil, err
	}
	body, err := c.block(n.List("body"))
	if err != nil {
		return nil, err
	}
	orelse, err := c.block(n.List("orelse"))
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		t, err := test(x, fr)
		if err != nil {
			return ctlNext, err
		}
		if t {
			return runBlock(x, fr, body)
		}
		return runBlock(x, fr, orelse)
	}, nil
}

func (c *compiler) forStmt(n *Node) (stmt, *compileError) {
	iter, err := c.expr(n.Node("iter"))
	if err != nil {
		return nil, err
	}
	store, err := c.target(n.Node("target"))
	if err != nil {
		return nil, err
	}
	body, orelse, err := c.loopBlocks(n)
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		it, err := iter(x, fr)
		if err != nil {
			return ctlNext, err
		}
		broke := false
		err = x.forEach(it, false, func(v Value) (bool, *Exception) {
			if err := x.step(); err != nil {
				return false, err
			}
			if err := store(x, fr, v); err != nil {
				return false, err
			}
			r, err := runBlock(x, fr, body)
			if err != nil {
				return false, err
			}
			switch r {
			case ctlBreak:
				broke = true
				return false, nil
			case ctlReturn:
				broke = true
				x.returning = true
				return false, nil
			}
			return true, nil
		})
		if err != nil {
			return ctlNext, err
		}
		if x.returning {
			x.returning = false
			return ctlReturn, nil
		}
		if !broke {
			return runBlock(x, fr, orelse)
		}
		return ctlNext, nil
	}, nil
}

// loopBlocks compiles the body (where break and continue belong to the loop) and the else
// block of a for or while statement.
func (c *compiler) loopBlocks(n *Node) (body, orelse []stmt, err *compileError) {
	c.loops++
	body, err = c.block(n.List("body"))
	c.loops--
	if err != nil {
		return nil, nil, err
	}
	orelse, err = c.block(n.List("orelse"))
	if err != nil {
		return nil, nil, err
	}
	return body, orelse, nil
}

func (c *compiler) whileStmt(n *Node) (stmt, *compileError) {
	test, err := c.cond(n.Node("test"))
	if err != nil {
		return nil, err
	}
	body, orelse, err := c.loopBlocks(n)
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		for {
			if err := x.step(); err != nil {
				return ctlNext, err
			}
			t, err := test(x, fr)
			if err != nil {
				return ctlNext, err
			}
			if !t {
				return runBlock(x, fr, orelse)
			}
			r, err := runBlock(x, fr, body)
			if err != nil {
				return ctlNext, err
			}
			switch r {
			case ctlBreak:
				return ctlNext, nil
			case ctlReturn:
				return ctlReturn, nil
			}
		}
	}, nil
}

func (c *compiler) tryStmt(n *Node) (stmt, *compileError) {
	if len(n.List("finalbody")) > 0 {
		return nil, unsupported(n, "try/finally")
	}
	body, err := c.block(n.List("body"))
	if err != nil {
		return nil, err
	}
	orelse, err := c.block(n.List("orelse"))
	if err != nil {
		return nil, err
	}
	type handler struct {
		classes []string // empty: bare except
		body    []stmt
		slot    int
	}
	var handlers []handler
	for _, h := range n.List("handlers") {
		hd := handler{slot: -1}
		if t := h.Node("type"); t != nil {
			var elts []*Node
			if t.Is("Tuple") {
				elts = t.List("elts")
			} else {
				elts = []*Node{t}
			}
			for _, e := range elts {
				cls, err := c.excClass(e)
				if err != nil {
					return nil, err
				}
				hd.classes = append(hd.classes, cls)
			}
		}
		if name := h.Str("name"); name != "" {
			ref := c.resolveLocal(name)
			if !ref.ok || ref.depth > 0 {
				return nil, unsupported(h, "except ... as %s", name)
			}
			hd.slot = ref.slot
		}
		b, err := c.block(h.List("body"))
		if err != nil {
			return nil, err
		}
		hd.body = b
		handlers = append(handlers, hd)
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		r, exc := runBlock(x, fr, body)
		if exc == nil {
			if r != ctlNext {
				return r, nil
			}
			return runBlock(x, fr, orelse)
		}
		if exc.Bail {
			return ctlNext, exc
		}
		for _, h := range handlers {
			match := len(h.classes) == 0
			for _, cls := range h.classes {
				if excMatches(exc.Type, cls) {
					match = true
					break
				}
			}
			if !match {
				continue
			}
			if h.slot >= 0 {
				fr.locals[h.slot] = Value{K: KExc, O: exc}
			}
			r, err := runBlock(x, fr, h.body)
			if h.slot >= 0 {
				fr.locals[h.slot] = unbound
			}
			return r, err
		}
		return ctlNext, exc
	}, nil
}

// excClass resolves an exception class named in an except clause.
func (c *compiler) excClass(e *Node) (string, *compileError) {
	var name string
	switch e.Type {
	case "Name":
		name = e.Str("id")
		if ref := c.resolveLocal(name); ref.ok {
			return "", unsupported(e, "exception class in a variable")
		}
		if b := c.fn.Module.lookup(name); b != nil {
			if b.known && b.val.K == KType && b.val.O.(*pyType).exc != "" {
				return b.val.O.(*pyType).exc, nil
			}
			return "", unsupported(e, "exception class %s of the module", name)
		}
	case "Attribute":
		v, err := c.constExpr(e)
		if err != nil {
			return "", err
		}
		if v.K == KType && v.O.(*pyType).exc != "" {
			return v.O.(*pyType).exc, nil
		}
		return "", unsupported(e, "exception class %s", e.Str("attr"))
	default:
		return "", unsupported(e, "exception class expression")
	}
	if _, ok := excParents[name]; ok || name == "BaseException" {
		return name, nil
	}
	return "", unsupported(e, "exception class %s", name)
}

func (c *compiler) raiseStmt(n *Node) (stmt, *compileError) {
	// The exception's class and message would have to be exact for a rule error; compiled code
	// that raises hands the call to CPython, which raises it for real.
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		return ctlNext, bailf("raise statement")
	}, nil
}

func (c *compiler) assertStmt(n *Node) (stmt, *compileError) {
	test, err := c.cond(n.Node("test"))
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		t, err := test(x, fr)
		if err != nil {
			return ctlNext, err
		}
		if !t {
			return ctlNext, bailf("assertion failed")
		}
		return ctlNext, nil
	}, nil
}

func (c *compiler) importStmt(n *Node) (stmt, *compileError) {
	// A function-level import binds a local to the module or name; resolve it now, as the
	// module-level import would.
	tmp := &Module{Name: c.fn.Module.Name, prog: c.fn.Module.prog, globals: map[string]*binding{}}
	tmp.initStmt(n)
	type bindTo struct {
		slot int
		val  Value
	}
	var binds []bindTo
	for name, b := range tmp.globals {
		if !b.known {
			return nil, unsupported(n, "%s", b.why)
		}
		ref := c.resolveLocal(name)
		if !ref.ok || ref.depth > 0 {
			return nil, unsupported(n, "import of %s", name)
		}
		binds = append(binds, bindTo{ref.slot, b.val})
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		for _, b := range binds {
			fr.locals[b.slot] = b.val
		}
		return ctlNext, nil
	}, nil
}

func (c *compiler) nestedDef(n *Node) (stmt, *compileError) {
	if len(n.List("decorator_list")) > 0 {
		return nil, unsupported(n, "decorated nested function")
	}
	f := c.fn.Module.newFunction(n, c.fn)
	f.state = 2
	if err := f.compileBody(c.sc); err != nil {
		f.Err = err.Error()
		return nil, unsupported(n, "nested function %s: %s", n.Str("name"), err.msg)
	}
	f.compiled = true
	if c.escapes == nil || c.escapes[n] {
		c.fn.heapFrame = true
	}
	c.fn.calls = append(c.fn.calls, f.calls...)
	ref := c.resolveLocal(n.Str("name"))
	slot := ref.slot
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		fr.locals[slot] = funcValue(f, fr)
		return ctlNext, nil
	}, nil
}

func (c *compiler) deleteStmt(n *Node) (stmt, *compileError) {
	var dels []stmt
	for _, t := range n.List("targets") {
		switch t.Type {
		case "Name":
			ref := c.resolveLocal(t.Str("id"))
			if !ref.ok || ref.depth > 0 || c.sc.globals[t.Str("id")] {
				return nil, unsupported(t, "del of a non-local name")
			}
			slot := ref.slot
			dels = append(dels, func(x *Evaluator, fr *frame) (ctl, *Exception) {
				fr.locals[slot] = unbound
				return ctlNext, nil
			})
		case "Subscript":
			obj, err := c.expr(t.Node("value"))
			if err != nil {
				return nil, err
			}
			if t.Node("slice").Is("Slice") {
				return nil, unsupported(t, "slice deletion")
			}
			key, err := c.expr(t.Node("slice"))
			if err != nil {
				return nil, err
			}
			dels = append(dels, func(x *Evaluator, fr *frame) (ctl, *Exception) {
				o, err := obj(x, fr)
				if err != nil {
					return ctlNext, err
				}
				k, err := key(x, fr)
				if err != nil {
					return ctlNext, err
				}
				return ctlNext, x.delItem(o, k)
			})
		default:
			return nil, unsupported(t, "del of %s", t.Type)
		}
	}
	return func(x *Evaluator, fr *frame) (ctl, *Exception) {
		return runBlock(x, fr, dels)
	}, nil
}

func (x *Evaluator) delItem(o, k Value) *Exception {
	switch o.K {
	case KDict:
		d := o.dict()
		if !hashable(k) {
			return unhashable(k)
		}
		i, err := d.find(k)
		if err != nil {
			return err
		}
		if i < 0 {
			return x.keyError(k)
		}
		d.remove(i)
		return nil
	case KList:
		l := o.list()
		i, err := x.index(k, len(l.items), "list assignment index out of range")
		if err != nil {
			return err
		}
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return nil
	}
	return typeError("'%s' object doesn't support item deletion", typeName(o))
}

// keyError is KeyError(k); its message is repr(k).
func (x *Evaluator) keyError(k Value) *Exception {
	r, err := x.repr(k)
	if err != nil {
		return err
	}
	return raise("KeyError", "%s", r)
}
