package input

import (
	"bytes"
	"errors"
	"io"
)

// Defaults for Options.
const (
	DefaultMaxRecordBytes = 32 << 20
	DefaultKeepBytes      = 64 << 10
	DefaultBufferSize     = 1 << 20
)

const (
	// minRead is the least free space fill wants before it reads.
	minRead = 4 << 10
	// arrayLookahead bounds how far the first line of a top-level array is
	// read ahead to tell a JSON array from a text line such as "[12.5] msg".
	arrayLookahead = 1 << 20
	// wasteSlack and wasteRatio bound the bytes scanned twice after invalid
	// multi-line JSON values; past the bound, values must end on their first
	// line (see Reader.cautious).
	wasteSlack = 64 << 20
	wasteRatio = 4
)

// Options tunes a Reader. The zero value gives the defaults.
type Options struct {
	// MaxRecordBytes is the largest record kept whole; a longer one is
	// returned with TooLong set. Default DefaultMaxRecordBytes.
	MaxRecordBytes int
	// KeepBytes is how much of a too-long record is returned in Data.
	// Default DefaultKeepBytes; it is capped at MaxRecordBytes.
	KeepBytes int
	// BufferSize is the initial size of the read buffer, which grows as
	// needed up to about MaxRecordBytes. Default DefaultBufferSize.
	BufferSize int
}

func (o Options) withDefaults() Options {
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.KeepBytes <= 0 {
		o.KeepBytes = DefaultKeepBytes
	}
	o.KeepBytes = min(o.KeepBytes, o.MaxRecordBytes)
	if o.BufferSize <= 0 {
		o.BufferSize = DefaultBufferSize
	}
	return o
}

// Record is one framed record of a stream.
type Record struct {
	// Data holds the record bytes without leading or trailing whitespace.
	// It is valid until the next call to Next.
	Data []byte
	// Line is the 1-based line on which the record starts.
	Line int
	// Offset is the byte offset of the record's first byte in the
	// (decompressed) stream.
	Offset int64
	// JSON reports that Data is one complete, syntactically valid JSON value.
	// It is false for text records, which may still happen to be JSON (a
	// line "42" is framed as text).
	JSON bool
	// Size is the full size of the record. It is larger than len(Data) only
	// when TooLong is set.
	Size int64
	// TooLong reports that the record exceeded Options.MaxRecordBytes: Data
	// holds its first Options.KeepBytes bytes and the rest was skipped.
	TooLong bool
	// Indent is the white space before Data on its line (at most maxIndent
	// bytes of it), for the multi-line framing of text types: a line such as
	// "\tat com.example.Main" continues the record before it. It is empty for
	// a record that starts its line and for the elements of a streamed array.
	// It is valid until the next call to Next.
	Indent []byte
	// Note, when set, says why a reader that recognised the record as part of a format it
	// reads (a Zeek data line whose values do not match its #fields header, a Windows event
	// whose XML is not well-formed) could not read it: the record is returned as text, and
	// when no log type accepts it, Note is the first reason it is quarantined with.
	Note string
}

// maxIndent bounds Record.Indent.
const maxIndent = 1 << 10

// mode is the framing state between two calls to Next.
type mode uint8

const (
	modeTop       mode = iota // between top-level records
	modeElem                  // in a streamed array, before an element (or ']' when first)
	modeAfterElem             // in a streamed array, after an element: ',' or ']'
	modeTail                  // after a Records array: the wrapper's other members
)

// errFull is fill's internal report that the buffer is at its size limit.
var errFull = errors.New("input: buffer full")

