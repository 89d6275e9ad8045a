package pycompile

import (
	"slices"
	"strings"
	"unicode/utf8"
)

type methodFn func(x *Evaluator, recv Value, args []Value, kw []kwArg) (Value, *Exception)

// methodSite is one call site of a method: the implementation for each receiver kind.
type methodSite struct {
	name   string
	byKind [numKinds]methodFn
}

var methodTables [numKinds]map[string]methodFn

func newMethodSite(name string) *methodSite {
	s := &methodSite{name: name}
	found := false
	for k := range methodTables {
		if fn := methodTables[k][name]; fn != nil {
			s.byKind[k] = fn
			found = true
		}
	}
	if !found {
		return nil
	}
	return s
}

func (s *methodSite) call(x *Evaluator, recv Value, args []Value, kw []kwArg) (Value, *Exception) {
	if recv.K >= numKinds {
		return None, bailf("method of an unbound value")
	}
	h := s.byKind[recv.K]
	if h == nil {
		if recv.K == KOpaque {
			return None, bailf("%s", recv.S)
		}
		return None, raise("AttributeError", "'%s' object has no attribute '%s'", typeName(recv), s.name)
	}
	return h(x, recv, args, kw)
}

func init() {
	methodTables[KStr] = strMethods()
	methodTables[KList] = listMethods()
	methodTables[KTuple] = map[string]methodFn{"index": seqIndex, "count": seqCount}
	methodTables[KDict] = dictMethods()
	methodTables[KSet] = setMethods(true)
	methodTables[KFrozenSet] = setMethods(false)
	methodTables[KEvent] = eventMethods()
	methodTables[KEvDict] = viewMethods()
	methodTables[KEvList] = map[string]methodFn{"copy": evListCopy, "as_list": evListCopy, "index": seqIndex, "count": seqCount}
	methodTables[KPattern] = patternMethods()
	methodTables[KMatch] = matchMethods()
}

func noKw(name string, kw []kwArg) *Exception {
	if len(kw) > 0 {
		return typeError("%s() takes no keyword arguments", name)
	}
	return nil
}

func nargs(name string, args []Value, kw []kwArg, min, max int) *Exception {
	if err := noKw(name, kw); err != nil {
		return err
	}
	if len(args) < min || len(args) > max {
		if min == max {
			return typeError("%s() takes exactly %d arguments (%d given)", name, min, len(args))
		}
		return typeError("%s() takes from %d to %d arguments (%d given)", name, min, max, len(args))
	}
	return nil
}

func strArg(name string, v Value) (string, *Exception) {
	if v.K != KStr {
		if v.K == KOpaque {
			return "", bailf("%s", v.S)
		}
		return "", typeError("%s arg must be None or str, not %s", name, typeName(v))
	}
	return v.S, nil
}

// pyWhitespace is str.isspace for ASCII characters.
func pyWhitespace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	}
	return false
}

func runeLen(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return utf8.RuneCountInString(s)
}

// runeIndex converts a byte offset of s into a code point index.
func runeIndex(s string, i int) int {
	if i < 0 {
		return -1
	}
	return utf8.RuneCountInString(s[:i])
}

