package pycompile

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyType is a class compiled code can name: for isinstance, type() comparisons, except
// clauses, and calling (str(x), dict(...)).
type pyType struct {
	name  string // as repr shows it, e.g. "str", "collections.abc.Mapping"
	kinds []Kind // the kinds isinstance accepts
	exc   string // for exception classes: the class name
	call  func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception)
}

func (t *pyType) accepts(v Value) bool {
	if t.exc != "" {
		return v.K == KExc && excMatches(v.O.(*Exception).Type, t.exc)
	}
	return slices.Contains(t.kinds, v.K)
}

func typeValue(t *pyType) Value { return Value{K: KType, O: t} }

var (
	tStr       = &pyType{name: "str", kinds: []Kind{KStr}}
	tInt       = &pyType{name: "int", kinds: []Kind{KInt, KBool}}
	tFloat     = &pyType{name: "float", kinds: []Kind{KFloat}}
	tBool      = &pyType{name: "bool", kinds: []Kind{KBool}}
	tList      = &pyType{name: "list", kinds: []Kind{KList}}
	tTuple     = &pyType{name: "tuple", kinds: []Kind{KTuple}}
	tDict      = &pyType{name: "dict", kinds: []Kind{KDict}}
	tSet       = &pyType{name: "set", kinds: []Kind{KSet}}
	tFrozenSet = &pyType{name: "frozenset", kinds: []Kind{KFrozenSet}}
	tNone      = &pyType{name: "NoneType", kinds: []Kind{KNone}}
	tMapping   = &pyType{name: "collections.abc.Mapping", kinds: []Kind{KDict, KEvent, KEvDict}}
	tMutMap    = &pyType{name: "collections.abc.MutableMapping", kinds: []Kind{KDict}}
	tSequence  = &pyType{name: "collections.abc.Sequence", kinds: []Kind{KList, KTuple, KStr, KEvList}}
	tMutSeq    = &pyType{name: "collections.abc.MutableSequence", kinds: []Kind{KList}}
	tIterable  = &pyType{name: "collections.abc.Iterable", kinds: []Kind{KList, KTuple, KStr, KEvList, KDict, KEvent, KEvDict, KSet, KFrozenSet, KIter, KView}}
	tAbcSet    = &pyType{name: "collections.abc.Set", kinds: []Kind{KSet, KFrozenSet}}
	tEvent     = &pyType{name: "panther_core.enriched_event.PantherEvent", kinds: []Kind{KEvent}}
	tICD       = &pyType{name: "panther_core.immutable.ImmutableCaseInsensitiveDict", kinds: []Kind{KEvent, KEvDict}}
	tIList     = &pyType{name: "panther_core.immutable.ImmutableList", kinds: []Kind{KEvList}}
	tMock      = &pyType{name: "unittest.mock.MagicMock"}
	tPattern   = &pyType{name: "re.Pattern", kinds: []Kind{KPattern}}
	tMatch     = &pyType{name: "re.Match", kinds: []Kind{KMatch}}
)

// typeOf is type(v), for the kinds compiled code can compare types of.
func typeOf(v Value) (*pyType, bool) {
	switch v.K {
	case KNone:
		return tNone, true
	case KBool:
		return tBool, true
	case KInt:
		return tInt, true
	case KFloat:
		return tFloat, true
	case KStr:
		return tStr, true
	case KList:
		return tList, true
	case KTuple:
		return tTuple, true
	case KDict:
		return tDict, true
	case KSet:
		return tSet, true
	case KFrozenSet:
		return tFrozenSet, true
	case KEvent:
		return tEvent, true
	case KEvDict:
		return tICD, true
	case KEvList:
		return tIList, true
	case KPattern:
		return tPattern, true
	case KMatch:
		return tMatch, true
	}
	return nil, false
}

var excTypes = map[string]*pyType{}

func excType(name string) *pyType {
	if t, ok := excTypes[name]; ok {
		return t
	}
	t := &pyType{name: name, exc: name}
	excTypes[name] = t
	return t
}

