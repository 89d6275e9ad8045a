package pycompile

import (
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Python regular expressions run on Go's RE2 engine when they mean the same thing there. The
// pattern is translated (\Z to \z, \s to Python's whitespace set, {,n} to {0,n}, literal
// brackets escaped...); patterns with constructs RE2 lacks (backreferences, lookaround,
// conditionals, possessive quantifiers) do not compile. At match time the call bails where the
// engines differ: a subject with non-ASCII text when the pattern uses \d \w \s \b or
// IGNORECASE (Python's classes and case folding are Unicode-wide), a subject ending in "\n"
// when the pattern uses $ outside MULTILINE (Python's $ also matches before a final newline),
// and findall/sub/split with patterns that can match the empty string (the engines treat
// empty matches next to a previous match differently).

const (
	reI = 2   // re.IGNORECASE
	reL = 4   // re.LOCALE
	reM = 8   // re.MULTILINE
	reS = 16  // re.DOTALL
	reU = 32  // re.UNICODE
	reX = 64  // re.VERBOSE
	reA = 256 // re.ASCII
)

type pattern struct {
	src    string
	flags  int64
	re     *regexp.Regexp // search
	anchor *regexp.Regexp // match: anchored at the start
	full   *regexp.Regexp // fullmatch
	// classes: the pattern uses \d \w \s \b (or their negations) or IGNORECASE, so non-ASCII
	// subjects bail (unless re.ASCII).
	classes bool
	dollar  bool // a $ outside MULTILINE
	empty   bool // can match the empty string
	groups  int
	names   map[string]int
	err     *Exception // set when the pattern does not compile in Python either
}

var patternCache sync.Map // src + "\x00" + flags -> *pattern

// compilePattern translates and compiles a Python pattern. A pattern CPython rejects returns an
// exception (re.error); one that RE2 cannot run exactly bails.
func compilePattern(src string, flags int64) (*pattern, *Exception) {
	key := src + "\x00" + strconv.FormatInt(flags, 10)
	if p, ok := patternCache.Load(key); ok {
		p := p.(*pattern)
		return p, p.err
	}
	p, err := translatePattern(src, flags)
	if err != nil && err.Bail {
		return nil, err
	}
	if err != nil {
		p = &pattern{src: src, flags: flags, err: err}
	}
	patternCache.Store(key, p)
	return p, err
}

func translatePattern(src string, flags int64) (*pattern, *Exception) {
	if flags&(reX|reL) != 0 {
		return nil, bailf("regular expression flags VERBOSE or LOCALE")
	}
	if flags&^(reI|reM|reS|reU|reA) != 0 {
		return nil, bailf("regular expression flags %d", flags)
	}
	t := &reTranslator{src: src, flags: flags}
	out, err := t.run()
	if err != nil {
		return nil, err
	}
	flags = t.flags
	prefix := ""
	if flags&reI != 0 {
		prefix += "i"
		t.classes = true
	}
	if flags&reM != 0 {
		prefix += "m"
	}
	if flags&reS != 0 {
		prefix += "s"
	}
	if prefix != "" {
		prefix = "(?" + prefix + ")"
	}
	goSrc := prefix + out
	re, cerr := regexp.Compile(goSrc)
	if cerr != nil {
		return nil, bailf("regular expression %q does not compile in Go: %v", src, cerr)
	}
	anchor, err2 := regexp.Compile(prefix + `\A(?:` + out + `)`)
	full, err3 := regexp.Compile(prefix + `\A(?:` + out + `)\z`)
	if err2 != nil || err3 != nil {
		return nil, bailf("regular expression %q does not compile in Go", src)
	}
	p := &pattern{src: src, flags: flags, re: re, anchor: anchor, full: full, classes: t.classes && flags&reA == 0,
		dollar: t.dollar && flags&reM == 0, groups: re.NumSubexp(), names: map[string]int{}}
	for i, n := range re.SubexpNames() {
		if n != "" {
			p.names[n] = i
		}
	}
	if parsed, err := syntax.Parse(goSrc, syntax.Perl); err == nil {
		p.empty = minLen(parsed) == 0
	} else {
		p.empty = true
	}
	return p, nil
}

// minLen is the shortest text a regexp matches.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture:
		return minLen(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		return 0
	case syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, s := range re.Sub {
			n += minLen(s)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, s := range re.Sub {
			if m := minLen(s); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

type reTranslator struct {
	src     string
	i       int
	flags   int64
	out     strings.Builder
	classes bool
	dollar  bool
	depth   int
	atStart bool
}

func (t *reTranslator) fail(msg string) *Exception {
	return raise("error", "%s at position %d", msg, t.i)
}

func (t *reTranslator) run() (string, *Exception) {
	t.atStart = true
	for t.i < len(t.src) {
		if err := t.item(); err != nil {
			return "", err
		}
	}
	if t.depth != 0 {
		return "", t.fail("missing ), unterminated subpattern")
	}
	return t.out.String(), nil
}

func (t *reTranslator) item() *Exception {
	c := t.src[t.i]
	wasStart := t.atStart
	t.atStart = false
	switch c {
	case '\\':
		return t.escape(false)
	case '[':
		return t.class()
	case '(':
		return t.group(wasStart)
	case ')':
		if t.depth == 0 {
			return t.fail("unbalanced parenthesis")
		}
		t.depth--
		t.out.WriteByte(')')
		t.i++
		return t.quantifier()
	case '$':
		t.dollar = true
		t.out.WriteByte('$')
		t.i++
		return nil
	case '^', '|':
		t.out.WriteByte(c)
		t.i++
		return nil
	case '.':
		t.out.WriteByte('.')
		t.i++
		return t.quantifier()
	case '*', '+', '?':
		return t.fail("nothing to repeat")
	case '{':
		if t.isQuantifier() {
			return t.fail("nothing to repeat")
		}
		t.out.WriteString(`\{`)
		t.i++
		return t.quantifier()
	}
	r, n := utf8.DecodeRuneInString(t.src[t.i:])
	t.literal(r)
	t.i += n
	return t.quantifier()
}

func (t *reTranslator) literal(r rune) {
	if r < utf8.RuneSelf && strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
		t.out.WriteByte('\\')
	}
	if r >= 0x80 && t.flags&reI != 0 {
		t.classes = true
	}
	t.out.WriteRune(r)
}

// isQuantifier reports whether a { at t.i starts a valid {m}, {m,}, {,n} or {m,n}.
func (t *reTranslator) isQuantifier() bool {
	_, _, _, ok := t.parseBraces()
	return ok
}

func (t *reTranslator) parseBraces() (lo, hi, n int, ok bool) {
	s := t.src[t.i:]
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return 0, 0, 0, false
	}
	body := s[1:end]
	a, b, comma := strings.Cut(body, ",")
	digits := func(x string) bool {
		for i := 0; i < len(x); i++ {
			if !isDigit(x[i]) {
				return false
			}
		}
		return true
	}
	if !digits(a) || !digits(b) || (a == "" && !comma) || (a == "" && b == "" && comma && false) {
		return 0, 0, 0, false
	}
	if a == "" && b == "" {
		if !comma {
			return 0, 0, 0, false
		}
		return 0, -1, end + 1, true // {,} is {0,}
	}
	lo = 0
	if a != "" {
		lo, _ = strconv.Atoi(a)
	}
	hi = lo
	if comma {
		hi = -1
		if b != "" {
			hi, _ = strconv.Atoi(b)
		}
	}
	return lo, hi, end + 1, true
}

func (t *reTranslator) quantifier() *Exception {
	if t.i >= len(t.src) {
		return nil
	}
	switch c := t.src[t.i]; c {
	case '*', '+', '?':
		t.out.WriteByte(c)
		t.i++
	case '{':
		lo, hi, n, ok := t.parseBraces()
		if !ok {
			return nil
		}
		if lo > 1000 || hi > 1000 {
			return bailf("repetition count over 1000")
		}
		if hi >= 0 && hi < lo {
			return t.fail("min repeat greater than max repeat")
		}
		switch {
		case hi < 0:
			t.out.WriteString("{" + strconv.Itoa(lo) + ",}")
		case hi == lo && !strings.Contains(t.src[t.i:t.i+n], ","):
			t.out.WriteString("{" + strconv.Itoa(lo) + "}")
		default:
			t.out.WriteString("{" + strconv.Itoa(lo) + "," + strconv.Itoa(hi) + "}")
		}
		t.i += n
	default:
		return nil
	}
	if t.i < len(t.src) {
		switch t.src[t.i] {
		case '?':
			t.out.WriteByte('?')
			t.i++
		case '+':
			return bailf("possessive quantifier")
		}
	}
	if t.i < len(t.src) && strings.IndexByte("*+?{", t.src[t.i]) >= 0 {
		if t.src[t.i] != '{' || t.isQuantifier() {
			return t.fail("multiple repeat")
		}
	}
	return nil
}

// whitespace is Python's \s for str patterns, restricted to ASCII (non-ASCII subjects bail).
const (
	pySpace    = `\t\n\x0b\x0c\r \x1c-\x1f`
	pySpaceASC = `\t\n\x0b\x0c\r `
)

// escape translates a backslash escape at t.i (inside a class when inClass).
func (t *reTranslator) escape(inClass bool) *Exception {
	if t.i+1 >= len(t.src) {
		return t.fail("bad escape (end of pattern)")
	}
	c := t.src[t.i+1]
	t.i += 2
	space := pySpace
	if t.flags&reA != 0 {
		space = pySpaceASC
	}
	switch c {
	case 'd', 'D', 'w', 'W':
		t.classes = true
		t.out.WriteByte('\\')
		t.out.WriteByte(c)
	case 's':
		t.classes = true
		if inClass {
			t.out.WriteString(space)
		} else {
			t.out.WriteString("[" + space + "]")
		}
	case 'S':
		t.classes = true
		if inClass {
			return bailf(`\S inside a character class`)
		}
		t.out.WriteString("[^" + space + "]")
	case 'b', 'B':
		if inClass {
			if c == 'b' {
				t.out.WriteString(`\x08`)
				return nil
			}
			return t.fail("bad escape \\B")
		}
		t.classes = true
		t.out.WriteByte('\\')
		t.out.WriteByte(c)
	case 'A':
		if inClass {
			return t.fail("bad escape \\A")
		}
		t.out.WriteString(`\A`)
	case 'Z':
		if inClass {
			return t.fail("bad escape \\Z")
		}
		t.out.WriteString(`\z`)
	case 'n':
		t.out.WriteString(`\n`)
	case 't':
		t.out.WriteString(`\t`)
	case 'r':
		t.out.WriteString(`\r`)
	case 'f':
		t.out.WriteString(`\x0c`)
	case 'v':
		t.out.WriteString(`\x0b`)
	case 'a':
		t.out.WriteString(`\x07`)
	case 'x':
		if t.i+2 > len(t.src) {
			return t.fail("incomplete escape \\x")
		}
		n, err := strconv.ParseUint(t.src[t.i:t.i+2], 16, 8)
		if err != nil {
			return t.fail("incomplete escape \\x")
		}
		t.i += 2
		t.hexRune(rune(n))
	case 'u', 'U':
		w := 4
		if c == 'U' {
			w = 8
		}
		if t.i+w > len(t.src) {
			return t.fail("incomplete escape")
		}
		n, err := strconv.ParseUint(t.src[t.i:t.i+w], 16, 32)
		if err != nil || n > 0x10FFFF {
			return t.fail("bad escape")
		}
		t.i += w
		if n >= 0xD800 && n <= 0xDFFF {
			return bailf("surrogate in a pattern")
		}
		t.hexRune(rune(n))
	case '0':
		// Octal: \0, \0N, \0NN.
		n := 0
		j := t.i
		for j < len(t.src) && j < t.i+2 && '0' <= t.src[j] && t.src[j] <= '7' {
			n = n*8 + int(t.src[j]-'0')
			j++
		}
		t.i = j
		t.hexRune(rune(n))
	case 'N':
		return bailf(`\N{...} escape`)
	default:
		switch {
		case '1' <= c && c <= '9':
			if inClass {
				return bailf("octal escape in a class")
			}
			return bailf("backreference")
		case isAlpha(c):
			return t.fail("bad escape \\" + string(c))
		}
		r, n := utf8.DecodeRuneInString(t.src[t.i-1:])
		t.i += n - 1
		if r < utf8.RuneSelf && !isAlpha(byte(r)) && !isDigit(byte(r)) && r != '_' && r != ' ' {
			t.out.WriteByte('\\')
			t.out.WriteRune(r)
		} else {
			t.out.WriteRune(r)
		}
		return nil
	}
	if !inClass {
		return t.quantifier()
	}
	return nil
}

func (t *reTranslator) hexRune(r rune) {
	t.out.WriteString(`\x{` + strconv.FormatInt(int64(r), 16) + `}`)
	if r >= 0x80 && t.flags&reI != 0 {
		t.classes = true
	}
}

func (t *reTranslator) class() *Exception {
	start := t.i
	t.i++
	t.out.WriteByte('[')
	if t.i < len(t.src) && t.src[t.i] == '^' {
		t.out.WriteByte('^')
		t.i++
	}
	first := true
	for {
		if t.i >= len(t.src) {
			t.i = start
			return t.fail("unterminated character set")
		}
		c := t.src[t.i]
		switch {
		case c == ']' && !first:
			t.out.WriteByte(']')
			t.i++
			return t.quantifier()
		case c == '\\':
			if err := t.escape(true); err != nil {
				return err
			}
		case c == '[' || c == ']' || c == '^' || c == '&' || c == '~' || c == '|':
			t.out.WriteByte('\\')
			t.out.WriteByte(c)
			t.i++
		case c == '-':
			t.out.WriteByte('-')
			t.i++
		default:
			r, n := utf8.DecodeRuneInString(t.src[t.i:])
			if r >= 0x80 && t.flags&reI != 0 {
				t.classes = true
			}
			t.out.WriteRune(r)
			t.i += n
		}
		first = false
	}
}

func (t *reTranslator) group(atStart bool) *Exception {
	s := t.src[t.i:]
	switch {
	case strings.HasPrefix(s, "(?:"):
		t.out.WriteString("(?:")
		t.i += 3
	case strings.HasPrefix(s, "(?P<"):
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return t.fail("missing >, unterminated name")
		}
		name := s[4:end]
		if name == "" || !isIdent(name) {
			return t.fail("bad character in group name")
		}
		t.out.WriteString("(?P<" + name + ">")
		t.i += end + 1
	case strings.HasPrefix(s, "(?#"):
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return t.fail("missing ), unterminated comment")
		}
		t.i += end + 1
		t.atStart = atStart
		return nil
	case strings.HasPrefix(s, "(?P="), strings.HasPrefix(s, "(?="), strings.HasPrefix(s, "(?!"),
		strings.HasPrefix(s, "(?<="), strings.HasPrefix(s, "(?<!"), strings.HasPrefix(s, "(?("),
		strings.HasPrefix(s, "(?>"):
		return bailf("lookaround, backreference, atomic group or conditional in a regular expression")
	case strings.HasPrefix(s, "(?"):
		// Flags: global (?aiLmsux) at the start, or scoped (?i:...).
		j := 2
		var on int64
		for j < len(s) && strings.IndexByte("aiLmsux", s[j]) >= 0 {
			on |= map[byte]int64{'a': reA, 'i': reI, 'L': reL, 'm': reM, 's': reS, 'u': reU, 'x': reX}[s[j]]
			j++
		}
		if j < len(s) && s[j] == ')' {
			if !atStart {
				return t.fail("global flags not at the start of the expression")
			}
			if on&(reX|reL) != 0 {
				return bailf("regular expression flags VERBOSE or LOCALE")
			}
			t.flags |= on
			t.i += j + 1
			t.atStart = true
			return nil
		}
		if j < len(s) && s[j] == ':' && on != 0 && on&^(reI|reM|reS) == 0 {
			if on&reI != 0 {
				t.classes = true
			}
			t.out.WriteString("(?" + s[2:j] + ":")
			t.i += j + 1
			t.depth++
			t.atStart = false
			return nil
		}
		return bailf("regular expression group %q", s[:min(len(s), 4)])
	default:
		t.out.WriteByte('(')
		t.i++
	}
	t.depth++
	t.atStart = false
	return nil
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || c == '_' || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

// check bails when the engines could disagree on this subject.
func (p *pattern) check(s string) *Exception {
	if p.classes && !isASCII(s) {
		return bailf("regular expression with character classes or IGNORECASE on non-ASCII text")
	}
	if p.dollar && strings.HasSuffix(s, "\n") {
		return bailf("regular expression with $ on text ending in a newline")
	}
	return nil
}

// match is a successful re match: the subject and the byte offsets of the groups.
type match struct {
	p    *pattern
	s    string
	locs []int
}

func (m *match) group(i int) Value {
	if m.locs[2*i] < 0 {
		return None
	}
	return Str(m.s[m.locs[2*i]:m.locs[2*i+1]])
}

func (x *Evaluator) reRun(p *pattern, mode string, s Value) (Value, *Exception) {
	if s.K != KStr {
		if s.K == KOpaque {
			return None, bailf("%s", s.S)
		}
		return None, typeError("expected string or bytes-like object, got '%s'", typeName(s))
	}
	if err := p.check(s.S); err != nil {
		return None, err
	}
	re := p.re
	switch mode {
	case "match":
		re = p.anchor
	case "fullmatch":
		re = p.full
	}
	locs := re.FindStringSubmatchIndex(s.S)
	if locs == nil {
		return None, nil
	}
	return Value{K: KMatch, O: &match{p: p, s: s.S, locs: locs}}, nil
}

func (x *Evaluator) reFindall(p *pattern, s Value) (Value, *Exception) {
	if s.K != KStr {
		return None, typeError("expected string or bytes-like object, got '%s'", typeName(s))
	}
	if err := p.check(s.S); err != nil {
		return None, err
	}
	if p.empty {
		return None, bailf("findall with a pattern that can match the empty string")
	}
	var out []Value
	for _, locs := range p.re.FindAllStringSubmatchIndex(s.S, -1) {
		m := &match{p: p, s: s.S, locs: locs}
		switch p.groups {
		case 0:
			out = append(out, m.group(0))
		case 1:
			g := m.group(1)
			if g.K == KNone {
				g = Str("")
			}
			out = append(out, g)
		default:
			t := make([]Value, p.groups)
			for i := range t {
				if t[i] = m.group(i + 1); t[i].K == KNone {
					t[i] = Str("")
				}
			}
			out = append(out, tupleValue(newList(t)))
		}
	}
	return listValue(newList(out)), nil
}

func (x *Evaluator) reSub(p *pattern, repl, s Value, count int64) (Value, *Exception) {
	if s.K != KStr {
		return None, typeError("expected string or bytes-like object, got '%s'", typeName(s))
	}
	if err := p.check(s.S); err != nil {
		return None, err
	}
	if p.empty {
		return None, bailf("sub with a pattern that can match the empty string")
	}
	var tmpl []tmplPart
	if repl.K == KStr {
		var err *Exception
		if tmpl, err = parseTemplate(repl.S, p); err != nil {
			return None, err
		}
	} else if repl.K != KFunc && repl.K != KBuiltin {
		return None, typeError("expected str instance, %s found", typeName(repl))
	}
	var b strings.Builder
	last := 0
	n := int64(0)
	for _, locs := range p.re.FindAllStringSubmatchIndex(s.S, -1) {
		if count > 0 && n >= count {
			break
		}
		n++
		b.WriteString(s.S[last:locs[0]])
		m := &match{p: p, s: s.S, locs: locs}
		if tmpl != nil || repl.K == KStr {
			for _, part := range tmpl {
				if part.group < 0 {
					b.WriteString(part.lit)
				} else if g := m.group(part.group); g.K == KStr {
					b.WriteString(g.S)
				}
			}
		} else {
			v, err := x.callAny(repl, []Value{{K: KMatch, O: m}}, nil)
			if err != nil {
				return None, err
			}
			if v.K != KStr {
				return None, typeError("expected str instance, %s found", typeName(v))
			}
			b.WriteString(v.S)
		}
		if b.Len() > maxSize {
			return None, bailf("string too long")
		}
		last = locs[1]
	}
	b.WriteString(s.S[last:])
	return Str(b.String()), nil
}

type tmplPart struct {
	lit   string
	group int // -1 for literal text
}

// parseTemplate parses a re.sub replacement: \1, \g<1>, \g<name>, and string escapes.
func parseTemplate(t string, p *pattern) ([]tmplPart, *Exception) {
	var parts []tmplPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String(), group: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c != '\\' {
			lit.WriteByte(c)
			continue
		}
		if i+1 >= len(t) {
			return nil, raise("error", "bad escape (end of pattern) at position %d", i)
		}
		e := t[i+1]
		i++
		switch {
		case e == 'g':
			if i+1 >= len(t) || t[i+1] != '<' {
				return nil, raise("error", "missing <")
			}
			end := strings.IndexByte(t[i:], '>')
			if end < 0 {
				return nil, raise("error", "missing >, unterminated name")
			}
			name := t[i+2 : i+end]
			g, err := strconv.Atoi(name)
			if err != nil {
				var ok bool
				if g, ok = p.names[name]; !ok {
					return nil, raise("IndexError", "unknown group name '%s'", name)
				}
			}
			if g < 0 || g > p.groups {
				return nil, raise("error", "invalid group reference %d", g)
			}
			flush()
			parts = append(parts, tmplPart{group: g})
			i += end
		case '0' <= e && e <= '9':
			if e == '0' {
				return nil, bailf("octal escape in a replacement")
			}
			g := int(e - '0')
			if i+1 < len(t) && isDigit(t[i+1]) {
				g = g*10 + int(t[i+1]-'0')
				i++
			}
			if g > p.groups {
				return nil, raise("error", "invalid group reference %d", g)
			}
			flush()
			parts = append(parts, tmplPart{group: g})
		case e == 'n':
			lit.WriteByte('\n')
		case e == 't':
			lit.WriteByte('\t')
		case e == 'r':
			lit.WriteByte('\r')
		case e == '\\':
			lit.WriteByte('\\')
		case isAlpha(e):
			return nil, bailf("escape \\%c in a replacement", e)
		default:
			lit.WriteByte('\\')
			lit.WriteByte(e)
		}
	}
	flush()
	return parts, nil
}