func strMethods() map[string]methodFn {
	ascii := func(name string, f func(s string) Value) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 0, 0); err != nil {
				return None, err
			}
			if !isASCII(r.S) {
				return None, bailf("str.%s of non-ASCII text", name)
			}
			return f(r.S), nil
		}
	}
	strip := func(name string, left, right bool) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 0, 1); err != nil {
				return None, err
			}
			s := r.S
			if len(args) == 0 || args[0].K == KNone {
				i, j := 0, len(s)
				if left {
					for i < j && pyWhitespace(s[i]) {
						i++
					}
					if i < j && s[i] >= 0x80 {
						return None, bailf("str.%s next to non-ASCII text", name)
					}
				}
				if right {
					for j > i && pyWhitespace(s[j-1]) {
						j--
					}
					if j > i && s[j-1] >= 0x80 {
						return None, bailf("str.%s next to non-ASCII text", name)
					}
				}
				return Str(s[i:j]), nil
			}
			chars, err := strArg(name, args[0])
			if err != nil {
				return None, err
			}
			switch {
			case left && right:
				return Str(strings.Trim(s, chars)), nil
			case left:
				return Str(strings.TrimLeft(s, chars)), nil
			}
			return Str(strings.TrimRight(s, chars)), nil
		}
	}
	affix := func(name string, prefix bool) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 1, 3); err != nil {
				return None, err
			}
			s := r.S
			if len(args) > 1 {
				sub, err := x.slice(r, args[1], argOr(args, 2, None), None)
				if err != nil {
					return None, err
				}
				s = sub.S
			}
			test := func(a Value) (bool, *Exception) {
				if a.K != KStr {
					return false, typeError("%s first arg must be str or a tuple of str, not %s", name, typeName(a))
				}
				if prefix {
					return strings.HasPrefix(s, a.S), nil
				}
				return strings.HasSuffix(s, a.S), nil
			}
			if args[0].K == KTuple {
				for _, a := range args[0].list().items {
					ok, err := test(a)
					if err != nil || ok {
						return Bool(ok), err
					}
				}
				return False, nil
			}
			ok, err := test(args[0])
			return Bool(ok), err
		}
	}
	find := func(name string, last, strict bool) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 1, 3); err != nil {
				return None, err
			}
			sub, err := strArg(name, args[0])
			if err != nil {
				return None, err
			}
			s := r.S
			offset := 0
			if len(args) > 1 {
				if !isASCII(s) {
					return None, bailf("str.%s with bounds on non-ASCII text", name)
				}
				a, b, _, err := sliceBounds(len(s), args[1], argOr(args, 2, None), None)
				if err != nil {
					return None, err
				}
				if a > b {
					if strict {
						return None, raise("ValueError", "substring not found")
					}
					return Int(-1), nil
				}
				s, offset = s[a:b], a
			}
			var i int
			if last {
				i = strings.LastIndex(s, sub)
			} else {
				i = strings.Index(s, sub)
			}
			if i < 0 {
				if strict {
					return None, raise("ValueError", "substring not found")
				}
				return Int(-1), nil
			}
			return Int(int64(offset + runeIndex(s, i))), nil
		}
	}
	mapped := func(name string, f func(s string) (string, bool)) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 0, 0); err != nil {
				return None, err
			}
			s, ok := f(r.S)
			if !ok {
				return None, bailf("str.%s of text with characters whose case mapping Go and CPython may disagree on", name)
			}
			return Str(s), nil
		}
	}
	m := map[string]methodFn{
		"lower":      mapped("lower", pyLower),
		"upper":      mapped("upper", pyUpper),
		"casefold":   ascii("casefold", func(s string) Value { return Str(asciiLower(s)) }),
		"capitalize": ascii("capitalize", func(s string) Value { return Str(capitalize(s)) }),
		"title":      ascii("title", func(s string) Value { return Str(title(s)) }),
		"swapcase":   ascii("swapcase", func(s string) Value { return Str(swapcase(s)) }),
		"isdigit":    ascii("isdigit", func(s string) Value { return Bool(s != "" && all(s, isDigit)) }),
		"isnumeric":  ascii("isnumeric", func(s string) Value { return Bool(s != "" && all(s, isDigit)) }),
		"isdecimal":  ascii("isdecimal", func(s string) Value { return Bool(s != "" && all(s, isDigit)) }),
		"isalpha":    ascii("isalpha", func(s string) Value { return Bool(s != "" && all(s, isAlpha)) }),
		"isalnum": ascii("isalnum", func(s string) Value {
			return Bool(s != "" && all(s, func(c byte) bool { return isAlpha(c) || isDigit(c) }))
		}),
		"isspace": ascii("isspace", func(s string) Value { return Bool(s != "" && all(s, pyWhitespace)) }),
		"isupper": ascii("isupper", func(s string) Value {
			return Bool(strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }) && !strings.ContainsFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' }))
		}),
		"islower": ascii("islower", func(s string) Value {
			return Bool(strings.ContainsFunc(s, func(r rune) bool { return 'a' <= r && r <= 'z' }) && !strings.ContainsFunc(s, func(r rune) bool { return 'A' <= r && r <= 'Z' }))
		}),
		"isascii": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			return Bool(isASCII(r.S)), nargs("isascii", args, kw, 0, 0)
		},
		"strip":      strip("strip", true, true),
		"lstrip":     strip("lstrip", true, false),
		"rstrip":     strip("rstrip", false, true),
		"startswith": affix("startswith", true),
		"endswith":   affix("endswith", false),
		"find":       find("find", false, false),
		"rfind":      find("rfind", true, false),
		"index":      find("index", false, true),
		"rindex":     find("rindex", true, true),
		"split":      strSplit(false),
		"rsplit":     strSplit(true),
		"splitlines": strSplitlines,
		"replace":    strReplace,
		"join":       strJoin,
		"count":      strCount,
		"partition":  strPartition(false),
		"rpartition": strPartition(true),
		"removeprefix": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("removeprefix", args, kw, 1, 1); err != nil {
				return None, err
			}
			p, err := strArg("removeprefix", args[0])
			return Str(strings.TrimPrefix(r.S, p)), err
		},
		"removesuffix": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("removesuffix", args, kw, 1, 1); err != nil {
				return None, err
			}
			p, err := strArg("removesuffix", args[0])
			return Str(strings.TrimSuffix(r.S, p)), err
		},
		"zfill": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("zfill", args, kw, 1, 1); err != nil {
				return None, err
			}
			if args[0].K != KInt {
				return None, typeError("'%s' object cannot be interpreted as an integer", typeName(args[0]))
			}
			s := r.S
			n := int(args[0].N) - runeLen(s)
			if n <= 0 {
				return r, nil
			}
			sign := ""
			if s != "" && (s[0] == '+' || s[0] == '-') {
				sign, s = s[:1], s[1:]
			}
			return Str(sign + strings.Repeat("0", n) + s), nil
		},
		"ljust":  strJust('<'),
		"rjust":  strJust('>'),
		"center": strJust('^'),
		"format": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			var kwargs map[string]Value
			if len(kw) > 0 {
				kwargs = make(map[string]Value, len(kw))
				for _, k := range kw {
					kwargs[k.name] = k.v
				}
			}
			return x.strFormat(r.S, args, kwargs)
		},
	}
	return m
}

