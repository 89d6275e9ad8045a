package pycompile

import (
	"strings"
	"sync"
)

// stdMod is a standard-library (or panther_core) module compiled code can use: the attributes
// it provides. Modules and attributes missing here make the functions that use them run in
// CPython.
type stdMod struct {
	name  string
	attrs map[string]Value
}

func (m *stdMod) attr(name string) (Value, bool) {
	v, ok := m.attrs[name]
	return v, ok
}

var (
	stdOnce sync.Once
	stdMods map[string]*stdMod
)

func stdModule(path string) *stdMod {
	stdOnce.Do(initStdMods)
	return stdMods[path]
}

func initStdMods() {
	stdMods = map[string]*stdMod{}
	add := func(name string, attrs map[string]Value) *stdMod {
		m := &stdMod{name: name, attrs: attrs}
		stdMods[name] = m
		return m
	}
	abc := add("collections.abc", map[string]Value{
		"Mapping": typeValue(tMapping), "MutableMapping": typeValue(tMutMap), "Sequence": typeValue(tSequence),
		"MutableSequence": typeValue(tMutSeq), "Iterable": typeValue(tIterable), "Set": typeValue(tAbcSet),
		"Collection": typeValue(tIterable),
	})
	tOrderedDict := &pyType{name: "collections.OrderedDict", kinds: nil, call: func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if len(args) > 0 || len(kw) > 0 {
			return None, bailf("OrderedDict with arguments")
		}
		d := newDict(4)
		return dictValue(d), nil
	}}
	add("collections", map[string]Value{"abc": {K: KModule, O: abc}, "OrderedDict": typeValue(tOrderedDict)})
	add("typing", map[string]Value{
		"Mapping": typeValue(tMapping), "MutableMapping": typeValue(tMutMap), "Sequence": typeValue(tSequence),
		"Iterable": typeValue(tIterable), "List": typeValue(tList), "Dict": typeValue(tDict),
		"Set": typeValue(tSet), "FrozenSet": typeValue(tFrozenSet), "Tuple": typeValue(tTuple),
	})
	add("functools", map[string]Value{"reduce": builtinValue("reduce", biReduce)})
	add("json", map[string]Value{
		"loads":           builtinValue("loads", jsonLoads),
		"dumps":           builtinValue("dumps", jsonDumps),
		"JSONDecodeError": typeValue(excType("JSONDecodeError")),
		"decoder":         {K: KModule, O: &stdMod{name: "json.decoder", attrs: map[string]Value{"JSONDecodeError": typeValue(excType("JSONDecodeError"))}}},
	})
	reFn := func(mode string) Value {
		return reModFn(mode, 2, []string{"flags"}, func(x *Evaluator, p *pattern, args []Value, _ callArgs) (Value, *Exception) {
			return x.reRun(p, mode, args[1])
		})
	}
	add("re", map[string]Value{
		"compile": builtinValue("compile", func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
			a := callArgs{name: "compile", args: args, kw: kw}
			if err := a.check(1, 2, "flags"); err != nil {
				return None, err
			}
			fl, ok := a.get(1, "flags")
			flags, err := flagsArg(fl, ok)
			if err != nil {
				return None, err
			}
			if args[0].K == KPattern {
				return args[0], nil
			}
			if args[0].K != KStr {
				return None, typeError("first argument must be string or compiled pattern")
			}
			p, err := compilePattern(args[0].S, flags)
			if err != nil {
				return None, err
			}
			return Value{K: KPattern, O: p}, nil
		}),
		"match":     reFn("match"),
		"search":    reFn("search"),
		"fullmatch": reFn("fullmatch"),
		"findall": reModFn("findall", 2, []string{"flags"}, func(x *Evaluator, p *pattern, args []Value, _ callArgs) (Value, *Exception) {
			return x.reFindall(p, args[1])
		}),
		"sub": reModFn("sub", 3, []string{"count", "flags"}, func(x *Evaluator, p *pattern, args []Value, a callArgs) (Value, *Exception) {
			cnt, _ := a.get(3, "count")
			return x.reSub(p, args[1], args[2], cnt.N)
		}),
		"split": reModFn("split", 2, []string{"maxsplit", "flags"}, func(x *Evaluator, p *pattern, args []Value, a callArgs) (Value, *Exception) {
			ms, _ := a.get(2, "maxsplit")
			return x.reSplit(p, args[1], ms.N)
		}),
		"escape": builtinValue("escape", func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
			if err := nargs("escape", args, kw, 1, 1); err != nil {
				return None, err
			}
			if args[0].K != KStr {
				return None, bailf("re.escape of %s", typeName(args[0]))
			}
			return Str(reEscape(args[0].S)), nil
		}),
		"I": Int(reI), "IGNORECASE": Int(reI), "M": Int(reM), "MULTILINE": Int(reM), "S": Int(reS),
		"DOTALL": Int(reS), "A": Int(reA), "ASCII": Int(reA), "U": Int(reU), "UNICODE": Int(reU),
		"X": Int(reX), "VERBOSE": Int(reX), "L": Int(reL), "LOCALE": Int(reL),
		"error": typeValue(excType("error")), "Pattern": typeValue(tPattern), "Match": typeValue(tMatch),
	})
	add("fnmatch", map[string]Value{
		"fnmatch":     builtinValue("fnmatch", fnmatchFn),
		"fnmatchcase": builtinValue("fnmatchcase", fnmatchFn),
	})
	add("string", map[string]Value{
		"ascii_letters":   Str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
		"ascii_lowercase": Str("abcdefghijklmnopqrstuvwxyz"),
		"ascii_uppercase": Str("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
		"digits":          Str("0123456789"),
		"hexdigits":       Str("0123456789abcdefABCDEF"),
		"octdigits":       Str("01234567"),
		"punctuation":     Str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
		"whitespace":      Str(" \t\n\r\x0b\x0c"),
	})
	immutable := add("panther_core.immutable", map[string]Value{
		"ImmutableList": typeValue(tIList), "ImmutableCaseInsensitiveDict": typeValue(tICD),
	})
	enriched := add("panther_core.enriched_event", map[string]Value{"PantherEvent": typeValue(tEvent)})
	add("panther_core", map[string]Value{
		"PantherEvent": typeValue(tEvent), "immutable": {K: KModule, O: immutable},
		"enriched_event": {K: KModule, O: enriched},
		"ImmutableList":  typeValue(tIList), "ImmutableCaseInsensitiveDict": typeValue(tICD),
		"PantherError": typeValue(excType("PantherError")),
	})
	add("ipaddress", map[string]Value{
		"ip_address":        builtinValue("ip_address", ipAddress("ip_address")),
		"IPv4Address":       typeValue(&pyType{name: "ipaddress.IPv4Address", call: ipAddress("IPv4Address")}),
		"IPv6Address":       typeValue(&pyType{name: "ipaddress.IPv6Address", call: ipAddress("IPv6Address")}),
		"AddressValueError": typeValue(excType("AddressValueError")),
		"NetmaskValueError": typeValue(excType("NetmaskValueError")),
	})
	mock := add("unittest.mock", map[string]Value{"MagicMock": typeValue(tMock), "Mock": typeValue(tMock)})
	add("unittest", map[string]Value{"mock": {K: KModule, O: mock}})
}