func (x *Evaluator) reSplit(p *pattern, s Value, maxsplit int64) (Value, *Exception) {
	if s.K != KStr {
		return None, typeError("expected string or bytes-like object, got '%s'", typeName(s))
	}
	if err := p.check(s.S); err != nil {
		return None, err
	}
	if p.empty {
		return None, bailf("split with a pattern that can match the empty string")
	}
	var out []Value
	last := 0
	n := int64(0)
	for _, locs := range p.re.FindAllStringSubmatchIndex(s.S, -1) {
		if maxsplit > 0 && n >= maxsplit {
			break
		}
		n++
		out = append(out, Str(s.S[last:locs[0]]))
		m := &match{p: p, s: s.S, locs: locs}
		for g := 1; g <= p.groups; g++ {
			out = append(out, m.group(g))
		}
		last = locs[1]
	}
	out = append(out, Str(s.S[last:]))
	return listValue(newList(out)), nil
}

// reEscape is re.escape.
func reEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// flagsArg reads a flags argument.
func flagsArg(v Value, ok bool) (int64, *Exception) {
	if !ok {
		return 0, nil
	}
	if v.K != KInt {
		return 0, typeError("flags must be an int")
	}
	return v.N, nil
}

func patternArg(x *Evaluator, v Value, flags int64) (*pattern, *Exception) {
	switch v.K {
	case KPattern:
		if flags != 0 {
			return nil, raise("ValueError", "cannot process flags argument with a compiled pattern")
		}
		return v.O.(*pattern), nil
	case KStr:
		return compilePattern(v.S, flags)
	}
	return nil, typeError("first argument must be string or compiled pattern")
}

