package textparse

import (
	"fmt"
	"strconv"
	"strings"
)

// FastmatchOptions configures the fastmatch parser.
type FastmatchOptions struct {
	Common
	// Match lists the patterns, tried in order; the first that matches wins.
	Match []string
}

// NewFastmatch validates o and returns a factory of fastmatch parsers.
//
// A pattern is literal text with %{name} placeholders, for example
//
//	%{remote_ip} - %{user} [%{time}] "%{request}" %{status}
//
// Matching is anchored at both ends of the line:
//
//   - the text before the first placeholder must start the line;
//   - a placeholder's value runs up to the first occurrence of the literal
//     text that follows it, except for the last placeholder, whose trailing
//     literal text (if any) must end the line and whose value is everything
//     before it;
//   - when a placeholder is preceded by a quote (" or ') and the literal text
//     after it starts with the same quote, the value runs up to the first
//     quote not escaped by a backslash; in the value, \" (or \') becomes the
//     quote and \\ becomes one backslash, other escapes are kept as they are;
//   - %{} and %{-} are anonymous placeholders: they match like any other and
//     produce no field;
//   - a field may be empty; its value is then "".
//
// Each pattern must be at least 4 characters long, have at least one
// placeholder, no line breaks, no duplicate field names, and two placeholders
// must be separated by literal text.
func NewFastmatch(o FastmatchOptions) (Factory, error) {
	c, err := compileCommon("fastmatch", o.Common)
	if err != nil {
		return nil, err
	}
	if len(o.Match) == 0 {
		return nil, fmt.Errorf("fastmatch: match: expected at least one pattern")
	}
	pats := make([]*fmPattern, len(o.Match))
	for i, src := range o.Match {
		p, err := compileFastmatch(src)
		if err != nil {
			return nil, fmt.Errorf("fastmatch: match[%d]: %w", i, err)
		}
		pats[i] = p
	}
	f := &fmFactory{c: c, patterns: pats}
	return f, nil
}

type fmFactory struct {
	c        *common
	patterns []*fmPattern
}

func (f *fmFactory) NewParser() Parser {
	return &fmParser{f: f, gate: lineGate{c: f.c}}
}

type fmParser struct {
	f    *fmFactory
	gate lineGate
}

func (p *fmParser) Parse(line string, dst []Field) ([]Field, bool, error) {
	if p.gate.skip(line) {
		return dst, false, nil
	}
	start := len(dst)
	var errs []*ParseError
	for i, pat := range p.f.patterns {
		out, perr := pat.match(line, dst)
		if perr == nil {
			return p.f.c.finish(out, start), true, nil
		}
		perr.Pattern = i
		errs = append(errs, perr)
	}
	if len(errs) == 1 {
		return dst[:start], false, errs[0]
	}
	return dst[:start], false, &NoMatchError{Parser: "fastmatch", Errs: errs}
}

// fmPattern is a compiled fastmatch pattern: a prefix, then fields each
// followed by a delimiter.
type fmPattern struct {
	prefix string
	fields []fmField
}

type fmField struct {
	name  string // Empty for an anonymous placeholder.
	src   string // The placeholder as written, for error messages.
	delim string // The literal text that follows; empty only for the last field.
	quote byte   // The quote that encloses the value, or 0.
}