// Reader frames a byte stream into records; see the package documentation
// for the rules. It reads from its source in large chunks, keeps one record
// (at most about Options.MaxRecordBytes) in memory, and allocates nothing per
// record once its buffer has grown to fit the records seen.
type Reader struct {
	src   io.Reader
	opt   Options
	limit int // the size the buffer may grow to

	buf  []byte
	cur  int   // the framing position in buf
	w    int   // buf[:w] holds data
	item int   // start of the item being framed; buf[:min(item, pin)] may be dropped
	pin  int   // start of a streamed array or Records wrapper that may still fall back to text, or -1
	base int64 // stream offset of buf[0]
	eof  bool
	err  error // the source's error other than io.EOF, sticky

	line int // line number at buf[lpos]
	lpos int

	started bool // the BOM check is done
	mode    mode
	records bool // the streamed array is the value of a Records wrapper
	first   bool // in modeElem: no element seen yet, so ']' may close the array

	sc     scanner
	keep   []byte // the kept prefix of a too-long record
	indent []byte // the white space before the record on its line, see Record.Indent

	// waste counts bytes scanned past the end of a record that turned out
	// to be text, which will be scanned again. When it grows beyond
	// wasteRatio times the stream position plus wasteSlack, the reader turns
	// cautious: a JSON value must then end on the line it starts on. This
	// keeps framing linear in time on adversarial input such as many lines
	// of "{"a":[" that each open a value the rest of the file never closes.
	waste    int64
	cautious bool
}

// NewReader returns a Reader that frames r.
func NewReader(r io.Reader, o Options) *Reader {
	o = o.withDefaults()
	limit := o.MaxRecordBytes + 4*minRead
	return &Reader{
		src:   r,
		opt:   o,
		limit: limit,
		buf:   make([]byte, min(o.BufferSize, limit)),
		pin:   -1,
		line:  1,
	}
}

// Reset makes r frame src from its start, keeping the options and the
// buffer, so that one Reader can serve many files without allocating.
func (r *Reader) Reset(src io.Reader) {
	*r = Reader{
		src:    src,
		opt:    r.opt,
		limit:  r.limit,
		buf:    r.buf,
		pin:    -1,
		line:   1,
		sc:     scanner{stack: r.sc.stack[:0]},
		keep:   r.keep[:0],
		indent: r.indent[:0],
	}
}

// BytesRead returns how many bytes of the (decompressed) stream the reader
// has framed so far.
func (r *Reader) BytesRead() int64 { return r.base + int64(r.cur) }

// Next returns the next record. At the end of the stream it returns io.EOF.
// Any other error comes from the source; it is returned after the records
// completed before it, the incomplete record at the point of failure is
// not returned, and every later call returns the same error.
func (r *Reader) Next() (Record, error) {
	if !r.started {
		if err := r.skipBOM(); err != nil {
			return Record{}, err
		}
	}
	for {
		var (
			rec Record
			ok  bool
			err error
		)
		switch r.mode {
		case modeTop:
			rec, ok, err = r.nextTop()
		case modeElem:
			rec, ok, err = r.nextElem()
		case modeAfterElem:
			rec, ok, err = r.nextAfterElem()
		case modeTail:
			rec, ok, err = r.nextTail()
		}
		if err != nil {
			return Record{}, err
		}
		if ok {
			return rec, nil
		}
	}
}

// skipBOM drops a UTF-8 byte order mark at the start of the stream.
func (r *Reader) skipBOM() error {
	for r.w < 3 {
		if !r.fill() {
			break
		}
	}
	if r.err != nil && r.w < 3 {
		return r.err
	}
	r.started = true
	if bytes.HasPrefix(r.buf[:r.w], []byte("\xef\xbb\xbf")) {
		r.cur, r.item = 3, 3
	}
	return nil
}

// nextTop frames the record that starts at the next non-space byte.
func (r *Reader) nextTop() (rec Record, ok bool, err error) {
	r.indent = r.indent[:0]
	if !r.skipSpace(&textSpace) {
		if r.err != nil {
			return Record{}, false, r.err
		}
		return Record{}, false, io.EOF
	}
	switch r.buf[r.cur] {
	case '{':
		rec, ok, err = r.topObject()
	case '[':
		rec, ok, err = r.topArray()
	default:
		rec, ok, err = r.lineRecord()
	}
	if ok && len(r.indent) > 0 {
		rec.Indent = r.indent
	}
	return rec, ok, err
}

