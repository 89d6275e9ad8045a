package pycompile

// A guard is a list of conditions on event fields that rule() needs to return True: where one of
// them fails, rule() returns False, without raising, whatever else the event holds. The engine
// checks them before calling the rule (and indexes rules by them), so most rules never run on
// most events.
//
// Guard finds them in the leading statements of rule(), as pyrun's guards do, and also past
// statements that cannot change the outcome on their own: tests that may only return False and
// cannot raise in CPython (`if not aws_cloudtrail_success(event): return False`), and
// assignments of field reads to locals. Such statements are pure, so a condition found after
// them may be checked first.

// GuardCond is one condition of a guard, in the form of pyrun.GuardCond: the field read with
// event.get(Path[0][, Default]) or event.deep_get(Path..., default=Default), compared by Op (eq,
// ne, in, notin, none, notnone, truthy, falsy) with Values (strings, int64s, bools, nils).
type GuardCond struct {
	Path    []string
	Default any
	Op      string
	Values  []any
}

type fieldRead struct {
	path []string
	def  any
}

type guardScan struct {
	f      *Function
	param  string
	locals map[string]fieldRead
	depth  int
	loc    map[string]bool
	// boolRet is set by totalBody: every return of the body is bool-valued.
	boolRet bool
}

// Guard returns the guard of a compiled rule() function (nil when it has none).
func (f *Function) Guard() []GuardCond {
	if f == nil || !f.compiled || f.node.Type != "FunctionDef" || len(f.params) != 1 || f.vararg >= 0 {
		return nil
	}
	g := &guardScan{f: f, param: f.params[0].name, locals: map[string]fieldRead{}}
	return g.body(f.node.List("body"))
}

func (g *guardScan) body(stmts []*Node) []GuardCond {
	var out []GuardCond
	for si, st := range stmts {
		switch st.Type {
		case "Expr":
			if st.Node("value").Is("Constant") {
				continue
			}
			return out
		case "If":
			body := st.List("body")
			if len(st.List("orelse")) == 0 && si == len(stmts)-2 && isReturnFalse(stmts[si+1]) &&
				!(len(body) == 1 && isReturnFalse(body[0])) {
				// `if T: ...` then `return False`: a match needs T to be true.
				return append(out, g.testConds(st.Node("test"))...)
			}
			if len(st.List("orelse")) > 0 || len(body) != 1 || !isReturnFalse(body[0]) {
				return out
			}
			tests := []*Node{st.Node("test")}
			if t := st.Node("test"); t.Is("BoolOp") && t.Str("op") == "Or" {
				tests = t.List("values")
			}
			for _, t := range tests {
				if c, ok := g.cond(t, true); ok {
					c.Op = negate[c.Op]
					out = append(out, c)
				}
				// What follows counts only when this test cannot raise (a condition such as
				// `x in SET` raises for an unhashable x).
				if !g.total(t) {
					return out
				}
			}
		case "Assign":
			ts := st.List("targets")
			if len(ts) != 1 || !ts[0].Is("Name") || ts[0].Str("id") == g.param {
				return out
			}
			name := ts[0].Str("id")
			v := st.Node("value")
			if fr, ok := g.read(v); ok {
				g.locals[name] = fr
				continue
			}
			delete(g.locals, name)
			if !g.total(v) {
				return out
			}
			// A local the scan does not follow: later reads of it are not field reads.
			g.locals[name] = fieldRead{}
		case "Return":
			v := st.Node("value")
			if v == nil {
				return out
			}
			if elts, ok := g.allCall(v); ok {
				return append(out, g.allConds(elts)...)
			}
			conj := []*Node{v}
			if v.Is("BoolOp") && v.Str("op") == "And" {
				conj = v.List("values")
			}
			for i, c := range conj {
				last := i == len(conj)-1
				if cd, ok := g.cond(c, false); ok {
					out = append(out, cd)
					if !g.total(c) {
						break
					}
					continue
				}
				// A conjunct that is not a condition must be bool-valued (so a falsy value is
				// a proper False) and unable to raise, for the next ones to count.
				if last || !g.total(c) || !g.boolValued(c) {
					break
				}
			}
			return out
		default:
			return out
		}
	}
	return out
}

