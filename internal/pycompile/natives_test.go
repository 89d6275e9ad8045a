package pycompile

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestNativeHelpers checks that the corpus' deep_get (panther_base_helpers' definition) runs
// natively, and that a changed copy, or one whose names are rebound, compiles as usual.
func TestNativeHelpers(t *testing.T) {
	text, err := os.ReadFile("../pyrun/testdata/bench_rules/panther_base_helpers.py")
	if err != nil {
		t.Fatal(err)
	}
	orig := string(text)
	changed := strings.Replace(orig, "if out is None:", "if out is False:", 1)
	rebound := orig + "\n\ndef isinstance(a, b):\n    return True\n"
	for _, c := range []struct {
		name, text string
		native     bool
	}{{"original", orig, true}, {"changed", changed, false}, {"rebound", rebound, false}} {
		prog, err := Compile(context.Background(), "", []Source{{Name: "panther_base_helpers", Kind: KindGlobal, Path: "h.py", Text: c.text}}, nil)
		if err != nil {
			t.Skip(err) // no python3
		}
		f := prog.Module("panther_base_helpers").Func("deep_get")
		if f == nil || !f.Compiled() {
			t.Fatalf("%s: deep_get did not compile", c.name)
		}
		if (f.native != nil) != c.native {
			t.Errorf("%s: native = %v, want %v", c.name, f.native != nil, c.native)
		}
	}
}

// TestGuardShapes checks the guards found in all([...]) and `if T: ...; return False`.
func TestGuardShapes(t *testing.T) {
	src := `
WATCHED = {"A", "B"}

def all_total(event):
    return all([event.get("eventSource", "") == "iam", event.get("x") == "y", event.get("n", 0) == 3])

def all_one_partial(event):
    return all([event.get("eventSource", "") == "iam", event.get("eventName", "") in WATCHED, event.get("x") == "y"])

def all_two_partial(event):
    return all([event.get("eventName", "") in WATCHED, event.get("x", "") in WATCHED])

def if_then_false(event):
    if event.get("eventSource") == "rds" and event.get("eventName") in ("A", "B"):
        x = event.deep_get("requestParameters", "values", default=[])
        return any(v for v in x)
    return False

def if_all_then_false(event):
    if all([event.get("eventSource") == "rds", event.get("errorCode")]):
        return True
    return False

def set_then_more(event):
    return event.get("bucket") in WATCHED and not event.get("requester")

def or_set_then_more(event):
    if event.get("bucket") not in WATCHED or event.get("requester"):
        return False
    return event.get("x") == "y"

def if_else(event):
    if event.get("eventSource") == "rds":
        return True
    else:
        return False
`
	prog, err := Compile(context.Background(), "", []Source{{Name: "Guard.Shapes", Kind: KindDetection, Path: "g.py", Text: src}}, nil)
	if err != nil {
		t.Skip(err)
	}
	m := prog.detections["Guard.Shapes"]
	for name, want := range map[string]string{
		"all_total":         "eventSource eq [iam]; x eq [y]; n eq [3]",
		"all_one_partial":   "eventName in [A B]",
		"all_two_partial":   "",
		"if_then_false":     "eventSource eq [rds]; eventName in [A B]",
		"if_all_then_false": "eventSource eq [rds]; errorCode truthy []",
		"if_else":           "",
		"set_then_more":     "bucket in [A B]",
		"or_set_then_more":  "bucket in [A B]",
	} {
		var got []string
		for _, c := range m.Func(name).Guard() {
			got = append(got, fmt.Sprintf("%s %s %v", strings.Join(c.Path, "."), c.Op, c.Values))
		}
		if g := strings.Join(got, "; "); g != want {
			t.Errorf("%s: guard %q, want %q", name, g, want)
		}
	}
}