func compileFastmatch(src string) (*fmPattern, error) {
	if len(src) < 4 {
		return nil, fmt.Errorf("pattern %q is too short: expected at least 4 characters", src)
	}
	if i := strings.IndexAny(src, "\r\n"); i >= 0 {
		return nil, fmt.Errorf("line break at offset %d: a pattern is one line", i)
	}
	p := &fmPattern{}
	seen := map[string]bool{}
	rest := src
	lit := ""
	for {
		i := strings.Index(rest, "%{")
		if i < 0 {
			lit += rest
			break
		}
		offset := len(src) - len(rest) + i
		lit += rest[:i]
		end := strings.IndexByte(rest[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf(`unclosed "%%{" at offset %d: expected "}"`, offset)
		}
		name := rest[i+2 : i+end]
		if strings.Contains(name, "%{") {
			return nil, fmt.Errorf(`unclosed "%%{" at offset %d: expected "}"`, offset)
		}
		if len(p.fields) == 0 {
			p.prefix = lit
		} else {
			if lit == "" {
				return nil, fmt.Errorf("%s at offset %d: two placeholders must be separated by literal text", rest[i:i+end+1], offset)
			}
			p.fields[len(p.fields)-1].delim = lit
		}
		f := fmField{src: rest[i : i+end+1]}
		if name != "" && name != "-" {
			if seen[name] {
				return nil, fmt.Errorf("duplicate field %s at offset %d", f.src, offset)
			}
			seen[name] = true
			f.name = name
		}
		p.fields = append(p.fields, f)
		lit = ""
		rest = rest[i+end+1:]
	}
	if len(p.fields) == 0 {
		return nil, fmt.Errorf("pattern %q has no %%{name} placeholder", src)
	}
	p.fields[len(p.fields)-1].delim = lit
	// A field is quoted when the quote before it is repeated right after it.
	before := p.prefix
	for i := range p.fields {
		f := &p.fields[i]
		if n := len(before); n > 0 && (before[n-1] == '"' || before[n-1] == '\'') && strings.IndexByte(f.delim, before[n-1]) == 0 {
			f.quote = before[n-1]
		}
		before = f.delim
	}
	return p, nil
}

// match appends the fields of line to dst. On failure it returns an error
// whose Pattern the caller sets.
func (p *fmPattern) match(line string, dst []Field) ([]Field, *ParseError) {
	start := len(dst)
	fail := func(offset int, format string, args ...any) ([]Field, *ParseError) {
		return dst[:start], &ParseError{Parser: "fastmatch", Offset: offset, Msg: fmt.Sprintf(format, args...)}
	}
	if !strings.HasPrefix(line, p.prefix) {
		return fail(0, "expected %s", quoteSnippet(p.prefix))
	}
	pos := len(p.prefix)
	last := len(p.fields) - 1
	for i := range p.fields {
		f := &p.fields[i]
		rest := line[pos:]
		var value string
		switch {
		case f.quote != 0:
			end, escaped := scanQuoted(rest, f.quote)
			if end < 0 {
				return fail(pos, "expected a closing %c for %s", f.quote, f.src)
			}
			value = rest[:end]
			if escaped {
				value = unescapeQuoted(value, f.quote)
			}
			tail := rest[end:]
			if i == last {
				if tail != f.delim {
					return fail(pos+end, "expected %s at the end of the line after %s", quoteSnippet(f.delim), f.src)
				}
			} else if !strings.HasPrefix(tail, f.delim) {
				return fail(pos+end, "expected %s after %s", quoteSnippet(f.delim), f.src)
			}
			pos += end + len(f.delim)
		case i == last:
			if !strings.HasSuffix(rest, f.delim) {
				return fail(len(line), "expected %s at the end of the line after %s", quoteSnippet(f.delim), f.src)
			}
			value = rest[:len(rest)-len(f.delim)]
			pos = len(line)
		default:
			j := strings.Index(rest, f.delim)
			if j < 0 {
				return fail(pos, "expected %s after %s", quoteSnippet(f.delim), f.src)
			}
			value = rest[:j]
			pos += j + len(f.delim)
		}
		if f.name != "" {
			dst = append(dst, Field{Name: f.name, Value: value})
		}
	}
	return dst, nil
}

// scanQuoted returns the offset of the first quote q in s that is not escaped
// by a backslash, or -1, and whether s[:offset] holds a backslash.
func scanQuoted(s string, q byte) (int, bool) {
	escaped := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case q:
			return i, escaped
		}
	}
	return -1, escaped
}

// unescapeQuoted turns \q into q and \\ into \, keeping other escapes.
func unescapeQuoted(s string, q byte) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// quoteSnippet quotes literal pattern text for an error message, shortened to
// keep the message short.
func quoteSnippet(s string) string {
	const maxLen = 24
	if len(s) > maxLen {
		return strconv.Quote(s[:maxLen]) + "..."
	}
	return strconv.Quote(s)
}
