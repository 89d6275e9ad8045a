package pycompile

import "fmt"

// Compiled code reads module-level values as they were when the module's code had run. That is
// exact only if nothing changes them later: a function (compiled or not, in any module) that
// rebinds the name (`global X`), or mutates the container (X.append, X[k] = v), or lets it
// escape where the compiler cannot follow (passes it to a function, returns it, stores it).
// checkMutations finds such names and makes them unknown, so functions that read them run in
// CPython.

// safeMethods are the methods that only read their receiver.
var safeMethods = map[string]bool{
	"get": true, "keys": true, "values": true, "items": true, "copy": true, "count": true, "index": true,
	"issubset": true, "issuperset": true, "isdisjoint": true, "union": true, "intersection": true,
	"difference": true, "symmetric_difference": true,
}

// safeArgMethods take a container argument they only read.
var safeArgMethods = map[string]bool{
	"join": true, "startswith": true, "endswith": true, "issubset": true, "issuperset": true,
	"isdisjoint": true, "union": true, "intersection": true, "difference": true,
	"symmetric_difference": true, "update": true, "extend": true,
}

// safeBuiltins only read their container arguments.
var safeBuiltins = map[string]bool{
	"len": true, "any": true, "all": true, "sorted": true, "set": true, "frozenset": true, "list": true,
	"tuple": true, "min": true, "max": true, "sum": true, "str": true, "repr": true, "bool": true,
	"isinstance": true, "dict": true,
}

type mutScan struct {
	p      *Program
	unsafe map[any]string // container (the *Dict or *List) -> why
	// Over every function body of the program: the parent of each node, the function each
	// node is in, and the call sites of each function.
	parents map[*Node]*Node
	inFunc  map[*Node]*Function
	locals  map[*Function]map[string]bool
	nodes   map[*Function][]*Node
	callers map[*Function][]*Node
	depth   int
}

func checkMutations(p *Program) {
	s := &mutScan{p: p, unsafe: map[any]string{}, parents: map[*Node]*Node{}, inFunc: map[*Node]*Function{},
		locals: map[*Function]map[string]bool{}, callers: map[*Function][]*Node{}, nodes: map[*Function][]*Node{}}
	for _, m := range p.order {
		if m.tree == nil {
			continue
		}
		for _, f := range m.funcs {
			s.index(m, f)
		}
	}
	for _, m := range p.order {
		if m.tree == nil {
			continue
		}
		for _, f := range m.funcs {
			s.scanFunc(m, f)
		}
	}
	for _, m := range p.order {
		for name, b := range m.globals {
			if !b.known || !isMutable(b.val) {
				continue
			}
			if why, bad := s.unsafe[b.val.O]; bad {
				b.known = false
				b.why = fmt.Sprintf("module-level %s may change at run time (%s)", name, why)
			}
		}
	}
}

func isMutable(v Value) bool { return v.K == KList || v.K == KDict || v.K == KSet }

// deepMutable reports whether a container holds mutable containers.
func deepMutable(v Value) bool {
	switch v.K {
	case KList, KTuple:
		for _, e := range v.list().items {
			if isMutable(e) || deepMutable(e) {
				return true
			}
		}
	case KDict:
		for _, e := range v.dict().vals {
			if isMutable(e) || deepMutable(e) {
				return true
			}
		}
	}
	return false
}

func funcBody(f *Function) []*Node {
	if f.node.Type == "Lambda" {
		return []*Node{f.node.Node("body")}
	}
	return f.node.List("body")
}

// index records the parents of f's nodes and the functions f calls by name.
func (s *mutScan) index(m *Module, f *Function) {
	locals := localNames(f.node)
	s.locals[f] = locals
	parents := map[*Node]*Node{}
	for _, st := range funcBody(f) {
		s.parentsOf(st, nil, parents)
	}
	for n, p := range parents {
		s.parents[n] = p
		s.inFunc[n] = f
		s.nodes[f] = append(s.nodes[f], n)
		if n.Type != "Call" {
			continue
		}
		if callee := s.callee(m, locals, n.Node("func")); callee != nil {
			s.callers[callee] = append(s.callers[callee], n)
		}
	}
}