// testConds returns the conditions a true if test needs: the test itself, the leading
// conditions of an `and`, or those of all([...]).
func (g *guardScan) testConds(t *Node) []GuardCond {
	if elts, ok := g.allCall(t); ok {
		return g.allConds(elts)
	}
	conj := []*Node{t}
	if t.Is("BoolOp") && t.Str("op") == "And" {
		conj = t.List("values")
	}
	var out []GuardCond
	for _, c := range conj {
		if cd, ok := g.cond(c, true); ok {
			out = append(out, cd)
		}
		// An `and` stops at the first falsy value: a later condition counts only when the
		// ones before cannot raise.
		if !g.total(c) {
			break
		}
	}
	return out
}

// allCall recognizes all([e1, e2, ...]) with the builtin all and a literal list or tuple.
func (g *guardScan) allCall(n *Node) ([]*Node, bool) {
	if !n.Is("Call") || len(n.List("keywords")) > 0 || len(n.List("args")) != 1 {
		return nil, false
	}
	fn := n.Node("func")
	if !fn.Is("Name") || fn.Str("id") != "all" || g.localName("all") || g.f.Module.lookup("all") != nil {
		return nil, false
	}
	arg := n.List("args")[0]
	if !arg.Is("List") && !arg.Is("Tuple") {
		return nil, false
	}
	elts := arg.List("elts")
	for _, e := range elts {
		if e.Is("Starred") {
			return nil, false
		}
	}
	return elts, true
}

// allConds returns the conditions of all([e1, e2, ...]) being true. Every element is
// evaluated before all() looks at them, so a failing condition makes the result False only
// when no other element can raise.
func (g *guardScan) allConds(elts []*Node) []GuardCond {
	total := make([]bool, len(elts))
	partial := 0
	for i, e := range elts {
		total[i] = g.total(e)
		if !total[i] {
			partial++
		}
	}
	var out []GuardCond
	for i, e := range elts {
		if partial > 1 || (partial == 1 && total[i]) {
			continue
		}
		if cd, ok := g.cond(e, true); ok {
			out = append(out, cd)
		}
	}
	return out
}

func isReturnFalse(n *Node) bool {
	if !n.Is("Return") || !n.Node("value").Is("Constant") {
		return false
	}
	b, ok := n.Node("value").Fields["value"].(bool)
	return ok && !b
}

var negate = map[string]string{"eq": "ne", "ne": "eq", "in": "notin", "notin": "in", "none": "notnone",
	"notnone": "none", "truthy": "falsy", "falsy": "truthy"}

// read recognizes a field read of the event: param.get("k"[, const]), param.deep_get("k", ...
// [, default=const]), deep_get(param, "k", ...[, default=const]) with panther_base_helpers'
// deep_get, or a local bound to one.
func (g *guardScan) read(n *Node) (fieldRead, bool) {
	if n.Is("Name") {
		fr, ok := g.locals[n.Str("id")]
		return fr, ok && fr.path != nil
	}
	if !n.Is("Call") {
		return fieldRead{}, false
	}
	fn := n.Node("func")
	args := n.List("args")
	kws := n.List("keywords")
	var keys []*Node
	var def any
	switch {
	case fn.Is("Attribute") && fn.Node("value").Is("Name") && fn.Node("value").Str("id") == g.param && fn.Str("attr") == "get":
		if len(kws) > 0 || len(args) < 1 || len(args) > 2 {
			return fieldRead{}, false
		}
		keys = args[:1]
		if len(args) == 2 {
			v, ok := scalarConst(args[1])
			if !ok {
				return fieldRead{}, false
			}
			def = v
		}
	case fn.Is("Attribute") && fn.Node("value").Is("Name") && fn.Node("value").Str("id") == g.param && fn.Str("attr") == "deep_get":
		keys = args
	case fn.Is("Name") && fn.Str("id") == "deep_get" && len(args) > 0 && args[0].Is("Name") && args[0].Str("id") == g.param:
		if !g.isHelperDeepGet(fn) {
			return fieldRead{}, false
		}
		keys = args[1:]
	default:
		return fieldRead{}, false
	}
	if fn.Str("attr") != "get" {
		for _, k := range kws {
			if k.Str("arg") != "default" {
				return fieldRead{}, false
			}
			v, ok := scalarConst(k.Node("value"))
			if !ok {
				return fieldRead{}, false
			}
			def = v
		}
	}
	if len(keys) == 0 {
		return fieldRead{}, false
	}
	path := make([]string, len(keys))
	for i, k := range keys {
		s, ok := k.Fields["value"].(string)
		if !k.Is("Constant") || !ok {
			return fieldRead{}, false
		}
		path[i] = s
	}
	return fieldRead{path: path, def: def}, true
}