var builtins = map[string]Value{}

func init() {
	for name := range excParents {
		if !strings.Contains(name, ".") && name != "JSONDecodeError" && name != "AddressValueError" &&
			name != "NetmaskValueError" && name != "PantherError" && name != "FunctionReturnTypeError" {
			builtins[name] = typeValue(excType(name))
		}
	}
	builtins["BaseException"] = typeValue(excType("BaseException"))
	tStr.call = callStr
	tInt.call = callInt
	tFloat.call = callFloat
	tBool.call = callBool
	tList.call = func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs("list", args, kw, 0, 1); err != nil || len(args) == 0 {
			return listValue(newList(nil)), err
		}
		items, err := x.collect(args[0], -1)
		return listValue(newList(items)), err
	}
	tTuple.call = func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs("tuple", args, kw, 0, 1); err != nil || len(args) == 0 {
			return tupleValue(newList(nil)), err
		}
		if args[0].K == KTuple {
			return args[0], nil
		}
		items, err := x.collect(args[0], -1)
		return tupleValue(newList(items)), err
	}
	tSet.call = func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		return x.makeSet(KSet, args, kw)
	}
	tFrozenSet.call = func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		return x.makeSet(KFrozenSet, args, kw)
	}
	tDict.call = func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if len(args) > 1 {
			return None, typeError("dict expected at most 1 argument, got %d", len(args))
		}
		d := newDict(len(kw))
		if len(args) == 1 {
			if err := x.updateFrom(d, args[0]); err != nil {
				return None, err
			}
		}
		for _, k := range kw {
			if err := d.put(Str(k.name), k.v); err != nil {
				return None, err
			}
		}
		return dictValue(d), nil
	}
	for _, t := range []*pyType{tStr, tInt, tFloat, tBool, tList, tTuple, tDict, tSet, tFrozenSet} {
		builtins[t.name] = typeValue(t)
	}
	// Events never hold bytes: the types exist for isinstance.
	builtins["bytes"] = typeValue(&pyType{name: "bytes"})
	builtins["bytearray"] = typeValue(&pyType{name: "bytearray"})
	fns := map[string]func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception){
		"len":        biLen,
		"isinstance": biIsinstance,
		"any":        biAnyAll(true),
		"all":        biAnyAll(false),
		"sorted":     biSorted,
		"min":        biMinMax("min"),
		"max":        biMinMax("max"),
		"sum":        biSum,
		"abs":        biAbs,
		"round":      biRound,
		"range":      biRange,
		"enumerate":  biEnumerate,
		"zip":        biZip,
		"reversed":   biReversed,
		"repr":       biRepr,
		"ord":        biOrd,
		"chr":        biChr,
		"type":       biType,
		"map":        biMap,
		"filter":     biFilter,
		"hasattr":    biHasattr,
		"getattr":    biGetattr,
		"divmod":     biDivmod,
		"next":       biNext,
		"iter":       biIter,
		"print":      nil,
	}
	for name, fn := range fns {
		builtins[name] = builtinValue(name, fn)
	}
	builtins["None"] = None
	builtins["True"] = True
	builtins["False"] = False
}

func (x *Evaluator) makeSet(k Kind, args []Value, kw []kwArg) (Value, *Exception) {
	name := "set"
	if k == KFrozenSet {
		name = "frozenset"
	}
	if err := nargs(name, args, kw, 0, 1); err != nil {
		return None, err
	}
	s := newSet(4)
	if len(args) == 1 {
		items, err := x.collectFree(args[0])
		if err != nil {
			return None, err
		}
		for _, it := range items {
			if err := s.put(it, None); err != nil {
				return None, err
			}
		}
	}
	return Value{K: k, O: s}, nil
}

func callStr(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("str", args, kw, 0, 1); err != nil {
		return None, err
	}
	if len(args) == 0 {
		return Str(""), nil
	}
	if args[0].K == KExc {
		return None, bailf("str() of an exception")
	}
	s, err := x.str(args[0])
	return Str(s), err
}

