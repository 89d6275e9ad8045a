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
}

func checkMutations(p *Program) {
	s := &mutScan{p: p, unsafe: map[any]string{}}
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

func (s *mutScan) scanFunc(m *Module, f *Function) {
	locals := localNames(f.node)
	parents := map[*Node]*Node{}
	var body []*Node
	if f.node.Type == "Lambda" {
		body = []*Node{f.node.Node("body")}
	} else {
		body = f.node.List("body")
	}
	for _, st := range body {
		s.parentsOf(st, nil, parents)
	}
	for n, parent := range parents {
		switch n.Type {
		case "Global":
			for _, name := range n.Strs("names") {
				if b := m.globals[name]; b != nil {
					b.known = false
					b.why = fmt.Sprintf("module-level %s is assigned by %s", name, f.Name)
				}
			}
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
	switch parent.Type {
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
