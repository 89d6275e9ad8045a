package pycompile

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parseJSON decodes JSON text as Python's json.loads does: objects become dicts (a duplicate
// key keeps its first position and its last value), arrays lists, integers ints (KOpaque
// beyond int64), other numbers floats; NaN and Infinity are accepted. Strings holding lone
// surrogates, which Go strings cannot carry, become KOpaque.
func parseJSON(s string) (Value, *Exception) {
	p := jsonParser{s: s}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return None, err
	}
	p.ws()
	if p.i != len(p.s) {
		return None, p.fail("Extra data")
	}
	return v, nil
}

type jsonParser struct {
	s string
	i int
}

// maxJSONDepth bounds nesting like CPython's recursion limit would.
const maxJSONDepth = 900

func (p *jsonParser) fail(msg string) *Exception {
	line := 1 + strings.Count(p.s[:p.i], "\n")
	col := p.i - strings.LastIndexByte(p.s[:p.i], '\n')
	return raise("JSONDecodeError", "%s: line %d column %d (char %d)", msg, line, col, utf8.RuneCountInString(p.s[:p.i]))
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (Value, *Exception) {
	if depth > maxJSONDepth {
		return None, bailf("JSON nested too deeply")
	}
	if p.i >= len(p.s) {
		return None, p.fail("Expecting value")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		d := newDict(4)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return dictValue(d), nil
		}
		for {
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return None, p.fail("Expecting property name enclosed in double quotes")
			}
			k, err := p.str()
			if err != nil {
				return None, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return None, p.fail("Expecting ':' delimiter")
			}
			p.i++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return None, err
			}
			if k.K == KOpaque {
				return k, nil // a key Go cannot hold: the whole object is opaque
			}
			d.putStr(k.S, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				p.ws()
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == '}' {
				p.i++
				return dictValue(d), nil
			}
			return None, p.fail("Expecting ',' delimiter")
		}
	case c == '[':
		p.i++
		var items []Value
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return listValue(newList(items)), nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return None, err
			}
			items = append(items, v)
			p.ws()
			if p.i < len(p.s) && p.s[p.i] == ',' {
				p.i++
				p.ws()
				continue
			}
			if p.i < len(p.s) && p.s[p.i] == ']' {
				p.i++
				return listValue(newList(items)), nil
			}
			return None, p.fail("Expecting ',' delimiter")
		}
	case c == '"':
		return p.str()
	case c == 't' && strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return True, nil
	case c == 'f' && strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return False, nil
	case c == 'n' && strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return None, nil
	case c == 'N' && strings.HasPrefix(p.s[p.i:], "NaN"):
		p.i += 3
		return Float(math.NaN()), nil
	case c == 'I' && strings.HasPrefix(p.s[p.i:], "Infinity"):
		p.i += 8
		return Float(math.Inf(1)), nil
	case c == '-' && strings.HasPrefix(p.s[p.i:], "-Infinity"):
		p.i += 9
		return Float(math.Inf(-1)), nil
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	}
	return None, p.fail("Expecting value")
}

func (p *jsonParser) number() (Value, *Exception) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i >= len(p.s) {
		p.i = start
		return None, p.fail("Expecting value")
	}
	if p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		p.i = start
		return None, p.fail("Expecting value")
	}
	isFloat := false
	if p.i+1 < len(p.s) && p.s[p.i] == '.' && '0' <= p.s[p.i+1] && p.s[p.i+1] <= '9' {
		p.i++
		digits()
		isFloat = true
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		save := p.i
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			p.i = save // Python's scanner stops before an incomplete exponent
		} else {
			isFloat = true
		}
	}
	text := p.s[start:p.i]
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return None, bailf("float %q", text)
		}
		return Float(f), nil
	}
	i, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return Value{K: KOpaque, S: "int " + text}, nil
	}
	return Int(i), nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (p *jsonParser) str() (Value, *Exception) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			return Str(s), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return None, p.fail("Invalid control character at")
		}
		p.i++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	opaque := false
	for {
		if p.i >= len(p.s) {
			p.i = start - 1
			return None, p.fail("Unterminated string starting at")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if opaque {
				return Value{K: KOpaque, S: "str with a lone surrogate"}, nil
			}
			return Str(b.String()), nil
		case c < 0x20:
			return None, p.fail("Invalid control character at")
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			p.i = start - 1
			return None, p.fail("Unterminated string starting at")
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return None, p.fail("Invalid \\uXXXX escape")
			}
			if utf16.IsSurrogate(r) {
				if r < 0xDC00 && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
						b.WriteRune(utf16.DecodeRune(r, r2))
						continue
					}
					p.i = save
				}
				opaque = true
				continue
			}
			b.WriteRune(r)
		default:
			p.i -= 2
			return None, p.fail("Invalid \\escape")
		}
	}
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// dumpOpts are the json.dumps options compiled code may pass.
type dumpOpts struct {
	indent    int // -1: no indentation
	itemSep   string
	keySep    string
	sortKeys  bool
	allowNaN  bool
	ascii     bool
	defaultFn *Value // default=: called for values JSON cannot encode
	wrappers  bool   // the worker's json_encoder: views serialize as their raw containers
}

