package simpledetect

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// getField returns the value of key k in m: the exact key first, then a
// case-insensitive match (the lexically smallest one when several match).
func getField(m map[string]any, k string) (any, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	var (
		best  string
		bestV any
		found bool
	)
	for mk, mv := range m {
		if len(mk) != len(k) && !hasNonASCII(mk) && !hasNonASCII(k) {
			continue
		}
		if strings.EqualFold(mk, k) && (!found || mk < best) {
			best, bestV, found = mk, mv, true
		}
	}
	return bestV, found
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

type stepKind uint8

const (
	stepKey stepKind = iota
	stepIndex
	stepWildcard
)

// step is one element of a key specifier.
type step struct {
	kind stepKind
	key  string
	idx  int
}

// keySpec is a compiled key specifier (Key, DeepKey, KeyPath or the path of
// an Enrichment).
type keySpec struct {
	steps []step
	wild  bool
	src   string
}

// get resolves a key specifier without wildcards.
func (ks *keySpec) get(root any) (any, bool) {
	cur := root
	for i := range ks.steps {
		st := &ks.steps[i]
		switch c := cur.(type) {
		case map[string]any:
			key := st.key
			if st.kind == stepIndex {
				key = strconv.Itoa(st.idx)
			}
			v, ok := getField(c, key)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if st.kind != stepIndex {
				return nil, false
			}
			i := st.idx
			if i < 0 {
				i += len(c)
			}
			if i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// each calls fn for every value the key specifier selects, in order, and
// stops early when fn returns true. It reports whether fn stopped the walk.
func (ks *keySpec) each(root any, fn func(any) bool) bool {
	if !ks.wild {
		if v, ok := ks.get(root); ok {
			return fn(v)
		}
		return false
	}
	return walkSteps(root, ks.steps, fn)
}

func walkSteps(cur any, steps []step, fn func(any) bool) bool {
	for i := range steps {
		st := &steps[i]
		if st.kind == stepWildcard {
			var elems []any
			switch c := cur.(type) {
			case []any:
				elems = c
			case map[string]any:
				// A wildcard over an object visits its values in key order.
				keys := sortedKeys(c)
				elems = make([]any, len(keys))
				for j, k := range keys {
					elems[j] = c[k]
				}
			default:
				return false
			}
			for _, e := range elems {
				if walkSteps(e, steps[i+1:], fn) {
					return true
				}
			}
			return false
		}
		one := keySpec{steps: steps[i : i+1]}
		v, ok := one.get(cur)
		if !ok {
			return false
		}
		cur = v
	}
	return fn(cur)
}

// parseKeyPath parses dot notation with [n] and [*] suffixes.
func parseKeyPath(s string) (keySpec, error) {
	ks := keySpec{src: s}
	if strings.TrimSpace(s) == "" {
		return ks, fmt.Errorf("expected a dotted key path such as a.b[0].c, got an empty string")
	}
	i := 0
	expectName := true
	for i < len(s) {
		switch {
		case s[i] == '.':
			if expectName {
				return ks, fmt.Errorf("key path %q has an empty segment at offset %d", s, i)
			}
			expectName = true
			i++
		case s[i] == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return ks, fmt.Errorf("key path %q has an unclosed [ at offset %d", s, i)
			}
			if expectName && len(ks.steps) > 0 {
				return ks, fmt.Errorf("key path %q has an empty segment before [ at offset %d", s, i)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			if inner == "*" {
				ks.steps = append(ks.steps, step{kind: stepWildcard})
				ks.wild = true
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return ks, fmt.Errorf("key path %q: expected an integer index or * inside [] at offset %d, got %q", s, i, inner)
				}
				ks.steps = append(ks.steps, step{kind: stepIndex, idx: n})
			}
			expectName = false
			i += end + 1
		default:
			if !expectName {
				return ks, fmt.Errorf("key path %q: expected . or [ at offset %d", s, i)
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			ks.steps = append(ks.steps, step{kind: stepKey, key: s[i:j]})
			expectName = false
			i = j
		}
	}
	if expectName {
		return ks, fmt.Errorf("key path %q ends with a dot", s)
	}
	return ks, nil
}

// number is a numeric value that keeps int64 precision when it can.
type number struct {
	isInt bool
	i     int64
	f     float64
}

func (n number) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// cmp compares two numbers; NaN compares unequal to everything.
func (n number) cmp(o number) (int, bool) {
	if n.isInt && o.isInt {
		switch {
		case n.i < o.i:
			return -1, true
		case n.i > o.i:
			return 1, true
		}
		return 0, true
	}
	a, b := n.float(), o.float()
	switch {
	case math.IsNaN(a) || math.IsNaN(b):
		return 0, false
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	}
	return 0, true
}

// toNumber converts a Go numeric value (not a string) to a number.
func toNumber(v any) (number, bool) {
	switch x := v.(type) {
	case int:
		return number{isInt: true, i: int64(x)}, true
	case int8:
		return number{isInt: true, i: int64(x)}, true
	case int16:
		return number{isInt: true, i: int64(x)}, true
	case int32:
		return number{isInt: true, i: int64(x)}, true
	case int64:
		return number{isInt: true, i: x}, true
	case uint:
		return fromUint(uint64(x)), true
	case uint8:
		return number{isInt: true, i: int64(x)}, true
	case uint16:
		return number{isInt: true, i: int64(x)}, true
	case uint32:
		return number{isInt: true, i: int64(x)}, true
	case uint64:
		return fromUint(x), true
	case float32:
		return number{f: float64(x)}, true
	case float64:
		return number{f: x}, true
	case json.Number:
		return parseNumber(string(x))
	}
	return number{}, false
}

func fromUint(u uint64) number {
	if u <= math.MaxInt64 {
		return number{isInt: true, i: int64(u)}
	}
	return number{f: float64(u)}
}

// parseNumber parses the text of a number (used for numeric strings in
// events and for json.Number).
func parseNumber(s string) (number, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return number{}, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return number{isInt: true, i: i}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return number{}, false
	}
	return number{f: f}, true
}

// isEmpty reports whether v is null, "", an empty list or an empty object.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// render formats a value for an alert title or a dedup string.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case json.Number:
		return string(x)
	}
	if n, ok := toNumber(v); ok {
		if n.isInt {
			return strconv.FormatInt(n.i, 10)
		}
		if n.f == math.Trunc(n.f) && math.Abs(n.f) < 1e15 {
			return strconv.FormatInt(int64(n.f), 10)
		}
		return strconv.FormatFloat(n.f, 'g', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
