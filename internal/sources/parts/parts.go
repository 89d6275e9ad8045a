// Package parts splits a stream (a watched file, an S3 object) into payloads of bounded
// size for the queue: it undoes the compression (input.Decompress), frames the records
// (input.Reader: NDJSON, JSON arrays, CloudTrail Records files, text lines), and groups
// whole records into parts of at most Options.MaxPartBytes.
//
// Splitting is deterministic: the same bytes give the same parts, so a source that
// publishes a stream again after a crash publishes the same parts under the same DedupIDs,
// and the queue drops the copies. A record longer than Options.MaxRecordBytes is cut: its
// first bytes are published, marked in Payload.Cut with its full size, so the pipeline
// quarantines it with that reason. Each part after the first of a stream whose first record
// is a text line carries that line as Payload.Header (the header of CSV and VPC Flow files).
package parts

import (
	"errors"
	"fmt"
	"io"

	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/sources"
)

// Defaults of Options.
const (
	DefaultMaxPartBytes   = 4 << 20
	DefaultMaxPartRecords = 20000
	DefaultKeepBytes      = 64 << 10
	DefaultHeaderBytes    = 64 << 10
)

// Options bound the parts. The zero value gives the defaults.
type Options struct {
	// MaxPartBytes bounds the record bytes of one part (default 4 MiB). A part holds at
	// least one record.
	MaxPartBytes int
	// MaxPartRecords bounds the records of one part (default 20000).
	MaxPartRecords int
	// MaxRecordBytes is the longest record published whole (default MaxPartBytes); a
	// longer one is cut to KeepBytes.
	MaxRecordBytes int
	// KeepBytes is how much of a cut record is published (default 64 KiB, at most
	// MaxRecordBytes).
	KeepBytes int
	// HeaderBytes bounds the Header copied into later parts (default 64 KiB); a longer
	// first line is not repeated.
	HeaderBytes int
	// FirstPart is the first part emitted: the parts before it are framed but not
	// emitted, for a source that resumes a stream it had partly published.
	FirstPart int
}

func (o Options) withDefaults() Options {
	if o.MaxPartBytes <= 0 {
		o.MaxPartBytes = DefaultMaxPartBytes
	}
	if o.MaxPartRecords <= 0 {
		o.MaxPartRecords = DefaultMaxPartRecords
	}
	if o.MaxRecordBytes <= 0 || o.MaxRecordBytes > o.MaxPartBytes {
		o.MaxRecordBytes = o.MaxPartBytes
	}
	if o.KeepBytes <= 0 {
		o.KeepBytes = DefaultKeepBytes
	}
	o.KeepBytes = min(o.KeepBytes, o.MaxRecordBytes)
	if o.HeaderBytes <= 0 {
		o.HeaderBytes = DefaultHeaderBytes
	}
	return o
}

// Stats describe a split stream.
type Stats struct {
	Compression input.Compression
	Parts       int   // parts framed (emitted or skipped by FirstPart)
	Records     int64 // records framed
	Cut         int64 // records cut
	Bytes       int64 // decompressed bytes read
}

