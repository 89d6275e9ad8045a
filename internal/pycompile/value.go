package pycompile

import (
	"math"
	"unsafe"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Kind is the Python type of a Value.
type Kind uint8

// The kinds of values. Event views (KEvent, KEvDict, KEvList) are the read-only wrappers
// panther_core hands to rules (PantherEvent, ImmutableCaseInsensitiveDict, ImmutableList)
// over either a typed event tree or decoded JSON.
const (
	KNone Kind = iota
	KBool
	KInt
	KFloat
	KStr
	KTuple
	KList
	KDict
	KSet
	KFrozenSet
	KEvent
	KEvDict
	KEvList
	KFunc    // a compiled function or lambda
	KBuiltin // a builtin function, a module function or a bound method
	KModule  // a module: ours or a supported standard one
	KType    // a class usable with isinstance: str, dict, Mapping, PantherEvent...
	KPattern // a compiled re pattern
	KMatch   // an re match
	KExc     // an exception instance bound by `except ... as e`
	KIter    // a generator or another one-shot iterator
	KView    // dict.keys(), .values(), .items() of a dict or a mapping view
	KOpaque  // a value that cannot be represented exactly (a huge int); any use bails
	numKinds // sentinel
)

// Value is a Python value. Scalars live in the struct (N holds ints, bools as 0/1 and floats as
// IEEE bits; S holds strings); containers and other objects are pointers in O. Event views over
// a typed event keep a pointer in P (the *event.Event of a KEvent, the *event.Value of a KEvDict
// or KEvList) and the schema type in O (of the object, or of the list); views over decoded JSON
// have a nil P and the *Dict or *List in O.
type Value struct {
	K Kind
	N int64
	S string
	P unsafe.Pointer
	O any
}

var (
	None  = Value{K: KNone}
	True  = Value{K: KBool, N: 1}
	False = Value{K: KBool}
)

// Int returns a Python int.
func Int(i int64) Value { return Value{K: KInt, N: i} }

// Float returns a Python float.
func Float(f float64) Value { return Value{K: KFloat, N: int64(math.Float64bits(f))} }

// Str returns a Python str; s must be valid UTF-8.
func Str(s string) Value { return Value{K: KStr, S: s} }

// Bool returns a Python bool.
func Bool(b bool) Value {
	if b {
		return True
	}
	return False
}

// F returns the float of a KFloat.
func (v Value) F() float64 { return math.Float64frombits(uint64(v.N)) }

func listValue(l *List) Value   { return Value{K: KList, O: l} }
func tupleValue(l *List) Value  { return Value{K: KTuple, O: l} }
func dictValue(d *Dict) Value   { return Value{K: KDict, O: d} }
func setValue(s *Dict) Value    { return Value{K: KSet, O: s} }
func frozenValue(s *Dict) Value { return Value{K: KFrozenSet, O: s} }

// list returns the *List of a tuple or list.
func (v Value) list() *List { return v.O.(*List) }

// dict returns the *Dict of a dict, set or frozenset.
func (v Value) dict() *Dict { return v.O.(*Dict) }

// typed reports whether an event view is over a typed event tree (else over decoded JSON).
func (v Value) typed() bool { return v.P != nil }

func (v Value) evValue() *event.Value { return (*event.Value)(v.P) }

func (v Value) evType() *logschema.Type { return v.O.(*logschema.Type) }

// evEvent returns the event of a typed KEvent.
func (v Value) evEvent() *event.Event { return (*event.Event)(v.P) }

// typeName is what type(v).__name__ says.
func typeName(v Value) string {
	switch v.K {
	case KNone:
		return "NoneType"
	case KBool:
		return "bool"
	case KInt:
		return "int"
	case KFloat:
		return "float"
	case KStr:
		return "str"
	case KTuple:
		return "tuple"
	case KList:
		return "list"
	case KDict:
		return "dict"
	case KSet:
		return "set"
	case KFrozenSet:
		return "frozenset"
	case KEvent:
		return "PantherEvent"
	case KEvDict:
		return "ImmutableCaseInsensitiveDict"
	case KEvList:
		return "ImmutableList"
	case KFunc:
		return "function"
	case KBuiltin:
		return "builtin_function_or_method"
	case KModule:
		return "module"
	case KType:
		return "type"
	case KPattern:
		return "Pattern"
	case KMatch:
		return "Match"
	case KExc:
		return v.O.(*Exception).Type
	case KIter:
		return "generator"
	case KView:
		return "dict_" + v.O.(*dictView).which
	}
	return "object"
}

// hashable reports whether v can be a dict key or a set element.
func hashable(v Value) bool {
	switch v.K {
	case KNone, KBool, KInt, KFloat, KStr, KFrozenSet, KFunc, KBuiltin, KModule, KType, KPattern:
		return true
	case KTuple:
		for _, e := range v.list().items {
			if !hashable(e) {
				return false
			}
		}
		return true
	}
	return false
}