// callee resolves the function a call names: a module-level function, or module.function.
func (s *mutScan) callee(m *Module, locals map[string]bool, fn *Node) *Function {
	var b *binding
	switch {
	case fn.Is("Name") && !locals[fn.Str("id")]:
		b = m.lookup(fn.Str("id"))
	case fn.Is("Attribute") && fn.Node("value").Is("Name") && !locals[fn.Node("value").Str("id")]:
		mb := m.lookup(fn.Node("value").Str("id"))
		if mb == nil || !mb.known || mb.val.K != KModule {
			return nil
		}
		um, ok := mb.val.O.(*Module)
		if !ok {
			return nil
		}
		b = um.lookup(fn.Str("attr"))
	}
	if b == nil || !b.known || b.val.K != KFunc {
		return nil
	}
	return b.val.O.(*closure).fn
}

func (s *mutScan) scanFunc(m *Module, f *Function) {
	locals := s.locals[f]
	body := funcBody(f)
	parents := s.parents
	declared := map[string]bool{}
	for _, n := range s.nodes[f] {
		if n.Type == "Global" {
			for _, name := range n.Strs("names") {
				declared[name] = true
			}
		}
	}
	for name := range assignedGlobals(body, declared, parents) {
		if b := m.globals[name]; b != nil {
			b.known = false
			b.why = fmt.Sprintf("module-level %s is assigned by %s", name, f.Name)
		}
	}
	for _, n := range s.nodes[f] {
		parent := parents[n]
		switch n.Type {
		case "Name":
			if locals[n.Str("id")] {
				continue
			}
			b := m.lookup(n.Str("id"))
			if b == nil || !b.known || !isMutable(b.val) {
				continue
			}
			if why := s.use(m, n, parent, parents, deepMutable(b.val)); why != "" {
				s.unsafe[b.val.O] = fmt.Sprintf("%s in %s, line %d", why, f.Name, n.Line)
			}
		case "Attribute":
			base := n.Node("value")
			if !base.Is("Name") || locals[base.Str("id")] {
				continue
			}
			mb := m.lookup(base.Str("id"))
			if mb == nil || !mb.known || mb.val.K != KModule {
				continue
			}
			um, ok := mb.val.O.(*Module)
			if !ok {
				continue
			}
			b := um.lookup(n.Str("attr"))
			if b == nil {
				continue
			}
			if isStore(n, parent) {
				b.known = false
				b.why = fmt.Sprintf("%s.%s is assigned by %s", um.Name, n.Str("attr"), f.Name)
				continue
			}
			if !b.known || !isMutable(b.val) {
				continue
			}
			if why := s.use(m, n, parent, parents, deepMutable(b.val)); why != "" {
				s.unsafe[b.val.O] = fmt.Sprintf("%s in %s, line %d", why, f.Name, n.Line)
			}
		}
	}
}

// parentsOf records the parent of every node under n, not descending into nested functions
// (they are scanned on their own).
func (s *mutScan) parentsOf(n, parent *Node, out map[*Node]*Node) {
	out[n] = parent
	if parent != nil && (n.Type == "FunctionDef" || n.Type == "Lambda" || n.Type == "ClassDef") {
		return
	}
	for _, v := range n.Fields {
		switch c := v.(type) {
		case *Node:
			s.parentsOf(c, n, out)
		case []any:
			for _, e := range c {
				if cn, ok := e.(*Node); ok {
					s.parentsOf(cn, n, out)
				}
			}
		}
	}
}

func isStore(n, parent *Node) bool {
	if parent == nil {
		return false
	}
	switch parent.Type {
	case "Assign":
		for _, t := range parent.List("targets") {
			if t == n {
				return true
			}
		}
	case "AugAssign", "AnnAssign":
		return parent.Node("target") == n
	case "Delete":
		return true
	case "For", "comprehension":
		return parent.Node("target") == n
	case "Tuple", "List", "Starred":
		return false // conservatively handled by the caller through use()
	}
	return false
}

