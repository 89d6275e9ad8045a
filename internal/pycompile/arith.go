package pycompile

import (
	"math"
	"math/bits"
)

// maxSize bounds the strings and lists compiled code builds; past it the code bails (CPython
// would run into its memory limit or take long).
const maxSize = 64 << 20

func (x *Evaluator) binop(op string, a, b Value) (Value, *Exception) {
	if a.K == KOpaque || b.K == KOpaque {
		return None, bailf("arithmetic on %s", a.S+b.S)
	}
	if (a.K == KInt || a.K == KBool) && (b.K == KInt || b.K == KBool) {
		return intOp(op, a.N, b.N)
	}
	if isNumber(a) && isNumber(b) {
		return floatOp(op, a, b)
	}
	switch op {
	case "Add":
		switch {
		case a.K == KStr && b.K == KStr:
			if len(a.S)+len(b.S) > maxSize {
				return None, bailf("string too long")
			}
			return Str(a.S + b.S), nil
		case a.K == KList && b.K == KList, a.K == KTuple && b.K == KTuple:
			la, lb := a.list().items, b.list().items
			items := make([]Value, 0, len(la)+len(lb))
			items = append(append(items, la...), lb...)
			return Value{K: a.K, O: newList(items)}, nil
		}
	case "Mult":
		if a.K == KInt || a.K == KBool {
			a, b = b, a
		}
		if b.K == KInt || b.K == KBool {
			n := max(b.N, 0)
			switch a.K {
			case KStr:
				if n > 0 && int64(len(a.S)) > maxSize/n {
					return None, bailf("string too long")
				}
				out := make([]byte, 0, int64(len(a.S))*n)
				for range n {
					out = append(out, a.S...)
				}
				return Str(string(out)), nil
			case KList, KTuple:
				items := a.list().items
				if n > 0 && int64(len(items)) > maxSize/16/n {
					return None, bailf("list too long")
				}
				out := make([]Value, 0, int64(len(items))*n)
				for range n {
					out = append(out, items...)
				}
				return Value{K: a.K, O: newList(out)}, nil
			}
		}
	case "Mod":
		if a.K == KStr {
			return x.percentFormat(a.S, b)
		}
	case "BitOr", "BitAnd", "Sub", "BitXor":
		if (a.K == KSet || a.K == KFrozenSet) && (b.K == KSet || b.K == KFrozenSet) {
			return setOp(op, a, b)
		}
		if op == "BitOr" && a.K == KDict && b.K == KDict {
			d := a.dict().clone()
			db := b.dict()
			for i, k := range db.keys {
				if err := d.put(k, db.vals[i]); err != nil {
					return None, err
				}
			}
			return dictValue(d), nil
		}
	}
	return None, typeError("unsupported operand type(s) for %s: '%s' and '%s'", opSymbol[op], typeName(a), typeName(b))
}

var opSymbol = map[string]string{"Add": "+", "Sub": "-", "Mult": "*", "Div": "/", "FloorDiv": "//", "Mod": "%",
	"Pow": "** or pow()", "BitOr": "|", "BitAnd": "&", "BitXor": "^", "LShift": "<<", "RShift": ">>", "MatMult": "@"}

func setOp(op string, a, b Value) (Value, *Exception) {
	da, db := a.dict(), b.dict()
	out := newSet(da.Len())
	switch op {
	case "BitOr":
		for _, k := range da.keys {
			out.put(k, None)
		}
		for _, k := range db.keys {
			out.put(k, None)
		}
	case "BitAnd":
		for _, k := range da.keys {
			if _, ok, _ := db.get(k); ok {
				out.put(k, None)
			}
		}
	case "Sub":
		for _, k := range da.keys {
			if _, ok, _ := db.get(k); !ok {
				out.put(k, None)
			}
		}
	case "BitXor":
		for _, k := range da.keys {
			if _, ok, _ := db.get(k); !ok {
				out.put(k, None)
			}
		}
		for _, k := range db.keys {
			if _, ok, _ := da.get(k); !ok {
				out.put(k, None)
			}
		}
	}
	return Value{K: a.K, O: out}, nil
}