func patternMethods() map[string]methodFn {
	run := func(mode string) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(mode, args, kw, 1, 1); err != nil {
				return None, err
			}
			return x.reRun(r.O.(*pattern), mode, args[0])
		}
	}
	return map[string]methodFn{
		"match":     run("match"),
		"search":    run("search"),
		"fullmatch": run("fullmatch"),
		"findall": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("findall", args, kw, 1, 1); err != nil {
				return None, err
			}
			return x.reFindall(r.O.(*pattern), args[0])
		},
		"sub": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			a := callArgs{name: "sub", args: args, kw: kw}
			if err := a.check(2, 3, "count"); err != nil {
				return None, err
			}
			cnt, _ := a.get(2, "count")
			return x.reSub(r.O.(*pattern), args[0], args[1], cnt.N)
		},
		"split": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			a := callArgs{name: "split", args: args, kw: kw}
			if err := a.check(1, 2, "maxsplit"); err != nil {
				return None, err
			}
			ms, _ := a.get(1, "maxsplit")
			return x.reSplit(r.O.(*pattern), args[0], ms.N)
		},
	}
}

func matchGroup(m Value, k Value) (Value, *Exception) {
	mt := m.O.(*match)
	switch k.K {
	case KInt, KBool:
		if k.N < 0 || int(k.N) > mt.p.groups {
			return None, raise("IndexError", "no such group")
		}
		return mt.group(int(k.N)), nil
	case KStr:
		i, ok := mt.p.names[k.S]
		if !ok {
			return None, raise("IndexError", "no such group")
		}
		return mt.group(i), nil
	}
	return None, raise("IndexError", "no such group")
}

