package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
)

// frameAll reads every record of r, copying Data, until io.EOF or an error.
func frameAll(r *Reader) ([]Record, error) {
	var out []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if rec.Size < int64(len(rec.Data)) {
			return out, fmt.Errorf("record at offset %d: Size %d < len(Data) %d", rec.Offset, rec.Size, len(rec.Data))
		}
		rec.Data = bytes.Clone(rec.Data)
		rec.Indent = bytes.Clone(rec.Indent)
		out = append(out, rec)
		if len(r.buf) > r.limit {
			return out, fmt.Errorf("buffer grew to %d bytes, over its limit of %d", len(r.buf), r.limit)
		}
	}
}

// checkRecords is the "nothing lost" oracle. It checks that the records
// framed from in
//   - are in order, do not overlap, and hold the input bytes at their offsets,
//   - have the right line numbers and no leading or trailing whitespace,
//   - are valid JSON (per encoding/json) when JSON is set,
//   - are TooLong only past MaxRecordBytes, with the kept head in Data,
//
// and that what lies between them is only whitespace, a leading byte order
// mark, or the framing of streamed arrays: '[', ']', ',', a Records wrapper
// head `{"Records":[` and the valid members and '}' that end such a wrapper.
func checkRecords(in []byte, recs []Record, o Options) error {
	o = o.withDefaults()
	pos := 0
	if bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) {
		pos = 3
	}
	line, lpos := 1, 0
	for i, rec := range recs {
		if rec.Offset < int64(pos) || rec.Offset > int64(len(in)) {
			return fmt.Errorf("record %d: offset %d is before the end of the previous record (%d) or past the input (%d)", i, rec.Offset, pos, len(in))
		}
		off := int(rec.Offset)
		if err := checkGap(in[pos:off]); err != nil {
			return fmt.Errorf("bytes %d..%d before record %d: %w", pos, off, i, err)
		}
		end := off + int(rec.Size)
		if rec.Size <= 0 || end > len(in) {
			return fmt.Errorf("record %d at offset %d: size %d is out of range", i, off, rec.Size)
		}
		if !bytes.Equal(in[off:off+len(rec.Data)], rec.Data) {
			return fmt.Errorf("record %d at offset %d: Data %q is not the input there (%q)", i, off, rec.Data, in[off:off+len(rec.Data)])
		}
		if n := len(rec.Indent); n > 0 && (n > off || n < maxIndent && !bytes.Equal(in[off-n:off], rec.Indent) || bytes.IndexByte(rec.Indent, '\n') >= 0 || n > maxIndent) {
			return fmt.Errorf("record %d at offset %d: Indent %q is not the white space before it on its line", i, off, rec.Indent)
		}
		if textSpace[in[off]] || textSpace[in[end-1]] {
			return fmt.Errorf("record %d at offset %d: %q starts or ends with whitespace", i, off, in[off:end])
		}
		line += bytes.Count(in[lpos:off], []byte{'\n'})
		lpos = off
		if rec.Line != line {
			return fmt.Errorf("record %d at offset %d: line %d, want %d", i, off, rec.Line, line)
		}
		if rec.TooLong {
			if rec.JSON || len(rec.Data) != o.KeepBytes || rec.Size <= int64(len(rec.Data)) {
				return fmt.Errorf("record %d at offset %d: too long with JSON=%v, %d bytes kept, size %d", i, off, rec.JSON, len(rec.Data), rec.Size)
			}
		} else if int(rec.Size) != len(rec.Data) {
			return fmt.Errorf("record %d at offset %d: size %d but %d bytes of data", i, off, rec.Size, len(rec.Data))
		} else if len(rec.Data) > o.MaxRecordBytes {
			return fmt.Errorf("record %d at offset %d: %d bytes exceed MaxRecordBytes %d", i, off, len(rec.Data), o.MaxRecordBytes)
		}
		if rec.JSON && !json.Valid(rec.Data) {
			return fmt.Errorf("record %d at offset %d: JSON=true but invalid: %q", i, off, rec.Data)
		}
		pos = end
	}
	if err := checkGap(in[pos:]); err != nil {
		return fmt.Errorf("bytes %d..%d after the last record: %w", pos, len(in), err)
	}
	return nil
}

// checkGap accepts the bytes between two records: whitespace and the
// framing of streamed arrays and Records wrappers.
func checkGap(g []byte) error {
	i := 0
	for i < len(g) {
		c := g[i]
		switch {
		case textSpace[c], c == '[', c == ']', c == ',', c == '}':
			i++
		case c == '{':
			n := recordsHead(g[i:])
			if n == 0 {
				return fmt.Errorf("unframed %q", g[i:])
			}
			i += n
		case c == '"':
			// Members after a Records array: `"k": v, ... }`, checked by
			// decoding them as the members of an object.
			n, err := members(g[i:])
			if err != nil {
				return fmt.Errorf("unframed %q: %w", g[i:], err)
			}
			i += n
		default:
			return fmt.Errorf("unframed %q", g[i:])
		}
	}
	return nil
}

// recordsHead returns the length of a `{"Records":[` head at the start of
// g, or 0.
func recordsHead(g []byte) int {
	i := 1
	skip := func() {
		for i < len(g) && jsonSpace[g[i]] {
			i++
		}
	}
	skip()
	if !bytes.HasPrefix(g[i:], []byte(`"Records"`)) && !bytes.HasPrefix(g[i:], []byte(`"records"`)) {
		return 0
	}
	i += len(`"Records"`)
	skip()
	if i >= len(g) || g[i] != ':' {
		return 0
	}
	i++
	skip()
	if i >= len(g) || g[i] != '[' {
		return 0
	}
	return i + 1
}

// members returns the length of `"k": v, "k2": v2 }` at the start of g.
func members(g []byte) (int, error) {
	d := json.NewDecoder(io.MultiReader(bytes.NewReader([]byte("{")), bytes.NewReader(g)))
	if _, err := d.Token(); err != nil {
		return 0, err
	}
	for d.More() {
		if _, err := d.Token(); err != nil {
			return 0, err
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return 0, err
		}
	}
	t, err := d.Token()
	if err != nil {
		return 0, err
	}
	if t != json.Delim('}') {
		return 0, errors.New("members do not end with '}'")
	}
	return int(d.InputOffset()) - 1, nil
}

// mustFrame frames in with o and fails the test if the oracle rejects the
// records.
func mustFrame(t testing.TB, in []byte, o Options, wrap func(io.Reader) io.Reader) []Record {
	t.Helper()
	var src io.Reader = bytes.NewReader(in)
	if wrap != nil {
		src = wrap(src)
	}
	recs, err := frameAll(NewReader(src, o))
	if err != nil {
		t.Fatalf("framing %q: %v", in, err)
	}
	if err := checkRecords(in, recs, o); err != nil {
		t.Fatalf("framing %q: %v\nrecords:\n%s", in, err, describeAll(recs))
	}
	return recs
}

// describe renders a record as `line:kind:data`, kind being json, text or
// long(size).
func describe(r Record) string {
	kind := "text"
	switch {
	case r.TooLong:
		kind = fmt.Sprintf("long(%d)", r.Size)
	case r.JSON:
		kind = "json"
	}
	return fmt.Sprintf("%d:%s:%s", r.Line, kind, r.Data)
}

func describeAll(recs []Record) string {
	var b bytes.Buffer
	for _, r := range recs {
		fmt.Fprintf(&b, "%s\n", describe(r))
	}
	return b.String()
}
