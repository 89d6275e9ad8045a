package pycompile

import (
	"slices"
	"unsafe"
)

// Calls: to compiled functions (a new frame), to builtins and module functions (Go code with
// Python's argument rules), and methods (dispatched on the receiver's kind at run time).

// builtinFn is a Go implementation of a Python callable.
type builtinFn struct {
	name string
	fn   func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception)
}

func builtinValue(name string, fn func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception)) Value {
	return Value{K: KBuiltin, O: &builtinFn{name: name, fn: fn}}
}

type argSpec struct {
	pos     []expr
	starred []bool
	kwNames []string
	kw      []expr
}

func (c *compiler) args(n *Node) (*argSpec, *compileError) {
	a := &argSpec{}
	for _, e := range n.List("args") {
		star := false
		if e.Is("Starred") {
			star = true
			e = e.Node("value")
		}
		ex, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		a.pos = append(a.pos, ex)
		a.starred = append(a.starred, star)
	}
	for _, k := range n.List("keywords") {
		if k.Str("arg") == "" {
			return nil, unsupported(k, "**kwargs in a call")
		}
		ex, err := c.expr(k.Node("value"))
		if err != nil {
			return nil, err
		}
		a.kwNames = append(a.kwNames, k.Str("arg"))
		a.kw = append(a.kw, ex)
	}
	return a, nil
}

// eval pushes the arguments on the evaluator's argument stacks; the caller pops them with
// x.args = x.args[:base] (and the same for kws).
func (a *argSpec) eval(x *Evaluator, fr *frame) (base, kbase int, err *Exception) {
	base, kbase = len(x.args), len(x.kws)
	for i, e := range a.pos {
		v, err := e(x, fr)
		if err != nil {
			x.args, x.kws = x.args[:base], x.kws[:kbase]
			return 0, 0, err
		}
		if a.starred[i] {
			items, err := x.collect(v, -1)
			if err != nil {
				x.args, x.kws = x.args[:base], x.kws[:kbase]
				return 0, 0, err
			}
			x.args = append(x.args, items...)
			continue
		}
		x.args = append(x.args, v)
	}
	for i, e := range a.kw {
		v, err := e(x, fr)
		if err != nil {
			x.args, x.kws = x.args[:base], x.kws[:kbase]
			return 0, 0, err
		}
		x.kws = append(x.kws, kwArg{a.kwNames[i], v})
	}
	return base, kbase, nil
}

func (c *compiler) call(n *Node) (expr, *compileError) {
	fnNode := n.Node("func")
	args, err := c.args(n)
	if err != nil {
		return nil, err
	}
	// Method calls: receiver.name(args).
	if fnNode.Is("Attribute") {
		recvNode := fnNode.Node("value")
		if recvNode.Is("Name") && !c.resolveLocal(recvNode.Str("id")).ok {
			// module.function(...) resolves at compile time.
			if v, err := c.global(recvNode, recvNode.Str("id")); err == nil && v.K == KModule {
				fv, err := c.moduleAttr(fnNode, v, fnNode.Str("attr"))
				if err != nil {
					return nil, err
				}
				return c.callValue(n, constExprFn(fv), &fv, args)
			}
		}
		recv, err := c.expr(recvNode)
		if err != nil {
			return nil, err
		}
		site := newMethodSite(fnNode.Str("attr"))
		if site == nil {
			return nil, unsupported(fnNode, "method %s", fnNode.Str("attr"))
		}
		general := func(x *Evaluator, fr *frame) (Value, *Exception) {
			r, err := recv(x, fr)
			if err != nil {
				return None, err
			}
			base, kbase, err := args.eval(x, fr)
			if err != nil {
				return None, err
			}
			v, err := site.call(x, r, x.args[base:], x.kws[kbase:])
			x.args, x.kws = x.args[:base], x.kws[:kbase]
			return v, err
		}
		if fast := c.fieldCall(n, fnNode.Str("attr"), recv, args, general); fast != nil {
			return fast, nil
		}
		return general, nil
	}
	if fnNode.Is("Name") && !c.resolveLocal(fnNode.Str("id")).ok {
		v, err := c.global(fnNode, fnNode.Str("id"))
		if err != nil {
			return nil, err
		}
		if v.K != numKinds {
			return c.callValue(n, constExprFn(v), &v, args)
		}
	}
	fe, err := c.expr(fnNode)
	if err != nil {
		return nil, err
	}
	return c.callValue(n, fe, nil, args)
}

