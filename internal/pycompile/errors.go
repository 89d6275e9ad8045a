package pycompile

import "fmt"

// Exception is how compiled code stops: a Python exception (Type is its class) that compiled
// try/except may catch, or a bail-out (Bail) when the compiled code cannot go on with exactly
// Python's result (a huge int, a lookup whose case folding differs between Go and Python,
// iteration over a set...). Neither leaves the compiled function with a result: the caller
// runs the function in CPython instead, which gives the exact outcome, error included.
type Exception struct {
	Type string
	Msg  string
	Bail bool
}

func (e *Exception) Error() string {
	if e.Bail {
		return "unsupported at run time: " + e.Msg
	}
	if e.Msg == "" {
		return e.Type
	}
	return e.Type + ": " + e.Msg
}

func bailf(format string, args ...any) *Exception {
	return &Exception{Bail: true, Msg: fmt.Sprintf(format, args...)}
}

func raise(typ, format string, args ...any) *Exception {
	return &Exception{Type: typ, Msg: fmt.Sprintf(format, args...)}
}

func typeError(format string, args ...any) *Exception {
	return raise("TypeError", format, args...)
}

func unhashable(v Value) *Exception {
	return typeError("unhashable type: '%s'", typeName(v))
}

// excParents maps the builtin exception classes compiled code can raise or catch to their base
// class.
var excParents = map[string]string{
	"Exception":               "BaseException",
	"ArithmeticError":         "Exception",
	"ZeroDivisionError":       "ArithmeticError",
	"OverflowError":           "ArithmeticError",
	"AssertionError":          "Exception",
	"AttributeError":          "Exception",
	"LookupError":             "Exception",
	"IndexError":              "LookupError",
	"KeyError":                "LookupError",
	"NameError":               "Exception",
	"UnboundLocalError":       "NameError",
	"TypeError":               "Exception",
	"ValueError":              "Exception",
	"UnicodeError":            "ValueError",
	"JSONDecodeError":         "ValueError",
	"AddressValueError":       "ValueError",
	"NetmaskValueError":       "ValueError",
	"RuntimeError":            "Exception",
	"RecursionError":          "RuntimeError",
	"StopIteration":           "Exception",
	"PantherError":            "Exception",
	"re.error":                "Exception",
	"FunctionReturnTypeError": "Exception",
}

// excMatches reports whether an exception of class typ is caught by `except class`.
func excMatches(typ, class string) bool {
	for t := typ; t != ""; t = excParents[t] {
		if t == class {
			return true
		}
		if t == "BaseException" {
			break
		}
	}
	return class == "BaseException"
}
