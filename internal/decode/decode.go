// Package decode turns a raw record into an event value shaped by a compiled log schema: a
// JSON value (decoded directly, without an intermediate tree) or the named string fields a
// text parser produced. Indicators of the schema's string fields are collected on the way.
//
// Decoding is lenient where vendors are inconsistent and strict where classification needs it:
//
//   - a string field accepts numbers and booleans (kept as text) but not objects or lists; a
//     number field accepts numeric strings; a list of scalars accepts a single scalar; a list
//     of objects accepts a single object (as a list of one); null, "" and, for numbers,
//     booleans and timestamps, "-" mean absent; unknown keys are dropped; timestamps are read
//     without surrounding white space;
//   - a malformed value of an optional field (a value of the right shape whose text is not of
//     the field's type: "12 ms" for an int, "yesterday" for a timestamp, text that is not JSON
//     for a json field) is dropped: the field is absent and the decoder records a Warning
//     with the field path, the raw value and what was expected (the event's
//     p_parse_warnings). A malformed element of a list of scalars is dropped from the list;
//   - a missing required field, a malformed value of a required field, a value of the wrong
//     shape (an object for a string, an object for a list of strings, a string for an object)
//     or a string outside its allow list is an error that names the field path: required
//     fields and shapes are what tell log types apart.
package decode

import (
	"errors"
	"strconv"
	"strings"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// MaxDepth is the deepest JSON nesting decoded; deeper values are an error.
const MaxDepth = 512

// Decoder decodes records into an Arena. It is not safe for concurrent use.
type Decoder struct {
	Arena *event.Arena
	// Indicators collects the indicators of the current record. Decode resets it.
	Indicators indicators.Set

	scratch []byte
	warns   []warning
	dropped int // warnings past MaxWarnings
}

// Error is a decoding error with the path of the field where it happened.
type Error struct {
	path   []string // innermost first
	Offset int      // byte offset in the JSON text, -1 if not applicable
	Msg    string
	// Value is the text of a malformed value (see Malformed), copied; empty otherwise.
	Value string

	// malformed marks a value of the right shape whose text is not of the field's type.
	malformed bool
	// quoted is set when Msg already shows the value.
	quoted bool
}

// Path returns the dotted field path, e.g. userIdentity.sessionContext.attributes.
func (e *Error) Path() string { return joinPath(e.path) }

// joinPath renders path segments given innermost first: names joined by dots, "[n]"
// segments appended as they are.
func joinPath(path []string) string {
	var b strings.Builder
	for i := len(path) - 1; i >= 0; i-- {
		seg := path[i]
		if b.Len() > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// Malformed reports whether the error is about a malformed value: a value of the right shape
// (a scalar where a scalar is expected, a string where a timestamp or JSON text is expected)
// whose text does not parse as the field's type, such as "12 ms" for an int. An optional
// field drops such a value with a Warning instead of failing the record.
func (e *Error) Malformed() bool { return e.malformed }

func (e *Error) Error() string {
	msg := e.Msg
	if e.malformed && !e.quoted {
		msg += ", got " + quoteShort([]byte(e.Value))
	}
	p := e.Path()
	if p == "" {
		return msg
	}
	return "field " + p + ": " + msg
}

func errorf(offset int, msg string) *Error {
	return &Error{Offset: offset, Msg: msg}
}

// malformed returns the error of a malformed value; it copies raw, which may alias a buffer
// that is reused.
func malformed(msg string, raw []byte) *Error {
	if len(raw) > MaxWarningValue {
		raw = raw[:MaxWarningValue]
	}
	return &Error{Offset: -1, Msg: msg, Value: strings.ToValidUTF8(string(raw), "\uFFFD"), malformed: true}
}

// in adds a path segment to err if it is an *Error.
func in(err error, seg string) error {
	var e *Error
	if errors.As(err, &e) {
		e.path = append(e.path, seg)
	}
	return err
}

// required adds the segment of a required field to err: a malformed value of a required
// field fails the record.
func required(err error, seg string) error {
	var e *Error
	if errors.As(err, &e) {
		e.path = append(e.path, seg)
		e.malformed = false
		if e.Value != "" && !e.quoted {
			e.Msg += ", got " + quoteShort([]byte(e.Value))
			e.Value = ""
		}
	}
	return err
}

// asMalformed returns err as a malformed-value error, or nil.
func asMalformed(err error) *Error {
	if e, ok := err.(*Error); ok && e.malformed {
		return e
	}
	return nil
}

// MaxWarnings bounds the warnings kept for one record; past it, one last warning counts the
// rest.
const MaxWarnings = 64

// MaxWarningValue bounds the bytes of a malformed value kept in its warning.
const MaxWarningValue = 1024

// warning is a warning being built: its path grows as the decoder returns from the values
// that hold it.
type warning struct {
	path  []string // innermost first, column names
	value string
	msg   string
}

// drop records that the value at seg, whose decoding failed with e, was dropped.
func (d *Decoder) drop(e *Error, seg string) {
	if len(d.warns) >= MaxWarnings {
		d.dropped++
		return
	}
	path := append(e.path[:len(e.path):len(e.path)], seg)
	d.warns = append(d.warns, warning{path: path, value: e.Value, msg: e.Msg})
}

// within adds seg to the paths of the warnings recorded since mark.
func (d *Decoder) within(mark int, seg string) {
	for i := mark; i < len(d.warns); i++ {
		d.warns[i].path = append(d.warns[i].path, seg)
	}
}

func (d *Decoder) resetRecord() {
	d.Indicators.Reset()
	d.warns = d.warns[:0]
	d.dropped = 0
}

// Warnings returns the malformed values the last successful decode dropped, in input order, or
// nil. The slice is new; its strings do not alias the input.
func (d *Decoder) Warnings() []event.Warning {
	if len(d.warns) == 0 {
		return nil
	}
	n := len(d.warns)
	if d.dropped > 0 {
		n++
	}
	out := make([]event.Warning, 0, n)
	for _, w := range d.warns {
		out = append(out, event.Warning{Field: joinPath(w.path), Value: w.value, Error: w.msg})
	}
	if d.dropped > 0 {
		out = append(out, event.Warning{Field: "*", Error: strconv.Itoa(d.dropped) + " more malformed values were dropped"})
	}
	return out
}

// checkRequired reports the first required field of t missing from items.
func checkRequired(t *logschema.Type, items []event.Value) error {
	for _, i := range t.Required {
		if items[i].Kind == event.Null {
			return &Error{Offset: -1, Msg: "required field is missing", path: []string{t.Fields[i].Name}}
		}
	}
	return nil
}

// EventTime returns the first event-time timestamp present in root, in Unix nanoseconds.
func EventTime(lt *logschema.LogType, root *event.Value) (int64, bool) {
	for _, path := range lt.EventTimePaths {
		v := root
		for _, i := range path {
			if v.Kind != event.Object {
				v = nil
				break
			}
			v = &v.Items[i]
		}
		if v != nil && v.Kind == event.Time && v.N != 0 {
			return v.N, true
		}
	}
	return 0, false
}