// isHelperDeepGet reports whether the name deep_get is panther_base_helpers' function.
func (g *guardScan) isHelperDeepGet(fn *Node) bool {
	if g.localName(fn.Str("id")) {
		return false
	}
	b := g.f.Module.lookup("deep_get")
	if b == nil || !b.known || b.val.K != KFunc {
		return false
	}
	h := b.val.O.(*closure).fn
	return h.Module.Name == "panther_base_helpers" && h.Name == "deep_get"
}

func (g *guardScan) localName(name string) bool {
	if g.loc == nil {
		g.loc = localNames(g.f.node)
	}
	return g.loc[name]
}

// scalarConst is a str, int, bool or None constant.
func scalarConst(n *Node) (any, bool) {
	if !n.Is("Constant") {
		return nil, false
	}
	v, err := constant(n)
	if err != nil {
		return nil, false
	}
	switch v.K {
	case KNone:
		return nil, true
	case KBool:
		return v.N != 0, true
	case KInt:
		return v.N, true
	case KStr:
		return v.S, true
	}
	return nil, false
}

// constValues resolves a constant collection of scalars: a literal tuple, list or set, or a
// module-level name bound to one (unchanging: checkMutations ran).
func (g *guardScan) constValues(n *Node) ([]any, bool) {
	var items []Value
	switch n.Type {
	case "Tuple", "List", "Set":
		for _, e := range n.List("elts") {
			if !e.Is("Constant") {
				return nil, false
			}
			v, err := constant(e)
			if err != nil {
				return nil, false
			}
			items = append(items, v)
		}
	case "Name":
		if g.localName(n.Str("id")) {
			return nil, false
		}
		b := g.f.Module.lookup(n.Str("id"))
		if b == nil || !b.known {
			return nil, false
		}
		switch b.val.K {
		case KTuple, KList:
			items = b.val.list().items
		case KSet, KFrozenSet:
			items = b.val.dict().keys
		default:
			return nil, false
		}
	default:
		return nil, false
	}
	out := make([]any, 0, len(items))
	for _, v := range items {
		switch v.K {
		case KNone:
			out = append(out, nil)
		case KBool:
			out = append(out, v.N != 0)
		case KInt:
			out = append(out, v.N)
		case KStr:
			out = append(out, v.S)
		default:
			return nil, false
		}
	}
	return out, true
}

// cond recognizes a condition on one field. Truth tests count only in if tests (test), where
// a falsy value cannot become the rule's result.
func (g *guardScan) cond(n *Node, test bool) (GuardCond, bool) {
	if n.Is("UnaryOp") && n.Str("op") == "Not" {
		c, ok := g.cond(n.Node("operand"), true)
		if !ok {
			return c, false
		}
		c.Op = negate[c.Op]
		return c, true
	}
	if n.Is("Compare") && len(n.Strs("ops")) == 1 {
		op := n.Strs("ops")[0]
		left, right := n.Node("left"), n.List("comparators")[0]
		fr, ok := g.read(left)
		if !ok && (op == "Eq" || op == "NotEq") {
			fr, ok = g.read(right)
			left, right = right, left
		}
		if !ok {
			return GuardCond{}, false
		}
		c := GuardCond{Path: fr.path, Default: fr.def}
		switch op {
		case "Eq", "NotEq":
			v, ok := scalarConst(right)
			if !ok {
				return c, false
			}
			c.Op, c.Values = "eq", []any{v}
			if op == "NotEq" {
				c.Op = "ne"
			}
		case "In", "NotIn":
			vals, ok := g.constValues(right)
			if !ok {
				return c, false
			}
			c.Op, c.Values = "in", vals
			if op == "NotIn" {
				c.Op = "notin"
			}
		case "Is", "IsNot":
			v, ok := scalarConst(right)
			if !ok || v != nil {
				return c, false
			}
			c.Op = "none"
			if op == "IsNot" {
				c.Op = "notnone"
			}
		default:
			return c, false
		}
		return c, true
	}
	if test {
		if fr, ok := g.read(n); ok {
			return GuardCond{Path: fr.path, Default: fr.def, Op: "truthy"}, true
		}
	}
	return GuardCond{}, false
}