// use returns why the use of a mutable module-level container at n may change it or let it
// escape; "" when the use only reads it.
func (s *mutScan) use(m *Module, n, parent *Node, parents map[*Node]*Node, deep bool) string {
	if parent == nil {
		return "escapes"
	}
	if mockGuard(n, parents) {
		return "" // test-only code: live, the guarded name is never a MagicMock
	}
	switch parent.Type {
	case "Return":
		// Returned: safe when every call site of the function only reads the result (and a
		// detection's own rule and aux functions, called by the engine, are only read).
		f := s.inFunc[parent]
		if f == nil || f.node.Type == "Lambda" || f.depth > 0 {
			return "returned"
		}
		s.depth++
		defer func() { s.depth-- }()
		if s.depth > 8 {
			return "returned"
		}
		for _, call := range s.callers[f] {
			cm := s.inFunc[call].Module
			if why := s.use(cm, call, parents[call], parents, deep); why != "" {
				return "returned by " + f.Name + ", " + why
			}
		}
		return ""
	case "Dict":
		for _, v := range parent.List("values") {
			if v == n {
				return s.use(m, parent, parents[parent], parents, true)
			}
		}
		return "used as a dict key"
	case "List", "Tuple":
		return s.use(m, parent, parents[parent], parents, true)
	case "Compare":
		return ""
	case "If", "While", "IfExp", "Assert":
		if parent.Node("test") == n {
			return ""
		}
		return "escapes"
	case "UnaryOp":
		if parent.Str("op") == "Not" {
			return ""
		}
	case "FormattedValue":
		return ""
	case "Subscript":
		if parent.Node("value") != n {
			return "" // used as an index
		}
		if isStore(parent, parents[parent]) {
			return "item assignment"
		}
		if deep {
			return s.use(m, parent, parents[parent], parents, deep)
		}
		return ""
	case "For", "comprehension":
		if parent.Node("iter") == n {
			if deep {
				return "iterated while holding containers"
			}
			return ""
		}
		return "loop target"
	case "Attribute":
		if parent.Node("value") != n {
			return "escapes"
		}
		call := parents[parent]
		if call == nil || call.Type != "Call" || call.Node("func") != parent {
			return "attribute " + parent.Str("attr")
		}
		if !safeMethods[parent.Str("attr")] {
			return "calls ." + parent.Str("attr")
		}
		if deep && parent.Str("attr") != "keys" {
			return s.use(m, call, parents[call], parents, deep)
		}
		return ""
	case "Call":
		if parent.Node("func") == n {
			return "called"
		}
		fn := parent.Node("func")
		switch {
		case fn.Is("Name") && safeBuiltins[fn.Str("id")] && m.lookup(fn.Str("id")) == nil:
			if deep && (fn.Str("id") == "list" || fn.Str("id") == "dict" || fn.Str("id") == "tuple" || fn.Str("id") == "sorted") {
				return "copied shallowly"
			}
			return ""
		case fn.Is("Attribute") && safeArgMethods[fn.Str("attr")]:
			if deep {
				return "passed to ." + fn.Str("attr")
			}
			return ""
		}
		return "passed to a function"
	case "keyword":
		return "passed to a function"
	}
	return "escapes"
}

// localNames returns the names a function binds locally: parameters, assignment targets,
// loop variables, imports, nested definitions (not inside nested functions), minus those
// declared global or nonlocal.
func localNames(fn *Node) map[string]bool {
	names := map[string]bool{}
	args := fn.Node("args")
	if args != nil {
		for _, group := range []string{"posonlyargs", "args", "kwonlyargs"} {
			for _, a := range args.List(group) {
				names[a.Str("arg")] = true
			}
		}
		for _, k := range []string{"vararg", "kwarg"} {
			if a := args.Node(k); a != nil {
				names[a.Str("arg")] = true
			}
		}
	}
	if fn.Type == "Lambda" {
		return names
	}
	declared := map[string]bool{}
	var visit func(n *Node, top bool)
	target := func(t *Node) {
		walk(t, func(c *Node) bool {
			if c.Type == "Name" {
				names[c.Str("id")] = true
			}
			return c.Type != "Subscript" && c.Type != "Attribute"
		})
	}
	visit = func(n *Node, top bool) {
		if n == nil {
			return
		}
		switch n.Type {
		case "FunctionDef", "AsyncFunctionDef", "ClassDef":
			if !top {
				names[n.Str("name")] = true
				return
			}
		case "Lambda":
			return
		case "Global", "Nonlocal":
			for _, name := range n.Strs("names") {
				declared[name] = true
			}
		case "Assign":
			for _, t := range n.List("targets") {
				target(t)
			}
		case "AugAssign", "AnnAssign", "For", "AsyncFor":
			target(n.Node("target"))
		case "NamedExpr":
			target(n.Node("target"))
		case "With", "AsyncWith":
			for _, it := range n.List("items") {
				if v := it.Node("optional_vars"); v != nil {
					target(v)
				}
			}
		case "ExceptHandler":
			if name := n.Str("name"); name != "" {
				names[name] = true
			}
		case "Import", "ImportFrom":
			for _, a := range n.List("names") {
				name := bound(a)
				if n.Type == "Import" && a.Str("asname") == "" {
					name, _, _ = cutDot(name)
				}
				names[name] = true
			}
		case "ListComp", "SetComp", "DictComp", "GeneratorExp":
			// Comprehension variables are local to the comprehension; only walrus targets
			// inside bind in the function.
			walk(n, func(c *Node) bool {
				if c.Type == "NamedExpr" {
					target(c.Node("target"))
				}
				return c.Type != "Lambda"
			})
			return
		}
		for _, v := range n.Fields {
			switch c := v.(type) {
			case *Node:
				visit(c, false)
			case []any:
				for _, e := range c {
					if cn, ok := e.(*Node); ok {
						visit(cn, false)
					}
				}
			}
		}
	}
	for _, st := range fn.List("body") {
		visit(st, false)
	}
	for name := range declared {
		delete(names, name)
	}
	return names
}