func callInt(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	a := callArgs{name: "int", args: args, kw: kw}
	if err := a.check(0, 2, "base"); err != nil {
		return None, err
	}
	v, ok := a.get(0, "")
	if !ok {
		return Int(0), nil
	}
	base := int64(10)
	if b, ok := a.get(1, "base"); ok {
		if b.K != KInt || v.K != KStr {
			return None, bailf("int() with a base")
		}
		base = b.N
	}
	switch v.K {
	case KInt:
		return v, nil
	case KBool:
		return Int(v.N), nil
	case KFloat:
		f := v.F()
		if math.IsNaN(f) {
			return None, raise("ValueError", "cannot convert float NaN to integer")
		}
		if math.IsInf(f, 0) {
			return None, raise("OverflowError", "cannot convert float infinity to integer")
		}
		t := math.Trunc(f)
		if t >= 9.2e18 || t <= -9.2e18 {
			return None, bailf("int overflow")
		}
		return Int(int64(t)), nil
	case KStr:
		s := v.S
		if !isASCII(s) {
			return None, bailf("int() of non-ASCII text")
		}
		t := strings.TrimFunc(s, func(r rune) bool { return r < 0x80 && pyWhitespace(byte(r)) })
		if base != 10 || strings.Contains(t, "_") {
			return None, bailf("int() with a base or underscores")
		}
		if t != "" && (t[0] == '+' || t[0] == '-') && (len(t) == 1 || t[1] == '+' || t[1] == '-') {
			return None, raise("ValueError", "invalid literal for int() with base 10: %s", mustRepr(s))
		}
		i, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			if isRangeErr(err) {
				return None, bailf("int overflow")
			}
			return None, raise("ValueError", "invalid literal for int() with base 10: %s", mustRepr(s))
		}
		return Int(i), nil
	case KOpaque:
		return None, bailf("%s", v.S)
	}
	return None, typeError("int() argument must be a string, a bytes-like object or a real number, not '%s'", typeName(v))
}

func mustRepr(s string) string {
	r, err := strRepr(s)
	if err != nil {
		return "'" + s + "'"
	}
	return r
}

func callFloat(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("float", args, kw, 0, 1); err != nil {
		return None, err
	}
	if len(args) == 0 {
		return Float(0), nil
	}
	v := args[0]
	switch v.K {
	case KFloat:
		return v, nil
	case KInt, KBool:
		return Float(float64(v.N)), nil
	case KStr:
		if !isASCII(v.S) {
			return None, bailf("float() of non-ASCII text")
		}
		t := strings.TrimFunc(v.S, func(r rune) bool { return r < 0x80 && pyWhitespace(byte(r)) })
		lt := strings.ToLower(t)
		switch strings.TrimLeft(lt, "+-") {
		case "inf", "infinity", "nan":
			neg := strings.HasPrefix(lt, "-")
			if strings.HasSuffix(lt, "nan") {
				return Float(math.NaN()), nil
			}
			if neg {
				return Float(math.Inf(-1)), nil
			}
			return Float(math.Inf(1)), nil
		}
		if strings.Contains(t, "_") || strings.ContainsAny(lt, "xp") || t == "" {
			if t == "" || strings.ContainsAny(lt, "xp") {
				return None, raise("ValueError", "could not convert string to float: %s", mustRepr(v.S))
			}
			return None, bailf("float() with underscores")
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil && !isRangeErr(err) {
			return None, raise("ValueError", "could not convert string to float: %s", mustRepr(v.S))
		}
		return Float(f), nil
	case KOpaque:
		return None, bailf("%s", v.S)
	}
	return None, typeError("float() argument must be a string or a real number, not '%s'", typeName(v))
}

func callBool(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("bool", args, kw, 0, 1); err != nil || len(args) == 0 {
		return False, err
	}
	t, err := truth(args[0])
	return Bool(t), err
}

func (x *Evaluator) length(v Value) (int, *Exception) {
	switch v.K {
	case KStr:
		return runeLen(v.S), nil
	case KList, KTuple, KEvList:
		return listLen(v), nil
	case KDict, KSet, KFrozenSet:
		return v.dict().Len(), nil
	case KEvent, KEvDict:
		return viewLen(v), nil
	case KView:
		return viewOrDictLen(v.O.(*dictView).m), nil
	case KOpaque:
		return 0, bailf("%s", v.S)
	}
	return 0, typeError("object of type '%s' has no len()", typeName(v))
}

func biLen(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("len", args, kw, 1, 1); err != nil {
		return None, err
	}
	n, err := x.length(args[0])
	return Int(int64(n)), err
}

func biIsinstance(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("isinstance", args, kw, 2, 2); err != nil {
		return None, err
	}
	var check func(t Value) (bool, *Exception)
	check = func(t Value) (bool, *Exception) {
		switch t.K {
		case KType:
			return t.O.(*pyType).accepts(args[0]), nil
		case KTuple:
			for _, e := range t.list().items {
				ok, err := check(e)
				if err != nil || ok {
					return ok, err
				}
			}
			return false, nil
		}
		return false, typeError("isinstance() arg 2 must be a type, a tuple of types, or a union")
	}
	if args[0].K == KOpaque {
		return None, bailf("%s", args[0].S)
	}
	ok, err := check(args[1])
	return Bool(ok), err
}

func biAnyAll(any bool) func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	name := "all"
	if any {
		name = "any"
	}
	return func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs(name, args, kw, 1, 1); err != nil {
			return None, err
		}
		result := !any
		err := x.forEach(args[0], true, func(v Value) (bool, *Exception) {
			t, err := truth(v)
			if err != nil {
				return false, err
			}
			if t == any {
				result = any
				return false, nil
			}
			return true, nil
		})
		return Bool(result), err
	}
}