// total reports whether evaluating n cannot raise in CPython nor have side effects.
func (g *guardScan) total(n *Node) bool {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 20 {
		return false
	}
	switch n.Type {
	case "Constant":
		return true
	case "Name":
		if n.Str("id") == g.param {
			return true
		}
		if _, ok := g.locals[n.Str("id")]; ok {
			return true
		}
		b := g.f.Module.lookup(n.Str("id"))
		return b != nil && b.known && !g.localName(n.Str("id"))
	case "UnaryOp":
		return n.Str("op") == "Not" && g.total(n.Node("operand"))
	case "BoolOp":
		for _, v := range n.List("values") {
			if !g.total(v) {
				return false
			}
		}
		return true
	case "Compare":
		if !g.total(n.Node("left")) {
			return false
		}
		for i, op := range n.Strs("ops") {
			r := n.List("comparators")[i]
			if !g.total(r) {
				return false
			}
			switch op {
			case "Eq", "NotEq", "Is", "IsNot":
			case "In", "NotIn":
				// Membership in a tuple or list compares with ==: it cannot raise. (In a set,
				// an unhashable value raises.)
				if !(r.Is("Tuple") || r.Is("List") || g.isSeqName(r)) {
					return false
				}
			default:
				return false
			}
		}
		return true
	case "Call":
		if _, ok := g.read(n); ok {
			return true
		}
		return g.totalCall(n)
	}
	return false
}

// isSeqName reports whether a name is bound to a module-level tuple or list.
func (g *guardScan) isSeqName(n *Node) bool {
	if !n.Is("Name") || g.localName(n.Str("id")) {
		return false
	}
	b := g.f.Module.lookup(n.Str("id"))
	return b != nil && b.known && (b.val.K == KTuple || b.val.K == KList)
}

// totalCall recognizes calls of compiled functions that cannot raise: helper(event) whose body
// only tests total conditions and returns constants or total values.
func (g *guardScan) totalCall(n *Node) bool {
	ok, _ := g.totalCallBool(n)
	return ok
}

// totalCallBool is totalCall, also telling whether the helper always returns a bool.
func (g *guardScan) totalCallBool(n *Node) (total, isBool bool) {
	fn := n.Node("func")
	args := n.List("args")
	if len(args) != 1 || len(n.List("keywords")) > 0 || !args[0].Is("Name") || args[0].Str("id") != g.param {
		return false, false
	}
	var b *binding
	switch {
	case fn.Is("Name") && !g.localName(fn.Str("id")):
		b = g.f.Module.lookup(fn.Str("id"))
	case fn.Is("Attribute") && fn.Node("value").Is("Name"):
		mb := g.f.Module.lookup(fn.Node("value").Str("id"))
		if mb == nil || !mb.known || mb.val.K != KModule {
			return false, false
		}
		um, ok := mb.val.O.(*Module)
		if !ok {
			return false, false
		}
		b = um.lookup(fn.Str("attr"))
	}
	if b == nil || !b.known || b.val.K != KFunc {
		return false, false
	}
	h := b.val.O.(*closure).fn
	if !h.full || h.node.Type != "FunctionDef" || len(h.params) != 1 || h.vararg >= 0 || h.kwonly > 0 {
		return false, false
	}
	sub := &guardScan{f: h, param: h.params[0].name, locals: map[string]fieldRead{}, depth: g.depth, boolRet: true}
	ok := sub.totalBody(h.node.List("body"))
	return ok, ok && sub.boolRet
}

