package logtypes

import (
	"fmt"
	"regexp"

	"github.com/pantherlabs/panther/internal/logschema"
)

// Multiline is the compiled multi-line framing rule of a text type (see logschema.Multiline):
// which lines continue a record of the type, and how large a record may grow.
type Multiline struct {
	MaxLines int
	MaxBytes int

	cont, start *regexp.Regexp
	// indent is set when the rule is "any line with leading white space continues", which
	// needs no regular expression.
	indent bool
	buf    []byte
}

func compileMultiline(m *logschema.Multiline) (*Multiline, error) {
	ml := &Multiline{MaxLines: m.MaxLines, MaxBytes: m.MaxBytes}
	if ml.MaxLines == 0 {
		ml.MaxLines = logschema.DefaultMaxLines
	}
	if ml.MaxBytes == 0 {
		ml.MaxBytes = logschema.DefaultMaxBytes
	}
	var err error
	switch {
	case m.Continuation != "":
		switch m.Continuation {
		case `^\s`, `^\s+`:
			ml.indent = true
		default:
			ml.cont, err = regexp.Compile(m.Continuation)
		}
	case m.Start != "":
		ml.start, err = regexp.Compile(m.Start)
	default:
		err = fmt.Errorf("no continuation or start pattern")
	}
	if err != nil {
		return nil, fmt.Errorf("multiline: %w", err)
	}
	return ml, nil
}

// Continues reports whether a line continues the record before it. indent is the white space
// that starts the line and data the rest of it. Continues is not safe for concurrent use: each
// file uses its own Clone.
func (m *Multiline) Continues(indent, data []byte) bool {
	if m.indent {
		return len(indent) > 0
	}
	line := data
	if len(indent) > 0 {
		m.buf = append(append(m.buf[:0], indent...), data...)
		line = m.buf
	}
	if m.cont != nil {
		return m.cont.Match(line)
	}
	return !m.start.Match(line)
}

// Clone returns a copy for one file, with its own scratch buffer.
func (m *Multiline) Clone() *Multiline {
	c := *m
	c.buf = nil
	return &c
}
