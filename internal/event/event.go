// Package event holds the typed value tree of a parsed log event and its normalized standard
// fields (the p_ fields), plus the arena that backs them.
//
// Values are shaped by the compiled schema type (logschema.Type) they were decoded with: an
// object value has one slot per schema field, in schema order, and absent fields are Null.
// Strings in values point into an Arena; they stay valid until that Arena is Reset, so code that
// keeps a string beyond the life of a batch must copy it (strings.Clone).
package event

import (
	"math"
	"time"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Kind is the kind of a Value.
type Kind uint8

// The kinds of values. Null means absent.
const (
	Null Kind = iota
	String
	Int
	Float
	Bool
	Time
	JSON // S holds compact JSON text
	Object
	Array
)

// Value is one value of an event.
type Value struct {
	Kind Kind
	// N holds Int values, Bool as 0 or 1, Time as Unix nanoseconds, Float as its IEEE bits.
	N int64
	// S holds String values and JSON text.
	S string
	// Items holds the slots of an Object (one per schema field) or the elements of an Array.
	Items []Value
}

// Float returns the float value of a Float.
func (v *Value) Float() float64 { return math.Float64frombits(uint64(v.N)) }

// Time returns the time of a Time value, in UTC.
func (v *Value) Time() time.Time { return time.Unix(0, v.N).UTC() }

// Event is one normalized event.
type Event struct {
	LogType     *logschema.LogType
	Root        Value // an Object of LogType.Root
	EventTime   int64 // Unix nanoseconds, UTC
	ParseTime   int64 // Unix nanoseconds, UTC
	RowID       string
	SourceID    string
	SourceLabel string
	// SourceAddress is the sender's address (syslog, HTTP push): p_source_address.
	SourceAddress string
	// Line is the line of the input where the record started (not stored in the lake).
	Line int64
	// Indicators holds the p_any_* values by indicator kind, de-duplicated and sorted.
	Indicators [len(indicators.Kinds)][]string
	// ParseWarnings lists the malformed values dropped while decoding (p_parse_warnings).
	ParseWarnings []Warning
}

// Hour returns the event-time hour of the event, the partition it is stored in.
func (e *Event) Hour() time.Time {
	return time.Unix(0, e.EventTime).UTC().Truncate(time.Hour)
}

// Lookup returns the value at the given column path (column names, as rules see them) and
// whether it is present.
func (e *Event) Lookup(path ...string) (*Value, *logschema.Type, bool) {
	v, t := &e.Root, e.LogType.Root
	for _, name := range path {
		if v.Kind != Object {
			return nil, nil, false
		}
		found := false
		for i, f := range t.Fields {
			if f.Column == name {
				v, t, found = &v.Items[i], f.Type, true
				break
			}
		}
		if !found || v.Kind == Null {
			return nil, nil, false
		}
	}
	return v, t, true
}

// Warning is a malformed value the decoder dropped from an optional field: the field is absent
// from the event, and the warning keeps why (the p_parse_warnings of the event).
type Warning struct {
	Field string // the field's path, in column names: userIdentity.sessionContext.creationDate, ips[2]
	Value string // the value as it was in the record (its first decode.MaxWarningValue bytes)
	Error string // what was expected, e.g. "expected an integer (int)"
}
