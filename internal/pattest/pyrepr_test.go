package pattest

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// reprSamples cover the quoting and escaping rules of Python's repr().
var reprSamples = []string{
	"", "plain", "Test A:title", "it's", `say "hi"`, `both ' and "`, `back\slash`,
	"tab\there", "new\nline", "cr\rhere", "bell\x07", "del\x7f", "nul\x00",
	"café", "日本語", "emoji 😀", "nbsp\u00a0", "soft\u00adhyphen", "zero\u200bwidth",
	"line\u2028sep", "private\ue000", "astral\U000e0001",
}

func TestPyReprTable(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "''"},
		{"Test A", "'Test A'"},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{`a\b`, `'a\\b'`},
		{"a\tb\nc\rd", `'a\tb\nc\rd'`},
		{"\x00\x1f\x7f", `'\x00\x1f\x7f'`},
		{"café 日本", "'café 日本'"},
		{"\u00a0", `'\xa0'`},
		{"\u2028", `'\u2028'`},
		{"\U000e0001", `'\U000e0001'`},
	}
	for _, c := range cases {
		if got := pyRepr(c.in); got != c.want {
			t.Errorf("pyRepr(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got, want := pyList([]string{"Test A", "Test B:title"}), "['Test A', 'Test B:title']"; got != want {
		t.Errorf("pyList = %s, want %s", got, want)
	}
	if got := pyList(nil); got != "[]" {
		t.Errorf("pyList(nil) = %s, want []", got)
	}
}

// TestPyReprMatchesPython compares pyRepr, the json.dumps encoder and
// pyFloat with CPython itself.
func TestPyReprMatchesPython(t *testing.T) {
	requirePython(t)
	floats := []float64{0, 1, -2.5, 0.1, 1e16, 1e15, 123456789012345678, 1e-4, 1e-5, 2.5e-7, 3.14159, 1e300}
	values := []any{
		map[string]any{"b": json.Number("1"), "a": []any{true, nil, "x\"y"}},
		"ünïcödé \u2028 😀", []any{}, map[string]any{}, json.Number("-12.50"),
	}
	var raws []string
	for _, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, string(raw))
	}
	in, err := json.Marshal(map[string]any{"strings": reprSamples, "floats": floats, "values": raws})
	if err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys
d = json.load(sys.stdin)
print(json.dumps({
    "repr": [repr(s) for s in d["strings"]],
    "floats": [repr(float(f)) for f in d["floats"]],
    "dumps": [json.dumps(json.loads(v), sort_keys=True) for v in d["values"]],
}))
`
	cmd := exec.Command("python3", "-c", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got struct {
		Repr   []string `json:"repr"`
		Floats []string `json:"floats"`
		Dumps  []string `json:"dumps"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for i, s := range reprSamples {
		if r := pyRepr(s); r != got.Repr[i] {
			t.Errorf("pyRepr(%q) = %s, Python says %s", s, r, got.Repr[i])
		}
	}
	for i, f := range floats {
		if r := pyFloat(f); r != got.Floats[i] {
			t.Errorf("pyFloat(%v) = %s, Python says %s", f, r, got.Floats[i])
		}
	}
	if r := pyFloat(math.Copysign(0, -1)); r != "-0.0" {
		t.Errorf("pyFloat(-0) = %s, want -0.0", r)
	}
	// json.dumps with sorted keys must equal our encoder.
	for i, v := range values {
		if r := string(appendPyJSON(nil, v)); r != got.Dumps[i] {
			t.Errorf("appendPyJSON(%s) = %s, Python says %s", raws[i], r, got.Dumps[i])
		}
	}
}

func TestPyTruthyAndTypeName(t *testing.T) {
	cases := []struct {
		v      any
		truthy bool
		name   string
	}{
		{nil, false, "NoneType"},
		{false, false, "bool"},
		{true, true, "bool"},
		{"", false, "str"},
		{"x", true, "str"},
		{json.Number("0"), false, "int"},
		{json.Number("0.5"), true, "float"},
		{int64(0), false, "int"},
		{float64(2), true, "float"},
		{[]any{}, false, "list"},
		{[]any{1}, true, "list"},
		{map[string]any{}, false, "dict"},
		{map[string]any{"a": 1}, true, "dict"},
	}
	for _, c := range cases {
		if got := pyTruthy(c.v); got != c.truthy {
			t.Errorf("pyTruthy(%#v) = %v, want %v", c.v, got, c.truthy)
		}
		if got := pyTypeName(c.v); got != c.name {
			t.Errorf("pyTypeName(%#v) = %s, want %s", c.v, got, c.name)
		}
	}
}

// unrepr decodes a Python string literal as pyRepr writes it; the fuzz
// target uses it to check that pyRepr loses nothing.
func unrepr(lit string) (string, error) {
	if len(lit) < 2 || (lit[0] != '\'' && lit[0] != '"') || lit[len(lit)-1] != lit[0] {
		return "", fmt.Errorf("not a quoted literal: %s", lit)
	}
	quote := lit[0]
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == quote {
			return "", fmt.Errorf("unescaped quote at %d in %s", i, lit)
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", fmt.Errorf("dangling backslash in %s", lit)
		}
		switch body[i] {
		case '\\', '\'', '"':
			b.WriteByte(body[i])
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u', 'U':
			n := 2
			switch body[i] {
			case 'u':
				n = 4
			case 'U':
				n = 8
			}
			if i+1+n > len(body) {
				return "", fmt.Errorf("short escape in %s", lit)
			}
			v, err := strconv.ParseUint(body[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(v))
			i += n
		default:
			return "", fmt.Errorf("unknown escape \\%c in %s", body[i], lit)
		}
	}
	return b.String(), nil
}

func FuzzPyRepr(f *testing.F) {
	for _, s := range reprSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<12 {
			// Test names are short; long inputs only slow the search.
			return
		}
		lit := pyRepr(s)
		for _, r := range lit {
			if r < ' ' || r == 0x7f {
				t.Fatalf("pyRepr(%q) = %q has a raw control character", s, lit)
			}
		}
		if !utf8.ValidString(s) {
			return
		}
		back, err := unrepr(lit)
		if err != nil {
			t.Fatalf("pyRepr(%q) = %s: %v", s, lit, err)
		}
		if back != s {
			t.Fatalf("pyRepr(%q) = %s decodes to %q", s, lit, back)
		}
	})
}