// reModFn is a function of the re module: a pattern, npos-1 more positional arguments, then the
// optional ones named by opts, flags last; run gets the compiled pattern.
func reModFn(name string, npos int, opts []string, run func(x *Evaluator, p *pattern, args []Value, a callArgs) (Value, *Exception)) Value {
	return builtinValue(name, func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		a := callArgs{name: name, args: args, kw: kw}
		if err := a.check(npos, npos+len(opts), opts...); err != nil {
			return None, err
		}
		fl, ok := a.get(npos+len(opts)-1, "flags")
		flags, err := flagsArg(fl, ok)
		if err != nil {
			return None, err
		}
		p, err := patternArg(x, args[0], flags)
		if err != nil {
			return None, err
		}
		return run(x, p, args, a)
	})
}

func biReduce(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("reduce", args, kw, 2, 3); err != nil {
		return None, err
	}
	items, err := x.collect(args[1], -1)
	if err != nil {
		return None, err
	}
	var acc Value
	if len(args) == 3 {
		acc = args[2]
	} else {
		if len(items) == 0 {
			return None, typeError("reduce() of empty iterable with no initial value")
		}
		acc, items = items[0], items[1:]
	}
	var pair [2]Value
	for _, it := range items {
		pair[0], pair[1] = acc, it
		if acc, err = x.callAny(args[0], pair[:], nil); err != nil {
			return None, err
		}
	}
	return acc, nil
}

