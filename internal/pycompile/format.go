package pycompile

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// spec is a parsed format specification: [[fill]align][sign][z][#][0][width][grouping][.precision][type].
type spec struct {
	fill      rune
	align     byte // 0, '<', '>', '^', '='
	sign      byte // 0, '+', '-', ' '
	alt       bool
	zero      bool
	width     int
	grouping  byte // 0, ',', '_'
	precision int  // -1 when absent
	typ       byte // 0 or the type letter
}

func parseSpec(s string) (spec, bool) {
	sp := spec{fill: ' ', precision: -1}
	i := 0
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		sp.fill, sp.align = r, s[n]
		i = n + 1
	} else if len(s) > 0 && isAlign(s[0]) {
		sp.align = s[0]
		i = 1
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-' || s[i] == ' ') {
		sp.sign = s[i]
		i++
	}
	if i < len(s) && s[i] == 'z' {
		return sp, false
	}
	if i < len(s) && s[i] == '#' {
		sp.alt = true
		i++
	}
	if i < len(s) && s[i] == '0' {
		sp.zero = true
		i++
	}
	start := i
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i > start {
		w, err := strconv.Atoi(s[start:i])
		if err != nil || w > 1<<20 {
			return sp, false
		}
		sp.width = w
	}
	if i < len(s) && (s[i] == ',' || s[i] == '_') {
		sp.grouping = s[i]
		i++
	}
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == start {
			return sp, false
		}
		p, err := strconv.Atoi(s[start:i])
		if err != nil || p > 1<<10 {
			return sp, false
		}
		sp.precision = p
	}
	if i < len(s) {
		sp.typ = s[i]
		i++
	}
	return sp, i == len(s)
}

// format is Python's format(v, spec).
func (x *Evaluator) format(v Value, specText string) (string, *Exception) {
	if specText == "" {
		return x.str(v)
	}
	sp, ok := parseSpec(specText)
	if !ok {
		return "", bailf("format spec %q", specText)
	}
	switch v.K {
	case KStr:
		return formatStr(v.S, sp)
	case KInt, KBool:
		if v.K == KBool && sp.typ == 0 && sp.precision < 0 {
			s := "False"
			if v.N != 0 {
				s = "True"
			}
			return formatStr(s, sp)
		}
		return formatInt(v.N, sp)
	case KFloat:
		return formatFloat(v.F(), sp)
	case KOpaque:
		return "", bailf("%s", v.S)
	}
	return "", typeError("unsupported format string passed to %s.__format__", typeName(v))
}

func pad(s string, sp spec, defAlign byte) string {
	n := utf8.RuneCountInString(s)
	if n >= sp.width {
		return s
	}
	align := sp.align
	if align == 0 {
		align = defAlign
	}
	fill := strings.Repeat(string(sp.fill), sp.width-n)
	switch align {
	case '>':
		return fill + s
	case '^':
		left := (sp.width - n) / 2
		return strings.Repeat(string(sp.fill), left) + s + strings.Repeat(string(sp.fill), sp.width-n-left)
	}
	return s + fill
}

func formatStr(s string, sp spec) (string, *Exception) {
	if sp.typ != 0 && sp.typ != 's' {
		return "", raise("ValueError", "Unknown format code '%c' for object of type 'str'", sp.typ)
	}
	if sp.sign != 0 {
		return "", raise("ValueError", "Sign not allowed in string format specifier")
	}
	if sp.alt {
		return "", raise("ValueError", "Alternate form (#) not allowed in string format specifier")
	}
	if sp.align == '=' {
		return "", raise("ValueError", "'=' alignment not allowed in string format specifier")
	}
	if sp.grouping != 0 {
		return "", raise("ValueError", "Cannot specify '%c' with 's'.", sp.grouping)
	}
	if sp.zero && sp.align == 0 {
		sp.fill, sp.align = '0', '<'
	}
	if sp.precision >= 0 {
		if !isASCII(s) {
			r := []rune(s)
			if len(r) > sp.precision {
				s = string(r[:sp.precision])
			}
		} else if len(s) > sp.precision {
			s = s[:sp.precision]
		}
	}
	return pad(s, sp, '<'), nil
}

