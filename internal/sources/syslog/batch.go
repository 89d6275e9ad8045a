package syslog

import (
	"time"

	"github.com/pantherlabs/panther/internal/sources"
)

// batch collects the messages of one sender until they are published as one payload.
type batch struct {
	origin string
	name   string // the payload's Name, "tcp://203.0.113.7:51514"
	buf    []byte // the messages, one after the other
	ends   []int  // the end of each message in buf
	cut    []sources.CutRecord
	first  time.Time // when the first message came
}

func newBatch(transport, origin string) *batch {
	return &batch{origin: origin, name: transport + "://" + origin}
}

func (b *batch) len() int { return len(b.ends) }

// add copies m into the batch.
func (b *batch) add(m Message, now time.Time) {
	if len(b.ends) == 0 {
		b.first = now
	}
	if m.Cut {
		b.cut = append(b.cut, sources.CutRecord{Index: len(b.ends), Size: m.Size})
	}
	b.buf = append(b.buf, m.Data...)
	b.ends = append(b.ends, len(b.buf))
}

// take returns the batch's payload and empties the batch. The payload owns its memory: the
// batch starts a new buffer.
func (b *batch) take(sourceID string) *sources.Payload {
	recs := make([][]byte, len(b.ends))
	start := 0
	for i, end := range b.ends {
		recs[i] = b.buf[start:end:end]
		start = end
	}
	p := &sources.Payload{SourceID: sourceID, Name: b.name, Origin: b.origin, Records: recs, Cut: b.cut}
	b.buf, b.ends, b.cut = make([]byte, 0, cap(b.buf)), b.ends[:0:0], nil
	return p
}