// sorted sorts items with the key and reverse keywords; the sort is stable like CPython's.
func (x *Evaluator) sorted(items []Value, kw []kwArg) ([]Value, *Exception) {
	var key Value
	hasKey, reverse := false, false
	for _, k := range kw {
		switch k.name {
		case "key":
			if k.v.K != KNone {
				key, hasKey = k.v, true
			}
		case "reverse":
			r, err := truth(k.v)
			if err != nil {
				return nil, err
			}
			reverse = r
		default:
			return nil, typeError("'%s' is an invalid keyword argument for sort()", k.name)
		}
	}
	keys := items
	if hasKey {
		keys = make([]Value, len(items))
		for i, it := range items {
			k, err := x.callAny(key, []Value{it}, nil)
			if err != nil {
				return nil, err
			}
			keys[i] = k
		}
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	var failed *Exception
	less := func(a, b Value) bool {
		if failed != nil {
			return false
		}
		lt, err := x.compare("Lt", a, b)
		if err != nil {
			failed = err
		}
		return lt
	}
	// CPython's reverse keeps equal items in their original order.
	sort.SliceStable(idx, func(i, j int) bool {
		if reverse {
			return less(keys[idx[j]], keys[idx[i]])
		}
		return less(keys[idx[i]], keys[idx[j]])
	})
	if failed != nil {
		return nil, failed
	}
	out := make([]Value, len(items))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out, nil
}

func biSorted(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if len(args) != 1 {
		return None, typeError("sorted expected 1 argument, got %d", len(args))
	}
	items, err := x.collectFree(args[0])
	if err != nil {
		return None, err
	}
	if args[0].K == KSet || args[0].K == KFrozenSet || (args[0].K == KIter && isSetIter(args[0])) {
		// The input order of equal items shows in the output of a stable sort: only total
		// orders of distinct values are order-free.
		if !distinctScalars(items) || len(kw) > 0 {
			return None, bailf("sorting a set by a key")
		}
	}
	out, err := x.sorted(items, kw)
	return listValue(newList(out)), err
}

func isSetIter(v Value) bool {
	if g, ok := v.O.(*generator); ok {
		return g.src.K == KSet || g.src.K == KFrozenSet
	}
	return false
}

// distinctScalars reports whether items are all str or all int (so no two are equal but
// distinct, and the sort result does not depend on the input order).
func distinctScalars(items []Value) bool {
	if len(items) == 0 {
		return true
	}
	k := items[0].K
	if k != KStr && k != KInt {
		return false
	}
	for _, it := range items {
		if it.K != k {
			return false
		}
	}
	return true
}

func biMinMax(name string) func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	return func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		var key, def Value
		hasKey, hasDef := false, false
		for _, k := range kw {
			switch k.name {
			case "key":
				if k.v.K != KNone {
					key, hasKey = k.v, true
				}
			case "default":
				def, hasDef = k.v, true
			default:
				return None, typeError("'%s' is an invalid keyword argument for %s()", k.name, name)
			}
		}
		var items []Value
		var err *Exception
		switch {
		case len(args) == 1:
			if items, err = x.collectFree(args[0]); err != nil {
				return None, err
			}
			if (args[0].K == KSet || args[0].K == KFrozenSet) && (!distinctScalars(items) || hasKey) {
				return None, bailf("%s of a set", name)
			}
		case len(args) > 1:
			if hasDef {
				return None, typeError("Cannot specify a default for %s() with multiple positional arguments", name)
			}
			items = args
		default:
			return None, typeError("%s expected at least 1 argument, got 0", name)
		}
		if len(items) == 0 {
			if hasDef {
				return def, nil
			}
			return None, raise("ValueError", "%s() arg is an empty sequence", name)
		}
		best := items[0]
		bestKey := best
		if hasKey {
			if bestKey, err = x.callAny(key, []Value{best}, nil); err != nil {
				return None, err
			}
		}
		op := "Lt"
		if name == "max" {
			op = "Gt"
		}
		for _, it := range items[1:] {
			k := it
			if hasKey {
				if k, err = x.callAny(key, []Value{it}, nil); err != nil {
					return None, err
				}
			}
			better, err := x.compare(op, k, bestKey)
			if err != nil {
				return None, err
			}
			if better {
				best, bestKey = it, k
			}
		}
		return best, nil
	}
}