// callValue calls the value of fe; known is its value when it is known at compile time.
func (c *compiler) callValue(n *Node, fe expr, known *Value, args *argSpec) (expr, *compileError) {
	if known != nil {
		switch known.K {
		case KBuiltin:
			b := known.O.(*builtinFn)
			if b.name == "print" {
				return nil, unsupported(n, "print (output of a compiled function would be lost)")
			}
			return args.callWith(b.fn), nil
		case KType:
			t := known.O.(*pyType)
			if t.call == nil {
				return nil, unsupported(n, "calling %s", t.name)
			}
			return args.callWith(t.call), nil
		case KFunc:
			cl := known.O.(*closure)
			f := cl.fn
			if len(args.pos) == 1 && !args.starred[0] && len(args.kw) == 0 {
				// helper(event): compiled functions are pure, so a call on the current event
				// is computed once per event when its result is immutable.
				arg := args.pos[0]
				return func(x *Evaluator, fr *frame) (Value, *Exception) {
					a, err := arg(x, fr)
					if err != nil {
						return None, err
					}
					if a.K == KEvent {
						for i := range x.memo {
							if m := &x.memo[i]; m.fn == f && m.arg == a.O && m.argP == a.P {
								return m.v, nil
							}
						}
					}
					v, err := x.callFunc(f, nil, []Value{a}, nil)
					if err == nil && a.K == KEvent && v.K <= KStr {
						x.memo = append(x.memo, memoEntry{fn: f, arg: a.O, argP: a.P, v: v})
					}
					return v, err
				}, nil
			}
			return args.callWith(func(x *Evaluator, a []Value, kw []kwArg) (Value, *Exception) {
				return x.callFunc(f, nil, a, kw)
			}), nil
		}
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		fv, err := fe(x, fr)
		if err != nil {
			return None, err
		}
		base, kbase, err := args.eval(x, fr)
		if err != nil {
			return None, err
		}
		v, err := x.callAny(fv, x.args[base:], x.kws[kbase:])
		x.args, x.kws = x.args[:base], x.kws[:kbase]
		return v, err
	}, nil
}

// callWith returns the expression that calls fn with the evaluated arguments.
func (a *argSpec) callWith(fn func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception)) expr {
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		base, kbase, err := a.eval(x, fr)
		if err != nil {
			return None, err
		}
		v, err := fn(x, x.args[base:], x.kws[kbase:])
		x.args, x.kws = x.args[:base], x.kws[:kbase]
		return v, err
	}
}

// callAny calls a callable value.
func (x *Evaluator) callAny(fv Value, args []Value, kw []kwArg) (Value, *Exception) {
	switch fv.K {
	case KFunc:
		cl := fv.O.(*closure)
		return x.callFunc(cl.fn, cl.env, args, kw)
	case KBuiltin:
		b := fv.O.(*builtinFn)
		if b.name == "print" {
			return None, bailf("print")
		}
		return b.fn(x, args, kw)
	case KType:
		t := fv.O.(*pyType)
		if t.call == nil {
			return None, bailf("calling %s", t.name)
		}
		return t.call(x, args, kw)
	case KOpaque:
		return None, bailf("%s", fv.S)
	}
	return None, typeError("'%s' object is not callable", typeName(fv))
}

// callFunc calls a compiled function with a new frame.
func (x *Evaluator) callFunc(f *Function, env *frame, args []Value, kw []kwArg) (Value, *Exception) {
	if !f.compiled {
		return None, bailf("calls %s, which runs in CPython", f.qualName())
	}
	x.steps++
	if x.steps > maxSteps {
		return None, bailf("the call ran more than %d steps", maxSteps)
	}
	if x.depth >= maxDepth {
		return None, bailf("recursion deeper than %d", maxDepth)
	}
	x.depth++
	fr, base := x.pushFrame(f, env)
	v, err := x.runFrame(f, fr, args, kw)
	x.popFrame(f, fr, base)
	x.depth--
	return v, err
}

