package pycompile

import (
	"math"
	"strconv"
	"strings"
)

type condFn func(x *Evaluator, fr *frame) (bool, *Exception)

// constant converts a Constant node.
func constant(n *Node) (Value, *compileError) {
	switch v := n.Fields["value"].(type) {
	case nil:
		return None, nil
	case bool:
		return Bool(v), nil
	case string:
		return Str(v), nil
	case intLit:
		i, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return Value{K: KOpaque, S: "int " + string(v)}, nil
		}
		return Int(i), nil
	case floatLit:
		switch v {
		case "inf":
			return Float(math.Inf(1)), nil
		case "nan":
			return Float(math.NaN()), nil
		}
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return None, unsupported(n, "float constant %s", v)
		}
		return Float(f), nil
	case unsupportedLit:
		return None, unsupported(n, "%s constant", string(v))
	}
	return None, unsupported(n, "constant of type %T", n.Fields["value"])
}

func constExprFn(v Value) expr {
	return func(*Evaluator, *frame) (Value, *Exception) { return v, nil }
}

// constExpr evaluates an expression made only of constants and module-level names.
func (c *compiler) constExpr(n *Node) (Value, *compileError) {
	e, err := c.expr(n)
	if err != nil {
		return None, err
	}
	v, exc := e(newEvaluator(c.fn.Module.prog), &frame{})
	if exc != nil {
		return None, unsupported(n, "%s", exc.Error())
	}
	return v, nil
}