func jsonLoads(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("loads", args, kw, 1, 1); err != nil {
		return None, err
	}
	s := args[0]
	if s.K != KStr {
		if s.K == KOpaque {
			return None, bailf("%s", s.S)
		}
		return None, typeError("the JSON object must be str, bytes or bytearray, not %s", typeName(s))
	}
	text := s.S
	if strings.HasPrefix(text, "\ufeff") {
		return None, raise("JSONDecodeError", "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)")
	}
	p := jsonParser{s: text}
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

func jsonDumps(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if len(args) != 1 {
		return None, typeError("dumps() takes 1 positional argument but %d were given", len(args))
	}
	o := defaultDumpOpts()
	for _, k := range kw {
		switch k.name {
		case "indent":
			switch k.v.K {
			case KNone:
			case KInt:
				o.indent = int(max(k.v.N, 0))
				o.itemSep = ","
			default:
				return None, bailf("json.dumps indent of type %s", typeName(k.v))
			}
		case "sort_keys":
			t, err := truth(k.v)
			if err != nil {
				return None, err
			}
			o.sortKeys = t
		case "ensure_ascii":
			t, err := truth(k.v)
			if err != nil {
				return None, err
			}
			o.ascii = t
		case "default":
			if k.v.K != KNone {
				v := k.v
				o.defaultFn = &v
			}
		case "separators":
			if k.v.K == KNone {
				continue
			}
			if k.v.K != KTuple || len(k.v.list().items) != 2 || k.v.list().items[0].K != KStr || k.v.list().items[1].K != KStr {
				return None, bailf("json.dumps separators")
			}
			o.itemSep, o.keySep = k.v.list().items[0].S, k.v.list().items[1].S
		default:
			return None, bailf("json.dumps argument %s", k.name)
		}
	}
	// An explicit separators argument wins over the indent default.
	for _, k := range kw {
		if k.name == "separators" && k.v.K == KTuple {
			o.itemSep, o.keySep = k.v.list().items[0].S, k.v.list().items[1].S
		}
	}
	s, err := x.dumps(args[0], o)
	return Str(s), err
}

var fnmatchCache sync.Map

// fnmatchFn is fnmatch.fnmatch on POSIX (no case folding) and fnmatch.fnmatchcase.
func fnmatchFn(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	if err := nargs("fnmatch", args, kw, 2, 2); err != nil {
		return None, err
	}
	name, pat := args[0], args[1]
	if name.K != KStr || pat.K != KStr {
		return None, bailf("fnmatch of non-str")
	}
	var p *pattern
	if c, ok := fnmatchCache.Load(pat.S); ok {
		p = c.(*pattern)
	} else {
		src, never := fnTranslate(pat.S)
		if never {
			return False, nil
		}
		var err *Exception
		if p, err = compilePattern(src, reS); err != nil {
			return None, err
		}
		fnmatchCache.Store(pat.S, p)
	}
	m, err := x.reRun(p, "fullmatch", name)
	if err != nil {
		return None, err
	}
	return Bool(m.K == KMatch), nil
}

// fnTranslate is fnmatch.translate, producing a pattern for fullmatch (never: the pattern has an
// empty range and matches nothing).
func fnTranslate(pat string) (string, bool) {
	var res strings.Builder
	rs := []rune(pat)
	n := len(rs)
	lastStar := false
	for i := 0; i < n; {
		c := rs[i]
		i++
		switch c {
		case '*':
			if !lastStar {
				res.WriteString(".*")
			}
			lastStar = true
			continue
		case '?':
			res.WriteString(".")
		case '[':
			j := i
			if j < n && rs[j] == '!' {
				j++
			}
			if j < n && rs[j] == ']' {
				j++
			}
			for j < n && rs[j] != ']' {
				j++
			}
			if j >= n {
				res.WriteString(`\[`)
				break
			}
			stuff := string(rs[i:j])
			if !strings.Contains(stuff, "-") {
				stuff = strings.ReplaceAll(stuff, `\`, `\\`)
			} else {
				var chunks []string
				k := i + 1
				if rs[i] == '!' {
					k = i + 2
				}
				for {
					idx := -1
					for q := k; q < j; q++ {
						if rs[q] == '-' {
							idx = q
							break
						}
					}
					if idx < 0 {
						break
					}
					chunks = append(chunks, string(rs[i:idx]))
					i = idx + 1
					k = idx + 3
				}
				chunk := string(rs[i:j])
				if chunk != "" {
					chunks = append(chunks, chunk)
				} else {
					chunks[len(chunks)-1] += "-"
				}
				for k := len(chunks) - 1; k > 0; k-- {
					a, b := []rune(chunks[k-1]), []rune(chunks[k])
					if len(a) > 0 && len(b) > 0 && a[len(a)-1] > b[0] {
						chunks[k-1] = string(a[:len(a)-1]) + string(b[1:])
						chunks = append(chunks[:k], chunks[k+1:]...)
					}
				}
				for k, s := range chunks {
					chunks[k] = strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "-", `\-`)
				}
				stuff = strings.Join(chunks, "-")
			}
			var esc strings.Builder
			for _, r := range stuff {
				if r == '&' || r == '~' || r == '|' {
					esc.WriteByte('\\')
				}
				esc.WriteRune(r)
			}
			stuff = esc.String()
			i = j + 1
			switch {
			case stuff == "":
				return "", true
			case stuff == "!":
				res.WriteString(".")
			default:
				if stuff[0] == '!' {
					stuff = "^" + stuff[1:]
				} else if stuff[0] == '^' || stuff[0] == '[' {
					stuff = `\` + stuff
				}
				res.WriteString("[" + stuff + "]")
			}
		default:
			res.WriteString(reEscape(string(c)))
		}
		lastStar = false
	}
	return res.String(), false
}

// ipAddress is ipaddress.ip_address, IPv4Address or IPv6Address for what compiled code can
// decide exactly: IPv4 text (no leading zeros, as CPython 3.9.5+), IPv4 ints, and text without
// a colon (never IPv6). The address object itself is opaque: using it bails; the common use is
// validation inside try/except ValueError.
func ipAddress(name string) func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
	return func(x *Evaluator, args []Value, kw []kwArg) (Value, *Exception) {
		if err := nargs(name, args, kw, 1, 1); err != nil {
			return None, err
		}
		addr := Value{K: KOpaque, S: "an ipaddress address object"}
		v := args[0]
		var text string
		switch v.K {
		case KInt, KBool:
			switch {
			case v.N >= 0 && v.N <= 0xFFFFFFFF && name != "IPv6Address":
				return addr, nil
			case v.N >= 0 && name != "IPv4Address":
				return addr, nil
			}
			if name == "ip_address" {
				return None, raise("ValueError", "does not appear to be an IPv4 or IPv6 address")
			}
			return None, raise("AddressValueError", "invalid address")
		case KStr:
			text = v.S
		case KOpaque:
			return None, bailf("%s", v.S)
		default:
			s, err := x.str(v)
			if err != nil {
				return None, err
			}
			text = s
		}
		if strings.Contains(text, ":") && name != "IPv4Address" {
			return None, bailf("IPv6 address parsing")
		}
		if name != "IPv6Address" && !strings.Contains(text, "/") && validIPv4(text) {
			return addr, nil
		}
		if name == "ip_address" {
			return None, raise("ValueError", "does not appear to be an IPv4 or IPv6 address")
		}
		return None, raise("AddressValueError", "invalid address")
	}
}

// validIPv4 is ipaddress's IPv4 parser: four dot-separated decimal octets of one to three ASCII
// digits, at most 255, without leading zeros.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || !all(p, isDigit) || (p != "0" && p[0] == '0') {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}