func group(digits string, sep byte, every int) string {
	if sep == 0 || len(digits) <= every {
		return digits
	}
	var b strings.Builder
	first := len(digits) % every
	if first > 0 {
		b.WriteString(digits[:first])
	}
	for i := first; i < len(digits); i += every {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(digits[i : i+every])
	}
	return b.String()
}

// numPad applies sign, zero padding and alignment to formatted digits.
func numPad(neg bool, prefix, body string, sp spec) string {
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.sign == '+':
		sign = "+"
	case sp.sign == ' ':
		sign = " "
	}
	if sp.zero && sp.align == 0 {
		sp.fill, sp.align = '0', '='
	}
	if sp.align == '=' {
		n := utf8.RuneCountInString(sign + prefix + body)
		if n < sp.width {
			body = strings.Repeat(string(sp.fill), sp.width-n) + body
		}
		return sign + prefix + body
	}
	return pad(sign+prefix+body, sp, '>')
}

func formatInt(n int64, sp spec) (string, *Exception) {
	if sp.precision >= 0 && strings.IndexByte("eEfFgG%", sp.typ) < 0 {
		return "", raise("ValueError", "Precision not allowed in integer format specifier")
	}
	switch sp.typ {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		if absI(n) > 1<<53 {
			return "", bailf("float format of a large int")
		}
		return formatFloat(float64(n), sp)
	}
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	var digits, prefix string
	every := 3
	switch sp.typ {
	case 0, 'd', 'n':
		if sp.typ == 'n' {
			return "", bailf("locale formatting")
		}
		digits = strconv.FormatUint(u, 10)
	case 'x', 'X':
		digits = strconv.FormatUint(u, 16)
		if sp.typ == 'X' {
			digits = strings.ToUpper(digits)
		}
		if sp.alt {
			prefix = "0" + string(sp.typ)
		}
		every = 4
	case 'o':
		digits = strconv.FormatUint(u, 8)
		if sp.alt {
			prefix = "0o"
		}
		every = 4
	case 'b':
		digits = strconv.FormatUint(u, 2)
		if sp.alt {
			prefix = "0b"
		}
		every = 4
	case 'c':
		return "", bailf("format code c")
	default:
		return "", raise("ValueError", "Unknown format code '%c' for object of type 'int'", sp.typ)
	}
	if sp.grouping == ',' && every == 4 {
		return "", raise("ValueError", "Cannot specify ',' with '%c'.", sp.typ)
	}
	if sp.grouping != 0 && sp.zero && sp.align == 0 {
		return "", bailf("zero padding with grouping")
	}
	return numPad(neg, prefix, group(digits, sp.grouping, every), sp), nil
}

func formatFloat(f float64, sp spec) (string, *Exception) {
	if sp.alt || sp.grouping != 0 && sp.zero {
		return "", bailf("float format %q", string(sp.typ))
	}
	neg := math.Signbit(f) && !math.IsNaN(f)
	a := math.Abs(f)
	var body string
	switch {
	case math.IsInf(a, 0) || math.IsNaN(a):
		body = "inf"
		if math.IsNaN(a) {
			body = "nan"
		}
		if sp.typ == 'E' || sp.typ == 'F' || sp.typ == 'G' {
			body = strings.ToUpper(body)
		}
		if sp.typ == '%' {
			body += "%"
		}
		return numPad(neg, "", body, sp), nil
	}
	prec := sp.precision
	switch sp.typ {
	case 'f', 'F':
		if prec < 0 {
			prec = 6
		}
		body = strconv.FormatFloat(a, 'f', prec, 64)
	case '%':
		if prec < 0 {
			prec = 6
		}
		body = strconv.FormatFloat(a*100, 'f', prec, 64) + "%"
	case 'e', 'E':
		if prec < 0 {
			prec = 6
		}
		body = pyExp(strconv.FormatFloat(a, 'e', prec, 64))
		if sp.typ == 'E' {
			body = strings.ToUpper(body)
		}
	case 0:
		if prec >= 0 {
			return "", bailf("float format with precision and no type")
		}
		body = floatRepr(a)
	default:
		return "", bailf("float format %q", string(sp.typ))
	}
	if sp.grouping != 0 {
		intPart, frac, hasFrac := strings.Cut(body, ".")
		if strings.ContainsAny(intPart, "e%") {
			return "", bailf("grouping in exponent format")
		}
		body = group(intPart, sp.grouping, 3)
		if hasFrac {
			body += "." + frac
		}
	}
	return numPad(neg, "", body, sp), nil
}