func matchMethods() map[string]methodFn {
	pos := func(name string) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 0, 1); err != nil {
				return None, err
			}
			mt := r.O.(*match)
			g := 0
			if len(args) == 1 {
				gv, err := matchGroup(r, args[0])
				if err != nil {
					return None, err
				}
				_ = gv
				if args[0].K == KStr {
					g = mt.p.names[args[0].S]
				} else {
					g = int(args[0].N)
				}
			}
			a, b := mt.locs[2*g], mt.locs[2*g+1]
			if a >= 0 && !isASCII(mt.s) {
				a, b = runeIndex(mt.s, a), runeIndex(mt.s, b)
			}
			switch name {
			case "start":
				return Int(int64(a)), nil
			case "end":
				return Int(int64(b)), nil
			}
			return tupleValue(newList([]Value{Int(int64(a)), Int(int64(b))})), nil
		}
	}
	return map[string]methodFn{
		"group": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := noKw("group", kw); err != nil {
				return None, err
			}
			if len(args) == 0 {
				return r.O.(*match).group(0), nil
			}
			if len(args) == 1 {
				return matchGroup(r, args[0])
			}
			out := make([]Value, len(args))
			for i, a := range args {
				v, err := matchGroup(r, a)
				if err != nil {
					return None, err
				}
				out[i] = v
			}
			return tupleValue(newList(out)), nil
		},
		"groups": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			a := callArgs{name: "groups", args: args, kw: kw}
			if err := a.check(0, 1, "default"); err != nil {
				return None, err
			}
			def, _ := a.get(0, "default")
			mt := r.O.(*match)
			out := make([]Value, mt.p.groups)
			for i := range out {
				if out[i] = mt.group(i + 1); out[i].K == KNone {
					out[i] = def
				}
			}
			return tupleValue(newList(out)), nil
		},
		"groupdict": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			a := callArgs{name: "groupdict", args: args, kw: kw}
			if err := a.check(0, 1, "default"); err != nil {
				return None, err
			}
			def, _ := a.get(0, "default")
			mt := r.O.(*match)
			d := newDict(len(mt.p.names))
			for i, n := range mt.p.re.SubexpNames() {
				if n == "" {
					continue
				}
				v := mt.group(i)
				if v.K == KNone {
					v = def
				}
				d.putStr(n, v)
			}
			return dictValue(d), nil
		},
		"start": pos("start"),
		"end":   pos("end"),
		"span":  pos("span"),
	}
}
