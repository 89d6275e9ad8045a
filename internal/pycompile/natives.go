package pycompile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Native helpers. The global helpers most rules call (deep_get of panther_base_helpers...) are
// small Python functions whose compiled bodies still cost an interpreted call per step (a
// reduce over a lambda, an isinstance per key). A module-level function whose syntax tree is
// that of a helper we know, and whose global names resolve to the objects that helper uses,
// runs as Go code with the same semantics instead: its arguments are bound as for any call
// (so wrong calls raise the same TypeError), then the Go form computes the result from the
// bound parameters.
//
// A helper is recognized by the SHA-256 of its canonical form (see shape): the def without
// docstring, annotations and line numbers. Another function of the same name, or the same code
// with one token changed, compiles as usual.

// nativeHelper is the Go form of a known helper.
type nativeHelper struct {
	// what the helper does, for listings and docs.
	doc string
	// globals maps the global names the body uses to what they must be bound to: the name of
	// a builtin function (functools.reduce: "reduce"), a *pyType, or nil for "not bound in the
	// module" (a builtin such as isinstance).
	globals map[string]any
	run     func(x *Evaluator, f *Function, fr *frame) (Value, *Exception)
}

// natives maps the hash of a helper's canonical form to its Go form.
var natives = map[string]*nativeHelper{
	// deep_get(dictionary, *keys, default=None): reduce over keys of
	// `d.get(key, default) if isinstance(d, Mapping) else default`, then default for None.
	"7ea1f8def943e3cd94b8d7df0c170692751b1d258c80e66a2e73ae903bbecf20": {
		doc:     "deep_get: nested .get over mappings, default for a missing step or None",
		globals: map[string]any{"reduce": "reduce", "isinstance": nil, "Mapping": tMapping},
		run:     nativeDeepGet,
	},
}

// nativeDeepGet is deep_get(dictionary, *keys, default=None) on the bound frame.
func nativeDeepGet(x *Evaluator, f *Function, fr *frame) (Value, *Exception) {
	obj := fr.locals[f.params[0].slot]
	keys := fr.locals[f.vararg].list().items
	def := fr.locals[f.params[1].slot]
	return x.deepGet(obj, keys, def)
}

// nativeFor returns the Go form of f when f is a known helper.
func nativeFor(f *Function) *nativeHelper {
	if f.parent != nil || f.node == nil || f.node.Type != "FunctionDef" {
		return nil
	}
	h := natives[shapeHash(f.node)]
	if h == nil {
		return nil
	}
	for name, want := range h.globals {
		b := f.Module.lookup(name)
		if want == nil {
			if b != nil {
				return nil
			}
			continue
		}
		if b == nil || !b.known {
			return nil
		}
		switch want := want.(type) {
		case string:
			bf, ok := b.val.O.(*builtinFn)
			if b.val.K != KBuiltin || !ok || bf.name != want {
				return nil
			}
		case *pyType:
			if b.val.K != KType || b.val.O != want {
				return nil
			}
		}
	}
	return h
}

// shapeHash is the SHA-256 of the canonical form of a def.
func shapeHash(n *Node) string {
	sum := sha256.Sum256([]byte(shape(n)))
	return hex.EncodeToString(sum[:])
}

// shape is the canonical form of a syntax tree: node classes and fields in a fixed order,
// without line numbers, annotations, return annotations and the docstring of a def.
func shape(n *Node) string {
	var b strings.Builder
	writeShape(&b, n)
	return b.String()
}

func writeShape(b *strings.Builder, v any) {
	switch v := v.(type) {
	case *Node:
		if v == nil {
			b.WriteString("nil")
			return
		}
		b.WriteString(v.Type)
		b.WriteByte('(')
		names := make([]string, 0, len(v.Fields))
		for k := range v.Fields {
			if k == "annotation" || k == "returns" || k == "type_params" {
				continue
			}
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fv := v.Fields[k]
			if k == "body" && (v.Type == "FunctionDef" || v.Type == "AsyncFunctionDef") {
				fv = withoutDocstring(fv)
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeShape(b, fv)
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case []any:
		b.WriteByte('[')
		for _, it := range v {
			writeShape(b, it)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case string:
		fmt.Fprintf(b, "%q", v)
	default:
		fmt.Fprintf(b, "%T:%v", v, v)
	}
}

func withoutDocstring(body any) any {
	l, ok := body.([]any)
	if !ok || len(l) == 0 {
		return body
	}
	first, ok := l[0].(*Node)
	if !ok || !first.Is("Expr") {
		return body
	}
	if c := first.Node("value"); c.Is("Constant") {
		if _, isStr := c.Fields["value"].(string); isStr {
			return l[1:]
		}
	}
	return body
}
