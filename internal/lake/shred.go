package lake

import (
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// layout mirrors a schema type with the parquet column indexes of its leaves.
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

// shredder turns values into parquet column values with repetition and definition levels
// (the Dremel encoding of nested data).
type shredder struct {
	cols [][]parquet.Value // per column, values of the current row
}

func (s *shredder) reset(ncols int) {
	if cap(s.cols) < ncols {
		s.cols = make([][]parquet.Value, ncols)
	}
	s.cols = s.cols[:ncols]
	for i := range s.cols {
		s.cols[i] = s.cols[i][:0]
	}
}

func (s *shredder) put(col int, v parquet.Value) {
	s.cols[col] = append(s.cols[col], v)
}

// nulls emits a null for every leaf of l.
func (s *shredder) nulls(l *layout, rep, def int) {
	for c := l.first; c < l.first+l.leaves; c++ {
		s.put(c, parquet.NullValue().Level(rep, def, c))
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
		s.put(l.first, leafValue(l.t.Kind, v).Level(rep, def+1, l.first))
	}
}

func leafValue(k logschema.Kind, v *event.Value) parquet.Value {
	switch k {
	case logschema.KindString, logschema.KindJSON:
		return parquet.ByteArrayValue(bytesOf(v.S))
	case logschema.KindInt, logschema.KindSmallInt:
		return parquet.Int32Value(int32(v.N))
	case logschema.KindBigInt:
		return parquet.Int64Value(v.N)
	case logschema.KindFloat:
		return parquet.DoubleValue(v.Float())
	case logschema.KindBool:
		return parquet.BooleanValue(v.N != 0)
	case logschema.KindTimestamp:
		return parquet.Int64Value(micros(v.N))
	}
	return parquet.NullValue()
}

// micros converts Unix nanoseconds to microseconds, rounding toward negative infinity.
func micros(ns int64) int64 {
	if ns < 0 && ns%1000 != 0 {
		return ns/1000 - 1
	}
	return ns / 1000
}

// bytesOf returns the bytes of s without copying; parquet copies them when buffering.
func bytesOf(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// str emits a required or optional top-level string column.
func (s *shredder) str(col int, v string, optional bool) {
	if !optional {
		s.put(col, parquet.ByteArrayValue(bytesOf(v)).Level(0, 0, col))
		return
	}
	if v == "" {
		s.put(col, parquet.NullValue().Level(0, 0, col))
		return
	}
	s.put(col, parquet.ByteArrayValue(bytesOf(v)).Level(0, 1, col))
}

// timestamp emits a top-level timestamp column; a zero optional time is null.
func (s *shredder) timestamp(col int, ns int64, optional bool) {
	if !optional {
		s.put(col, parquet.Int64Value(micros(ns)).Level(0, 0, col))
		return
	}
	if ns == 0 {
		s.put(col, parquet.NullValue().Level(0, 0, col))
		return
	}
	s.put(col, parquet.Int64Value(micros(ns)).Level(0, 1, col))
}

// int64col emits a top-level optional bigint column.
func (s *shredder) int64col(col int, n int64, valid bool) {
	if !valid {
		s.put(col, parquet.NullValue().Level(0, 0, col))
		return
	}
	s.put(col, parquet.Int64Value(n).Level(0, 1, col))
}

// boolcol emits a top-level optional boolean column.
func (s *shredder) boolcol(col int, b bool) {
	s.put(col, parquet.BooleanValue(b).Level(0, 1, col))
}

// strings emits a top-level optional list of optional strings; nil or empty is null.
func (s *shredder) strings(col int, vals []string) {
	if len(vals) == 0 {
		s.put(col, parquet.NullValue().Level(0, 0, col))
		return
	}
	for i, v := range vals {
		r := 0
		if i > 0 {
			r = 1
		}
		s.put(col, parquet.ByteArrayValue(bytesOf(v)).Level(r, 3, col))
	}
}

// row appends the collected columns to row in column order.
func (s *shredder) row(row parquet.Row) parquet.Row {
	for _, c := range s.cols {
		row = append(row, c...)
	}
	return row
}
