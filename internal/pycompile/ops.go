package pycompile

import (
	"math"
	"math/big"
	"strings"
)

// truth is Python's bool(v).
func truth(v Value) (bool, *Exception) {
	switch v.K {
	case KNone:
		return false, nil
	case KBool, KInt:
		return v.N != 0, nil
	case KFloat:
		return v.F() != 0, nil
	case KStr:
		return v.S != "", nil
	case KList, KTuple:
		return len(v.list().items) > 0, nil
	case KDict, KSet, KFrozenSet:
		return v.dict().Len() > 0, nil
	case KEvent, KEvDict:
		return viewLen(v) > 0, nil
	case KEvList:
		return listLen(v) > 0, nil
	case KOpaque:
		return false, bailf("%s", v.S)
	case KView:
		return viewOrDictLen(v.O.(*dictView).m) > 0, nil
	case KMatch, KFunc, KBuiltin, KModule, KType, KPattern, KExc, KIter:
		return true, nil
	}
	return false, bailf("truth of %s", typeName(v))
}

func isNumber(v Value) bool { return v.K == KInt || v.K == KBool || v.K == KFloat }

func isMapping(v Value) bool { return v.K == KDict || v.K == KEvent || v.K == KEvDict }

func isSeq(v Value) bool { return v.K == KList || v.K == KTuple || v.K == KEvList }

// numCmp compares two numbers exactly (ints and floats are compared by value, as Python does);
// it returns -1, 0, 1, or 2 when a NaN makes them unordered.
func numCmp(a, b Value) int {
	if a.K != KFloat && b.K != KFloat {
		switch {
		case a.N < b.N:
			return -1
		case a.N > b.N:
			return 1
		}
		return 0
	}
	if a.K == KFloat && b.K == KFloat {
		x, y := a.F(), b.F()
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		case x == y:
			return 0
		}
		return 2
	}
	// One int, one float: compare exactly.
	var i int64
	var f float64
	sign := 1
	if a.K == KFloat {
		f, i, sign = a.F(), b.N, -1
	} else {
		i, f = a.N, b.F()
	}
	if math.IsNaN(f) {
		return 2
	}
	if math.IsInf(f, 0) {
		if f > 0 {
			return -sign
		}
		return sign
	}
	c := new(big.Float).SetInt64(i).Cmp(new(big.Float).SetFloat64(f))
	return c * sign
}

// equal is Python's a == b for values without typed event views (dict keys, set items).
func equal(a, b Value) (bool, *Exception) {
	return noEval.equalDepth(a, b, 0)
}

// eq is Python's a == b.
func (x *Evaluator) eq(a, b Value) (bool, *Exception) {
	if a.K == KStr && b.K == KStr {
		return a.S == b.S, nil
	}
	return x.equalDepth(a, b, 0)
}

