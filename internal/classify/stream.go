package classify

import (
	"fmt"

	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// Records is a source of framed records, such as an *input.Reader.
type Records interface {
	// Next returns the next record, valid until the next call, or io.EOF at the end.
	Next() (input.Record, error)
}

// Item is one record of a Stream and what it became.
type Item struct {
	// Rec is the record; the lines of a multi-line record are joined by "\n". Its Data is
	// valid until the next call to Next.
	Rec input.Record
	// Classified is false for a record that is too long (input.Record.TooLong, or over
	// Stream.MaxBytes): the Stream does not classify it, the caller quarantines it.
	Classified bool
	// Res is the result when Fail is nil; Res.OK is false for a header line.
	Res  Result
	Fail *Failure
}

// A Stream classifies the records of one file and frames the records of multi-line text
// types (logtypes.Multiline). When a record's type has a multi-line rule, or when no type
// accepts a record alone and a multi-line type's rule lets it start a record, the records
// after it that continue it by the rule are joined to it, separated by "\n" and with their
// leading white space, and the whole is parsed again by that type. A record grows up to the
// rule's limits; the continuation lines past them are gathered into records (each within the
// same limits) that are quarantined with a reason naming the record they continue. If the
// type rejects the joined record, the record is kept as it was and the records after it are
// classified one by one. Nothing is lost: every byte of every record the source returns is in
// exactly one Item.
//
// Only records of multi-line types make the Stream read ahead; other records go through
// without a copy.
type Stream struct {
	// MaxBytes, when positive, is the size over which a record is not classified (a record a
	// live source framed itself, over the limit of the framing reader).
	MaxBytes int

	c   *Classifier
	src Records
	err error // the source's error (io.EOF at the end), returned once the queue is empty

	// queue holds records read ahead, each with its own copy of its data, in order.
	queue []queued
	// cur is the data of the record being joined; spare a buffer to reuse for the next
	// record read ahead.
	cur   []byte
	spare [][]byte
	// last is the buffer of the record last returned, reused once the caller moved on.
	last  []byte
	rules map[*logtypes.LogType]*logtypes.Multiline
	item  Item
}

// queued is a record read ahead. A record with a reason is quarantined with it.
type queued struct {
	rec    input.Record
	reason *Reason
}

// NewStream returns a stream of the records of src, classified by c.
func NewStream(c *Classifier, src Records) *Stream {
	return &Stream{c: c, src: src, rules: make(map[*logtypes.LogType]*logtypes.Multiline)}
}

// Next returns the next record and what it became, or the source's error (io.EOF at the end)
// after the last record before it. The Item is valid until the next call.
func (s *Stream) Next() (*Item, error) {
	if s.last != nil {
		s.spare = append(s.spare, s.last[:0])
		s.last = nil
	}
	q, err := s.pop()
	if err != nil {
		return nil, err
	}
	it := &s.item
	*it = Item{Rec: q.rec}
	if q.reason != nil {
		it.Classified, it.Fail = true, &Failure{Reasons: []Reason{*q.reason}}
		return it, nil
	}
	if it.Rec.TooLong || s.MaxBytes > 0 && len(it.Rec.Data) > s.MaxBytes {
		return it, nil
	}
	it.Classified = true
	it.Res, it.Fail = s.c.Classify(&it.Rec)
	switch {
	case it.Fail == nil && it.Res.OK && it.Res.LogType.Multiline != nil:
		s.join(it, it.Res.LogType)
	case it.Fail != nil:
		// A line that no type accepts alone may start a multi-line record.
		for _, t := range s.c.multiline {
			if s.join(it, t) {
				break
			}
		}
	}
	return it, nil
}

// pop returns the next record: the first one read ahead, else the source's next.
func (s *Stream) pop() (queued, error) {
	if len(s.queue) > 0 {
		q := s.queue[0]
		s.queue = s.queue[1:]
		s.last = q.rec.Data
		return q, nil
	}
	if s.err != nil {
		return queued{}, s.err
	}
	rec, err := s.src.Next()
	if err != nil {
		s.err = err
		return queued{}, err
	}
	return queued{rec: rec}, nil
}

// peek returns the i-th record after the current one without consuming it, reading ahead
// (with a copy of the data) as needed; false at the end of the source, on its error, or at a
// record queued with a reason.
func (s *Stream) peek(i int) (*input.Record, bool) {
	for len(s.queue) <= i {
		if s.err != nil {
			return nil, false
		}
		rec, err := s.src.Next()
		if err != nil {
			s.err = err
			return nil, false
		}
		var buf []byte
		if n := len(s.spare); n > 0 {
			buf, s.spare = s.spare[n-1], s.spare[:n-1]
		}
		rec.Data = append(buf, rec.Data...)
		if len(rec.Indent) > 0 {
			rec.Indent = append([]byte(nil), rec.Indent...)
		}
		s.queue = append(s.queue, queued{rec: rec})
	}
	if s.queue[i].reason != nil {
		return nil, false
	}
	return &s.queue[i].rec, true
}

// drop consumes the first n records read ahead.
func (s *Stream) drop(n int) {
	for _, q := range s.queue[:n] {
		s.spare = append(s.spare, q.rec.Data[:0])
	}
	s.queue = s.queue[n:]
}

// rule returns the multi-line rule of t for this file.
func (s *Stream) rule(t *logtypes.LogType) *logtypes.Multiline {
	m := s.rules[t]
	if m == nil {
		m = t.Multiline.Clone()
		s.rules[t] = m
	}
	return m
}

// continues reports whether rec continues a record of rule m.
func continues(m *logtypes.Multiline, rec *input.Record) bool {
	return !rec.TooLong && m.Continues(rec.Indent, rec.Data)
}

// join tries to make it.Rec, with the records after it that continue it by the rule of t, one
// record of type t. It reports whether t accepted the joined record, which then replaces the
// item's record and result; otherwise the records after it are left to be classified on their
// own, and the item is unchanged. The continuation lines past the rule's limits are queued
// to be quarantined.
func (s *Stream) join(it *Item, t *logtypes.LogType) bool {
	m := s.rule(t)
	first := it.Rec
	if m.Continues(first.Indent, first.Data) && it.Fail != nil {
		return false // a continuation line does not start a record
	}
	// it.Rec.Data may be the source's buffer, which reading ahead reuses: copy it first.
	s.cur = append(s.cur[:0], first.Data...)
	it.Rec.Data = s.cur
	n := 0
	for {
		next, ok := s.peek(n)
		if !ok || !continues(m, next) {
			break
		}
		if n+2 > m.MaxLines || len(s.cur)+1+len(next.Indent)+len(next.Data) > m.MaxBytes {
			break
		}
		s.cur = append(s.cur, '\n')
		s.cur = append(s.cur, next.Indent...)
		s.cur = append(s.cur, next.Data...)
		n++
	}
	if n == 0 {
		it.Rec.Data = s.cur[:len(first.Data)]
		return false
	}
	joined := it.Rec
	joined.Data, joined.Size, joined.JSON = s.cur, int64(len(s.cur)), false
	res, fail := s.c.parseAs(t, &joined)
	if fail != nil || !res.OK {
		// Restore the decoder's state of the first line, as it was classified alone.
		it.Rec.Data = s.cur[:len(first.Data)]
		if it.Fail == nil {
			it.Res, it.Fail = s.c.parseAs(t, &it.Rec)
		}
		return false
	}
	it.Rec, it.Res, it.Fail = joined, res, nil
	s.drop(n)
	s.overflow(it, t, m)
	return true
}

// overflow queues the continuation lines of it past the limits of its rule, gathered into
// records within the same limits, with the reason that quarantines them.
func (s *Stream) overflow(it *Item, t *logtypes.LogType, m *logtypes.Multiline) {
	var out []queued
	for {
		next, ok := s.peek(0)
		if !ok || !continues(m, next) {
			break
		}
		rec := input.Record{Line: next.Line, Offset: next.Offset - int64(len(next.Indent))}
		data := append(append([]byte(nil), next.Indent...), next.Data...)
		s.drop(1)
		for lines := 1; lines < m.MaxLines; lines++ {
			next, ok = s.peek(0)
			if !ok || !continues(m, next) || len(data)+1+len(next.Indent)+len(next.Data) > m.MaxBytes {
				break
			}
			data = append(data, '\n')
			data = append(data, next.Indent...)
			data = append(data, next.Data...)
			s.drop(1)
		}
		rec.Data, rec.Size = data, int64(len(data))
		out = append(out, queued{rec: rec, reason: &Reason{LogType: t.Name, Err: fmt.Sprintf(
			"continuation lines of the record at line %d, past its limit of %d lines or %d bytes", it.Rec.Line, m.MaxLines, m.MaxBytes)}})
	}
	if len(out) > 0 {
		s.queue = append(out, s.queue...)
	}
}
