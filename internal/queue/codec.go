package queue

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pantherlabs/panther/internal/sources"
)

// The encoding of a payload in a message (version 1):
//
//	"PQ1"  magic and version
//	kind   1 byte: 'D' (Data) or 'R' (Records)
//	SourceID, Name, Origin, DedupID, Header: each a uvarint length and the bytes
//	Part, Parts: uvarints
//	Data:    the rest of the message
//	Records: a uvarint count, then each record as a uvarint length and the bytes, then a
//	         uvarint count of cut records, each as its index and full size (uvarints)
//
// It is binary so that records keep any bytes (newlines, NULs) and decoding can point into
// the message instead of copying.
const magic = "PQ1"

// Encode returns the message body of p.
func Encode(p *sources.Payload) ([]byte, error) {
	if (p.Data == nil) == (p.Records == nil) {
		return nil, errors.New("queue: a payload needs exactly one of Data and Records")
	}
	if len(p.Cut) > 0 && p.Records == nil {
		return nil, errors.New("queue: a payload's Cut needs Records")
	}
	for _, c := range p.Cut {
		if c.Index < 0 || c.Index >= len(p.Records) || c.Size < 0 {
			return nil, fmt.Errorf("queue: cut record %d (of %d records, size %d)", c.Index, len(p.Records), c.Size)
		}
	}
	if p.Part < 0 || p.Parts < 0 || (p.Parts > 0 && p.Part >= p.Parts) {
		return nil, fmt.Errorf("queue: payload part %d of %d", p.Part, p.Parts)
	}
	n := len(magic) + 1 + 5*binary.MaxVarintLen64 + len(p.SourceID) + len(p.Name) + len(p.Origin) +
		len(p.DedupID) + len(p.Header) + 3*binary.MaxVarintLen64 + len(p.Data)
	for _, r := range p.Records {
		n += binary.MaxVarintLen64 + len(r)
	}
	b := make([]byte, 0, n)
	b = append(b, magic...)
	if p.Data != nil {
		b = append(b, 'D')
	} else {
		b = append(b, 'R')
	}
	for _, s := range []string{p.SourceID, p.Name, p.Origin, p.DedupID} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Header)))
	b = append(b, p.Header...)
	b = binary.AppendUvarint(b, uint64(p.Part))
	b = binary.AppendUvarint(b, uint64(p.Parts))
	if p.Data != nil {
		return append(b, p.Data...), nil
	}
	b = binary.AppendUvarint(b, uint64(len(p.Records)))
	for _, r := range p.Records {
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	b = binary.AppendUvarint(b, uint64(len(p.Cut)))
	for _, c := range p.Cut {
		b = binary.AppendUvarint(b, uint64(c.Index))
		b = binary.AppendUvarint(b, uint64(c.Size))
	}
	return b, nil
}

// Decode parses a message body made by Encode. Data, Records and Header point into b.
func Decode(b []byte) (*sources.Payload, error) {
	d := decoder{b: b}
	if len(b) < len(magic)+1 || string(b[:len(magic)]) != magic {
		return nil, errors.New("queue: not a payload (bad magic)")
	}
	kind := b[len(magic)]
	d.i = len(magic) + 1
	p := &sources.Payload{}
	p.SourceID = string(d.bytes())
	p.Name = string(d.bytes())
	p.Origin = string(d.bytes())
	p.DedupID = string(d.bytes())
	if h := d.bytes(); len(h) > 0 {
		p.Header = h
	}
	p.Part = int(d.uvarint())
	p.Parts = int(d.uvarint())
	switch kind {
	case 'D':
		if d.err == nil {
			p.Data = b[d.i:len(b):len(b)]
		}
	case 'R':
		n := d.uvarint()
		if d.err == nil && n > uint64(len(b)-d.i) {
			d.err = fmt.Errorf("%d records in %d bytes", n, len(b)-d.i)
		}
		if d.err == nil {
			p.Records = make([][]byte, 0, n)
			for i := uint64(0); i < n && d.err == nil; i++ {
				p.Records = append(p.Records, d.bytes())
			}
		}
		cuts := d.uvarint()
		if d.err == nil && cuts > n {
			d.err = fmt.Errorf("%d cut records of %d", cuts, n)
		}
		for i := uint64(0); i < cuts && d.err == nil; i++ {
			c := sources.CutRecord{Index: int(d.uvarint()), Size: int64(d.uvarint())}
			if d.err == nil && (c.Index < 0 || uint64(c.Index) >= n || c.Size < 0) {
				d.err = fmt.Errorf("cut record %d of %d records", c.Index, n)
			}
			p.Cut = append(p.Cut, c)
		}
		if d.err == nil && d.i != len(b) {
			d.err = fmt.Errorf("%d bytes after the records", len(b)-d.i)
		}
	default:
		return nil, fmt.Errorf("queue: unknown payload kind %q", kind)
	}
	if d.err != nil {
		return nil, fmt.Errorf("queue: corrupt payload: %w", d.err)
	}
	return p, nil
}

type decoder struct {
	b   []byte
	i   int
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.i:])
	if n <= 0 {
		d.err = fmt.Errorf("bad length at byte %d", d.i)
		return 0
	}
	d.i += n
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)-d.i) {
		d.err = fmt.Errorf("field of %d bytes at byte %d runs past the end (%d bytes)", n, d.i, len(d.b))
		return nil
	}
	out := d.b[d.i : d.i+int(n) : d.i+int(n)]
	d.i += int(n)
	return out
}
