package logtypes

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/textparse"
)

// lineFields collects the named string fields of one text record for decode.Fields, for the
// native text parsers (AWS, Cisco Umbrella, Juniper, Aurora). Plain values are substrings of the
// line; values the parser builds (JSON arrays, RFC 3339 timestamps) are written
// to one buffer and turned into strings by done, once the buffer has stopped growing.
type lineFields struct {
	fields []textparse.Field
	buf    []byte
	built  []lineFieldRange
}

// lineFieldRange is a field whose value is buf[start:end].
type lineFieldRange struct {
	name       string
	start, end int
}

func (r *lineFields) reset() {
	r.fields = r.fields[:0]
	r.buf = r.buf[:0]
	r.built = r.built[:0]
}

// add adds a field unless its value is empty.
func (r *lineFields) add(name, value string) {
	if value != "" {
		r.fields = append(r.fields, textparse.Field{Name: name, Value: value})
	}
}

// has reports whether a plain field of that name was added.
func (r *lineFields) has(name string) bool {
	for _, f := range r.fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// addBuilt adds a field whose value is what the caller appended to r.buf since start. Nothing
// is added if that is empty.
func (r *lineFields) addBuilt(name string, start int) {
	if len(r.buf) > start {
		r.built = append(r.built, lineFieldRange{name: name, start: start, end: len(r.buf)})
	}
}

// addList adds a field holding the JSON array of the items of value separated by sep, each
// trimmed of surrounding spaces; empty items are left out, and nothing is added when no item
// remains.
func (r *lineFields) addList(name, value string, sep byte) {
	start := len(r.buf)
	n := 0
	for value != "" {
		item := value
		if i := strings.IndexByte(value, sep); i >= 0 {
			item, value = value[:i], value[i+1:]
		} else {
			value = ""
		}
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if n == 0 {
			r.buf = append(r.buf, '[')
		} else {
			r.buf = append(r.buf, ',')
		}
		r.buf = event.AppendString(r.buf, item)
		n++
	}
	if n == 0 {
		return
	}
	r.buf = append(r.buf, ']')
	r.addBuilt(name, start)
}

// addTime adds a field holding t as RFC 3339 text with nanoseconds, in UTC.
func (r *lineFields) addTime(name string, t time.Time) {
	start := len(r.buf)
	r.buf = t.UTC().AppendFormat(r.buf, time.RFC3339Nano)
	r.addBuilt(name, start)
}

// done returns the fields, the built ones included. The values alias the record's buffer and
// the line: they are valid until the next reset.
func (r *lineFields) done() []textparse.Field {
	for _, b := range r.built {
		r.fields = append(r.fields, textparse.Field{Name: b.name, Value: unsafeString(r.buf[b.start:b.end])})
	}
	return r.fields
}

// shortQuote quotes a value for an error message, cut to a few dozen bytes at a rune boundary.
func shortQuote(v string) string {
	const max = 40
	if len(v) <= max {
		return fmt.Sprintf("%q", v)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...", v[:cut])
}

// allASCIIDigits reports whether s is a non-empty run of ASCII digits.
func allASCIIDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// firstColumnError is the error of a line whose first column rejects it: a parser keeps one
// and reuses it, so that rejecting the lines of other formats allocates nothing; the message
// is formatted when read, from the column value, which may alias the record.
type firstColumnError struct {
	prefix string // e.g. "column 1 (type) at offset 0: expected http, https"
	got    string
}

func (e *firstColumnError) Error() string { return e.prefix + ", got " + quoteValue(e.got) }

// offsetError is a native text parser's error at a byte offset of the record; its Progress is
// that offset, for the closeness of quarantine reasons.
type offsetError struct {
	offset int
	msg    string
}

func (e *offsetError) Error() string { return e.msg }

// Progress is the offset where the parser stopped.
func (e *offsetError) Progress() int { return e.offset }
