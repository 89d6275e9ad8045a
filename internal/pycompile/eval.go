package pycompile

import (
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/event"
)

// Limits of one compiled call: past them the call bails and runs in CPython, which has the
// real limits (recursion depth, the call timeout).
const (
	maxSteps = 1 << 22
	maxDepth = 200
)

// Evaluator runs compiled functions. It holds per-event caches and the call stack; it is not
// safe for concurrent use: use one per goroutine.
type Evaluator struct {
	prog *Program

	stack  []Value // locals of the frames in use
	frames []*frame
	nframe int
	args   []Value
	kws    []kwArg

	steps     int
	depth     int
	returning bool

	// The current event.
	ev        *event.Event
	dm        *DataModel
	jsonCache []jsonEntry
	memo      []memoEntry
}

// NewEvaluator returns an evaluator of the program's functions.
func NewEvaluator(p *Program) *Evaluator { return newEvaluator(p) }

func newEvaluator(p *Program) *Evaluator {
	return &Evaluator{prog: p, stack: make([]Value, 0, 1024)}
}

// step counts one loop iteration or call against the budget.
func (x *Evaluator) step() *Exception {
	x.steps++
	if x.steps > maxSteps {
		return bailf("the call ran more than %d steps", maxSteps)
	}
	return nil
}

// reset prepares the evaluator for another event.
func (x *Evaluator) reset() {
	clear(x.jsonCache)
	x.jsonCache = x.jsonCache[:0]
	clear(x.memo)
	x.memo = x.memo[:0]
	x.ev, x.dm = nil, nil
}

type kwArg struct {
	name string
	v    Value
}

// forEach calls f with each item of an iterable, in order, until f returns false. Iterating a
// set bails unless orderFree: CPython's set order follows its string hashes.
func (x *Evaluator) forEach(v Value, orderFree bool, f func(Value) (bool, *Exception)) *Exception {
	switch v.K {
	case KList, KTuple:
		l := v.list()
		// A list may grow while it is iterated; follow it as CPython does.
		for i := 0; i < len(l.items); i++ {
			more, err := f(l.items[i])
			if err != nil || !more {
				return err
			}
		}
		return nil
	case KEvList:
		n := listLen(v)
		for i := 0; i < n; i++ {
			it, err := x.listItem(v, i)
			if err != nil {
				return err
			}
			more, err := f(it)
			if err != nil || !more {
				return err
			}
		}
		return nil
	case KStr:
		s := v.S
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			more, err := f(Str(s[i : i+n]))
			_ = r
			if err != nil || !more {
				return err
			}
			i += n
		}
		return nil
	case KDict:
		d := v.dict()
		n := len(d.keys)
		for i := 0; i < len(d.keys); i++ {
			if len(d.keys) != n {
				return raise("RuntimeError", "dictionary changed size during iteration")
			}
			more, err := f(d.keys[i])
			if err != nil || !more {
				return err
			}
		}
		return nil
	case KSet, KFrozenSet:
		if !orderFree && v.dict().Len() > 1 {
			return bailf("iteration over a set (CPython's order follows string hashes)")
		}
		for _, k := range v.dict().keys {
			more, err := f(k)
			if err != nil || !more {
				return err
			}
		}
		return nil
	case KEvent, KEvDict:
		return x.viewItems(v, func(k, _ Value) (bool, *Exception) { return f(k) })
	case KView:
		items, err := x.viewList(v.O.(*dictView))
		if err != nil {
			return err
		}
		for _, it := range items {
			more, err := f(it)
			if err != nil || !more {
				return err
			}
		}
		return nil
	case KIter:
		switch it := v.O.(type) {
		case *generator:
			if it.used {
				return nil
			}
			it.used = true
			if !orderFree && (it.src.K == KSet || it.src.K == KFrozenSet) && it.src.dict().Len() > 1 {
				return bailf("generator over a set (CPython's order follows string hashes)")
			}
			return it.run(x, f)
		case *sliceIter:
			for it.i < len(it.items) {
				v := it.items[it.i]
				it.i++
				more, err := f(v)
				if err != nil || !more {
					return err
				}
			}
			return nil
		}
	case KOpaque:
		return bailf("%s", v.S)
	}
	return typeError("'%s' object is not iterable", typeName(v))
}

