// Package textparse turns one line of text into named string fields.
//
// A log schema may declare a text parser (csv, fastmatch or regex, see the
// Panther reference section 3.2); managed syslog types use the native RFC 3164
// and RFC 5424 parsers. Every parser here produces a flat list of string
// fields; the caller decodes the strings with the field types of its schema.
//
// A Factory is built once from validated options and is safe for concurrent
// use. It makes one Parser per input file; a Parser carries per-file state
// (the CSV header, the count of lines to skip) and is not safe for concurrent
// use.
package textparse

import (
	"fmt"
	"strings"
)

// Field is one named value produced by a parser.
type Field struct {
	Name  string
	Value string
}

// Parser parses the lines of one file, in order.
//
// Parse appends the fields of line to dst and returns the extended slice. The
// line has no trailing newline or carriage return. The returned values may
// alias line (they are substrings of it whenever no unescaping was needed), so
// a caller that reuses the memory behind line must copy the values first.
//
// ok is false with a nil error when the line was consumed without producing an
// event: a header line, a line skipped by skipLines or skipPrefix, or an empty
// line. A line that does not match returns ok=false and an error that says
// which pattern failed, at which byte offset and what was expected; the error
// never contains the line itself. On error, out has the length of dst. The
// error may be reused by the next call (a parser rejects most lines when many
// types are enabled, and does it without allocating): read or copy it before.
type Parser interface {
	Parse(line string, dst []Field) (out []Field, ok bool, err error)
}

// Factory makes a Parser for each new file. A Factory is safe for concurrent
// use.
type Factory interface {
	NewParser() Parser
}

// FactoryFunc adapts an ordinary function to the Factory interface.
type FactoryFunc func() Parser

// NewParser calls f.
func (f FactoryFunc) NewParser() Parser { return f() }

// Common holds the options shared by the csv, fastmatch and regex parsers.
type Common struct {
	// SkipLines is the number of lines skipped at the start of each file,
	// before any other processing (including a CSV header).
	SkipLines int
	// SkipPrefix, when not empty, skips every line that starts with it (for
	// example "#" comments).
	SkipPrefix string
	// EmptyValues lists placeholder values (such as "-") that mean "no
	// value": a field whose value equals one of them is omitted. The
	// comparison happens after TrimSpace. Include "" to omit empty fields.
	EmptyValues []string
	// TrimSpace trims leading and trailing white space from every value.
	TrimSpace bool
	// ExpandFields maps a new field name to a template with %{field}
	// placeholders, replaced by the values of the line's fields after
	// TrimSpace and EmptyValues (a missing field gives ""). The new field
	// is omitted when none of the fields it references is present, and it
	// replaces a field of the same name. Templates run in the order of
	// their names; a "%" not followed by "{" is literal text.
	ExpandFields map[string]string
}

// ParseError describes why a line did not parse. It never holds the line.
type ParseError struct {
	// Parser names the parser kind: "csv", "fastmatch", "regex",
	// "syslog-rfc3164" or "syslog-rfc5424".
	Parser string
	// Pattern is the index of the pattern in the match list, or -1.
	Pattern int
	// Offset is the 0-based byte offset in the line where parsing stopped,
	// or -1 when the failure is not tied to a position.
	Offset int
	// Msg says what was expected.
	Msg string

	// explain, when set, computes a detailed position and expectation on demand (it can be
	// costly: see Explain).
	explain func() (offset int, expected string)
}

// Explainer is implemented by errors that can give a more detailed, costlier explanation
// than their Error text.
type Explainer interface {
	Explain() string
}

// Explain returns the error with the detailed position of a regex mismatch: how far the
// pattern matched and which element it expected there. Computing it runs the pattern's
// prefixes against the line, which can take milliseconds on large patterns, so parsers do
// not do it unless asked (panther schemas test asks).
func (e *ParseError) Explain() string {
	return e.Detailed().Error()
}

// Detailed returns the error with its detailed position and expectation computed (see
// Explain); an error that has no costlier explanation is returned as it is. The Offset of
// the detailed error of a regex mismatch is always within the line.
func (e *ParseError) Detailed() *ParseError {
	if e.explain == nil {
		return e
	}
	d := *e
	d.Offset, d.Msg = e.explain()
	d.Msg = "expected " + d.Msg
	d.explain = nil
	return &d
}

// Error renders "kind: match[i]: at offset n: msg", leaving out the parts that
// do not apply.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.Parser)
	b.WriteString(": ")
	e.writeBody(&b)
	return b.String()
}

func (e *ParseError) writeBody(b *strings.Builder) {
	if e.Pattern >= 0 {
		fmt.Fprintf(b, "match[%d]: ", e.Pattern)
	}
	if e.Offset >= 0 {
		fmt.Fprintf(b, "at offset %d: ", e.Offset)
	}
	b.WriteString(e.Msg)
}

// NoMatchError is returned when several patterns were tried and none matched.
// It holds the failure of each pattern, in order.
type NoMatchError struct {
	Parser string
	Errs   []*ParseError
}

// Error lists the failure of every pattern on one line.
func (e *NoMatchError) Error() string {
	var b strings.Builder
	b.WriteString(e.Parser)
	b.WriteString(": no pattern matched: ")
	for i, pe := range e.Errs {
		if i > 0 {
			b.WriteString("; ")
		}
		pe.writeBody(&b)
	}
	return b.String()
}

// Unwrap returns the failure of each pattern.
func (e *NoMatchError) Unwrap() []error {
	errs := make([]error, len(e.Errs))
	for i, pe := range e.Errs {
		errs[i] = pe
	}
	return errs
}

// common is the compiled form of Common.
type common struct {
	skipLines   int
	skipPrefix  string
	emptyValues []string
	trimSpace   bool
	expand      []expansion
}

func compileCommon(kind string, c Common) (*common, error) {
	if c.SkipLines < 0 {
		return nil, fmt.Errorf("%s: skipLines: expected a number >= 0, got %d", kind, c.SkipLines)
	}
	expand, err := compileExpansions(c.ExpandFields)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	return &common{
		skipLines:   c.SkipLines,
		skipPrefix:  c.SkipPrefix,
		emptyValues: append([]string(nil), c.EmptyValues...),
		trimSpace:   c.TrimSpace,
		expand:      expand,
	}, nil
}

// lineGate applies skipLines, skipPrefix and the empty-line rule for one file.
type lineGate struct {
	c    *common
	seen int
}

// skip reports whether line is consumed without producing an event.
func (g *lineGate) skip(line string) bool {
	if g.seen < g.c.skipLines {
		g.seen++
		return true
	}
	if line == "" {
		return true
	}
	return g.c.skipPrefix != "" && strings.HasPrefix(line, g.c.skipPrefix)
}

func (c *common) isEmpty(v string) bool {
	for _, e := range c.emptyValues {
		if v == e {
			return true
		}
	}
	return false
}

// finish post-processes the fields dst[start:] in place: it trims values,
// drops empty placeholders and appends the expanded fields.
func (c *common) finish(dst []Field, start int) []Field {
	if c.trimSpace || len(c.emptyValues) > 0 {
		out := dst[:start]
		for _, f := range dst[start:] {
			if c.trimSpace {
				f.Value = strings.TrimSpace(f.Value)
			}
			if c.isEmpty(f.Value) {
				continue
			}
			out = append(out, f)
		}
		dst = out
	}
	for i := range c.expand {
		dst = c.expand[i].apply(dst, start)
	}
	return dst
}