func argOr(args []Value, i int, def Value) Value {
	if i < len(args) {
		return args[i]
	}
	return def
}

func all(s string, f func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return asciiUpper(s[:1]) + asciiLower(s[1:])
}

func title(s string) string {
	b := []byte(s)
	prevCased := false
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			if !prevCased {
				b[i] = c - 32
			}
			prevCased = true
		case 'A' <= c && c <= 'Z':
			if prevCased {
				b[i] = c + 32
			}
			prevCased = true
		default:
			prevCased = false
		}
	}
	return string(b)
}

func swapcase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 32
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		}
	}
	return string(b)
}

func strSplit(right bool) methodFn {
	name := "split"
	if right {
		name = "rsplit"
	}
	return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
		a := callArgs{name: name, args: args, kw: kw}
		if err := a.check(0, 2, "sep", "maxsplit"); err != nil {
			return None, err
		}
		sepV, _ := a.get(0, "sep")
		maxV, hasMax := a.get(1, "maxsplit")
		max := -1
		if hasMax {
			if maxV.K != KInt {
				return None, typeError("'%s' object cannot be interpreted as an integer", typeName(maxV))
			}
			max = int(maxV.N)
		}
		s := r.S
		var parts []string
		if sepV.K == KNone {
			if !isASCII(s) {
				return None, bailf("str.%s() of non-ASCII text", name)
			}
			parts = splitWhitespace(s, max, right)
		} else {
			sep, err := strArg(name, sepV)
			if err != nil {
				return None, err
			}
			if sep == "" {
				return None, raise("ValueError", "empty separator")
			}
			switch {
			case max < 0:
				parts = strings.Split(s, sep)
			case !right:
				parts = strings.SplitN(s, sep, max+1)
			default:
				parts = rsplitN(s, sep, max)
			}
		}
		items := make([]Value, len(parts))
		for i, p := range parts {
			items[i] = Str(p)
		}
		return listValue(newList(items)), nil
	}
}