// topObject frames a value that starts with '{' at r.item.
func (r *Reader) topObject() (Record, bool, error) {
	if r.matchRecords() {
		r.startArray(true)
		return Record{}, false, nil
	}
	r.sc.reset()
	switch st, err := r.scan(); st {
	case resDone:
		return r.record(r.item, r.cur, true), true, nil
	case resInvalid:
		return r.fallback(r.item)
	case resReadErr:
		return Record{}, false, err
	default:
		return r.tooLongJSON(modeTop, st)
	}
}

// isRecordsKey reports whether b starts with the key "Records" or "records".
func isRecordsKey(b []byte) bool {
	const key = `"Records"`
	return len(b) >= len(key) && b[0] == '"' && (b[1] == 'R' || b[1] == 'r') && string(b[2:len(key)]) == key[2:]
}

// matchRecords reports whether the object at r.item begins with
// `{"Records":[` or `{"records":[` (JSON whitespace allowed between the
// tokens). If so, r.cur is just past the '['.
func (r *Reader) matchRecords() bool {
	const key = `"Records"` // or "records": only the first letter's case differs
	i := r.item + 1
	step := 0 // 0: the key, 1: ':', 2: '['
	for {
		if i-r.item >= r.opt.MaxRecordBytes {
			return false // a head longer than any record may be
		}
		need := 1
		if step == 0 {
			need = len(key)
		}
		if i+need > r.w && !r.eof && r.err == nil {
			off := i - r.item
			if !r.fill() && !r.eof {
				// A read error (left for the scanner to meet after it has
				// used the bytes it has) or a buffer full of whitespace.
				return false
			}
			i = r.item + off
			continue
		}
		if i >= r.w {
			return false
		}
		c := r.buf[i]
		if jsonSpace[c] {
			i++
			continue
		}
		switch {
		case step == 0 && isRecordsKey(r.buf[i:r.w]):
			i += len(key)
		case step == 1 && c == ':':
			i++
		case step == 2 && c == '[':
			r.cur = i + 1
			return true
		default:
			return false
		}
		step++
	}
}

// topArray frames a value that starts with '[' at r.item. When its first
// line is within reach, it checks that line first: an array that is
// invalid there, or that closes and is followed by text on the same line
// (as in "[12.5] kernel: ..." or "[2021-01-01 10:00:00] msg"), makes the
// line one text record. Otherwise the array's elements are streamed.
func (r *Reader) topArray() (Record, bool, error) {
	reach := min(arrayLookahead, r.opt.MaxRecordBytes)
	from := r.item
	for {
		if i := bytes.IndexByte(r.buf[from:r.w], '\n'); i >= 0 {
			if from+i-r.item > reach {
				break
			}
			return r.checkArrayLine(from+i, false)
		}
		if r.w-r.item > reach {
			break // a long first line: stream it
		}
		off := r.w - r.item
		if !r.fill() {
			if r.err != nil {
				return Record{}, false, r.err
			}
			if r.eof {
				return r.checkArrayLine(r.w, true)
			}
			break
		}
		from = r.item + off
	}
	r.startArray(false)
	return Record{}, false, nil
}

// checkArrayLine decides how to frame a top-level array whose first line
// ends at eol; atEOF says the line is the last of the stream.
func (r *Reader) checkArrayLine(eol int, atEOF bool) (Record, bool, error) {
	r.sc.reset()
	n, st := r.sc.scan(r.buf[r.item:eol])
	switch st {
	case scanDone:
		rest := r.buf[r.item+n : eol]
		for len(rest) > 0 && textSpace[rest[0]] {
			rest = rest[1:]
		}
		if len(rest) > 0 && rest[0] != '{' && rest[0] != '[' {
			return r.lineRecord()
		}
	case scanErr:
		return r.lineRecord()
	case scanMore:
		if atEOF || r.cautious {
			return r.lineRecord()
		}
	}
	r.startArray(false)
	return Record{}, false, nil
}