func intOp(op string, a, b int64) (Value, *Exception) {
	overflow := func() (Value, *Exception) { return None, bailf("int overflow") }
	switch op {
	case "Add":
		s := a + b
		if (s > a) != (b > 0) {
			return overflow()
		}
		return Int(s), nil
	case "Sub":
		s := a - b
		if (s < a) != (b > 0) {
			return overflow()
		}
		return Int(s), nil
	case "Mult":
		if a == 0 || b == 0 {
			return Int(0), nil
		}
		hi, lo := bits.Mul64(uint64(absI(a)), uint64(absI(b)))
		if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
			return overflow()
		}
		if (a < 0) != (b < 0) {
			return Int(-int64(lo)), nil
		}
		return Int(int64(lo)), nil
	case "Div":
		if b == 0 {
			return None, raise("ZeroDivisionError", "division by zero")
		}
		if absI(a) > 1<<53 || absI(b) > 1<<53 {
			return None, bailf("true division of large ints")
		}
		return Float(float64(a) / float64(b)), nil
	case "FloorDiv", "Mod":
		if b == 0 {
			if op == "Mod" {
				return None, raise("ZeroDivisionError", "integer modulo by zero")
			}
			return None, raise("ZeroDivisionError", "integer division or modulo by zero")
		}
		if a == math.MinInt64 && b == -1 {
			return overflow()
		}
		q, r := a/b, a%b
		if r != 0 && (r < 0) != (b < 0) {
			q--
			r += b
		}
		if op == "Mod" {
			return Int(r), nil
		}
		return Int(q), nil
	case "Pow":
		if b < 0 {
			if a == 0 {
				return None, raise("ZeroDivisionError", "0.0 cannot be raised to a negative power")
			}
			if absI(a) > 1<<53 {
				return None, bailf("power of a large int")
			}
			return Float(math.Pow(float64(a), float64(b))), nil
		}
		r := int64(1)
		base := a
		for e := b; e > 0; e >>= 1 {
			if e&1 == 1 {
				v, err := intOp("Mult", r, base)
				if err != nil {
					return v, err
				}
				r = v.N
			}
			if e > 1 {
				v, err := intOp("Mult", base, base)
				if err != nil {
					return v, err
				}
				base = v.N
			}
		}
		return Int(r), nil
	case "BitOr":
		return Int(a | b), nil
	case "BitAnd":
		return Int(a & b), nil
	case "BitXor":
		return Int(a ^ b), nil
	case "LShift":
		if b < 0 {
			return None, raise("ValueError", "negative shift count")
		}
		if b >= 63 || (a != 0 && bits.Len64(uint64(absI(a)))+int(b) >= 63) {
			if a == 0 {
				return Int(0), nil
			}
			return overflow()
		}
		return Int(a << uint(b)), nil
	case "RShift":
		if b < 0 {
			return None, raise("ValueError", "negative shift count")
		}
		if b >= 63 {
			if a < 0 {
				return Int(-1), nil
			}
			return Int(0), nil
		}
		return Int(a >> uint(b)), nil
	}
	return None, typeError("unsupported operand type(s) for %s: 'int' and 'int'", opSymbol[op])
}

func absI(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func toFloat(v Value) (float64, *Exception) {
	if v.K == KFloat {
		return v.F(), nil
	}
	if absI(v.N) > 1<<53 {
		// float(int) rounds correctly in both languages; keep it simple and exact.
		return float64(v.N), nil
	}
	return float64(v.N), nil
}

func floatOp(op string, a, b Value) (Value, *Exception) {
	x, _ := toFloat(a)
	y, _ := toFloat(b)
	switch op {
	case "Add":
		return Float(x + y), nil
	case "Sub":
		return Float(x - y), nil
	case "Mult":
		return Float(x * y), nil
	case "Div":
		if y == 0 {
			return None, raise("ZeroDivisionError", "float division by zero")
		}
		return Float(x / y), nil
	case "Mod", "FloorDiv":
		if y == 0 {
			if op == "Mod" {
				return None, raise("ZeroDivisionError", "float modulo")
			}
			return None, raise("ZeroDivisionError", "float floor division by zero")
		}
		mod := math.Mod(x, y)
		var div float64
		if op == "FloorDiv" {
			div = (x - mod) / y
		}
		if mod != 0 {
			if (y < 0) != (mod < 0) {
				mod += y
				div -= 1
			}
		} else {
			mod = math.Copysign(0, y)
		}
		if op == "Mod" {
			return Float(mod), nil
		}
		if div != 0 {
			fl := math.Floor(div)
			if div-fl > 0.5 {
				fl++
			}
			div = fl
		} else {
			div = math.Copysign(0, x/y)
		}
		return Float(div), nil
	case "Pow":
		if x == 0 && y < 0 {
			return None, raise("ZeroDivisionError", "0.0 cannot be raised to a negative power")
		}
		if x < 0 && y != math.Trunc(y) {
			return None, bailf("a complex power")
		}
		r := math.Pow(x, y)
		if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			return None, raise("OverflowError", "(34, 'Numerical result out of range')")
		}
		return Float(r), nil
	}
	return None, typeError("unsupported operand type(s) for %s: '%s' and '%s'", opSymbol[op], typeName(a), typeName(b))
}

func (x *Evaluator) unary(op string, v Value) (Value, *Exception) {
	switch op {
	case "Not":
		t, err := truth(v)
		return Bool(!t), err
	case "USub":
		switch v.K {
		case KInt, KBool:
			if v.N == math.MinInt64 {
				return None, bailf("int overflow")
			}
			return Int(-v.N), nil
		case KFloat:
			return Float(-v.F()), nil
		}
		return None, typeError("bad operand type for unary -: '%s'", typeName(v))
	case "UAdd":
		switch v.K {
		case KInt, KBool:
			return Int(v.N), nil
		case KFloat:
			return v, nil
		}
		return None, typeError("bad operand type for unary +: '%s'", typeName(v))
	case "Invert":
		if v.K == KInt || v.K == KBool {
			return Int(^v.N), nil
		}
		return None, typeError("bad operand type for unary ~: '%s'", typeName(v))
	}
	return None, bailf("unary %s", op)
}
