package pycompile

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// List holds the items of a list or a tuple.
type List struct {
	items []Value
}

func newList(items []Value) *List { return &List{items: items} }

// Dict is an insertion-ordered hash table: a dict (keys and values) or a set (keys only).
// Small tables are searched linearly; an index is built once they grow.
type Dict struct {
	keys []Value
	vals []Value // nil for sets
	set  bool

	strIdx map[string]int32 // str keys, once indexed
	othIdx map[string]int32 // other keys by their encoding, once indexed
	// lc maps lower-cased str keys to the first key with that lower case, for the
	// case-insensitive views over decoded JSON; built on the first case-insensitive miss.
	lc      map[string]int32
	lcBuilt bool
	lcOK    bool // every str key lower-cases exactly (else case-insensitive misses bail)
}

const indexAt = 8

func newDict(n int) *Dict {
	return &Dict{keys: make([]Value, 0, n), vals: make([]Value, 0, n)}
}

func newSet(n int) *Dict {
	return &Dict{keys: make([]Value, 0, n), set: true}
}

// Len returns the number of entries.
func (d *Dict) Len() int { return len(d.keys) }

// keyEnc encodes a hashable non-str key so that keys Python considers equal (1, 1.0, True)
// encode the same.
func keyEnc(dst []byte, v Value) ([]byte, bool) {
	switch v.K {
	case KNone:
		return append(dst, 'n'), true
	case KBool, KInt:
		dst = append(dst, 'i')
		return strconv.AppendInt(dst, v.N, 10), true
	case KFloat:
		f := v.F()
		if f == math.Trunc(f) && f >= -9.2e18 && f <= 9.2e18 {
			dst = append(dst, 'i')
			return strconv.AppendInt(dst, int64(f), 10), true
		}
		if f != f {
			// NaN keys are only equal by identity; we cannot track identity here.
			return dst, false
		}
		dst = append(dst, 'f')
		return strconv.AppendUint(dst, math.Float64bits(f), 16), true
	case KStr:
		dst = append(dst, 's')
		dst = strconv.AppendInt(dst, int64(len(v.S)), 10)
		dst = append(dst, ':')
		return append(dst, v.S...), true
	case KTuple:
		items := v.list().items
		dst = append(dst, 't')
		dst = strconv.AppendInt(dst, int64(len(items)), 10)
		dst = append(dst, '(')
		for _, e := range items {
			var ok bool
			if dst, ok = keyEnc(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ')'), true
	case KFrozenSet:
		var encs []string
		for _, e := range v.dict().keys {
			b, ok := keyEnc(nil, e)
			if !ok {
				return dst, false
			}
			encs = append(encs, string(b))
		}
		slices.Sort(encs)
		dst = append(dst, 'z')
		dst = strconv.AppendInt(dst, int64(len(encs)), 10)
		dst = append(dst, '(')
		for _, e := range encs {
			dst = strconv.AppendInt(dst, int64(len(e)), 10)
			dst = append(dst, ':')
			dst = append(dst, e...)
		}
		return append(dst, ')'), true
	case KFunc, KBuiltin, KModule, KType, KPattern:
		dst = append(dst, 'p')
		return strconv.AppendUint(dst, uint64(identity(v)), 16), true
	}
	return dst, false
}

// identity is the address that `is` compares for objects.
func identity(v Value) uintptr {
	if v.P != nil {
		return uintptr(v.P)
	}
	type iface struct{ typ, data unsafe.Pointer }
	return uintptr((*iface)(unsafe.Pointer(&v.O)).data)
}

func (d *Dict) buildIndex() bool {
	d.strIdx = make(map[string]int32, len(d.keys))
	d.othIdx = nil
	for i, k := range d.keys {
		if !d.indexKey(k, int32(i)) {
			return false
		}
	}
	return true
}

func (d *Dict) indexKey(k Value, i int32) bool {
	if k.K == KStr {
		d.strIdx[k.S] = i
		return true
	}
	enc, ok := keyEnc(nil, k)
	if !ok {
		return false
	}
	if d.othIdx == nil {
		d.othIdx = make(map[string]int32)
	}
	d.othIdx[string(enc)] = i
	return true
}

// find returns the index of key, or -1. The key must be hashable (callers check).
// findKey is find for a key given by rule code: an unhashable one raises TypeError.
func (d *Dict) findKey(key Value) (int, *Exception) {
	if !hashable(key) {
		return -1, unhashable(key)
	}
	return d.find(key)
}

func (d *Dict) find(key Value) (int, *Exception) {
	if d.strIdx == nil && len(d.keys) <= indexAt {
		if key.K == KStr {
			for i := range d.keys {
				if k := &d.keys[i]; k.K == KStr && k.S == key.S {
					return i, nil
				}
			}
			return -1, nil
		}
		for i := range d.keys {
			eq, err := equal(d.keys[i], key)
			if err != nil {
				return -1, err
			}
			if eq {
				return i, nil
			}
		}
		return -1, nil
	}
	if d.strIdx == nil && !d.buildIndex() {
		return -1, bailf("a dict key that cannot be indexed")
	}
	if key.K == KStr {
		if i, ok := d.strIdx[key.S]; ok {
			return int(i), nil
		}
		return -1, nil
	}
	enc, ok := keyEnc(nil, key)
	if !ok {
		return -1, bailf("a dict key that cannot be indexed")
	}
	if i, ok := d.othIdx[string(enc)]; ok {
		return int(i), nil
	}
	return -1, nil
}

// get returns the value of key and whether it is present.
func (d *Dict) get(key Value) (Value, bool, *Exception) {
	if !hashable(key) {
		return None, false, unhashable(key)
	}
	i, err := d.find(key)
	if err != nil || i < 0 {
		return None, false, err
	}
	if d.set {
		return d.keys[i], true, nil
	}
	return d.vals[i], true, nil
}

// getStr looks up a str key.
func (d *Dict) getStr(key string) (Value, bool) {
	i, _ := d.find(Str(key))
	if i < 0 {
		return None, false
	}
	return d.vals[i], true
}

// put sets key to val (sets: adds key).
func (d *Dict) put(key, val Value) *Exception {
	if !hashable(key) {
		return unhashable(key)
	}
	i, err := d.find(key)
	if err != nil {
		return err
	}
	if i >= 0 {
		if !d.set {
			d.vals[i] = val
		}
		return nil
	}
	d.keys = append(d.keys, key)
	if !d.set {
		d.vals = append(d.vals, val)
	}
	if d.strIdx != nil {
		if !d.indexKey(key, int32(len(d.keys)-1)) {
			d.strIdx = nil
		}
	}
	d.lcBuilt = false
	return nil
}

// putStr sets a str key, for dicts built from JSON (duplicate keys: the last value wins, at
// the first position, as in Python's json.loads).
func (d *Dict) putStr(key string, val Value) {
	_ = d.put(Str(key), val)
}

// remove deletes the entry at index i.
func (d *Dict) remove(i int) {
	d.keys = slices.Delete(d.keys, i, i+1)
	if !d.set {
		d.vals = slices.Delete(d.vals, i, i+1)
	}
	d.strIdx, d.othIdx = nil, nil
	d.lcBuilt = false
}

// lookupCI is the get of ImmutableCaseInsensitiveDict over d: the exact key first, then the
// first key (in order) with the same lower case.
func (d *Dict) lookupCI(key Value) (Value, bool, *Exception) {
	if key.K != KStr {
		if !hashable(key) {
			return None, false, unhashable(key)
		}
		v, ok, err := d.get(key)
		return v, ok, err
	}
	if v, ok := d.getStr(key.S); ok {
		return v, true, nil
	}
	if len(d.keys) == 0 {
		return None, false, nil
	}
	lk, ok := pyLower(key.S)
	if !ok {
		return None, false, bailf("case-insensitive lookup of a key whose lower case Go and CPython may disagree on")
	}
	if !d.lcBuilt {
		d.buildLC()
	}
	if !d.lcOK {
		return None, false, bailf("case-insensitive lookup in a mapping with keys whose lower case Go and CPython may disagree on")
	}
	i, ok := d.lc[lk]
	if !ok {
		return None, false, nil
	}
	return d.vals[i], true, nil
}

func (d *Dict) buildLC() {
	d.lc = make(map[string]int32, len(d.keys))
	d.lcOK = true
	for i, k := range d.keys {
		if k.K != KStr {
			continue
		}
		lk, ok := pyLower(k.S)
		if !ok {
			d.lcOK = false
			continue
		}
		if _, dup := d.lc[lk]; !dup {
			d.lc[lk] = int32(i)
		}
	}
	d.lcBuilt = true
}

func (d *Dict) clone() *Dict {
	c := &Dict{keys: slices.Clone(d.keys), set: d.set}
	if !d.set {
		c.vals = slices.Clone(d.vals)
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

func asciiUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// freeze builds the lazy indexes of the containers reachable from v, so that shared values
// (module-level constants, constant tuples) are only read by concurrent evaluators.
func freeze(v Value, depth int) {
	if depth > 100 {
		return
	}
	switch v.K {
	case KList, KTuple:
		for _, e := range v.list().items {
			freeze(e, depth+1)
		}
	case KDict, KSet, KFrozenSet:
		d := v.dict()
		if len(d.keys) > indexAt && d.strIdx == nil {
			d.buildIndex()
		}
		if !d.lcBuilt {
			d.buildLC()
		}
		for _, k := range d.keys {
			freeze(k, depth+1)
		}
		for _, e := range d.vals {
			freeze(e, depth+1)
		}
	}
}