// startArray switches to streaming the elements of the array whose '['
// is just before r.cur (or at r.item for a top-level array).
func (r *Reader) startArray(records bool) {
	r.pin = r.item
	if !records {
		r.cur = r.item + 1
	}
	r.item = r.cur
	r.records = records
	r.first = true
	r.mode = modeElem
}

// nextElem frames the next element of a streamed array.
func (r *Reader) nextElem() (Record, bool, error) {
	if !r.skipSpace(&jsonSpace) {
		return r.arrayError()
	}
	if r.first && r.buf[r.cur] == ']' {
		r.cur++
		r.endArray()
		return Record{}, false, nil
	}
	r.sc.reset()
	switch st, err := r.scan(); st {
	case resDone:
	case resInvalid:
		return r.arrayError()
	case resReadErr:
		return Record{}, false, err
	default:
		return r.tooLongJSON(modeElem, st)
	}
	// The element is complete; emit it once the next token is ',' or ']',
	// so that "1x" or `{} {}` inside an array become text, not records.
	size := r.cur - r.item
	c, err := r.peekToken()
	switch {
	case errors.Is(err, errFull):
		// Whitespace longer than the buffer after the element: emit it
		// unchecked and look at the token afterwards.
		r.pin = -1
		r.mode = modeAfterElem
		return r.record(r.item, r.item+size, true), true, nil
	case err != nil:
		return Record{}, false, err
	case c == ',' || c == ']':
		r.pin = -1
		rec := r.record(r.item, r.item+size, true)
		r.cur++
		if c == ',' {
			r.first = false
		} else {
			r.endArray()
		}
		return rec, true, nil
	default:
		return r.arrayError()
	}
}

// nextAfterElem expects ',' or ']' after an element that was returned
// without looking at the token after it.
func (r *Reader) nextAfterElem() (Record, bool, error) {
	if !r.skipSpace(&jsonSpace) {
		return r.arrayError()
	}
	switch r.buf[r.cur] {
	case ',':
		r.cur++
		r.first = false
		r.mode = modeElem
		return Record{}, false, nil
	case ']':
		r.cur++
		r.endArray()
		return Record{}, false, nil
	default:
		return r.arrayError()
	}
}

// endArray leaves array mode after its ']': a Records array continues with
// the rest of its wrapper object.
func (r *Reader) endArray() {
	r.item = r.cur
	if r.records {
		r.mode = modeTail
		return
	}
	r.pin = -1
	r.mode = modeTop
}

// nextTail consumes the members that follow a Records array up to the
// wrapper's closing brace. They are valid JSON outside any record and are
// dropped; anything invalid becomes a text record.
func (r *Reader) nextTail() (Record, bool, error) {
	if !r.skipSpace(&jsonSpace) {
		return r.arrayError()
	}
	r.sc.resetTail()
	switch st, err := r.scan(); st {
	case resDone:
		r.pin = -1
		r.item = r.cur
		r.mode = modeTop
		return Record{}, false, nil
	case resInvalid:
		return r.arrayError()
	case resReadErr:
		return Record{}, false, err
	default:
		return r.tooLongJSON(modeTail, st)
	}
}

// arrayError handles a syntax error (or the end of the stream) inside a
// streamed array or its wrapper, found at or after r.item. If nothing of
// the array has been returned yet, the line where the array (or wrapper)
// starts becomes a text record, as for any invalid value. Otherwise the
// rest of the line from r.item does. Framing resumes on the next line.
func (r *Reader) arrayError() (Record, bool, error) {
	if r.err != nil {
		return Record{}, false, r.err
	}
	start := r.item
	if r.pin >= 0 {
		start = r.pin
	}
	r.pin = -1
	r.mode = modeTop
	if start >= r.w || textSpace[r.buf[start]] {
		// The stream ended between tokens, or the bad token is \v or \f,
		// which are whitespace between top-level records.
		r.item = start
		r.cur = start
		return Record{}, false, nil
	}
	return r.fallback(start)
}