// sliceIter is a one-shot iterator over computed items (enumerate, zip, map, filter, reversed,
// dict views consumed as iterators).
type sliceIter struct {
	items []Value
	i     int
}

func iterOf(items []Value) Value { return Value{K: KIter, O: &sliceIter{items: items}} }

// collect returns the items of an iterable (at most limit when limit >= 0).
func (x *Evaluator) collect(v Value, limit int) ([]Value, *Exception) {
	if v.K == KList || v.K == KTuple {
		items := v.list().items
		out := make([]Value, len(items))
		copy(out, items)
		return out, nil
	}
	var out []Value
	err := x.forEach(v, false, func(it Value) (bool, *Exception) {
		out = append(out, it)
		if len(out) > maxSize/64 {
			return false, bailf("too many items")
		}
		return limit < 0 || len(out) < limit, nil
	})
	return out, err
}

// collectFree is collect for consumers whose result does not depend on the order (sets,
// sorted, any, all...).
func (x *Evaluator) collectFree(v Value) ([]Value, *Exception) {
	var out []Value
	err := x.forEach(v, true, func(it Value) (bool, *Exception) {
		out = append(out, it)
		if len(out) > maxSize/64 {
			return false, bailf("too many items")
		}
		return true, nil
	})
	return out, err
}

// index resolves a sequence index (negative from the end).
func (x *Evaluator) index(k Value, n int, msg string) (int, *Exception) {
	if k.K != KInt && k.K != KBool {
		if k.K == KOpaque {
			return 0, bailf("%s", k.S)
		}
		return 0, typeError("list indices must be integers or slices, not %s", typeName(k))
	}
	i := k.N
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, raise("IndexError", "%s", msg)
	}
	return int(i), nil
}

// getItem is o[k].
func (x *Evaluator) getItem(o, k Value) (Value, *Exception) {
	switch o.K {
	case KDict:
		v, ok, err := o.dict().get(k)
		if err != nil {
			return None, err
		}
		if !ok {
			return None, x.keyError(k)
		}
		return v, nil
	case KEvent, KEvDict:
		v, ok, err := x.viewGet(o, k)
		if err != nil {
			return None, err
		}
		if !ok {
			return None, x.keyError(k)
		}
		return v, nil
	case KList, KTuple, KEvList:
		msg := "list index out of range"
		if o.K == KTuple {
			msg = "tuple index out of range"
		} else if o.K == KEvList {
			msg = "tuple index out of range"
		}
		if k.K != KInt && k.K != KBool {
			if k.K == KOpaque {
				return None, bailf("%s", k.S)
			}
			name := "list"
			if o.K != KList {
				name = "tuple"
			}
			return None, typeError("%s indices must be integers or slices, not %s", name, typeName(k))
		}
		i, err := x.index(k, listLen(o), msg)
		if err != nil {
			return None, err
		}
		return x.listItem(o, i)
	case KStr:
		if k.K != KInt && k.K != KBool {
			return None, typeError("string indices must be integers, not '%s'", typeName(k))
		}
		if isASCII(o.S) {
			i, err := x.index(k, len(o.S), "string index out of range")
			if err != nil {
				return None, err
			}
			return Str(o.S[i : i+1]), nil
		}
		r := []rune(o.S)
		i, err := x.index(k, len(r), "string index out of range")
		if err != nil {
			return None, err
		}
		return Str(string(r[i])), nil
	case KMatch:
		return matchGroup(o, k)
	case KOpaque:
		return None, bailf("%s", o.S)
	}
	return None, typeError("'%s' object is not subscriptable", typeName(o))
}

// getItemMap is m[k] for the mapping argument of %-formatting.
func (x *Evaluator) getItemMap(m, k Value) (Value, bool, *Exception) {
	if m.K == KDict {
		return m.dict().get(k)
	}
	return x.viewGet(m, k)
}