func cutDot(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// mockGuard reports whether n is inside `if isinstance(NAME, MagicMock):`.
func mockGuard(n *Node, parents map[*Node]*Node) bool {
	for p := parents[n]; p != nil; p = parents[p] {
		if p.Type != "If" {
			continue
		}
		t := p.Node("test")
		if t.Is("Call") && t.Node("func").Is("Name") && t.Node("func").Str("id") == "isinstance" {
			args := t.List("args")
			if len(args) == 2 && args[1].Is("Name") && (args[1].Str("id") == "MagicMock" || args[1].Str("id") == "Mock") {
				for _, b := range p.List("body") {
					if b == n || isAncestor(b, n, parents) {
						return true
					}
				}
			}
		}
	}
	return false
}

func isAncestor(a, n *Node, parents map[*Node]*Node) bool {
	for p := parents[n]; p != nil; p = parents[p] {
		if p == a {
			return true
		}
	}
	return false
}

// assignedGlobals returns the declared globals a function body assigns, leaving out the
// assignments under `if isinstance(NAME, MagicMock):`, the test-only idiom of panther-analysis
// rules that replace a mocked constant: live, NAME is never a MagicMock.
func assignedGlobals(body []*Node, declared map[string]bool, parents map[*Node]*Node) map[string]bool {
	out := map[string]bool{}
	mockGuarded := func(n *Node, name string) bool {
		for p := parents[n]; p != nil; p = parents[p] {
			if p.Type != "If" {
				continue
			}
			t := p.Node("test")
			if t.Is("Call") && t.Node("func").Is("Name") && t.Node("func").Str("id") == "isinstance" {
				args := t.List("args")
				if len(args) == 2 && args[0].Is("Name") && args[0].Str("id") == name &&
					args[1].Is("Name") && (args[1].Str("id") == "MagicMock" || args[1].Str("id") == "Mock") {
					return true
				}
			}
		}
		return false
	}
	mark := func(t *Node) {
		walk(t, func(c *Node) bool {
			if c.Type == "Name" && declared[c.Str("id")] && !mockGuarded(t, c.Str("id")) {
				out[c.Str("id")] = true
			}
			return c.Type != "Subscript" && c.Type != "Attribute"
		})
	}
	for _, st := range body {
		walk(st, func(n *Node) bool {
			switch n.Type {
			case "FunctionDef", "Lambda", "ClassDef":
				return n == st
			case "Assign":
				for _, t := range n.List("targets") {
					mark(t)
				}
			case "AugAssign", "AnnAssign", "For", "NamedExpr":
				mark(n.Node("target"))
			case "Delete":
				for _, t := range n.List("targets") {
					mark(t)
				}
			case "Import", "ImportFrom":
				for _, a := range n.List("names") {
					if declared[bound(a)] {
						out[bound(a)] = true
					}
				}
			}
			return true
		})
	}
	return out
}