func biSum(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	a := callArgs{name: "sum", args: args, kw: kw}
	if err := a.check(1, 2, "start"); err != nil {
		return None, err
	}
	acc, ok := a.get(1, "start")
	if !ok {
		acc = Int(0)
	}
	if acc.K == KStr {
		return None, typeError("sum() can't sum strings [use ''.join(seq) instead]")
	}
	items, err := x.collect(args[0], -1)
	if err != nil {
		if !err.Bail {
			return None, err
		}
		// A set of ints sums the same in any order; floats do not.
		if items, err = x.collectFree(args[0]); err != nil {
			return None, err
		}
		for _, it := range items {
			if it.K != KInt && it.K != KBool {
				return None, bailf("sum of a set of non-ints")
			}
		}
	}
	for _, it := range items {
		if acc, err = x.binop("Add", acc, it); err != nil {
			return None, err
		}
	}
	return acc, nil
}

func biAbs(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("abs", args, kw, 1, 1); err != nil {
		return None, err
	}
	v := args[0]
	switch v.K {
	case KInt, KBool:
		if v.N == math.MinInt64 {
			return None, bailf("int overflow")
		}
		return Int(absI(v.N)), nil
	case KFloat:
		return Float(math.Abs(v.F())), nil
	}
	return None, typeError("bad operand type for abs(): '%s'", typeName(v))
}