func (x *Evaluator) equalDepth(a, b Value, depth int) (bool, *Exception) {
	if depth > 200 {
		return false, bailf("comparison nested too deeply")
	}
	if a.K == KOpaque || b.K == KOpaque {
		return false, bailf("comparison with %s", a.S+b.S)
	}
	if a.K == KStr && b.K == KStr {
		return a.S == b.S, nil
	}
	if isNumber(a) && isNumber(b) {
		return numCmp(a, b) == 0, nil
	}
	switch a.K {
	case KNone:
		return b.K == KNone, nil
	case KStr:
		return false, nil
	case KList, KTuple, KEvList:
		if !isSeq(b) {
			return false, nil
		}
		// list == tuple is False; an ImmutableList equals either.
		if a.K != KEvList && b.K != KEvList && a.K != b.K {
			return false, nil
		}
		return x.seqEqual(a, b, depth)
	case KDict, KEvent, KEvDict:
		if !isMapping(b) {
			return false, nil
		}
		return x.mapEqual(a, b, depth)
	case KSet, KFrozenSet:
		if b.K != KSet && b.K != KFrozenSet {
			return false, nil
		}
		da, db := a.dict(), b.dict()
		if da.Len() != db.Len() {
			return false, nil
		}
		for _, k := range da.keys {
			if _, ok, err := db.get(k); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case KBool, KInt, KFloat:
		return false, nil
	}
	// Other objects compare by identity.
	if a.K != b.K {
		return false, nil
	}
	if a.K == KExc || a.K == KMatch {
		return a.O == b.O, nil
	}
	return identity(a) == identity(b), nil
}

// noEval is an Evaluator for views over decoded JSON only (no typed events, no caches).
var noEval = &Evaluator{}

func (x *Evaluator) seqEqual(a, b Value, depth int) (bool, *Exception) {
	n := listLen(a)
	if n != listLen(b) {
		return false, nil
	}
	for i := 0; i < n; i++ {
		ea, err := x.rawItem(a, i)
		if err != nil {
			return false, err
		}
		eb, err := x.rawItem(b, i)
		if err != nil {
			return false, err
		}
		eq, err := x.equalDepth(ea, eb, depth+1)
		if err != nil || !eq {
			return false, err
		}
	}
	return true, nil
}

// mapEqual compares two mappings by their raw content: same keys (case-sensitive), equal
// values. Dict order does not matter.
func (x *Evaluator) mapEqual(a, b Value, depth int) (bool, *Exception) {
	if viewOrDictLen(a) != viewOrDictLen(b) {
		return false, nil
	}
	eq := true
	err := x.mapRawItems(a, func(k, va Value) (bool, *Exception) {
		vb, ok, err := x.rawGetExact(b, k)
		if err != nil {
			return false, err
		}
		if !ok {
			eq = false
			return false, nil
		}
		e, err := x.equalDepth(va, vb, depth+1)
		if err != nil {
			return false, err
		}
		eq = e
		return e, nil
	})
	return eq && err == nil, err
}

func viewOrDictLen(m Value) int {
	if m.K == KDict {
		return m.dict().Len()
	}
	return viewLen(m)
}

// mapRawItems iterates a dict or a view with raw values.
func (x *Evaluator) mapRawItems(m Value, f func(k, v Value) (bool, *Exception)) *Exception {
	if m.K == KDict {
		d := m.dict()
		for i := 0; i < len(d.keys); i++ {
			more, err := f(d.keys[i], d.vals[i])
			if err != nil || !more {
				return err
			}
		}
		return nil
	}
	return x.viewItems(m, f)
}

// rawGetExact is a case-sensitive lookup in a dict or the raw container of a view.
func (x *Evaluator) rawGetExact(m Value, key Value) (Value, bool, *Exception) {
	if m.K == KDict || !m.typed() {
		return m.dict().get(key)
	}
	if key.K != KStr {
		return None, false, nil
	}
	if isRoot(m) {
		e := m.evEvent()
		t := e.LogType.Root
		ti := indexOf(t)
		if ti.clash {
			return None, false, bailf("a field named like a standard p_ field")
		}
		if i, ok := ti.exact[key.S]; ok && e.Root.Items[i].Kind != 0 {
			v, err := x.fromTyped(&e.Root.Items[i], t.Fields[i].Type)
			return unwrap(v), err == nil, err
		}
		if i, ok := stdByName[key.S]; ok && stdPresent(e, i) {
			return stdValue(e, i), true, nil
		}
		return None, false, nil
	}
	ev, t := m.evValue(), m.evType()
	if i, ok := indexOf(t).exact[key.S]; ok && ev.Items[i].Kind != 0 {
		v, err := x.fromTyped(&ev.Items[i], t.Fields[i].Type)
		return unwrap(v), err == nil, err
	}
	return None, false, nil
}

// compare is Python's ordering a < b (op "Lt", "LtE", "Gt", "GtE").
func (x *Evaluator) compare(op string, a, b Value) (bool, *Exception) {
	if a.K == KOpaque || b.K == KOpaque {
		return false, bailf("comparison with %s", a.S+b.S)
	}
	var c int
	switch {
	case isNumber(a) && isNumber(b):
		c = numCmp(a, b)
		if c == 2 {
			return false, nil
		}
	case a.K == KStr && b.K == KStr:
		c = strings.Compare(a.S, b.S)
	case isSeq(a) && isSeq(b) && (a.K == b.K || a.K == KEvList || b.K == KEvList):
		if a.K == KEvList || b.K == KEvList {
			return false, bailf("ordering of ImmutableList")
		}
		return x.seqCompare(op, a, b)
	case (a.K == KSet || a.K == KFrozenSet) && (b.K == KSet || b.K == KFrozenSet):
		return setCompare(op, a.dict(), b.dict())
	default:
		sym := map[string]string{"Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">="}[op]
		return false, typeError("'%s' not supported between instances of '%s' and '%s'", sym, typeName(a), typeName(b))
	}
	switch op {
	case "Lt":
		return c < 0, nil
	case "LtE":
		return c <= 0, nil
	case "Gt":
		return c > 0, nil
	}
	return c >= 0, nil
}

func (x *Evaluator) seqCompare(op string, a, b Value) (bool, *Exception) {
	la, lb := a.list().items, b.list().items
	for i := 0; i < len(la) && i < len(lb); i++ {
		eq, err := x.eq(la[i], lb[i])
		if err != nil {
			return false, err
		}
		if !eq {
			return x.compare(op, la[i], lb[i])
		}
	}
	return x.compare(op, Int(int64(len(la))), Int(int64(len(lb))))
}

func setCompare(op string, a, b *Dict) (bool, *Exception) {
	sub := func(x, y *Dict) (bool, *Exception) {
		for _, k := range x.keys {
			if _, ok, err := y.get(k); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
	switch op {
	case "LtE":
		return sub(a, b)
	case "GtE":
		return sub(b, a)
	case "Lt":
		ok, err := sub(a, b)
		return ok && a.Len() < b.Len(), err
	}
	ok, err := sub(b, a)
	return ok && b.Len() < a.Len(), err
}

// contains is Python's `item in container`.
func (x *Evaluator) contains(container, item Value) (bool, *Exception) {
	switch container.K {
	case KStr:
		if item.K != KStr {
			return false, typeError("'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(container.S, item.S), nil
	case KDict, KSet, KFrozenSet:
		if !hashable(item) {
			if container.K == KDict {
				return false, unhashable(item)
			}
			// A set looks an unhashable set up as a frozenset; anything else raises.
			if item.K != KSet {
				return false, unhashable(item)
			}
			item = frozenValue(item.dict())
		}
		_, ok, err := container.dict().get(item)
		return ok, err
	case KEvent, KEvDict:
		if container.typed() {
			if item.K != KStr {
				if !hashable(item) {
					return false, unhashable(item)
				}
				return false, nil
			}
			_, ok, err := x.viewGet(container, item)
			return ok, err
		}
		// ImmutableCaseInsensitiveDict.__contains__: exact, else lower-case index.
		_, ok, err := rawDict(container).lookupCI(item)
		return ok, err
	case KList, KTuple:
		if item.K == KStr {
			for _, e := range container.list().items {
				if e.K == KStr && e.S == item.S {
					return true, nil
				}
				if e.K == KOpaque {
					return false, bailf("%s", e.S)
				}
			}
			return false, nil
		}
		for _, e := range container.list().items {
			eq, err := x.eq(e, item)
			if err != nil || eq {
				return eq, err
			}
		}
		return false, nil
	case KEvList:
		// ImmutableList.__contains__ compares with the raw items.
		raw := unwrap(item)
		n := listLen(container)
		for i := 0; i < n; i++ {
			e, err := x.rawItem(container, i)
			if err != nil {
				return false, err
			}
			eq, err := x.eq(e, raw)
			if err != nil || eq {
				return eq, err
			}
		}
		return false, nil
	case KView:
		dv := container.O.(*dictView)
		if dv.which == "keys" {
			return x.contains(dv.m, item)
		}
		items, err := x.viewList(dv)
		if err != nil {
			return false, err
		}
		return x.contains(listValue(newList(items)), item)
	case KOpaque:
		return false, bailf("%s", container.S)
	}
	return false, typeError("argument of type '%s' is not iterable", typeName(container))
}