// fallback frames the line that starts at start as text after a JSON value
// there turned out invalid at r.cur, and keeps count of the bytes that were
// scanned past that line.
func (r *Reader) fallback(start int) (Record, bool, error) {
	scanned := r.base + int64(r.cur)
	r.item = start
	r.mode = modeTop
	rec, ok, err := r.lineRecord()
	if over := scanned - (r.base + int64(r.cur)); over > 0 {
		r.waste += over
		if r.waste > wasteRatio*(r.base+int64(r.cur))+wasteSlack {
			r.cautious = true
		}
	}
	return rec, ok, err
}

// scan results.
type scanResult uint8

const (
	resDone    scanResult = iota // r.cur is just past the value
	resInvalid                   // syntax error at r.cur, or the stream ended
	resReadErr                   // the source failed
	// The value is longer than MaxRecordBytes: it is complete (resLongDone),
	// invalid at r.cur (resLongInvalid), or still open (resLongOpen).
	resLongDone
	resLongInvalid
	resLongOpen
)

// scan runs the scanner from r.cur over the value that starts at r.item.
func (r *Reader) scan() (scanResult, error) {
	for {
		end, lineEnd := r.w, false
		if r.cautious {
			if i := bytes.IndexByte(r.buf[r.cur:r.w], '\n'); i >= 0 {
				end, lineEnd = r.cur+i+1, true
			}
		}
		n, st := r.sc.scan(r.buf[r.cur:end])
		r.cur += n
		long := r.cur-r.item > r.opt.MaxRecordBytes
		switch {
		case st == scanDone && long:
			return resLongDone, nil
		case st == scanDone:
			return resDone, nil
		case (st == scanErr || lineEnd) && long:
			return resLongInvalid, nil
		case st == scanErr || lineEnd:
			return resInvalid, nil
		case long:
			return resLongOpen, nil
		}
		if !r.fill() {
			switch {
			case r.err != nil:
				return resReadErr, r.err
			case r.eof:
				return resInvalid, nil
			default:
				return resLongOpen, nil
			}
		}
	}
}

// lineRecord returns the text record that starts at r.item and ends at the
// end of its line; framing continues on the next line.
func (r *Reader) lineRecord() (Record, bool, error) {
	r.mode = modeTop
	off := 0 // bytes after r.item known to hold no newline
	for {
		if i := bytes.IndexByte(r.buf[r.item+off:r.w], '\n'); i >= 0 {
			e := r.item + off + i
			if e-r.item > r.opt.MaxRecordBytes {
				return r.tooLongText()
			}
			r.cur = e + 1
			return r.textRecord(r.item, e), true, nil
		}
		off = r.w - r.item
		if off > r.opt.MaxRecordBytes {
			return r.tooLongText()
		}
		if !r.fill() {
			switch {
			case r.err != nil:
				return Record{}, false, r.err
			case r.eof:
				r.cur = r.w
				return r.textRecord(r.item, r.w), true, nil
			default:
				return r.tooLongText()
			}
		}
	}
}

// textRecord returns buf[s:e] trimmed as a text record.
func (r *Reader) textRecord(s, e int) Record {
	for s < e && textSpace[r.buf[s]] {
		s++
	}
	for e > s && textSpace[r.buf[e-1]] {
		e--
	}
	return r.record(s, e, false)
}

// record returns buf[s:e] as a record.
func (r *Reader) record(s, e int, json bool) Record {
	r.advanceLine(s)
	return Record{Data: r.buf[s:e:e], Line: r.line, Offset: r.base + int64(s), JSON: json, Size: int64(e - s)}
}

// tooLongText handles a line that started at r.item and passed
// MaxRecordBytes: it keeps its head and skips the rest of the line.
func (r *Reader) tooLongText() (Record, bool, error) {
	rec := r.startTooLong()
	r.cur = r.item + len(r.keep)
	last := r.lastNonSpace(r.item, r.cur)
	if err := r.skipLine(&last); err != nil {
		return Record{}, false, err
	}
	return r.finishTooLong(rec, last), true, nil
}