func biRound(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	a := callArgs{name: "round", args: args, kw: kw}
	if err := a.check(1, 2, "ndigits"); err != nil {
		return None, err
	}
	v := args[0]
	nd, has := a.get(1, "ndigits")
	if has && nd.K == KNone {
		has = false
	}
	switch v.K {
	case KInt, KBool:
		if has {
			if nd.K != KInt || nd.N < 0 {
				return None, bailf("round of an int to negative digits")
			}
		}
		return Int(v.N), nil
	case KFloat:
		f := v.F()
		if !has {
			if math.IsNaN(f) {
				return None, raise("ValueError", "cannot convert float NaN to integer")
			}
			if math.IsInf(f, 0) {
				return None, raise("OverflowError", "cannot convert float infinity to integer")
			}
			r := math.RoundToEven(f)
			if math.Abs(r) > 9e18 {
				return None, bailf("int overflow")
			}
			return Int(int64(r)), nil
		}
		if nd.K != KInt {
			return None, typeError("'%s' object cannot be interpreted as an integer", typeName(nd))
		}
		if nd.N < 0 || nd.N > 15 {
			return None, bailf("round to %d digits", nd.N)
		}
		// CPython rounds the exact binary value correctly: format with the digits and parse.
		s := strconv.FormatFloat(f, 'f', int(nd.N), 64)
		r, _ := strconv.ParseFloat(s, 64)
		return Float(r), nil
	}
	return None, typeError("type %s doesn't define __round__ method", typeName(v))
}

func biRange(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("range", args, kw, 1, 3); err != nil {
		return None, err
	}
	for _, a := range args {
		if a.K != KInt && a.K != KBool {
			return None, typeError("'%s' object cannot be interpreted as an integer", typeName(a))
		}
	}
	start, stop, step := int64(0), args[0].N, int64(1)
	if len(args) >= 2 {
		start, stop = args[0].N, args[1].N
	}
	if len(args) == 3 {
		step = args[2].N
		if step == 0 {
			return None, raise("ValueError", "range() arg 3 must not be zero")
		}
	}
	var items []Value
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		items = append(items, Int(i))
		if len(items) > maxSize/64 {
			return None, bailf("range too long")
		}
	}
	// A range is a sequence; a tuple of its items behaves alike for what compiled code does.
	return tupleValue(newList(items)), nil
}

func biEnumerate(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	a := callArgs{name: "enumerate", args: args, kw: kw}
	if err := a.check(1, 2, "start"); err != nil {
		return None, err
	}
	start := int64(0)
	if s, ok := a.get(1, "start"); ok {
		if s.K != KInt {
			return None, typeError("'%s' object cannot be interpreted as an integer", typeName(s))
		}
		start = s.N
	}
	items, err := x.collect(args[0], -1)
	if err != nil {
		return None, err
	}
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = tupleValue(newList([]Value{Int(start + int64(i)), it}))
	}
	return iterOf(out), nil
}

func biZip(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := noKw("zip", kw); err != nil {
		return None, err
	}
	lists := make([][]Value, len(args))
	n := -1
	for i, a := range args {
		items, err := x.collect(a, -1)
		if err != nil {
			return None, err
		}
		lists[i] = items
		if n < 0 || len(items) < n {
			n = len(items)
		}
	}
	out := make([]Value, max(n, 0))
	for i := range out {
		t := make([]Value, len(lists))
		for j := range lists {
			t[j] = lists[j][i]
		}
		out[i] = tupleValue(newList(t))
	}
	return iterOf(out), nil
}

func biReversed(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("reversed", args, kw, 1, 1); err != nil {
		return None, err
	}
	switch args[0].K {
	case KList, KTuple, KEvList, KStr:
	default:
		return None, typeError("'%s' object is not reversible", typeName(args[0]))
	}
	items, err := x.collect(args[0], -1)
	if err != nil {
		return None, err
	}
	slices.Reverse(items)
	return iterOf(items), nil
}

func biMap(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if len(args) != 2 || len(kw) > 0 {
		return None, bailf("map() with other than one iterable")
	}
	items, err := x.collect(args[1], -1)
	if err != nil {
		return None, err
	}
	out := make([]Value, len(items))
	for i, it := range items {
		if out[i], err = x.callAny(args[0], []Value{it}, nil); err != nil {
			return None, err
		}
	}
	return iterOf(out), nil
}