func (x *Evaluator) runFrame(f *Function, fr *frame, args []Value, kw []kwArg) (Value, *Exception) {
	if len(kw) == 0 && f.vararg < 0 && len(args) == len(f.params) && f.kwonly == 0 {
		for i, a := range args {
			fr.locals[f.params[i].slot] = a
		}
	} else if err := x.bindArgs(f, fr, args, kw); err != nil {
		return None, err
	}
	if f.native != nil {
		return f.native.run(x, f, fr)
	}
	if f.expr != nil {
		return f.expr(x, fr)
	}
	r, err := runBlock(x, fr, f.body)
	if err != nil {
		return None, err
	}
	if r == ctlReturn {
		return fr.ret, nil
	}
	return None, nil
}

func (x *Evaluator) pushFrame(f *Function, env *frame) (*frame, int) {
	if f.heapFrame {
		fr := &frame{locals: make([]Value, f.nslots), up: env, fn: f}
		for i := range fr.locals {
			fr.locals[i] = unbound
		}
		return fr, -1
	}
	base := len(x.stack)
	x.stack = slices.Grow(x.stack, f.nslots)[:base+f.nslots]
	for i := base; i < len(x.stack); i++ {
		x.stack[i] = unbound
	}
	var fr *frame
	if x.nframe < len(x.frames) {
		fr = x.frames[x.nframe]
	} else {
		fr = &frame{}
		x.frames = append(x.frames, fr)
	}
	x.nframe++
	fr.locals = x.stack[base:len(x.stack):len(x.stack)]
	fr.up, fr.fn, fr.ret = env, f, None
	return fr, base
}

func (x *Evaluator) popFrame(f *Function, fr *frame, base int) {
	if base < 0 {
		return
	}
	x.stack = x.stack[:base]
	x.nframe--
	fr.locals, fr.up, fr.ret = nil, nil, None
}

// bindArgs assigns call arguments to parameters as CPython does, with its TypeErrors.
func (x *Evaluator) bindArgs(f *Function, fr *frame, args []Value, kw []kwArg) *Exception {
	npos := len(f.params) - f.kwonly
	for i, a := range args {
		if i < npos {
			fr.locals[f.params[i].slot] = a
			continue
		}
		if f.vararg < 0 {
			return typeError("%s() takes %d positional arguments but %d were given", f.Name, npos, len(args))
		}
		rest := make([]Value, len(args)-npos)
		copy(rest, args[npos:])
		fr.locals[f.vararg] = tupleValue(newList(rest))
		break
	}
	if f.vararg >= 0 && len(args) <= npos {
		fr.locals[f.vararg] = tupleValue(newList(nil))
	}
	for _, k := range kw {
		found := false
		for i := range f.params {
			p := &f.params[i]
			if p.name != k.name {
				continue
			}
			if i < npos && i < len(args) {
				return typeError("%s() got multiple values for argument '%s'", f.Name, k.name)
			}
			fr.locals[p.slot] = k.v
			found = true
			break
		}
		if !found {
			return typeError("%s() got an unexpected keyword argument '%s'", f.Name, k.name)
		}
	}
	for i := range f.params {
		p := &f.params[i]
		if fr.locals[p.slot].K != numKinds {
			continue
		}
		if !p.hasDef {
			return typeError("%s() missing required argument: '%s'", f.Name, p.name)
		}
		fr.locals[p.slot] = p.defVal
	}
	return nil
}

// CallArgs helps builtins read their arguments.
type callArgs struct {
	name string
	args []Value
	kw   []kwArg
}

// get returns positional argument i or keyword name.
func (a callArgs) get(i int, name string) (Value, bool) {
	if i >= 0 && i < len(a.args) {
		return a.args[i], true
	}
	for _, k := range a.kw {
		if k.name == name {
			return k.v, true
		}
	}
	return None, false
}

// check verifies the argument counts and keyword names.
func (a callArgs) check(min, max int, names ...string) *Exception {
	if len(a.args) < min && len(a.kw) == 0 {
		return typeError("%s() takes at least %d arguments (%d given)", a.name, min, len(a.args))
	}
	if max >= 0 && len(a.args) > max {
		return typeError("%s() takes at most %d arguments (%d given)", a.name, max, len(a.args))
	}
	for _, k := range a.kw {
		ok := false
		for _, n := range names {
			if n == k.name {
				ok = true
				break
			}
		}
		if !ok {
			return typeError("%s() got an unexpected keyword argument '%s'", a.name, k.name)
		}
	}
	return nil
}