// tooLongJSON handles a JSON value that started at r.item, was scanned up
// to r.cur and is longer than MaxRecordBytes; st says whether it is
// complete, invalid at r.cur or still open. It keeps the head of the value
// and scans on without keeping the bytes: if the value ends validly, the
// record ends with it and framing goes on after it in mode next (a value in
// the tail of a Records wrapper is then dropped without a record);
// otherwise the record runs to the end of the line where the value turned
// invalid.
func (r *Reader) tooLongJSON(next mode, st scanResult) (Record, bool, error) {
	rec := r.startTooLong()
	last := int64(-1)
	for {
		last = max(last, r.lastNonSpace(r.item, r.cur))
		r.item = r.cur // drop what was scanned
		switch st {
		case resLongDone:
			r.mode = next
			switch next {
			case modeTail:
				r.mode = modeTop
				return Record{}, false, nil
			case modeElem:
				r.mode = modeAfterElem
			}
			rec.Size = r.base + int64(r.cur) - rec.Offset
			return rec, true, nil
		case resLongInvalid:
			r.mode = modeTop
			if err := r.skipLine(&last); err != nil {
				return Record{}, false, err
			}
			return r.finishTooLong(rec, last), true, nil
		}
		if r.cur == r.w && !r.fill() {
			if r.err != nil {
				return Record{}, false, r.err
			}
			r.mode = modeTop
			return r.finishTooLong(rec, last), true, nil
		}
		n, s := r.sc.scan(r.buf[r.cur:r.w])
		r.cur += n
		switch s {
		case scanDone:
			st = resLongDone
		case scanErr:
			st = resLongInvalid
		}
	}
}

// startTooLong begins a too-long record at r.item: it copies the head into
// r.keep and gives up any pinned array start.
func (r *Reader) startTooLong() Record {
	r.pin = -1
	s := r.item
	r.advanceLine(s)
	k := min(r.opt.KeepBytes, r.w-s)
	r.keep = append(r.keep[:0], r.buf[s:s+k]...)
	return Record{Data: r.keep, Line: r.line, Offset: r.base + int64(s), TooLong: true}
}

// finishTooLong sets the size of a too-long record whose last non-space
// byte is at stream offset last. A record that turns out to fit in the kept
// head (it was long only because of trailing whitespace) is returned whole.
func (r *Reader) finishTooLong(rec Record, last int64) Record {
	rec.Size = last + 1 - rec.Offset
	if rec.Size <= int64(len(rec.Data)) {
		rec.Data = rec.Data[:rec.Size]
		rec.TooLong = false
	}
	return rec
}

// skipLine drops bytes from r.cur to the end of the line, keeping in *last
// the stream offset of the last non-space byte seen.
func (r *Reader) skipLine(last *int64) error {
	for {
		if i := bytes.IndexByte(r.buf[r.cur:r.w], '\n'); i >= 0 {
			*last = max(*last, r.lastNonSpace(r.cur, r.cur+i))
			r.cur += i + 1
			r.item = r.cur
			return nil
		}
		*last = max(*last, r.lastNonSpace(r.cur, r.w))
		r.cur = r.w
		r.item = r.cur
		if !r.fill() {
			return r.err // nil at the end of the stream
		}
	}
}

// lastNonSpace returns the stream offset of the last non-space byte in
// buf[s:e], or -1.
func (r *Reader) lastNonSpace(s, e int) int64 {
	for e > s {
		e--
		if !textSpace[r.buf[e]] {
			return r.base + int64(e)
		}
	}
	return -1
}