func rsplitN(s, sep string, max int) []string {
	var out []string
	for max > 0 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		out = append(out, s[i+len(sep):])
		s = s[:i]
		max--
	}
	out = append(out, s)
	slices.Reverse(out)
	return out
}

func splitWhitespace(s string, max int, right bool) []string {
	var out []string
	if !right {
		i := 0
		for {
			for i < len(s) && pyWhitespace(s[i]) {
				i++
			}
			if i >= len(s) {
				return out
			}
			if max >= 0 && len(out) == max {
				j := len(s)
				for j > i && pyWhitespace(s[j-1]) {
					j--
				}
				return append(out, s[i:j])
			}
			j := i
			for j < len(s) && !pyWhitespace(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	j := len(s)
	for {
		for j > 0 && pyWhitespace(s[j-1]) {
			j--
		}
		if j <= 0 {
			break
		}
		if max >= 0 && len(out) == max {
			i := 0
			for i < j && pyWhitespace(s[i]) {
				i++
			}
			out = append(out, s[i:j])
			break
		}
		i := j
		for i > 0 && !pyWhitespace(s[i-1]) {
			i--
		}
		out = append(out, s[i:j])
		j = i
	}
	slices.Reverse(out)
	return out
}

func strSplitlines(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	a := callArgs{name: "splitlines", args: args, kw: kw}
	if err := a.check(0, 1, "keepends"); err != nil {
		return None, err
	}
	keepV, _ := a.get(0, "keepends")
	keep, err := truth(keepV)
	if err != nil {
		return None, err
	}
	s := r.S
	if !isASCII(s) {
		return None, bailf("str.splitlines of non-ASCII text")
	}
	var items []Value
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\n' && c != '\r' && c != '\v' && c != '\f' && c != 0x1c && c != 0x1d && c != 0x1e {
			continue
		}
		end := i + 1
		if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			end = i + 2
		}
		line := s[start:i]
		if keep {
			line = s[start:end]
		}
		items = append(items, Str(line))
		start = end
		i = end - 1
	}
	if start < len(s) {
		items = append(items, Str(s[start:]))
	}
	return listValue(newList(items)), nil
}

func strReplace(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("replace", args, kw, 2, 3); err != nil {
		return None, err
	}
	old, err := strArg("replace", args[0])
	if err != nil {
		return None, err
	}
	nw, err := strArg("replace", args[1])
	if err != nil {
		return None, err
	}
	n := -1
	if len(args) == 3 {
		if args[2].K != KInt {
			return None, typeError("'%s' object cannot be interpreted as an integer", typeName(args[2]))
		}
		n = int(args[2].N)
	}
	if old != "" && len(nw) > len(old) && int64(strings.Count(r.S, old))*int64(len(nw)-len(old)) > maxSize {
		return None, bailf("string too long")
	}
	return Str(strings.Replace(r.S, old, nw, n)), nil
}