// pyExp rewrites Go's exponent (e+07) the way Python writes it (e+07 as well: two digits at
// least), only normalizing longer forms.
func pyExp(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s
	}
	exp := s[i+2:]
	for len(exp) > 2 && exp[0] == '0' {
		exp = exp[1:]
	}
	return s[:i+2] + exp
}

// percentFormat is Python's str % args (printf-style formatting).
func (x *Evaluator) percentFormat(format string, args Value) (Value, *Exception) {
	var items []Value
	var mapping Value
	hasMapping := false
	switch args.K {
	case KTuple:
		items = args.list().items
	case KDict, KEvDict, KEvent:
		mapping, hasMapping = args, true
		items = []Value{args}
	default:
		items = []Value{args}
	}
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(format) {
			return None, raise("ValueError", "incomplete format")
		}
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		var arg Value
		haveArg := false
		if format[i] == '(' {
			end := strings.IndexByte(format[i:], ')')
			if end < 0 || !hasMapping {
				return None, bailf("%%(name) formatting")
			}
			key := format[i+1 : i+end]
			v, ok, err := x.getItemMap(mapping, Str(key))
			if err != nil {
				return None, err
			}
			if !ok {
				return None, raise("KeyError", "'%s'", key)
			}
			arg, haveArg = v, true
			i += end + 1
		}
		start := i
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			i++
		}
		flags := format[start:i]
		start = i
		for i < len(format) && '0' <= format[i] && format[i] <= '9' {
			i++
		}
		width := format[start:i]
		prec := ""
		if i < len(format) && format[i] == '.' {
			i++
			start = i
			for i < len(format) && '0' <= format[i] && format[i] <= '9' {
				i++
			}
			prec = "." + format[start:i]
			if prec == "." {
				prec = ".0"
			}
		}
		if i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return None, raise("ValueError", "incomplete format")
		}
		conv := format[i]
		if strings.ContainsAny(flags, "#") {
			return None, bailf("%% format flag #")
		}
		if !haveArg {
			if hasMapping {
				return None, typeError("format requires a mapping")
			}
			if next >= len(items) {
				return None, typeError("not enough arguments for format string")
			}
			arg = items[next]
			next++
		}
		var text string
		var err *Exception
		switch conv {
		case 's':
			text, err = x.str(arg)
		case 'r':
			text, err = x.repr(arg)
		case 'd', 'i', 'u':
			switch arg.K {
			case KInt, KBool:
				text = strconv.FormatInt(arg.N, 10)
			case KFloat:
				f := math.Trunc(arg.F())
				if math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 9e18 {
					return None, bailf("%%d of a float")
				}
				text = strconv.FormatInt(int64(f), 10)
			default:
				return None, typeError("%%%c format: a real number is required, not %s", conv, typeName(arg))
			}
		case 'f', 'F', 'e', 'E':
			if !isNumber(arg) {
				return None, typeError("must be real number, not %s", typeName(arg))
			}
			f, _ := toFloat(arg)
			p := 6
			if prec != "" {
				p, _ = strconv.Atoi(prec[1:])
			}
			if conv == 'f' || conv == 'F' {
				text, err = formatFloat(f, spec{fill: ' ', precision: p, typ: 'f'})
			} else {
				text, err = formatFloat(f, spec{fill: ' ', precision: p, typ: conv})
			}
			prec = ""
		default:
			return None, bailf("%%%c formatting", conv)
		}
		if err != nil {
			return None, err
		}
		if prec != "" && (conv == 's' || conv == 'r') {
			p, _ := strconv.Atoi(prec[1:])
			if r := []rune(text); len(r) > p {
				text = string(r[:p])
			}
		} else if prec != "" {
			return None, bailf("%% precision with %c", conv)
		}
		if strings.ContainsAny(flags, "+ ") && conv != 's' && conv != 'r' {
			if !strings.HasPrefix(text, "-") {
				if strings.Contains(flags, "+") {
					text = "+" + text
				} else {
					text = " " + text
				}
			}
		}
		if width != "" {
			w, _ := strconv.Atoi(width)
			n := utf8.RuneCountInString(text)
			if n < w {
				switch {
				case strings.Contains(flags, "-"):
					text += strings.Repeat(" ", w-n)
				case strings.Contains(flags, "0") && conv != 's' && conv != 'r':
					sign := ""
					if strings.HasPrefix(text, "-") || strings.HasPrefix(text, "+") || strings.HasPrefix(text, " ") {
						sign, text = text[:1], text[1:]
					}
					text = sign + strings.Repeat("0", w-n) + text
				default:
					text = strings.Repeat(" ", w-n) + text
				}
			}
		}
		b.WriteString(text)
		if b.Len() > maxSize {
			return None, bailf("string too long")
		}
	}
	if !hasMapping && next < len(items) {
		return None, typeError("not all arguments converted during string formatting")
	}
	return Str(b.String()), nil
}