func defaultDumpOpts() dumpOpts {
	return dumpOpts{indent: -1, itemSep: ", ", keySep: ": ", allowNaN: true, ascii: true, wrappers: false}
}

// dumps is json.dumps(v, ...).
func (x *Evaluator) dumps(v Value, o dumpOpts) (string, *Exception) {
	var b strings.Builder
	if err := x.dumpValue(&b, v, o, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (x *Evaluator) dumpNewline(b *strings.Builder, o dumpOpts, depth int) {
	if o.indent < 0 {
		return
	}
	b.WriteByte('\n')
	for range depth * o.indent {
		b.WriteByte(' ')
	}
}

func (x *Evaluator) dumpValue(b *strings.Builder, v Value, o dumpOpts, depth int) *Exception {
	if depth > 500 {
		return bailf("JSON nested too deeply")
	}
	if b.Len() > maxSize {
		return bailf("JSON too long")
	}
	switch v.K {
	case KNone:
		b.WriteString("null")
	case KBool:
		if v.N != 0 {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case KInt:
		b.WriteString(strconv.FormatInt(v.N, 10))
	case KFloat:
		f := v.F()
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			if !o.allowNaN {
				return raise("ValueError", "Out of range float values are not JSON compliant")
			}
			switch {
			case math.IsNaN(f):
				b.WriteString("NaN")
			case f > 0:
				b.WriteString("Infinity")
			default:
				b.WriteString("-Infinity")
			}
		default:
			b.WriteString(floatRepr(f))
		}
	case KStr:
		writeJSONString(b, v.S, o.ascii)
	case KList, KTuple, KEvList:
		if v.K == KEvList && !o.wrappers {
			return x.dumpDefault(b, v, o, depth)
		}
		n := listLen(v)
		if n == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			x.dumpNewline(b, o, depth+1)
			it, err := x.rawItem(v, i)
			if err != nil {
				return err
			}
			if err := x.dumpValue(b, it, o, depth+1); err != nil {
				return err
			}
		}
		x.dumpNewline(b, o, depth)
		b.WriteByte(']')
	case KDict, KEvent, KEvDict:
		if v.K != KDict && !o.wrappers {
			return x.dumpDefault(b, v, o, depth)
		}
		type kv struct {
			k string
			v Value
		}
		var items []kv
		err := x.mapRawItems(v, func(k, val Value) (bool, *Exception) {
			var ks string
			switch k.K {
			case KStr:
				ks = k.S
			case KInt:
				ks = strconv.FormatInt(k.N, 10)
			case KFloat:
				f := k.F()
				switch {
				case math.IsNaN(f):
					ks = "NaN"
				case math.IsInf(f, 1):
					ks = "Infinity"
				case math.IsInf(f, -1):
					ks = "-Infinity"
				default:
					ks = floatRepr(f)
				}
			case KBool:
				ks = "false"
				if k.N != 0 {
					ks = "true"
				}
			case KNone:
				ks = "null"
			default:
				return false, typeError("keys must be str, int, float, bool or None, not %s", typeName(k))
			}
			if o.sortKeys && k.K != KStr {
				return false, bailf("sort_keys with non-str keys")
			}
			items = append(items, kv{ks, val})
			return true, nil
		})
		if err != nil {
			return err
		}
		if o.sortKeys {
			sort.SliceStable(items, func(i, j int) bool { return items[i].k < items[j].k })
		}
		if len(items) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		for i, it := range items {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			x.dumpNewline(b, o, depth+1)
			writeJSONString(b, it.k, o.ascii)
			b.WriteString(o.keySep)
			if err := x.dumpValue(b, it.v, o, depth+1); err != nil {
				return err
			}
		}
		x.dumpNewline(b, o, depth)
		b.WriteByte('}')
	case KOpaque:
		return bailf("%s", v.S)
	default:
		return x.dumpDefault(b, v, o, depth)
	}
	return nil
}

// dumpDefault handles values json cannot encode: the default= function, or TypeError.
func (x *Evaluator) dumpDefault(b *strings.Builder, v Value, o dumpOpts, depth int) *Exception {
	if o.defaultFn == nil {
		return typeError("Object of type %s is not JSON serializable", typeName(v))
	}
	r, err := x.callAny(*o.defaultFn, []Value{v}, nil)
	if err != nil {
		return err
	}
	return x.dumpValue(b, r, o, depth)
}

// writeJSONString writes s as json.dumps does (ensure_ascii: \uXXXX for non-ASCII).
func writeJSONString(b *strings.Builder, s string, ascii bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigit[r>>4])
			b.WriteByte(hexDigit[r&15])
		case r < 0x80 || !ascii:
			b.WriteRune(r)
		case r < 0x10000:
			writeU(b, r)
		default:
			r1, r2 := utf16.EncodeRune(r)
			writeU(b, r1)
			writeU(b, r2)
		}
	}
	b.WriteByte('"')
}

func writeU(b *strings.Builder, r rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigit[(r>>uint(shift))&15])
	}
}