func strJoin(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("join", args, kw, 1, 1); err != nil {
		return None, err
	}
	items, err := x.collect(args[0], -1)
	if err != nil {
		return None, err
	}
	var b strings.Builder
	for i, it := range items {
		if it.K != KStr {
			if it.K == KOpaque {
				return None, bailf("%s", it.S)
			}
			return None, typeError("sequence item %d: expected str instance, %s found", i, typeName(it))
		}
		if i > 0 {
			b.WriteString(r.S)
		}
		b.WriteString(it.S)
		if b.Len() > maxSize {
			return None, bailf("string too long")
		}
	}
	return Str(b.String()), nil
}

func strCount(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("count", args, kw, 1, 1); err != nil {
		return None, err
	}
	sub, err := strArg("count", args[0])
	if err != nil {
		return None, err
	}
	if sub == "" {
		return Int(int64(runeLen(r.S) + 1)), nil
	}
	return Int(int64(strings.Count(r.S, sub))), nil
}

func strPartition(right bool) methodFn {
	return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs("partition", args, kw, 1, 1); err != nil {
			return None, err
		}
		sep, err := strArg("partition", args[0])
		if err != nil {
			return None, err
		}
		if sep == "" {
			return None, raise("ValueError", "empty separator")
		}
		s := r.S
		var i int
		if right {
			i = strings.LastIndex(s, sep)
		} else {
			i = strings.Index(s, sep)
		}
		if i < 0 {
			if right {
				return tupleValue(newList([]Value{Str(""), Str(""), r})), nil
			}
			return tupleValue(newList([]Value{r, Str(""), Str("")})), nil
		}
		return tupleValue(newList([]Value{Str(s[:i]), Str(sep), Str(s[i+len(sep):])})), nil
	}
}

func strJust(align byte) methodFn {
	return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs("ljust", args, kw, 1, 2); err != nil {
			return None, err
		}
		if args[0].K != KInt {
			return None, typeError("'%s' object cannot be interpreted as an integer", typeName(args[0]))
		}
		fill := ' '
		if len(args) == 2 {
			f, err := strArg("ljust", args[1])
			if err != nil {
				return None, err
			}
			if utf8.RuneCountInString(f) != 1 {
				return None, typeError("The fill character must be exactly one character long")
			}
			fill, _ = utf8.DecodeRuneInString(f)
		}
		w := int(args[0].N)
		if w > maxSize {
			return None, bailf("string too long")
		}
		n := runeLen(r.S)
		if n >= w {
			return r, nil
		}
		if align == '^' {
			// CPython's center puts the extra fill on the right when the margin is odd and the
			// width is even, else on the left.
			marg := w - n
			left := marg/2 + (marg & w & 1)
			return Str(strings.Repeat(string(fill), left) + r.S + strings.Repeat(string(fill), marg-left)), nil
		}
		return Str(pad(r.S, spec{fill: fill, width: w, align: align}, align)), nil
	}
}

// Sequences.

func seqIndex(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("index", args, kw, 1, 1); err != nil {
		return None, err
	}
	n := listLen(r)
	for i := 0; i < n; i++ {
		it, err := x.rawItem(r, i)
		if err != nil {
			return None, err
		}
		eq, err := x.eq(it, unwrap(args[0]))
		if err != nil {
			return None, err
		}
		if eq {
			return Int(int64(i)), nil
		}
	}
	return None, raise("ValueError", "value is not in list")
}

func seqCount(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("count", args, kw, 1, 1); err != nil {
		return None, err
	}
	n := listLen(r)
	c := 0
	for i := 0; i < n; i++ {
		it, err := x.rawItem(r, i)
		if err != nil {
			return None, err
		}
		eq, err := x.eq(it, unwrap(args[0]))
		if err != nil {
			return None, err
		}
		if eq {
			c++
		}
	}
	return Int(int64(c)), nil
}

