package textparse

import (
	"fmt"
	"unsafe"

	"github.com/pantherlabs/panther/internal/textparse/grok"
)

// RegexOptions configures the regex parser.
type RegexOptions struct {
	Common
	// Match lists chunks of one pattern; they are concatenated in order.
	Match []string
	// PatternDefinitions adds named patterns for %{NAME} references, or
	// overrides built-in ones.
	PatternDefinitions map[string]string
	// DotAll makes "." match "\n" too, for records that span lines.
	DotAll bool
}

// NewRegex validates o and returns a factory of regex parsers.
//
// The pattern is grok-like (see package grok): %{NAME:field} and named groups
// (?P<field>...) produce fields, unnamed groups and %{NAME} do not. The
// concatenated pattern is anchored to the whole line. A field whose group did
// not take part in the match is omitted; a group that matched nothing gives "".
// A line that does not match gets an error saying how far the pattern got and
// which element it expected there.
func NewRegex(o RegexOptions) (Factory, error) {
	c, err := compileCommon("regex", o.Common)
	if err != nil {
		return nil, err
	}
	lib := grok.Builtin()
	if len(o.PatternDefinitions) > 0 {
		if lib, err = lib.With(o.PatternDefinitions); err != nil {
			return nil, fmt.Errorf("regex: %w", err)
		}
	}
	match := o.Match
	if o.DotAll && len(match) > 0 {
		match = append([]string{"(?s)"}, match...)
	}
	pat, err := lib.Compile(match...)
	if err != nil {
		return nil, fmt.Errorf("regex: %w", err)
	}
	f := &regexFactory{c: c, pat: pat}
	return f, nil
}

type regexFactory struct {
	c   *common
	pat *grok.Pattern
}

func (f *regexFactory) NewParser() Parser {
	p := &regexParser{f: f, gate: lineGate{c: f.c}}
	p.err = ParseError{Parser: "regex", Pattern: -1, Offset: -1, Msg: "the line does not match the pattern", explain: p.explain}
	return p
}

type regexParser struct {
	f       *regexFactory
	gate    lineGate
	scratch []grok.Capture
	// err is the error of the last mismatch, reused so that rejecting a line (what most text
	// parsers do to most lines when many types are enabled) allocates nothing; kept is a copy
	// of that line, for the detailed explanation.
	err  ParseError
	kept []byte
}

func (p *regexParser) explain() (int, string) {
	return p.f.pat.Explain(unsafe.String(unsafe.SliceData(p.kept), len(p.kept)))
}

// Parse parses a line. The error of a mismatch is valid until the next call.
func (p *regexParser) Parse(line string, dst []Field) ([]Field, bool, error) {
	if p.gate.skip(line) {
		return dst, false, nil
	}
	caps, ok := p.f.pat.Match(line, p.scratch[:0])
	p.scratch = caps
	if !ok {
		// The detailed explanation costs far more than the match: it is computed only on
		// demand, from a copy of the line (which may alias a reused buffer).
		p.kept = append(p.kept[:0], line...)
		return dst, false, &p.err
	}
	start := len(dst)
	for _, c := range caps {
		dst = append(dst, Field(c))
	}
	clear(p.scratch)
	return p.f.c.finish(dst, start), true, nil
}