// Split reads the stream r and calls emit with each part, in order: a payload with
// Records, Cut, Header, Part and (on the last part) Parts set; the caller fills in the
// rest (SourceID, Name, DedupID) and publishes it. The payload owns its memory. An empty
// stream has no parts. An error of emit stops the split and is returned as is. A read or
// decompression error ends the stream: the part being built is emitted (as the last),
// then the error is returned, wrapped.
func Split(r io.Reader, o Options, emit func(p *sources.Payload) error) (Stats, error) {
	o = o.withDefaults()
	var st Stats
	dr, c, err := input.Decompress(r)
	st.Compression = c
	if err != nil {
		return st, fmt.Errorf("read: %w", err)
	}
	defer dr.Close()
	rd := input.NewReader(dr, input.Options{MaxRecordBytes: o.MaxRecordBytes, KeepBytes: o.KeepBytes})

	var (
		cur     = newPart(0, o)
		pending *sources.Payload // the part before cur, emitted once we know it is not the last
		header  []byte
		first   = true
	)
	flush := func(p *sources.Payload) error {
		if p == nil || p.Part < o.FirstPart {
			return nil
		}
		return emit(p)
	}
	var readErr error
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = err
			break
		}
		if first {
			first = false
			if !rec.JSON && !rec.TooLong && len(rec.Data) <= o.HeaderBytes {
				header = append([]byte(nil), rec.Data...)
			}
		}
		if cur.len() > 0 && (cur.len() >= o.MaxPartRecords || len(cur.buf)+len(rec.Data) > o.MaxPartBytes) {
			p := cur.payload()
			if err := flush(pending); err != nil {
				return st, err
			}
			pending = p
			cur = newPart(p.Part+1, o)
			// The stream goes on past a full part: size the next one for a full part
			// at once rather than growing it.
			cur.buf = make([]byte, 0, o.MaxPartBytes)
			cur.header = header
		}
		cur.add(&rec)
		st.Records++
		if rec.TooLong {
			st.Cut++
		}
	}
	st.Bytes = rd.BytesRead()
	last := pending
	if cur.len() > 0 {
		if err := flush(pending); err != nil {
			return st, err
		}
		last = cur.payload()
	}
	if last != nil {
		last.Parts = last.Part + 1
		st.Parts = last.Parts
		if err := flush(last); err != nil {
			return st, err
		}
	}
	if readErr != nil {
		var de *input.DecompressError
		if errors.As(readErr, &de) {
			return st, readErr
		}
		return st, fmt.Errorf("read: %w", readErr)
	}
	return st, nil
}

// part is a part being built: its records, one after the other in buf.
type part struct {
	index  int
	buf    []byte
	ends   []int
	cut    []sources.CutRecord
	header []byte
}

func newPart(index int, o Options) *part {
	return &part{index: index, buf: make([]byte, 0, min(o.MaxPartBytes, 256<<10))}
}

func (p *part) len() int { return len(p.ends) }

func (p *part) add(rec *input.Record) {
	if rec.TooLong {
		p.cut = append(p.cut, sources.CutRecord{Index: len(p.ends), Size: rec.Size})
	}
	p.buf = append(p.buf, rec.Data...)
	p.ends = append(p.ends, len(p.buf))
}

func (p *part) payload() *sources.Payload {
	recs := make([][]byte, len(p.ends))
	start := 0
	for i, end := range p.ends {
		recs[i] = p.buf[start:end:end]
		start = end
	}
	pl := &sources.Payload{Records: recs, Cut: p.cut, Part: p.index}
	if p.index > 0 {
		pl.Header = p.header
	}
	return pl
}

// Permanent reports whether a Split error comes from the stream's data (corrupt or
// truncated compressed data), which reading it again cannot cure, rather than from reading
// it or from emit.
func Permanent(err error) bool {
	var de *input.DecompressError
	return errors.As(err, &de) && !de.Source
}

// ForPublisher bounds o to what pub accepts: a Publisher with a MaxPayload() int method
// (the queue's encoded size limit) gets parts of at most half of it, which leaves room for
// the header line, the names and the framing of the records.
func ForPublisher(o Options, pub sources.Publisher) Options {
	if l, ok := pub.(interface{ MaxPayload() int }); ok && l.MaxPayload() > 0 {
		limit := max(l.MaxPayload()/2, 1)
		o = o.withDefaults()
		o.MaxPartBytes = min(o.MaxPartBytes, limit)
		o.MaxRecordBytes = min(o.MaxRecordBytes, o.MaxPartBytes)
		o.KeepBytes = min(o.KeepBytes, o.MaxRecordBytes)
		o.HeaderBytes = min(o.HeaderBytes, o.MaxPartBytes)
	}
	return o
}