func listMethods() map[string]methodFn {
	return map[string]methodFn{
		"append": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("append", args, kw, 1, 1); err != nil {
				return None, err
			}
			l := r.list()
			l.items = append(l.items, args[0])
			return None, nil
		},
		"extend": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("extend", args, kw, 1, 1); err != nil {
				return None, err
			}
			items, err := x.collect(args[0], -1)
			if err != nil {
				return None, err
			}
			l := r.list()
			l.items = append(l.items, items...)
			return None, nil
		},
		"insert": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("insert", args, kw, 2, 2); err != nil {
				return None, err
			}
			if args[0].K != KInt {
				return None, typeError("'%s' object cannot be interpreted as an integer", typeName(args[0]))
			}
			l := r.list()
			i := int(args[0].N)
			if i < 0 {
				i = max(i+len(l.items), 0)
			}
			i = min(i, len(l.items))
			l.items = slices.Insert(l.items, i, args[1])
			return None, nil
		},
		"pop": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("pop", args, kw, 0, 1); err != nil {
				return None, err
			}
			l := r.list()
			if len(l.items) == 0 {
				return None, raise("IndexError", "pop from empty list")
			}
			i := len(l.items) - 1
			if len(args) == 1 {
				var err *Exception
				if i, err = x.index(args[0], len(l.items), "pop index out of range"); err != nil {
					return None, err
				}
			}
			v := l.items[i]
			l.items = slices.Delete(l.items, i, i+1)
			return v, nil
		},
		"remove": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("remove", args, kw, 1, 1); err != nil {
				return None, err
			}
			l := r.list()
			for i, it := range l.items {
				eq, err := x.eq(it, args[0])
				if err != nil {
					return None, err
				}
				if eq {
					l.items = slices.Delete(l.items, i, i+1)
					return None, nil
				}
			}
			return None, raise("ValueError", "list.remove(x): x not in list")
		},
		"index": seqIndex,
		"count": seqCount,
		"copy": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			return listValue(newList(slices.Clone(r.list().items))), nargs("copy", args, kw, 0, 0)
		},
		"clear": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			r.list().items = nil
			return None, nargs("clear", args, kw, 0, 0)
		},
		"reverse": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			slices.Reverse(r.list().items)
			return None, nargs("reverse", args, kw, 0, 0)
		},
		"sort": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if len(args) > 0 {
				return None, typeError("sort() takes no positional arguments")
			}
			sorted, err := x.sorted(r.list().items, kw)
			if err != nil {
				return None, err
			}
			r.list().items = sorted
			return None, nil
		},
	}
}

// Dicts and mapping views.

// dictView is dict.keys(), .values() or .items() of a dict or a view, read when iterated.
type dictView struct {
	m     Value // the dict or mapping view
	which string
}

func (x *Evaluator) viewList(dv *dictView) ([]Value, *Exception) {
	var out []Value
	err := x.mapRawItems(dv.m, func(k, v Value) (bool, *Exception) {
		if dv.m.K != KDict {
			v = wrap(v)
		}
		switch dv.which {
		case "keys":
			out = append(out, k)
		case "values":
			out = append(out, v)
		default:
			out = append(out, tupleValue(newList([]Value{k, v})))
		}
		return true, nil
	})
	return out, err
}

func mapGetMethod(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	def := argOr(args, 1, None)
	if r.K != KDict && len(kw) > 0 {
		// Mapping.get is a Python method: get(key, default=None).
		a := callArgs{name: "get", args: args, kw: kw}
		if err := a.check(1, 2, "default"); err != nil {
			return None, err
		}
		if len(args) == 2 {
			return None, typeError("get() got multiple values for argument 'default'")
		}
		def, _ = a.get(1, "default")
		kw = nil
	}
	if err := nargs("get", args, kw, 1, 2); err != nil {
		return None, err
	}
	var v Value
	var ok bool
	var err *Exception
	if r.K == KDict {
		v, ok, err = r.dict().get(args[0])
	} else {
		v, ok, err = x.viewGet(r, args[0])
	}
	if err != nil {
		return None, err
	}
	if !ok {
		return def, nil
	}
	return v, nil
}

func viewOf(which string) methodFn {
	return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
		return Value{K: KView, O: &dictView{m: r, which: which}}, nargs(which, args, kw, 0, 0)
	}
}

