// Package decode turns a raw record into an event value shaped by a compiled log schema: a
// JSON value (decoded directly, without an intermediate tree) or the named string fields a
// text parser produced. Indicators of the schema's string fields are collected on the way.
//
// Decoding is lenient where vendors are inconsistent and strict where classification needs it:
// a string field accepts numbers and booleans (kept as text) but not objects or lists; a number
// field accepts numeric strings; a list of scalars accepts a single scalar; null means absent; unknown keys are dropped; a missing
// required field, a value of the wrong shape, or a string outside its allow list is an error
// that names the field path.
package decode

import (
	"errors"
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
}

// Error is a decoding error with the path of the field where it happened.
type Error struct {
	path   []string // innermost first
	Offset int      // byte offset in the JSON text, -1 if not applicable
	Msg    string
}

// Path returns the dotted field path, e.g. userIdentity.sessionContext.attributes.
func (e *Error) Path() string {
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		seg := e.path[i]
		if b.Len() > 0 && !strings.HasPrefix(seg, "[") {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

func (e *Error) Error() string {
	p := e.Path()
	if p == "" {
		return e.Msg
	}
	return "field " + p + ": " + e.Msg
}

func errorf(offset int, msg string) *Error {
	return &Error{Offset: offset, Msg: msg}
}

// in adds a path segment to err if it is an *Error.
func in(err error, seg string) error {
	var e *Error
	if errors.As(err, &e) {
		e.path = append(e.path, seg)
	}
	return err
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