// sliceBounds is PySlice_AdjustIndices.
func sliceBounds(n int, lo, hi, step Value) (int, int, int, *Exception) {
	st := 1
	if step.K != KNone {
		if step.K != KInt && step.K != KBool {
			return 0, 0, 0, typeError("slice indices must be integers or None or have an __index__ method")
		}
		if step.N == 0 {
			return 0, 0, 0, raise("ValueError", "slice step cannot be zero")
		}
		if step.N > int64(n) || step.N < -int64(n) {
			if step.N > 0 {
				st = n + 1
			} else {
				st = -n - 1
			}
		} else {
			st = int(step.N)
		}
	}
	bound := func(v Value, def int) (int, *Exception) {
		if v.K == KNone {
			return def, nil
		}
		if v.K != KInt && v.K != KBool {
			return 0, typeError("slice indices must be integers or None or have an __index__ method")
		}
		i := v.N
		if i < 0 {
			i += int64(n)
			if i < 0 {
				if st < 0 {
					return -1, nil
				}
				return 0, nil
			}
		} else if i >= int64(n) {
			if st < 0 {
				return n - 1, nil
			}
			return n, nil
		}
		return int(i), nil
	}
	var start, stop int
	var err *Exception
	if st > 0 {
		if start, err = bound(lo, 0); err != nil {
			return 0, 0, 0, err
		}
		if stop, err = bound(hi, n); err != nil {
			return 0, 0, 0, err
		}
	} else {
		if start, err = bound(lo, n-1); err != nil {
			return 0, 0, 0, err
		}
		if stop, err = bound(hi, -1); err != nil {
			return 0, 0, 0, err
		}
	}
	return start, stop, st, nil
}

func sliceIndexes(start, stop, step int) []int {
	var out []int
	if step > 0 {
		for i := start; i < stop; i += step {
			out = append(out, i)
		}
	} else {
		for i := start; i > stop; i += step {
			out = append(out, i)
		}
	}
	return out
}

// slice is o[lo:hi:step].
func (x *Evaluator) slice(o, lo, hi, step Value) (Value, *Exception) {
	switch o.K {
	case KStr:
		if isASCII(o.S) {
			a, b, st, err := sliceBounds(len(o.S), lo, hi, step)
			if err != nil {
				return None, err
			}
			if st == 1 {
				if a >= b {
					return Str(""), nil
				}
				return Str(o.S[a:b]), nil
			}
			idx := sliceIndexes(a, b, st)
			buf := make([]byte, len(idx))
			for j, i := range idx {
				buf[j] = o.S[i]
			}
			return Str(string(buf)), nil
		}
		r := []rune(o.S)
		a, b, st, err := sliceBounds(len(r), lo, hi, step)
		if err != nil {
			return None, err
		}
		var out []rune
		for _, i := range sliceIndexes(a, b, st) {
			out = append(out, r[i])
		}
		return Str(string(out)), nil
	case KList, KTuple:
		items := o.list().items
		a, b, st, err := sliceBounds(len(items), lo, hi, step)
		if err != nil {
			return None, err
		}
		var out []Value
		for _, i := range sliceIndexes(a, b, st) {
			out = append(out, items[i])
		}
		return Value{K: o.K, O: newList(out)}, nil
	case KEvList:
		// ImmutableList slicing returns a tuple of the raw (mutable) items; a compiled function
		// that got such an item could change the event other rules see.
		n := listLen(o)
		a, b, st, err := sliceBounds(n, lo, hi, step)
		if err != nil {
			return None, err
		}
		var out []Value
		for _, i := range sliceIndexes(a, b, st) {
			it, err := x.rawItem(o, i)
			if err != nil {
				return None, err
			}
			switch it.K {
			case KDict, KList, KEvDict, KEvList:
				return None, bailf("slice of an event list holding containers")
			}
			out = append(out, it)
		}
		return tupleValue(newList(out)), nil
	case KOpaque:
		return None, bailf("%s", o.S)
	}
	return None, typeError("'%s' object is not subscriptable", typeName(o))
}