func (c *compiler) exprs(list []*Node) ([]expr, *compileError) {
	out := make([]expr, len(list))
	for i, n := range list {
		e, err := c.expr(n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func (c *compiler) expr(n *Node) (expr, *compileError) {
	e, err := c.expr1(n)
	if err != nil && c.stub {
		return c.bailExpr(err), nil
	}
	return e, err
}

func (c *compiler) expr1(n *Node) (expr, *compileError) {
	if n == nil {
		return nil, unsupported(nil, "missing expression")
	}
	switch n.Type {
	case "Constant":
		v, err := constant(n)
		if err != nil {
			return nil, err
		}
		return constExprFn(v), nil
	case "Name":
		return c.name(n)
	case "BoolOp":
		return c.boolOp(n)
	case "UnaryOp":
		op := n.Str("op")
		if op == "Not" {
			t, err := c.cond(n.Node("operand"))
			if err != nil {
				return nil, err
			}
			return func(x *Evaluator, fr *frame) (Value, *Exception) {
				b, err := t(x, fr)
				return Bool(!b), err
			}, nil
		}
		operand, err := c.expr(n.Node("operand"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			v, err := operand(x, fr)
			if err != nil {
				return None, err
			}
			return x.unary(op, v)
		}, nil
	case "BinOp":
		op := n.Str("op")
		if op == "MatMult" {
			return nil, unsupported(n, "operator @")
		}
		l, err := c.expr(n.Node("left"))
		if err != nil {
			return nil, err
		}
		r, err := c.expr(n.Node("right"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			a, err := l(x, fr)
			if err != nil {
				return None, err
			}
			b, err := r(x, fr)
			if err != nil {
				return None, err
			}
			return x.binop(op, a, b)
		}, nil
	case "Compare":
		t, err := c.compare(n)
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			b, err := t(x, fr)
			return Bool(b), err
		}, nil
	case "IfExp":
		test, err := c.cond(n.Node("test"))
		if err != nil {
			return nil, err
		}
		body, err := c.expr(n.Node("body"))
		if err != nil {
			return nil, err
		}
		orelse, err := c.expr(n.Node("orelse"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			t, err := test(x, fr)
			if err != nil {
				return None, err
			}
			if t {
				return body(x, fr)
			}
			return orelse(x, fr)
		}, nil
	case "Call":
		return c.call(n)
	case "Attribute":
		return c.attribute(n)
	case "Subscript":
		return c.subscript(n)
	case "JoinedStr":
		return c.joinedStr(n)
	case "FormattedValue":
		return c.formatted(n)
	case "List", "Tuple", "Set":
		return c.sequence(n)
	case "Dict":
		return c.dict(n)
	case "ListComp", "SetComp", "GeneratorExp", "DictComp":
		return c.comprehension(n)
	case "Lambda":
		return c.lambda(n)
	case "NamedExpr":
		val, err := c.expr(n.Node("value"))
		if err != nil {
			return nil, err
		}
		store, err := c.target(n.Node("target"))
		if err != nil {
			return nil, err
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			v, err := val(x, fr)
			if err != nil {
				return None, err
			}
			return v, store(x, fr, v)
		}, nil
	}
	return nil, unsupported(n, "%s expression", n.Type)
}

func (c *compiler) name(n *Node) (expr, *compileError) {
	id := n.Str("id")
	if ref := c.resolveLocal(id); ref.ok {
		slot := ref.slot
		if ref.depth == 0 {
			return func(x *Evaluator, fr *frame) (Value, *Exception) {
				v := fr.locals[slot]
				if v.K == numKinds {
					return None, raise("UnboundLocalError", "local variable '%s' referenced before assignment", id)
				}
				return v, nil
			}, nil
		}
		depth := ref.depth
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			v := frameAt(fr, depth).locals[slot]
			if v.K == numKinds {
				return None, raise("NameError", "free variable '%s' referenced before assignment in enclosing scope", id)
			}
			return v, nil
		}, nil
	}
	v, err := c.global(n, id)
	if err != nil {
		return nil, err
	}
	if v.K == numKinds {
		return func(*Evaluator, *frame) (Value, *Exception) {
			return None, raise("NameError", "name '%s' is not defined", id)
		}, nil
	}
	return constExprFn(v), nil
}

// global resolves a module-level or builtin name; unbound when neither binds it.
func (c *compiler) global(n *Node, id string) (Value, *compileError) {
	if b := c.fn.Module.lookup(id); b != nil {
		if !b.known {
			return None, unsupported(n, "uses %s: %s", id, b.why)
		}
		if b.val.K == KFunc {
			c.fn.calls = append(c.fn.calls, b.val.O.(*closure).fn)
		}
		return b.val, nil
	}
	if v, ok := builtins[id]; ok {
		return v, nil
	}
	return unbound, nil
}

func (c *compiler) boolOp(n *Node) (expr, *compileError) {
	vals, err := c.exprs(n.List("values"))
	if err != nil {
		return nil, err
	}
	and := n.Str("op") == "And"
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		var v Value
		for i, e := range vals {
			var err *Exception
			v, err = e(x, fr)
			if err != nil {
				return None, err
			}
			if i == len(vals)-1 {
				break
			}
			t, err := truth(v)
			if err != nil {
				return None, err
			}
			if t != and {
				return v, nil
			}
		}
		return v, nil
	}, nil
}

// cond compiles an expression used for its truth value.
func (c *compiler) cond(n *Node) (condFn, *compileError) {
	switch n.Type {
	case "Compare":
		return c.compare(n)
	case "UnaryOp":
		if n.Str("op") == "Not" {
			t, err := c.cond(n.Node("operand"))
			if err != nil {
				return nil, err
			}
			return func(x *Evaluator, fr *frame) (bool, *Exception) {
				b, err := t(x, fr)
				return !b, err
			}, nil
		}
	case "BoolOp":
		var conds []condFn
		for _, v := range n.List("values") {
			t, err := c.cond(v)
			if err != nil {
				return nil, err
			}
			conds = append(conds, t)
		}
		and := n.Str("op") == "And"
		return func(x *Evaluator, fr *frame) (bool, *Exception) {
			for _, t := range conds {
				b, err := t(x, fr)
				if err != nil {
					return false, err
				}
				if b != and {
					return b, nil
				}
			}
			return and, nil
		}, nil
	}
	e, err := c.expr(n)
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (bool, *Exception) {
		v, err := e(x, fr)
		if err != nil {
			return false, err
		}
		if v.K == KBool {
			return v.N != 0, nil
		}
		return truth(v)
	}, nil
}

// prefixCompare is `a == "prefix" + name` (or !=) without building the concatenation when a
// and the name's value are strings (a value tested against names made in a generator); nil
// for other shapes. Python evaluates a, then name, as here; right is the compiled sum, used
// when the name is not a string.
func (c *compiler) prefixCompare(n *Node, op string, left, right expr) condFn {
	rn := n.List("comparators")[0]
	if (op != "Eq" && op != "NotEq") || !rn.Is("BinOp") || rn.Str("op") != "Add" || !rn.Node("right").Is("Name") {
		return nil
	}
	prefix, ok := rn.Node("left").Fields["value"].(string)
	if !rn.Node("left").Is("Constant") || !ok {
		return nil
	}
	rest, err := c.expr(rn.Node("right"))
	if err != nil {
		return nil
	}
	want := op == "Eq"
	return func(x *Evaluator, fr *frame) (bool, *Exception) {
		a, err := left(x, fr)
		if err != nil {
			return false, err
		}
		b, err := rest(x, fr)
		if err != nil || b.K != KStr || a.K != KStr {
			// Not two strings (or an unbound name): the general path, with its errors.
			if err == nil {
				b, err = right(x, fr)
			}
			if err != nil {
				return false, err
			}
			return x.cmpOp(op, a, b)
		}
		eq := len(a.S) == len(prefix)+len(b.S) && a.S[:len(prefix)] == prefix && a.S[len(prefix):] == b.S
		return eq == want, nil
	}
}

func (c *compiler) compare(n *Node) (condFn, *compileError) {
	left, err := c.expr(n.Node("left"))
	if err != nil {
		return nil, err
	}
	ops := n.Strs("ops")
	rights, err := c.exprs(n.List("comparators"))
	if err != nil {
		return nil, err
	}
	// A literal list or set of constants right of `in` is only read: build it once.
	for i, rn := range n.List("comparators") {
		if (ops[i] != "In" && ops[i] != "NotIn") || !(rn.Is("List") || rn.Is("Set")) {
			continue
		}
		allConst := true
		for _, e := range rn.List("elts") {
			if !e.Is("Constant") {
				allConst = false
			}
		}
		if !allConst {
			continue
		}
		v, exc := rights[i](nil, nil)
		if exc != nil {
			continue
		}
		freeze(v, 0)
		rights[i] = constExprFn(v)
	}
	if len(ops) == 1 {
		op, right := ops[0], rights[0]
		// The most common test: a value == / != a constant string.
		if rn := n.List("comparators")[0]; rn.Is("Constant") && (op == "Eq" || op == "NotEq") {
			if s, ok := rn.Fields["value"].(string); ok {
				want := op == "Eq"
				return func(x *Evaluator, fr *frame) (bool, *Exception) {
					a, err := left(x, fr)
					if err != nil {
						return false, err
					}
					if a.K == KStr {
						return (a.S == s) == want, nil
					}
					eq, err := x.eq(a, Str(s))
					return eq == want, err
				}, nil
			}
		}
		if f := c.prefixCompare(n, op, left, right); f != nil {
			return f, nil
		}
		return func(x *Evaluator, fr *frame) (bool, *Exception) {
			a, err := left(x, fr)
			if err != nil {
				return false, err
			}
			b, err := right(x, fr)
			if err != nil {
				return false, err
			}
			return x.cmpOp(op, a, b)
		}, nil
	}
	return func(x *Evaluator, fr *frame) (bool, *Exception) {
		a, err := left(x, fr)
		if err != nil {
			return false, err
		}
		for i, op := range ops {
			b, err := rights[i](x, fr)
			if err != nil {
				return false, err
			}
			ok, err := x.cmpOp(op, a, b)
			if err != nil || !ok {
				return false, err
			}
			a = b
		}
		return true, nil
	}, nil
}

func (x *Evaluator) cmpOp(op string, a, b Value) (bool, *Exception) {
	switch op {
	case "Eq":
		return x.eq(a, b)
	case "NotEq":
		eq, err := x.eq(a, b)
		return !eq, err
	case "In":
		return x.contains(b, a)
	case "NotIn":
		in, err := x.contains(b, a)
		return !in, err
	case "Is", "IsNot":
		same, err := isSame(a, b)
		if op == "IsNot" {
			same = !same
		}
		return same, err
	}
	return x.compare(op, a, b)
}

// isSame is Python's `is`, for the cases where the answer does not depend on CPython's object
// identity of equal values.
func isSame(a, b Value) (bool, *Exception) {
	singleton := func(v Value) bool { return v.K == KNone || v.K == KBool }
	if singleton(a) || singleton(b) {
		return a.K == b.K && a.N == b.N, nil
	}
	switch {
	case a.K != b.K:
		if a.K == KOpaque || b.K == KOpaque {
			return false, bailf("`is` with %s", a.S+b.S)
		}
		return false, nil
	case a.K == KType || a.K == KModule || a.K == KFunc || a.K == KBuiltin:
		return identity(a) == identity(b), nil
	case a.K == KList || a.K == KDict || a.K == KSet:
		return a.O == b.O, nil
	}
	return false, bailf("`is` between two %s values", typeName(a))
}

func (c *compiler) subscript(n *Node) (expr, *compileError) {
	obj, err := c.expr(n.Node("value"))
	if err != nil {
		return nil, err
	}
	sl := n.Node("slice")
	if sl.Is("Slice") {
		var parts [3]expr
		for i, f := range []string{"lower", "upper", "step"} {
			if p := sl.Node(f); p != nil {
				e, err := c.expr(p)
				if err != nil {
					return nil, err
				}
				parts[i] = e
			}
		}
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			o, err := obj(x, fr)
			if err != nil {
				return None, err
			}
			var bounds [3]Value
			for i, p := range parts {
				bounds[i] = None
				if p != nil {
					if bounds[i], err = p(x, fr); err != nil {
						return None, err
					}
				}
			}
			return x.slice(o, bounds[0], bounds[1], bounds[2])
		}, nil
	}
	key, err := c.expr(sl)
	if err != nil {
		return nil, err
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		o, err := obj(x, fr)
		if err != nil {
			return None, err
		}
		k, err := key(x, fr)
		if err != nil {
			return None, err
		}
		return x.getItem(o, k)
	}, nil
}

func (c *compiler) joinedStr(n *Node) (expr, *compileError) {
	var parts []expr
	var lits []string
	for _, v := range n.List("values") {
		if v.Is("Constant") {
			s, ok := v.Fields["value"].(string)
			if !ok {
				return nil, unsupported(v, "non-string part of an f-string")
			}
			parts = append(parts, nil)
			lits = append(lits, s)
			continue
		}
		e, err := c.formatted(v)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
		lits = append(lits, "")
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		var b strings.Builder
		for i, p := range parts {
			if p == nil {
				b.WriteString(lits[i])
				continue
			}
			v, err := p(x, fr)
			if err != nil {
				return None, err
			}
			b.WriteString(v.S)
			if b.Len() > maxSize {
				return None, bailf("string too long")
			}
		}
		return Str(b.String()), nil
	}, nil
}

// formatted compiles a FormattedValue: {value!conv:spec}.
func (c *compiler) formatted(n *Node) (expr, *compileError) {
	if !n.Is("FormattedValue") {
		return nil, unsupported(n, "f-string part %s", n.Type)
	}
	val, err := c.expr(n.Node("value"))
	if err != nil {
		return nil, err
	}
	conv := -1
	if cv, ok := n.Fields["conversion"].(intLit); ok {
		conv, _ = strconv.Atoi(string(cv))
	}
	var specE expr
	if sp := n.Node("format_spec"); sp != nil {
		if specE, err = c.joinedStr(sp); err != nil {
			return nil, err
		}
	}
	if conv == 'a' {
		return nil, unsupported(n, "!a conversion")
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		v, err := val(x, fr)
		if err != nil {
			return None, err
		}
		switch conv {
		case 's':
			s, err := x.str(v)
			if err != nil {
				return None, err
			}
			v = Str(s)
		case 'r':
			s, err := x.repr(v)
			if err != nil {
				return None, err
			}
			v = Str(s)
		}
		spec := ""
		if specE != nil {
			sv, err := specE(x, fr)
			if err != nil {
				return None, err
			}
			spec = sv.S
		}
		if v.K == KStr && spec == "" {
			return v, nil
		}
		s, err := x.format(v, spec)
		return Str(s), err
	}, nil
}

func (c *compiler) sequence(n *Node) (expr, *compileError) {
	elts := n.List("elts")
	exprs := make([]expr, len(elts))
	starred := make([]bool, len(elts))
	allConst := true
	for i, e := range elts {
		if e.Is("Starred") {
			starred[i] = true
			e = e.Node("value")
		}
		ex, err := c.expr(e)
		if err != nil {
			return nil, err
		}
		exprs[i] = ex
		if !e.Is("Constant") {
			allConst = false
		}
	}
	kind := map[string]Kind{"List": KList, "Tuple": KTuple, "Set": KSet}[n.Type]
	build := func(x *Evaluator, fr *frame) (Value, *Exception) {
		items := make([]Value, 0, len(exprs))
		for i, e := range exprs {
			v, err := e(x, fr)
			if err != nil {
				return None, err
			}
			if starred[i] {
				more, err := x.collect(v, -1)
				if err != nil {
					return None, err
				}
				items = append(items, more...)
				continue
			}
			items = append(items, v)
		}
		if kind == KSet {
			s := newSet(len(items))
			for _, it := range items {
				if err := s.put(it, None); err != nil {
					return None, err
				}
			}
			return setValue(s), nil
		}
		return Value{K: kind, O: newList(items)}, nil
	}
	if kind == KTuple && allConst {
		// A constant tuple is one immutable object.
		v, err := build(nil, nil)
		if err != nil {
			return nil, unsupported(n, "%s", err.Error())
		}
		freeze(v, 0)
		return constExprFn(v), nil
	}
	return build, nil
}

func (c *compiler) dict(n *Node) (expr, *compileError) {
	keys := n.List("keys")
	vals, err := c.exprs(n.List("values"))
	if err != nil {
		return nil, err
	}
	kexprs := make([]expr, len(keys))
	for i, k := range keys {
		if k == nil {
			continue // **mapping
		}
		if kexprs[i], err = c.expr(k); err != nil {
			return nil, err
		}
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		d := newDict(len(vals))
		for i, ke := range kexprs {
			if ke == nil {
				m, err := vals[i](x, fr)
				if err != nil {
					return None, err
				}
				if err := x.mergeInto(d, m); err != nil {
					return None, err
				}
				continue
			}
			k, err := ke(x, fr)
			if err != nil {
				return None, err
			}
			v, err := vals[i](x, fr)
			if err != nil {
				return None, err
			}
			if err := d.put(k, v); err != nil {
				return None, err
			}
		}
		return dictValue(d), nil
	}, nil
}

// mergeInto adds the items of a mapping to d ({**m} and dict.update).
func (x *Evaluator) mergeInto(d *Dict, m Value) *Exception {
	switch m.K {
	case KDict:
		src := m.dict()
		for i, k := range src.keys {
			if err := d.put(k, src.vals[i]); err != nil {
				return err
			}
		}
		return nil
	case KEvent, KEvDict:
		return x.viewItems(m, func(k, v Value) (bool, *Exception) {
			return true, d.put(k, wrap(v))
		})
	}
	return typeError("'%s' object is not a mapping", typeName(m))
}

func (c *compiler) lambda(n *Node) (expr, *compileError) {
	f := c.fn.Module.newFunction(n, c.fn)
	f.state = 2
	if err := f.compileBody(c.sc); err != nil {
		f.Err = err.Error()
		return nil, unsupported(n, "lambda: %s", err.msg)
	}
	f.compiled = true
	if c.escapes == nil || c.escapes[n] {
		c.fn.heapFrame = true
	}
	c.fn.calls = append(c.fn.calls, f.calls...)
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		return funcValue(f, fr), nil
	}, nil
}

// comprehension compiles list, set and dict comprehensions and generator expressions. Their
// variables get slots of their own in the enclosing frame. Generators are lazy: a generator
// value holds the loop state and runs as it is consumed.
func (c *compiler) comprehension(n *Node) (expr, *compileError) {
	gens := n.List("generators")
	type level struct {
		iter  expr
		store storeFn
		ifs   []condFn
	}
	saved := c.sc.locals
	inner := make(map[string]int, len(saved))
	for k, v := range saved {
		inner[k] = v
	}
	levels := make([]level, len(gens))
	for i, g := range gens {
		if g.Fields["is_async"] != intLit("0") && g.Fields["is_async"] != nil {
			return nil, unsupported(g, "async comprehension")
		}
		// The first iterable is evaluated in the enclosing scope; the others see the
		// comprehension's variables.
		if i > 0 {
			c.sc.locals = inner
		}
		it, err := c.expr(g.Node("iter"))
		c.sc.locals = saved
		if err != nil {
			return nil, err
		}
		levels[i].iter = it
		c.sc.locals = inner
		walk(g.Node("target"), func(t *Node) bool {
			if t.Type == "Name" {
				inner[t.Str("id")] = c.sc.newSlot()
			}
			return true
		})
		store, err := c.target(g.Node("target"))
		if err != nil {
			c.sc.locals = saved
			return nil, err
		}
		levels[i].store = store
		for _, cond := range g.List("ifs") {
			t, err := c.cond(cond)
			if err != nil {
				c.sc.locals = saved
				return nil, err
			}
			levels[i].ifs = append(levels[i].ifs, t)
		}
		c.sc.locals = saved
	}
	c.sc.locals = inner
	var elt, val expr
	var err *compileError
	if n.Type == "DictComp" {
		if elt, err = c.expr(n.Node("key")); err == nil {
			val, err = c.expr(n.Node("value"))
		}
	} else {
		elt, err = c.expr(n.Node("elt"))
	}
	c.sc.locals = saved
	if err != nil {
		return nil, err
	}
	// run calls emit for each element, in order, until emit returns false. first, when set,
	// is the already evaluated first iterable.
	var run func(x *Evaluator, fr *frame, depth int, first *Value, emit func(k, v Value) (bool, *Exception)) (bool, *Exception)
	run = func(x *Evaluator, fr *frame, depth int, first *Value, emit func(k, v Value) (bool, *Exception)) (bool, *Exception) {
		lv := &levels[depth]
		var it Value
		if depth == 0 && first != nil {
			it = *first
		} else {
			var err *Exception
			if it, err = lv.iter(x, fr); err != nil {
				return false, err
			}
		}
		more := true
		err := x.forEach(it, n.Type == "SetComp" && depth == 0, func(v Value) (bool, *Exception) {
			if err := x.step(); err != nil {
				return false, err
			}
			if err := lv.store(x, fr, v); err != nil {
				return false, err
			}
			for _, t := range lv.ifs {
				ok, err := t(x, fr)
				if err != nil {
					return false, err
				}
				if !ok {
					return true, nil
				}
			}
			var err *Exception
			if depth+1 < len(levels) {
				more, err = run(x, fr, depth+1, nil, emit)
				return more, err
			}
			k, err := elt(x, fr)
			if err != nil {
				return false, err
			}
			var v2 Value
			if val != nil {
				if v2, err = val(x, fr); err != nil {
					return false, err
				}
			}
			more, err = emit(k, v2)
			return more, err
		})
		return more, err
	}
	switch n.Type {
	case "ListComp":
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			var items []Value
			_, err := run(x, fr, 0, nil, func(k, _ Value) (bool, *Exception) {
				items = append(items, k)
				return true, nil
			})
			return listValue(newList(items)), err
		}, nil
	case "SetComp":
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			s := newSet(4)
			_, err := run(x, fr, 0, nil, func(k, _ Value) (bool, *Exception) {
				return true, s.put(k, None)
			})
			return setValue(s), err
		}, nil
	case "DictComp":
		return func(x *Evaluator, fr *frame) (Value, *Exception) {
			d := newDict(4)
			_, err := run(x, fr, 0, nil, func(k, v Value) (bool, *Exception) {
				return true, d.put(k, v)
			})
			return dictValue(d), err
		}, nil
	}
	if c.escapes == nil || c.escapes[n] {
		c.fn.heapFrame = true // the generator may outlive the call
	}
	return func(x *Evaluator, fr *frame) (Value, *Exception) {
		// The first iterable is evaluated when the generator is made, as CPython does.
		first, err := levels[0].iter(x, fr)
		if err != nil {
			return None, err
		}
		g := &generator{src: first}
		g.run = func(x *Evaluator, emit func(Value) (bool, *Exception)) *Exception {
			_, err := run(x, fr, 0, &first, func(k, _ Value) (bool, *Exception) { return emit(k) })
			return err
		}
		return Value{K: KIter, O: g}, nil
	}, nil
}

// generator is a generator expression's value: run produces its elements in order until emit
// returns false. A generator runs once.
type generator struct {
	run  func(x *Evaluator, emit func(Value) (bool, *Exception)) *Exception
	src  Value // the first iterable (to tell whether the order is a set's)
	used bool
}
