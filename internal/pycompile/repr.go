package pycompile

import (
	"math"
	"strconv"
	"strings"
)

// floatRepr is Python's repr(float): the shortest digits that round-trip, in positional
// notation when the decimal exponent is in [-4, 16), else in scientific notation.
func floatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	neg := false
	if e[0] == '-' {
		neg = true
		e = e[1:]
	}
	mant, exps, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(exps)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if decpt <= -4 || decpt > 16 {
		b.WriteByte(digits[0])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		b.WriteByte('e')
		if exp < 0 {
			b.WriteByte('-')
			exp = -exp
		} else {
			b.WriteByte('+')
		}
		if exp < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(exp))
		return b.String()
	}
	switch {
	case decpt <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -decpt))
		b.WriteString(digits)
	case decpt >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", decpt-len(digits)))
		b.WriteString(".0")
	default:
		b.WriteString(digits[:decpt])
		b.WriteByte('.')
		b.WriteString(digits[decpt:])
	}
	return b.String()
}

// strRepr is Python's repr(str) for ASCII text; other text bails (which characters Python
// prints as they are depends on its Unicode database).
func strRepr(s string) (string, *Exception) {
	if !isASCII(s) {
		return strReprUnicode(s)
	}
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, quote)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote || c == '\\':
			b = append(b, '\\', c)
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < ' ' || c == 0x7f:
			b = append(b, '\\', 'x', hexDigit[c>>4], hexDigit[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, quote)), nil
}

const hexDigit = "0123456789abcdef"

// repr is Python's repr(v).
func (x *Evaluator) repr(v Value) (string, *Exception) {
	var b strings.Builder
	if err := x.writeRepr(&b, v, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

// str is Python's str(v).
func (x *Evaluator) str(v Value) (string, *Exception) {
	switch v.K {
	case KStr:
		return v.S, nil
	case KExc:
		e := v.O.(*Exception)
		return e.Msg, nil
	}
	return x.repr(v)
}

func (x *Evaluator) writeRepr(b *strings.Builder, v Value, depth int) *Exception {
	if depth > 200 {
		return bailf("repr nested too deeply")
	}
	if b.Len() > maxSize {
		return bailf("repr too long")
	}
	switch v.K {
	case KNone:
		b.WriteString("None")
	case KBool:
		if v.N != 0 {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case KInt:
		b.WriteString(strconv.FormatInt(v.N, 10))
	case KFloat:
		b.WriteString(floatRepr(v.F()))
	case KStr:
		r, err := strRepr(v.S)
		if err != nil {
			return err
		}
		b.WriteString(r)
	case KList, KTuple, KEvList:
		open, close := "[", "]"
		if v.K == KTuple {
			open, close = "(", ")"
		}
		b.WriteString(open)
		n := listLen(v)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			it, err := x.rawItem(v, i)
			if err != nil {
				return err
			}
			if err := x.writeRepr(b, it, depth+1); err != nil {
				return err
			}
		}
		if v.K == KTuple && n == 1 {
			b.WriteByte(',')
		}
		b.WriteString(close)
	case KDict, KEvent, KEvDict:
		b.WriteByte('{')
		first := true
		err := x.mapRawItems(v, func(k, val Value) (bool, *Exception) {
			if !first {
				b.WriteString(", ")
			}
			first = false
			if err := x.writeRepr(b, k, depth+1); err != nil {
				return false, err
			}
			b.WriteString(": ")
			return true, x.writeRepr(b, val, depth+1)
		})
		if err != nil {
			return err
		}
		b.WriteByte('}')
	case KSet, KFrozenSet:
		if v.dict().Len() == 0 {
			if v.K == KSet {
				b.WriteString("set()")
			} else {
				b.WriteString("frozenset()")
			}
			return nil
		}
		return bailf("repr of a set (its order is CPython's hash order)")
	case KOpaque:
		return bailf("%s", v.S)
	case KType:
		b.WriteString("<class '" + v.O.(*pyType).name + "'>")
	default:
		return bailf("repr of %s", typeName(v))
	}
	return nil
}