// deepCopy is copy.deepcopy of a value (the raw content of views).
func (x *Evaluator) deepCopy(v Value, depth int) (Value, *Exception) {
	if depth > 200 {
		return None, bailf("deep copy nested too deeply")
	}
	switch v.K {
	case KList, KEvList, KTuple:
		n := listLen(v)
		items := make([]Value, n)
		for i := 0; i < n; i++ {
			it, err := x.rawItem(v, i)
			if err != nil {
				return None, err
			}
			if items[i], err = x.deepCopy(it, depth+1); err != nil {
				return None, err
			}
		}
		if v.K == KTuple {
			return tupleValue(newList(items)), nil
		}
		return listValue(newList(items)), nil
	case KDict, KEvent, KEvDict:
		d := newDict(viewOrDictLen(v))
		err := x.mapRawItems(v, func(k, val Value) (bool, *Exception) {
			c, err := x.deepCopy(val, depth+1)
			if err != nil {
				return false, err
			}
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, c)
			return true, nil
		})
		return dictValue(d), err
	case KSet:
		return setValue(v.dict().clone()), nil
	}
	return v, nil
}

func copyMethod(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("copy", args, kw, 0, 0); err != nil {
		return None, err
	}
	return x.deepCopy(r, 0)
}

func dictMethods() map[string]methodFn {
	return map[string]methodFn{
		"get":    mapGetMethod,
		"keys":   viewOf("keys"),
		"values": viewOf("values"),
		"items":  viewOf("items"),
		"copy": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			return dictValue(r.dict().clone()), nargs("copy", args, kw, 0, 0)
		},
		"update": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if len(args) > 1 {
				return None, typeError("update expected at most 1 argument, got %d", len(args))
			}
			d := r.dict()
			if len(args) == 1 {
				if err := x.updateFrom(d, args[0]); err != nil {
					return None, err
				}
			}
			for _, k := range kw {
				if err := d.put(Str(k.name), k.v); err != nil {
					return None, err
				}
			}
			return None, nil
		},
		"pop": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("pop", args, kw, 1, 2); err != nil {
				return None, err
			}
			d := r.dict()
			i, err := d.findKey(args[0])
			if err != nil {
				return None, err
			}
			if i < 0 {
				if len(args) == 2 {
					return args[1], nil
				}
				return None, x.keyError(args[0])
			}
			v := d.vals[i]
			d.remove(i)
			return v, nil
		},
		"setdefault": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("setdefault", args, kw, 1, 2); err != nil {
				return None, err
			}
			d := r.dict()
			v, ok, err := d.get(args[0])
			if err != nil || ok {
				return v, err
			}
			def := argOr(args, 1, None)
			return def, d.put(args[0], def)
		},
		"clear": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			*r.dict() = Dict{}
			return None, nargs("clear", args, kw, 0, 0)
		},
	}
}

// updateFrom is dict.update(other): a mapping, or an iterable of pairs.
func (x *Evaluator) updateFrom(d *Dict, other Value) *Exception {
	switch other.K {
	case KDict, KEvent, KEvDict:
		return x.mergeInto(d, other)
	}
	items, err := x.collect(other, -1)
	if err != nil {
		return err
	}
	for i, it := range items {
		pair, err := x.collect(it, 3)
		if err != nil {
			return typeError("cannot convert dictionary update sequence element #%d to a sequence", i)
		}
		if len(pair) != 2 {
			return raise("ValueError", "dictionary update sequence element #%d has length %d; 2 is required", i, len(pair))
		}
		if err := d.put(pair[0], pair[1]); err != nil {
			return err
		}
	}
	return nil
}

func viewMethods() map[string]methodFn {
	return map[string]methodFn{
		"get":     mapGetMethod,
		"keys":    viewOf("keys"),
		"values":  viewOf("values"),
		"items":   viewOf("items"),
		"copy":    copyMethod,
		"to_dict": copyMethod,
	}
}

