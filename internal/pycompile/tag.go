package pycompile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
)

// Tag encodes v the way pyrun's call op encodes Python values (see pyrun.CallResult), decoded
// into Go values: strings, bools, nil, []any and map[string]any. Differential tests compare
// it with the JSON CPython returned, decoded with json.Unmarshal.
func (x *Evaluator) Tag(v Value) (any, error) {
	t, err := x.tag(v, false, 0)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// tag encodes v; raw is true inside a raw container, where typed views stand for the plain
// dicts and lists the JSON decoder made.
func (x *Evaluator) tag(v Value, raw bool, depth int) (any, *Exception) {
	if depth > 60 {
		return map[string]any{"o": "deep"}, nil
	}
	switch v.K {
	case KNone:
		return nil, nil
	case KBool:
		return v.N != 0, nil
	case KStr:
		return v.S, nil
	case KInt:
		return map[string]any{"i": strconv.FormatInt(v.N, 10)}, nil
	case KFloat:
		return map[string]any{"f": floatRepr(v.F())}, nil
	case KList, KTuple, KSet, KFrozenSet:
		var items []Value
		if v.K == KList || v.K == KTuple {
			items = v.list().items
		} else {
			items = v.dict().keys
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			t, err := x.tag(it, raw, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		key := map[Kind]string{KList: "l", KTuple: "t", KSet: "s", KFrozenSet: "fs"}[v.K]
		return map[string]any{key: out}, nil
	case KEvList:
		n := listLen(v)
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			it, err := x.rawItem(v, i)
			if err != nil {
				return nil, err
			}
			t, err := x.tag(it, true, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		// Inside a raw container a typed view stands for a plain list; a view over decoded
		// JSON there is a wrapper that code put in a list or dict (a data model method's
		// `return [value]`).
		if raw && v.typed() {
			return map[string]any{"l": out}, nil
		}
		return map[string]any{"il": out}, nil
	case KDict, KEvent, KEvDict:
		var items []any
		inner := raw || v.K != KDict
		err := x.mapRawItems(v, func(k, val Value) (bool, *Exception) {
			tk, err := x.tag(k, inner, depth+1)
			if err != nil {
				return false, err
			}
			tv, err := x.tag(val, inner, depth+1)
			if err != nil {
				return false, err
			}
			items = append(items, []any{tk, tv})
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		if items == nil {
			items = []any{}
		}
		key := "d"
		switch {
		case raw && (v.K == KDict || v.typed()):
		case v.K == KEvent:
			key = "ev"
		case v.K == KEvDict:
			key = "icd"
			if v.N == 1 && v.P != nil {
				key = "icd"
			}
		}
		return map[string]any{key: items}, nil
	case KOpaque:
		return nil, bailf("%s", v.S)
	}
	return map[string]any{"o": typeName(v)}, nil
}

// SameTagged compares two tagged encodings; sets compare regardless of order.
func SameTagged(a, b any) bool {
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if okA && okB && len(ma) == 1 && len(mb) == 1 {
		for k, va := range ma {
			vb, ok := mb[k]
			if !ok {
				return false
			}
			if k == "s" || k == "fs" {
				return sameUnordered(va, vb)
			}
			return SameTagged(va, vb)
		}
	}
	la, okA := a.([]any)
	lb, okB := b.([]any)
	if okA && okB {
		if len(la) != len(lb) {
			return false
		}
		for i := range la {
			if !SameTagged(la[i], lb[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func sameUnordered(a, b any) bool {
	la, okA := a.([]any)
	lb, okB := b.([]any)
	if !okA || !okB || len(la) != len(lb) {
		return false
	}
	key := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	ka := make([]string, len(la))
	kb := make([]string, len(lb))
	for i := range la {
		ka[i], kb[i] = key(la[i]), key(lb[i])
	}
	sort.Strings(ka)
	sort.Strings(kb)
	return reflect.DeepEqual(ka, kb)
}

// FormatTagged renders a tagged value compactly for messages.
func FormatTagged(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