// moduleAttr resolves module.attr at compile time.
func (c *compiler) moduleAttr(n *Node, mod Value, attr string) (Value, *compileError) {
	switch m := mod.O.(type) {
	case *Module:
		b := m.lookup(attr)
		if b == nil {
			return None, unsupported(n, "%s has no attribute %s", m.Name, attr)
		}
		if !b.known {
			return None, unsupported(n, "uses %s.%s: %s", m.Name, attr, b.why)
		}
		if b.val.K == KFunc {
			c.fn.calls = append(c.fn.calls, b.val.O.(*closure).fn)
		}
		return b.val, nil
	case *stdMod:
		v, ok := m.attr(attr)
		if !ok {
			return None, unsupported(n, "%s.%s is not supported", m.name, attr)
		}
		return v, nil
	}
	return None, unsupported(n, "module attribute")
}

func (c *compiler) attribute(n *Node) (expr, *compileError) {
	base := n.Node("value")
	attr := n.Str("attr")
	if base.Is("Name") && !c.resolveLocal(base.Str("id")).ok {
		if v, err := c.global(base, base.Str("id")); err == nil && v.K == KModule {
			fv, err := c.moduleAttr(n, v, attr)
			if err != nil {
				return nil, err
			}
			return constExprFn(fv), nil
		}
	}
	obj, err := c.expr(base)
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		o, err := obj(x, fr)
		if err != nil {
			return None, err
		}
		return x.getAttr(o, attr)
	}, nil
}

// getAttr is o.attr for the attributes compiled code may read as values.
func (x *Evaluator) getAttr(o Value, attr string) (Value, *Exception) {
	switch o.K {
	case KPattern:
		p := o.O.(*pattern)
		switch attr {
		case "pattern":
			return Str(p.src), nil
		case "flags":
			return Int(p.flags), nil
		}
	case KModule:
		if m, ok := o.O.(*stdMod); ok {
			if v, ok := m.attr(attr); ok {
				return v, nil
			}
		}
		return None, bailf("module attribute %s", attr)
	case KOpaque:
		return None, bailf("%s", o.S)
	}
	if site := newMethodSite(attr); site != nil && site.byKind[o.K] != nil {
		// A bound method used as a value.
		h := site.byKind[o.K]
		recv := o
		return builtinValue(attr, func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
			return h(x, recv, args, kw)
		}), nil
	}
	return None, raise("AttributeError", "'%s' object has no attribute '%s'", typeName(o), attr)
}

// fieldCall returns a fast form of recv.get("k"[, d]) and recv.deep_get("k", ..., default=d)
// with constant string keys, nil for other calls. The fast form re-evaluates recv only through
// general, for receivers it does not handle.
func (c *compiler) fieldCall(n *Node, method string, recv expr, args *argSpec, general expr) expr {
	argNodes := n.List("args")
	for _, st := range args.starred {
		if st {
			return nil
		}
	}
	constKeys := func(nodes []*Node) ([]string, bool) {
		keys := make([]string, len(nodes))
		for i, a := range nodes {
			s, ok := a.Fields["value"].(string)
			if !a.Is("Constant") || !ok {
				return nil, false
			}
			keys[i] = s
		}
		return keys, true
	}
	// general evaluates recv again: only side-effect-free receivers (names) may take it.
	if !n.Node("func").Node("value").Is("Name") {
		return nil
	}
	switch method {
	case "get":
		if len(args.kw) > 0 || len(argNodes) < 1 || len(argNodes) > 2 {
			return nil
		}
		keys, ok := constKeys(argNodes[:1])
		if !ok {
			return nil
		}
		var def expr
		if len(argNodes) == 2 {
			def = args.pos[1]
		}
		return c.getCall(recv, keys[0], def, general)
	case "deep_get":
		if len(argNodes) == 0 || len(args.kw) > 1 || (len(args.kw) == 1 && args.kwNames[0] != "default") {
			return nil
		}
		keys, ok := constKeys(argNodes)
		if !ok {
			return nil
		}
		var def expr
		if len(args.kw) == 1 {
			def = args.kw[0]
		}
		return c.deepGetCall(recv, keys, def, general)
	}
	return nil
}

// memoEntry is the result of a compiled function called on the current event.
type memoEntry struct {
	fn   *Function
	arg  any
	argP unsafe.Pointer
	v    Value
}