// skipSpace moves r.cur and r.item past the bytes in space. It returns
// false at the end of the stream or on a read error.
func (r *Reader) skipSpace(space *[256]bool) bool {
	for {
		start := r.cur
		for r.cur < r.w && space[r.buf[r.cur]] {
			r.cur++
		}
		if r.cur > start {
			// Keep the white space after the last newline: the indent of the next record.
			seg := r.buf[start:r.cur]
			if i := bytes.LastIndexByte(seg, '\n'); i >= 0 {
				r.indent, seg = r.indent[:0], seg[i+1:]
			}
			r.indent = append(r.indent, seg[:min(len(seg), maxIndent-len(r.indent))]...)
		}
		r.item = r.cur
		if r.cur < r.w {
			return true
		}
		if !r.fill() {
			return false
		}
	}
}

// peekToken returns the first byte after JSON whitespace from r.cur,
// keeping r.item. At the end of the stream it returns 0.
func (r *Reader) peekToken() (byte, error) {
	for {
		for r.cur < r.w && jsonSpace[r.buf[r.cur]] {
			r.cur++
		}
		if r.cur < r.w {
			return r.buf[r.cur], nil
		}
		if !r.fill() {
			switch {
			case r.err != nil:
				return 0, r.err
			case r.eof:
				return 0, nil
			default:
				return 0, errFull
			}
		}
	}
}

// advanceLine moves the line count to buf[pos]; pos must not be before
// the last position counted.
func (r *Reader) advanceLine(pos int) {
	r.line += bytes.Count(r.buf[r.lpos:pos], []byte{'\n'})
	r.lpos = pos
}

// keepFrom returns the first buffer index that must be kept.
func (r *Reader) keepFrom() int {
	if r.pin >= 0 && r.pin < r.item {
		return r.pin
	}
	return r.item
}

// fill reads more data into the buffer, dropping or growing it as needed.
// It returns false when nothing was added: at the end of the stream
// (r.eof), on a read error (r.err), or when the buffer is at its size
// limit (neither set).
func (r *Reader) fill() bool {
	if r.err != nil || r.eof {
		return false
	}
	if len(r.buf)-r.w < r.wantRoom() {
		r.makeRoom()
		if r.w == len(r.buf) {
			return false
		}
	}
	for range 100 {
		n, err := r.src.Read(r.buf[r.w:])
		if n < 0 || n > len(r.buf)-r.w {
			r.err = errors.New("input: source returned an invalid count")
			return false
		}
		r.w += n
		if err != nil {
			if err == io.EOF {
				r.eof = true
			} else {
				r.err = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.err = io.ErrNoProgress
	return false
}

// wantRoom is the free space fill wants at the end of the buffer before
// it reads: minRead, or half of a smaller buffer.
func (r *Reader) wantRoom() int {
	return max(min(minRead, len(r.buf)/2), 1)
}

// makeRoom frees space at the end of the buffer: it drops the bytes before
// keepFrom when that frees a good share (or growing is not allowed), grows
// the buffer otherwise, and at the size limit gives up the pinned array start.
func (r *Reader) makeRoom() {
	kf := r.keepFrom()
	if kf > 0 && (kf >= len(r.buf)/2 || len(r.buf) >= r.limit) {
		r.compact(kf)
		if len(r.buf)-r.w >= r.wantRoom() {
			return
		}
	}
	if len(r.buf) < r.limit {
		nb := make([]byte, min(max(2*len(r.buf), 64), r.limit))
		kf = r.keepFrom()
		r.advanceLine(kf)
		r.w = copy(nb, r.buf[kf:r.w])
		r.shift(kf)
		r.buf = nb
		return
	}
	if r.pin >= 0 {
		r.pin = -1
		if kf = r.keepFrom(); kf > 0 {
			r.compact(kf)
		}
	}
}

// compact moves buf[kf:w] to the start of the buffer.
func (r *Reader) compact(kf int) {
	r.advanceLine(kf)
	r.w = copy(r.buf, r.buf[kf:r.w])
	r.shift(kf)
}

// shift updates the indexes after the bytes before kf were dropped; the
// line count must already be advanced to kf.
func (r *Reader) shift(kf int) {
	r.lpos = 0
	r.base += int64(kf)
	r.cur -= kf
	r.item -= kf
	if r.pin >= 0 {
		r.pin -= kf
	}
}
