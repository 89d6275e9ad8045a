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
	"unicode"
	"unicode/utf8"
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
	// first, when set, holds the bytes a matching line can start with: a line that starts
	// with another byte is rejected without running the regular expression.
	first *[256]bool
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
	if re, err := syntax.Parse(body, syntax.Perl); err == nil {
		if set, nullable := firstBytes(re); !nullable {
			p.first = &set
		}
	}
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
	if p.first != nil && (line == "" || !p.first[line[0]]) {
		return dst, false
	}
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
	// The largest k whose prefix of k elements matches; k=0 always does. Lines of other
	// formats fail early, so the search gallops from the start (1, 2, 4, ... elements), then
	// halves the last gap; each run that matches gives the end of its prefix.
	lo, end := 0, 0
	hi := n + 1 // the smallest k known not to match
	for step := 1; lo+step < hi; step *= 2 {
		k := min(lo+step, n)
		if loc := p.prefix(k).FindStringIndex(line); loc != nil {
			lo, end = k, loc[1]
			if k == n {
				break
			}
		} else {
			hi = k
			break
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if loc := p.prefix(mid).FindStringIndex(line); loc != nil {
			lo, end = mid, loc[1]
		} else {
			hi = mid
		}
	}
	return p.expected(lo, end)
}

// expected is the result of Explain when the first k elements matched up to end.
func (p *Pattern) expected(k, end int) (int, string) {
	if k == len(p.elems) {
		return end, "the end of the line"
	}
	if end == 0 && p.outer != nil {
		// Nothing matched: name the whole group, as the user wrote it.
		return 0, p.describe(p.outer)
	}
	return end, p.describe(p.elems[k])
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

// firstBytes returns the bytes a text matching re can start with, and whether re matches the
// empty text (then any byte, or none, may follow). It errs on the side of more bytes: a
// non-ASCII rune allows every byte from 0x80, a construct it does not know allows all.
func firstBytes(re *syntax.Regexp) (set [256]bool, nullable bool) {
	all := func() ([256]bool, bool) {
		var a [256]bool
		for i := range a {
			a[i] = true
		}
		return a, false
	}
	addRune := func(set *[256]bool, r rune, fold bool) {
		if r >= utf8.RuneSelf {
			for b := 0x80; b < 256; b++ {
				set[b] = true
			}
			return
		}
		set[r] = true
		if fold {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f < utf8.RuneSelf {
					set[f] = true
				} else {
					for b := 0x80; b < 256; b++ {
						set[b] = true
					}
				}
			}
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return set, true
		}
		addRune(&set, re.Rune[0], re.Flags&syntax.FoldCase != 0)
		return set, false
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				set[r] = true
			}
			if hi >= utf8.RuneSelf {
				addRune(&set, utf8.RuneSelf, false)
			}
		}
		return set, false
	case syntax.OpAnyCharNotNL:
		set, _ = all()
		set['\n'] = false
		return set, false
	case syntax.OpAnyChar:
		return all()
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return set, true
	case syntax.OpCapture:
		return firstBytes(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _ = firstBytes(re.Sub[0])
		return set, true
	case syntax.OpPlus:
		return firstBytes(re.Sub[0])
	case syntax.OpRepeat:
		set, nullable = firstBytes(re.Sub[0])
		return set, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n := firstBytes(sub)
			for i, ok := range s {
				set[i] = set[i] || ok
			}
			if !n {
				return set, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n := firstBytes(sub)
			for i, ok := range s {
				set[i] = set[i] || ok
			}
			nullable = nullable || n
		}
		return set, nullable
	}
	return all()
}