// strFormat is Python's str.format(*args, **kwargs).
func (x *Evaluator) strFormat(format string, args []Value, kwargs map[string]Value) (Value, *Exception) {
	var b strings.Builder
	auto := 0
	manual := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == '}' {
			if i+1 < len(format) && format[i+1] == '}' {
				b.WriteByte('}')
				i++
				continue
			}
			return None, raise("ValueError", "Single '}' encountered in format string")
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(format) && format[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		end := strings.IndexByte(format[i:], '}')
		if end < 0 {
			return None, raise("ValueError", "expected '}' before end of string")
		}
		field := format[i+1 : i+end]
		i += end
		if strings.ContainsAny(field, "{[") {
			return None, bailf("nested or indexed format field")
		}
		name, specText, _ := strings.Cut(field, ":")
		conv := ""
		if n, cv, ok := strings.Cut(name, "!"); ok {
			name, conv = n, cv
		}
		if strings.Contains(name, ".") {
			return None, bailf("attribute format field")
		}
		var arg Value
		switch {
		case name == "":
			if manual {
				return None, raise("ValueError", "cannot switch from manual field specification to automatic field numbering")
			}
			if auto >= len(args) {
				return None, raise("IndexError", "Replacement index %d out of range for positional args tuple", auto)
			}
			arg = args[auto]
			auto++
		case name[0] >= '0' && name[0] <= '9':
			n, err := strconv.Atoi(name)
			if err != nil {
				return None, bailf("format field %q", name)
			}
			if auto > 0 {
				return None, raise("ValueError", "cannot switch from automatic field numbering to manual field specification")
			}
			manual = true
			if n >= len(args) {
				return None, raise("IndexError", "Replacement index %d out of range for positional args tuple", n)
			}
			arg = args[n]
		default:
			v, ok := kwargs[name]
			if !ok {
				return None, raise("KeyError", "'%s'", name)
			}
			arg = v
		}
		var text string
		var err *Exception
		switch conv {
		case "":
			text, err = x.format(arg, specText)
		case "s", "r":
			if conv == "s" {
				text, err = x.str(arg)
			} else {
				text, err = x.repr(arg)
			}
			if err == nil && specText != "" {
				text, err = x.format(Str(text), specText)
			}
		default:
			return None, bailf("format conversion !%s", conv)
		}
		if err != nil {
			return None, err
		}
		b.WriteString(text)
		if b.Len() > maxSize {
			return None, bailf("string too long")
		}
	}
	return Str(b.String()), nil
}
