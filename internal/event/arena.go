package event

import "unsafe"

const (
	valueSlab = 16 << 10 // values per slab
	byteSlab  = 1 << 20  // bytes per slab
)

// Arena allocates the values and strings of a batch of events. Everything it returned stays
// valid until Reset. An Arena is not safe for concurrent use.
type Arena struct {
	vals []Value // current slab; vals[:used] handed out
	used int
	buf  []byte   // current byte slab, len = bytes handed out
	strs []string // current string-slice slab, len = handed out
}

// Mark is a position in an Arena to roll back to.
type Mark struct {
	used, buf int
	vals      *Value
	bufp      *byte
}

// Alloc returns n zeroed values.
func (a *Arena) Alloc(n int) []Value {
	if n == 0 {
		return nil
	}
	if a.used+n > len(a.vals) {
		size := valueSlab
		if n > size {
			size = n
		}
		// The old slab stays alive as long as values point into it.
		a.vals = make([]Value, size)
		a.used = 0
	}
	s := a.vals[a.used : a.used+n : a.used+n]
	a.used += n
	return s
}

// Grow returns s with room for one more element, reallocating in the arena if needed.
func (a *Arena) Grow(s []Value) []Value {
	if len(s) < cap(s) {
		return s[:len(s)+1]
	}
	n := 2 * cap(s)
	if n < 4 {
		n = 4
	}
	ns := a.Alloc(n)
	copy(ns, s)
	return ns[:len(s)+1]
}

// Copy copies b into the arena and returns it as a string.
func (a *Arena) Copy(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	d := a.Bytes(len(b))
	copy(d, b)
	return unsafe.String(&d[0], len(d))
}

// CopyString copies s into the arena.
func (a *Arena) CopyString(s string) string {
	if len(s) == 0 {
		return ""
	}
	d := a.Bytes(len(s))
	copy(d, s)
	return unsafe.String(&d[0], len(d))
}

// Bytes returns n bytes of arena memory.
func (a *Arena) Bytes(n int) []byte {
	if len(a.buf)+n > cap(a.buf) {
		size := byteSlab
		if n > size {
			size = n
		}
		a.buf = make([]byte, 0, size)
	}
	start := len(a.buf)
	a.buf = a.buf[:start+n]
	return a.buf[start : start+n : start+n]
}

// Strings returns a slice of n strings.
func (a *Arena) Strings(n int) []string {
	if n == 0 {
		return nil
	}
	if len(a.strs)+n > cap(a.strs) {
		size := 4096
		if n > size {
			size = n
		}
		a.strs = make([]string, 0, size)
	}
	start := len(a.strs)
	a.strs = a.strs[:start+n]
	return a.strs[start : start+n : start+n]
}

// Mark returns the current position, to roll back allocations of a failed decode.
func (a *Arena) Mark() Mark {
	m := Mark{used: a.used, buf: len(a.buf)}
	if len(a.vals) > 0 {
		m.vals = &a.vals[0]
	}
	if cap(a.buf) > 0 {
		m.bufp = unsafe.SliceData(a.buf)
	}
	return m
}

// Rollback frees what was allocated since m, if the slabs have not changed since.
func (a *Arena) Rollback(m Mark) {
	if len(a.vals) > 0 && m.vals == &a.vals[0] {
		clear(a.vals[m.used:a.used])
		a.used = m.used
	}
	if cap(a.buf) > 0 && m.bufp == unsafe.SliceData(a.buf) {
		a.buf = a.buf[:m.buf]
	}
}

// Reset makes all memory reusable. Values and strings handed out before become invalid.
func (a *Arena) Reset() {
	clear(a.vals[:a.used])
	a.used = 0
	a.buf = a.buf[:0]
	clear(a.strs)
	a.strs = a.strs[:0]
}