func evListCopy(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("copy", args, kw, 0, 0); err != nil {
		return None, err
	}
	return x.deepCopy(r, 0)
}

func setMethods(mutable bool) map[string]methodFn {
	other := func(name string, f func(a, b *Dict) Value) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := noKw(name, kw); err != nil {
				return None, err
			}
			acc := r
			for _, a := range args {
				items, err := x.collectFree(a)
				if err != nil {
					return None, err
				}
				s := newSet(len(items))
				for _, it := range items {
					if err := s.put(it, None); err != nil {
						return None, err
					}
				}
				acc = f(acc.dict(), s)
				acc.K = r.K
			}
			if len(args) == 0 {
				c := r.dict().clone()
				return Value{K: r.K, O: c}, nil
			}
			return acc, nil
		}
	}
	opf := func(op string) func(a, b *Dict) Value {
		return func(a, b *Dict) Value {
			v, _ := setOp(op, setValue(a), setValue(b))
			return v
		}
	}
	test := func(name string, f func(x *Evaluator, a, b *Dict) (bool, *Exception)) methodFn {
		return func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs(name, args, kw, 1, 1); err != nil {
				return None, err
			}
			items, err := x.collectFree(args[0])
			if err != nil {
				return None, err
			}
			s := newSet(len(items))
			for _, it := range items {
				if err := s.put(it, None); err != nil {
					return None, err
				}
			}
			ok, err := f(x, r.dict(), s)
			return Bool(ok), err
		}
	}
	m := map[string]methodFn{
		"union":                other("union", opf("BitOr")),
		"intersection":         other("intersection", opf("BitAnd")),
		"difference":           other("difference", opf("Sub")),
		"symmetric_difference": other("symmetric_difference", opf("BitXor")),
		"copy": func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			return Value{K: r.K, O: r.dict().clone()}, nargs("copy", args, kw, 0, 0)
		},
		"issubset": test("issubset", func(x *Evaluator, a, b *Dict) (bool, *Exception) {
			return setCompare("LtE", a, b)
		}),
		"issuperset": test("issuperset", func(x *Evaluator, a, b *Dict) (bool, *Exception) {
			return setCompare("GtE", a, b)
		}),
		"isdisjoint": test("isdisjoint", func(x *Evaluator, a, b *Dict) (bool, *Exception) {
			for _, k := range a.keys {
				if _, ok, _ := b.get(k); ok {
					return false, nil
				}
			}
			return true, nil
		}),
	}
	if mutable {
		m["add"] = func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("add", args, kw, 1, 1); err != nil {
				return None, err
			}
			return None, r.dict().put(args[0], None)
		}
		m["discard"] = func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("discard", args, kw, 1, 1); err != nil {
				return None, err
			}
			d := r.dict()
			if !hashable(args[0]) {
				return None, unhashable(args[0])
			}
			if i, err := d.find(args[0]); err != nil || i < 0 {
				return None, err
			} else {
				d.remove(i)
			}
			return None, nil
		}
		m["remove"] = func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("remove", args, kw, 1, 1); err != nil {
				return None, err
			}
			d := r.dict()
			i, err := d.findKey(args[0])
			if err != nil {
				return None, err
			}
			if i < 0 {
				return None, x.keyError(args[0])
			}
			d.remove(i)
			return None, nil
		}
		m["update"] = func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			if err := noKw("update", kw); err != nil {
				return None, err
			}
			for _, a := range args {
				items, err := x.collectFree(a)
				if err != nil {
					return None, err
				}
				for _, it := range items {
					if err := r.dict().put(it, None); err != nil {
						return None, err
					}
				}
			}
			return None, nil
		}
		m["clear"] = func(x *Evaluator, r Value, args []Value, kw []kwArg) (Value, *Exception) {
			*r.dict() = Dict{set: true}
			return None, nargs("clear", args, kw, 0, 0)
		}
	}
	return m
}