// totalBody reports whether a function body cannot raise: docstrings, `if T: return T`,
// `x = field read`, and a final `return T`.
func (g *guardScan) totalBody(stmts []*Node) bool {
	for i, st := range stmts {
		switch st.Type {
		case "Expr":
			if !st.Node("value").Is("Constant") {
				return false
			}
		case "If":
			if !g.total(st.Node("test")) || len(st.List("orelse")) > 0 {
				return false
			}
			body := st.List("body")
			if len(body) != 1 || !body[0].Is("Return") || body[0].Node("value") == nil || !g.total(body[0].Node("value")) {
				return false
			}
			g.boolRet = g.boolRet && g.boolValued(body[0].Node("value"))
		case "Assign":
			ts := st.List("targets")
			if len(ts) != 1 || !ts[0].Is("Name") {
				return false
			}
			fr, ok := g.read(st.Node("value"))
			if !ok {
				return false
			}
			g.locals[ts[0].Str("id")] = fr
		case "Return":
			if st.Node("value") == nil || !g.total(st.Node("value")) || i != len(stmts)-1 {
				return false
			}
			g.boolRet = g.boolRet && g.boolValued(st.Node("value"))
			return true
		default:
			return false
		}
	}
	return false // falls off the end: returns None, fine, but keep it simple
}

// boolValued reports whether n always evaluates to a bool.
func (g *guardScan) boolValued(n *Node) bool {
	switch n.Type {
	case "Compare":
		return true
	case "UnaryOp":
		return n.Str("op") == "Not"
	case "BoolOp":
		for _, v := range n.List("values") {
			if !g.boolValued(v) {
				return false
			}
		}
		return true
	case "Constant":
		_, ok := n.Fields["value"].(bool)
		return ok
	case "Call":
		if fn := n.Node("func"); fn.Is("Name") && (fn.Str("id") == "isinstance" || fn.Str("id") == "bool") && !g.localName(fn.Str("id")) && g.f.Module.lookup(fn.Str("id")) == nil {
			return true
		}
		_, isBool := g.totalCallBool(n)
		return isBool
	}
	return false
}

// GuardFails reports whether one of the conditions certainly fails on ev (evaluated with the
// compiled code's semantics; a condition that cannot be decided does not fail). Differential
// tests check that CPython's rule() then returns False.
func (x *Evaluator) GuardFails(conds []GuardCond, ev Value) bool {
	for _, c := range conds {
		keys := make([]Value, len(c.Path))
		for i, k := range c.Path {
			keys[i] = Str(k)
		}
		def := guardValue(c.Default)
		var v Value
		var err *Exception
		if len(c.Path) == 1 && c.Op != "" {
			var found bool
			v, found, err = x.viewGet(ev, keys[0])
			if err == nil && !found {
				v = def
			}
			if found && v.K == KNone {
				continue // get and deep_get differ on a None value: undecided
			}
		} else {
			v, err = x.deepGet(ev, keys, def)
		}
		if err != nil {
			continue
		}
		var holds bool
		switch c.Op {
		case "eq", "ne", "in", "notin":
			if v.K > KStr {
				// A container (unhashable in the rule's set or dict) or another value the
				// engine's guard (internal/detect) leaves undecided.
				continue
			}
			vals := make([]Value, len(c.Values))
			for i, cv := range c.Values {
				vals[i] = guardValue(cv)
			}
			in, err := x.contains(listValue(newList(vals)), v)
			if err != nil {
				continue
			}
			holds = in == (c.Op == "eq" || c.Op == "in")
		case "none", "notnone":
			holds = (v.K == KNone) == (c.Op == "none")
		case "truthy", "falsy":
			t, err := truth(v)
			if err != nil {
				continue
			}
			holds = t == (c.Op == "truthy")
		default:
			continue
		}
		if !holds {
			return true
		}
	}
	return false
}

func guardValue(v any) Value {
	switch x := v.(type) {
	case nil:
		return None
	case bool:
		return Bool(x)
	case int64:
		return Int(x)
	case string:
		return Str(x)
	}
	return Value{K: KOpaque, S: "guard value"}
}