func biFilter(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("filter", args, kw, 2, 2); err != nil {
		return None, err
	}
	items, err := x.collect(args[1], -1)
	if err != nil {
		return None, err
	}
	var out []Value
	for _, it := range items {
		v := it
		if args[0].K != KNone {
			if v, err = x.callAny(args[0], []Value{it}, nil); err != nil {
				return None, err
			}
		}
		t, err := truth(v)
		if err != nil {
			return None, err
		}
		if t {
			out = append(out, it)
		}
	}
	return iterOf(out), nil
}

func biRepr(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("repr", args, kw, 1, 1); err != nil {
		return None, err
	}
	s, err := x.repr(args[0])
	return Str(s), err
}

func biOrd(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("ord", args, kw, 1, 1); err != nil {
		return None, err
	}
	if args[0].K != KStr {
		return None, typeError("ord() expected string of length 1, but %s found", typeName(args[0]))
	}
	r, n := utf8.DecodeRuneInString(args[0].S)
	if n == 0 || n != len(args[0].S) {
		return None, typeError("ord() expected a character, but string of length %d found", runeLen(args[0].S))
	}
	return Int(int64(r)), nil
}

func biChr(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("chr", args, kw, 1, 1); err != nil {
		return None, err
	}
	if args[0].K != KInt {
		return None, typeError("an integer is required")
	}
	c := args[0].N
	if c < 0 || c > 0x10FFFF {
		return None, raise("ValueError", "chr() arg not in range(0x110000)")
	}
	if c >= 0xD800 && c <= 0xDFFF {
		return None, bailf("chr of a surrogate")
	}
	return Str(string(rune(c))), nil
}

func biType(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("type", args, kw, 1, 1); err != nil {
		return None, err
	}
	t, ok := typeOf(args[0])
	if !ok {
		return None, bailf("type() of %s", typeName(args[0]))
	}
	return typeValue(t), nil
}

func biHasattr(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("hasattr", args, kw, 2, 2); err != nil {
		return None, err
	}
	if args[1].K != KStr {
		return None, typeError("hasattr(): attribute name must be string")
	}
	_, err := x.getAttr(args[0], args[1].S)
	if err != nil {
		if err.Bail {
			return None, err
		}
		return False, nil
	}
	return True, nil
}

func biGetattr(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("getattr", args, kw, 2, 3); err != nil {
		return None, err
	}
	if args[1].K != KStr {
		return None, typeError("getattr(): attribute name must be string")
	}
	v, err := x.getAttr(args[0], args[1].S)
	if err != nil && !err.Bail && len(args) == 3 && excMatches(err.Type, "AttributeError") {
		return args[2], nil
	}
	return v, err
}

func biDivmod(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("divmod", args, kw, 2, 2); err != nil {
		return None, err
	}
	q, err := x.binop("FloorDiv", args[0], args[1])
	if err != nil {
		return None, err
	}
	r, err := x.binop("Mod", args[0], args[1])
	if err != nil {
		return None, err
	}
	return tupleValue(newList([]Value{q, r})), nil
}

// biIter is iter(x): a one-shot iterator over x's items.
func biIter(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("iter", args, kw, 1, 1); err != nil {
		return None, err
	}
	if args[0].K == KIter {
		return args[0], nil
	}
	items, err := x.collect(args[0], -1)
	if err != nil {
		return None, err
	}
	return iterOf(items), nil
}

// biNext is next(iterator[, default]).
func biNext(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("next", args, kw, 1, 2); err != nil {
		return None, err
	}
	it := args[0]
	if it.K != KIter {
		return None, typeError("'%s' object is not an iterator", typeName(it))
	}
	var got Value
	found := false
	switch g := it.O.(type) {
	case *sliceIter:
		if g.i < len(g.items) {
			got, found = g.items[g.i], true
			g.i++
		}
	case *generator:
		if g.used {
			return None, bailf("next() on a generator that was already advanced")
		}
		err := x.forEach(it, false, func(v Value) (bool, *Exception) {
			got, found = v, true
			return false, nil
		})
		if err != nil {
			return None, err
		}
	}
	if found {
		return got, nil
	}
	if len(args) == 2 {
		return args[1], nil
	}
	return None, raise("StopIteration", "")
}
