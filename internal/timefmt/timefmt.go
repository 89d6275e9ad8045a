package timefmt

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Parser parses one timestamp. s is the value text: the unquoted JSON string, or the JSON number
// text (e.g. "1609459200.5"), or a text field extracted by a CSV or regex parser.
type Parser interface {
	Parse(s string) (time.Time, error)
}

// ParserFunc adapts an ordinary function to the Parser interface.
type ParserFunc func(s string) (time.Time, error)

// Parse calls f(s).
func (f ParserFunc) Parse(s string) (time.Time, error) { return f(s) }

// The names of the built-in formats, as written in a schema's timeFormat.
const (
	RFC3339    = "rfc3339"
	Unix       = "unix"
	UnixMilli  = "unix_ms"
	UnixMicro  = "unix_us"
	UnixNano   = "unix_ns"
	Cloudflare = "cloudflare"
	// LayoutPrefix starts a timeFormat that holds a Go reference-time layout.
	LayoutPrefix = "layout="
)

// ErrEmpty is wrapped by the error every parser returns for an empty value. Decoders usually
// treat an empty timestamp as absent rather than invalid, and can test for it with errors.Is.
var ErrEmpty = errors.New("empty value")

// The range of results: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
const (
	minUnixSec = -62167219200
	maxUnixSec = 253402300799
)

// ParseError reports a value that does not match its format.
type ParseError struct {
	// Value is a copy of the text that failed, shortened to 64 bytes.
	Value string
	// Format names the format: "rfc3339", "unix_ms", or the strftime pattern or Go layout.
	Format string
	// Msg says what was expected and what was found, e.g. "month 13 out of range".
	Msg string
	// Err is a cause that callers may want to test for with errors.Is, such as ErrEmpty.
	Err error
}

// Error returns e.g. `parsing "2021-13-01T00:00:00Z" as rfc3339: month 13 out of range`.
func (e *ParseError) Error() string {
	return fmt.Sprintf("parsing %q as %s: %s", e.Value, e.Format, e.Msg)
}

// Unwrap returns the cause, if any.
func (e *ParseError) Unwrap() error { return e.Err }

// maxErrValue bounds how much of a bad value an error keeps.
const maxErrValue = 64

// newError builds a ParseError. It copies value, because callers may pass strings that alias
// buffers they reuse.
func newError(value, format, msg string) *ParseError {
	if len(value) > maxErrValue {
		value = value[:maxErrValue] + "..."
	}
	e := &ParseError{Value: strings.Clone(value), Format: format, Msg: msg}
	if value == "" {
		e.Err = ErrEmpty
		if msg == "" {
			e.Msg = ErrEmpty.Error()
		}
	}
	return e
}

// errorf builds a ParseError whose message is formatted.
func errorf(value, format, msgFormat string, args ...any) *ParseError {
	return newError(value, format, fmt.Sprintf(msgFormat, args...))
}

// found describes the text at s[i:] for an error message: a short quoted excerpt, or "end of
// value".
func found(s string, i int) string {
	if i >= len(s) {
		return "end of value"
	}
	rest := s[i:]
	if len(rest) > 12 {
		rest = rest[:12] + "..."
	}
	return fmt.Sprintf("%q", rest)
}

// New returns the parser for a schema timeFormat: "rfc3339", "unix", "unix_ms", "unix_us",
// "unix_ns", "cloudflare", "layout=<Go time layout>", or otherwise a strftime pattern, which must
// contain at least one %-directive that reads a date or time field. Patterns that lack a year
// take it from the wall clock (see NewWithNow).
func New(format string) (Parser, error) {
	return NewWithNow(format, nil)
}

// NewWithNow is New with an injected clock. now is consulted only by strftime patterns that do
// not read a year (such as the syslog pattern "%b %e %H:%M:%S"): the year is chosen so that the
// result is not more than 31 days after now(), the latest such year in which the date exists.
// A nil now means time.Now.
func NewWithNow(format string, now func() time.Time) (Parser, error) {
	switch format {
	case RFC3339:
		return rfc3339Parser{}, nil
	case Unix:
		return unixParser{exp: 9, name: Unix}, nil
	case UnixMilli:
		return unixParser{exp: 6, name: UnixMilli}, nil
	case UnixMicro:
		return unixParser{exp: 3, name: UnixMicro}, nil
	case UnixNano:
		return unixParser{exp: 0, name: UnixNano}, nil
	case Cloudflare:
		return cloudflareParser{}, nil
	case "":
		return nil, errors.New(`timeFormat is empty: expected rfc3339, unix, unix_ms, unix_us, unix_ns, cloudflare, "layout=<Go layout>" or a strftime pattern`)
	}
	if layout, ok := strings.CutPrefix(format, LayoutPrefix); ok {
		return newLayoutParser(layout)
	}
	if now == nil {
		now = time.Now
	}
	return compileStrftime(format, now)
}

// layoutReference is a time whose every field differs from Go's reference time, so formatting
// it with a layout changes the text if and only if the layout has at least one element.
var layoutReference = time.Date(2011, 11, 12, 13, 14, 15, 0, time.UTC)

// layoutParser parses with a Go reference-time layout.
type layoutParser struct {
	layout string
	name   string
}

func newLayoutParser(layout string) (Parser, error) {
	if layout == "" {
		return nil, errors.New(`timeFormat "layout=": the Go layout after "layout=" is empty`)
	}
	if layoutReference.Format(layout) == layout {
		return nil, fmt.Errorf("timeFormat %q: the Go layout has no time elements (expected e.g. layout=2006-01-02 15:04:05)", LayoutPrefix+layout)
	}
	return layoutParser{layout: layout, name: fmt.Sprintf("%q", LayoutPrefix+layout)}, nil
}

// Parse parses s with the layout. Values without a zone are UTC.
func (p layoutParser) Parse(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, newError(s, p.name, "")
	}
	t, err := time.Parse(p.layout, s)
	if err != nil {
		var perr *time.ParseError
		msg := err.Error()
		if errors.As(err, &perr) && perr.Message != "" {
			msg = strings.TrimPrefix(perr.Message, ": ")
		} else if errors.As(err, &perr) {
			msg = fmt.Sprintf("expected %q, found %q", perr.LayoutElem, perr.ValueElem)
		}
		return time.Time{}, newError(s, p.name, msg)
	}
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, errorf(s, p.name, "year %d out of range 0000-9999", y)
	}
	return t, nil
}
