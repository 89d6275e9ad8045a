// Package grok compiles grok-style patterns to Go regular expressions.
//
// A pattern is RE2 syntax in which %{NAME} refers to a named pattern of a
// Library and %{NAME:field} also captures what it matched as field. A third
// part, as in %{INT:bytes:int}, is accepted and ignored: types come from the
// log schema. Named groups written directly, (?P<field>...) or (?<field>...),
// are fields too; unnamed groups are not.
//
// Captures nested in library patterns are fields, as in classic grok: using
// %{COMBINEDAPACHELOG} yields clientip, ident, auth, timestamp and so on.
// When a field name is captured more than once, the first capture that took
// part in the match wins.
//
// The built-in library has the classic grok names and meanings (see
// Builtin), rewritten for RE2: no lookaround, no atomic groups, no
// backreferences.
package grok

import (
	"fmt"
	"maps"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Library is a set of named patterns. A Library is immutable and safe for
// concurrent use.
type Library struct {
	defs map[string]string
}

var builtin = sync.OnceValue(func() *Library { return &Library{defs: builtinPatterns()} })

// Builtin returns the built-in library.
func Builtin() *Library { return builtin() }

// Names returns the names of the patterns, sorted.
func (l *Library) Names() []string {
	return slices.Sorted(maps.Keys(l.defs))
}

// Definition returns the text of the named pattern.
func (l *Library) Definition(name string) (string, bool) {
	d, ok := l.defs[name]
	return d, ok
}

// With returns a library that has the patterns of l plus defs, where defs
// override patterns of the same name. Every definition must have a valid name,
// refer only to known patterns, not refer to itself (directly or not) and
// compile. Errors name the definition: "patternDefinitions.NAME: ...".
func (l *Library) With(defs map[string]string) (*Library, error) {
	out := &Library{defs: maps.Clone(l.defs)}
	names := slices.Sorted(maps.Keys(defs))
	for _, name := range names {
		if !validName(name) {
			return nil, fmt.Errorf("patternDefinitions.%s: invalid name: expected letters, digits and underscores", name)
		}
		out.defs[name] = defs[name]
	}
	for _, name := range names {
		e := newExpander(out)
		if err := e.expand(out.defs[name], []string{name}, false); err != nil {
			return nil, fmt.Errorf("patternDefinitions.%s: %w", name, unwrapRef(err, name))
		}
		if _, err := regexp.Compile(e.b.String()); err != nil {
			return nil, fmt.Errorf("patternDefinitions.%s: invalid regular expression: %w", name, err)
		}
	}
	return out, nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// expandError is an expansion failure, with the chain of definitions in which
// it happened.
type expandError struct {
	msg string
	in  []string // Names of the definitions being expanded, outermost first.
}

func (e *expandError) Error() string {
	if len(e.in) == 0 {
		return e.msg
	}
	return fmt.Sprintf("%s (in %%{%s})", e.msg, strings.Join(e.in, "} in %{"))
}

// unwrapRef drops the outermost definition from the chain when it is name:
// the caller already says which definition is at fault.
func unwrapRef(err error, name string) error {
	if ee, ok := err.(*expandError); ok && len(ee.in) > 0 && ee.in[0] == name {
		return &expandError{msg: ee.msg, in: ee.in[1:]}
	}
	return err
}

// groupInfo describes a capture group made for a %{...} placeholder.
type groupInfo struct {
	field  string // Empty when the group is only kept for error messages.
	source string // The placeholder as written.
}

type expander struct {
	lib    *Library
	b      strings.Builder
	groups map[string]groupInfo
}

func newExpander(lib *Library) *expander {
	return &expander{lib: lib, groups: map[string]groupInfo{}}
}

// groupPrefix starts the names of the capture groups made by the expander.
// The names stay out of the way of user names by starting with an
// underscore followed by a digit.
const groupPrefix = "_"

// expand writes text with every placeholder replaced by its definition. At
// the top level (top is true) a placeholder without a field still becomes a
// capture group, so that errors can name it.
func (e *expander) expand(text string, stack []string, top bool) error {
	consumed := 0 // Bytes of the original text already expanded.
	for {
		i := strings.Index(text, "%{")
		if i < 0 {
			e.b.WriteString(text)
			return nil
		}
		e.b.WriteString(text[:i])
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return &expandError{msg: fmt.Sprintf(`unclosed "%%{" at offset %d: expected "}"`, consumed+i), in: slices.Clone(stack)}
		}
		src := text[i : i+j+1]
		spec := text[i+2 : i+j]
		name, field, _ := strings.Cut(spec, ":")
		field, _, _ = strings.Cut(field, ":")
		if !validName(name) {
			return &expandError{msg: fmt.Sprintf("invalid placeholder %s at offset %d: expected %%{NAME} or %%{NAME:field} with NAME made of letters, digits and underscores", src, consumed+i), in: slices.Clone(stack)}
		}
		def, ok := e.lib.defs[name]
		if !ok {
			return &expandError{msg: fmt.Sprintf("unknown pattern %%{%s}", name), in: slices.Clone(stack)}
		}
		if slices.Contains(stack, name) {
			chain := append(slices.Clone(stack), name)
			return &expandError{msg: fmt.Sprintf("recursive pattern: %%{%s}", strings.Join(chain, "} -> %{"))}
		}
		if field != "" || top {
			gname := groupPrefix + strconv.Itoa(len(e.groups))
			e.groups[gname] = groupInfo{field: field, source: src}
			e.b.WriteString("(?P<" + gname + ">")
		} else {
			e.b.WriteString("(?:")
		}
		if err := e.expand(def, append(stack, name), false); err != nil {
			return err
		}
		e.b.WriteByte(')')
		text = text[i+j+1:]
		consumed += i + j + 1
	}
}

// Pattern is a compiled pattern. It is safe for concurrent use.
type Pattern struct {
	re     *regexp.Regexp
	fields []field
	names  []string

	// Diagnostics: the top-level elements of the pattern and, built on
	// first use, the regular expressions of their prefixes.
	groups   map[string]groupInfo
	elems    []*syntax.Regexp
	outer    *syntax.Regexp // The group the elements were taken from, if any.
	prefixes []lazyRegexp
}

type field struct {
	name   string
	groups []int // Capture group indexes, in pattern order.
}

type lazyRegexp struct {
	once sync.Once
	re   *regexp.Regexp
}

// Compile concatenates chunks into one pattern, expands it with l and
// compiles it anchored to the whole text: it matches a line only when it
// matches all of it. Errors name the chunk: "match[i]: ...".
func (l *Library) Compile(chunks ...string) (*Pattern, error) {
	if len(chunks) == 0 {
		return nil, fmt.Errorf("match: expected at least one pattern chunk")
	}
	e := newExpander(l)
	for i, c := range chunks {
		if err := e.expand(c, nil, true); err != nil {
			return nil, fmt.Errorf("match[%d]: %w", i, err)
		}
	}
	body := e.b.String()
	re, err := regexp.Compile(`^(?:` + body + `)$`)
	if err != nil {
		return nil, fmt.Errorf("match: invalid regular expression: %w", err)
	}
	p := &Pattern{re: re, groups: e.groups}
	index := map[string]int{}
	for gi, gname := range re.SubexpNames() {
		if gname == "" {
			continue
		}
		name := gname
		if info, ok := e.groups[gname]; ok {
			if re.SubexpIndex(gname) != gi {
				return nil, fmt.Errorf("match: group name %q is reserved", gname)
			}
			if info.field == "" {
				continue
			}
			name = info.field
		}
		k, seen := index[name]
		if !seen {
			k = len(p.fields)
			index[name] = k
			p.fields = append(p.fields, field{name: name})
			p.names = append(p.names, name)
		}
		p.fields[k].groups = append(p.fields[k].groups, gi)
	}
	p.elems, p.outer = topElements(body)
	p.prefixes = make([]lazyRegexp, len(p.elems)+1)
	return p, nil
}

// String returns the expanded regular expression.
func (p *Pattern) String() string { return p.re.String() }

// Fields returns the field names of the pattern, in the order of their first
// capture group.
func (p *Pattern) Fields() []string { return slices.Clone(p.names) }

// Capture is one field of a match. Value is a substring of the matched line.
type Capture struct {
	Name  string
	Value string
}

// Match reports whether line matches and, when it does, appends to dst one
// Capture per field that took part in the match, in the order of Fields. A
// field that took part but matched nothing has an empty value.
func (p *Pattern) Match(line string, dst []Capture) ([]Capture, bool) {
	idx := p.re.FindStringSubmatchIndex(line)
	if idx == nil {
		return dst, false
	}
	for _, f := range p.fields {
		for _, g := range f.groups {
			if s := idx[2*g]; s >= 0 {
				dst = append(dst, Capture{Name: f.name, Value: line[s:idx[2*g+1]]})
				break
			}
		}
	}
	return dst, true
}

// Explain says where line stops matching: the byte offset reached by the
// longest run of leading pattern elements that matches the start of line, and
// the element expected there ("the end of the line" when every element
// matched but text remains). It is meant for lines that do not match.
func (p *Pattern) Explain(line string) (offset int, expected string) {
	n := len(p.elems)
	// The largest k whose prefix of k elements matches; k=0 always does.
	lo, hi := 0, n
	end := 0
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if loc := p.prefix(mid).FindStringIndex(line); loc != nil {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo > 0 {
		end = p.prefix(lo).FindStringIndex(line)[1]
	}
	if lo == n {
		return end, "the end of the line"
	}
	if end == 0 && p.outer != nil {
		// Nothing matched: name the whole group, as the user wrote it.
		return 0, p.describe(p.outer)
	}
	return end, p.describe(p.elems[lo])
}

func (p *Pattern) prefix(k int) *regexp.Regexp {
	lr := &p.prefixes[k]
	lr.once.Do(func() {
		cat := &syntax.Regexp{Op: syntax.OpConcat, Sub: p.elems[:k]}
		if k == 0 {
			cat = &syntax.Regexp{Op: syntax.OpEmptyMatch}
		}
		re, err := regexp.Compile(`^(?:` + cat.String() + `)`)
		if err != nil {
			// Cannot happen: the elements come from a parsed expression.
			re = regexp.MustCompile(`^`)
		}
		re.Longest()
		lr.re = re
	})
	return lr.re
}

// topElements splits the expanded pattern into the elements of its top-level
// concatenation, descending into a pattern that is one group. It also returns
// the outermost such group.
func topElements(body string) (elems []*syntax.Regexp, outer *syntax.Regexp) {
	re, err := syntax.Parse(body, syntax.Perl)
	if err != nil {
		return nil, nil
	}
	elems = []*syntax.Regexp{re}
	for len(elems) == 1 {
		switch e := elems[0]; e.Op {
		case syntax.OpConcat:
			elems = e.Sub
		case syntax.OpCapture:
			if outer == nil {
				outer = e
			}
			elems = e.Sub
		default:
			return elems, outer
		}
	}
	return elems, outer
}

// describe names an element for an error message.
func (p *Pattern) describe(e *syntax.Regexp) string {
	const maxLen = 40
	switch e.Op {
	case syntax.OpCapture:
		if info, ok := p.groups[e.Name]; ok {
			return info.source
		}
	case syntax.OpLiteral:
		s := string(e.Rune)
		if len(s) > maxLen {
			s = s[:maxLen] + "..."
		}
		return strconv.Quote(s)
	}
	s := e.String()
	if len(s) > maxLen {
		s = s[:maxLen] + "..."
	}
	return "/" + s + "/"
}
