package indicators

import (
	"fmt"
	"slices"
	"unsafe"
)

// Set collects the indicators of one event. Reuse one Set across events with Reset; in steady
// state adding a value does not allocate, except for one arena chunk per chunkSize bytes of
// indicator text.
//
// Values are copied into an arena owned by the Set, so callers may pass strings that alias
// buffers they reuse. The arena is append-only: bytes that back a stored value are never
// written again, not even after Reset, so the strings returned by Values stay valid and
// unchanged for as long as the caller keeps them. (A kept string keeps its arena chunk alive.)
//
// The zero Set is empty and ready to use. A Set is not safe for concurrent use.
type Set struct {
	values [numKinds][]string
	// sorted[k] is set when values[k] is sorted and free of duplicates; it is only read when
	// values[k] is not empty.
	sorted [numKinds]bool
	arena  []byte
	// Scratch space of ScanJSON and of the domain scanner, reused across calls.
	scratch []byte
	runes   []rune
}

// chunkSize is the size of a new arena chunk.
const chunkSize = 8 << 10

// Reset empties the set, keeping its memory for the next event.
func (s *Set) Reset() {
	for k := range s.values {
		if len(s.values[k]) > 0 {
			// Clearing drops the references to old arena chunks, so they can be freed.
			clear(s.values[k])
			s.values[k] = s.values[k][:0]
		}
	}
}

// Add adds v as an indicator of kind k, without validating it (use a Scanner for that). Empty
// values and "-" are ignored.
func (s *Set) Add(k Kind, v string) {
	if k >= numKinds {
		panic(fmt.Sprintf("indicators: Add with invalid Kind %d", uint8(k)))
	}
	if v == "" || v == "-" {
		return
	}
	start := s.begin(len(v))
	s.arena = append(s.arena, v...)
	s.commit(k, start)
}

// Values returns the de-duplicated values of kind k in ascending byte order, or nil if there
// are none. The returned slice belongs to the Set and is valid until the next Add, Reset or
// scan; the strings in it may be kept.
func (s *Set) Values(k Kind) []string {
	if k >= numKinds {
		return nil
	}
	v := s.values[k]
	if len(v) == 0 {
		return nil
	}
	if !s.sorted[k] {
		slices.Sort(v)
		v = slices.Compact(v)
		s.values[k] = v
		s.sorted[k] = true
	}
	return v
}

// Len returns the number of distinct values of kind k.
func (s *Set) Len(k Kind) int {
	return len(s.Values(k))
}

// begin makes room for at least n more bytes in the arena and returns the offset where the next
// value starts. Values are written with append after it and stored with commit, or dropped
// with drop.
func (s *Set) begin(n int) int {
	if cap(s.arena)-len(s.arena) < n {
		s.arena = make([]byte, 0, max(chunkSize, n))
	}
	return len(s.arena)
}

// drop discards the bytes written since start.
func (s *Set) drop(start int) {
	s.arena = s.arena[:start]
}

// dedupLimit is the number of values of one kind up to which commit looks for an equal value
// before storing; past it, duplicates are removed when the values are sorted.
const dedupLimit = 16

// commit stores the bytes written since start as a value of kind k, unless they are empty, "-"
// or already stored.
func (s *Set) commit(k Kind, start int) {
	n := len(s.arena) - start
	if n == 0 || (n == 1 && s.arena[start] == '-') {
		s.drop(start)
		return
	}
	// The bytes are never written again (see the Set documentation), so the string may share
	// them.
	v := unsafe.String(&s.arena[start], n)
	if vals := s.values[k]; len(vals) <= dedupLimit && slices.Contains(vals, v) {
		s.drop(start)
		return
	}
	vals := s.values[k]
	s.sorted[k] = len(vals) == 0 || (s.sorted[k] && vals[len(vals)-1] < v)
	s.values[k] = append(vals, v)
}
