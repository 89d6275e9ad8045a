package lake

import (
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// layout mirrors a schema type with the column indexes of its leaves.
type layout struct {
	t      *logschema.Type
	first  int // index of the first leaf column
	leaves int // number of leaf columns
	fields []*layout
	elem   *layout
}

// newLayout lays out t starting at column index first.
func newLayout(t *logschema.Type, first int) *layout {
	l := &layout{t: t, first: first}
	switch t.Kind {
	case logschema.KindObject:
		col := first
		for _, f := range t.Fields {
			fl := newLayout(f.Type, col)
			l.fields = append(l.fields, fl)
			col += fl.leaves
		}
		l.leaves = col - first
	case logschema.KindArray:
		l.elem = newLayout(t.Elem, first)
		l.leaves = l.elem.leaves
	default:
		l.leaves = 1
	}
	return l
}

// shredder writes values into the columns of a file with their repetition and definition
// levels (the Dremel encoding of nested data).
type shredder struct {
	cols []column
}

// nulls emits a null for every leaf of l.
func (s *shredder) nulls(l *layout, rep, def int) {
	for c := l.first; c < l.first+l.leaves; c++ {
		s.cols[c].null(rep, def)
	}
}

// value emits v, of l's type. def is the definition level of v's parent; repDepth the number
// of repeated ancestors.
func (s *shredder) value(l *layout, v *event.Value, rep, def, repDepth int) {
	if v.Kind == event.Null {
		s.nulls(l, rep, def)
		return
	}
	switch l.t.Kind {
	case logschema.KindObject:
		for i, fl := range l.fields {
			s.value(fl, &v.Items[i], rep, def+1, repDepth)
		}
	case logschema.KindArray:
		if len(v.Items) == 0 {
			s.nulls(l.elem, rep, def+1)
			return
		}
		for i := range v.Items {
			r := rep
			if i > 0 {
				r = repDepth + 1
			}
			s.value(l.elem, &v.Items[i], r, def+2, repDepth+1)
		}
	default:
		c := &s.cols[l.first]
		switch l.t.Kind {
		case logschema.KindString, logschema.KindJSON:
			c.str(rep, def+1, v.S)
		case logschema.KindInt, logschema.KindSmallInt:
			c.int32(rep, def+1, int32(v.N))
		case logschema.KindBigInt:
			c.int64(rep, def+1, v.N)
		case logschema.KindFloat:
			c.double(rep, def+1, v.Float())
		case logschema.KindBool:
			c.boolean(rep, def+1, v.N != 0)
		case logschema.KindTimestamp:
			c.int64(rep, def+1, micros(v.N))
		}
	}
}

// micros converts Unix nanoseconds to microseconds, rounding toward negative infinity.
func micros(ns int64) int64 {
	if ns < 0 && ns%1000 != 0 {
		return ns/1000 - 1
	}
	return ns / 1000
}

// str emits a required or optional top-level string column; an empty optional string is null.
func (s *shredder) str(col int, v string, optional bool) {
	switch {
	case !optional:
		s.cols[col].str(0, 0, v)
	case v == "":
		s.cols[col].null(0, 0)
	default:
		s.cols[col].str(0, 1, v)
	}
}

// timestamp emits a top-level timestamp column; a zero optional time is null.
func (s *shredder) timestamp(col int, ns int64, optional bool) {
	switch {
	case !optional:
		s.cols[col].int64(0, 0, micros(ns))
	case ns == 0:
		s.cols[col].null(0, 0)
	default:
		s.cols[col].int64(0, 1, micros(ns))
	}
}

// strings emits a top-level optional list of optional strings; nil or empty is null.
func (s *shredder) strings(col int, vals []string) {
	if len(vals) == 0 {
		s.cols[col].null(0, 0)
		return
	}
	for i, v := range vals {
		r := 0
		if i > 0 {
			r = 1
		}
		s.cols[col].str(r, 3, v)
	}
}
