package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nodeKind is the shape of a parsed YAML node.
type nodeKind uint8

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

// node is a YAML node after scalar resolution, merge keys and aliases,
// with the position of its first character. Mapping keys keep document
// order.
type node struct {
	kind     nodeKind
	line     int
	col      int
	val      any // nil, bool, int64, float64 or string for scalars
	keys     []string
	keyLines []int
	vals     []*node
	items    []*node
}

// get returns the value of a mapping key.
func (n *node) get(key string) (*node, bool) {
	if n == nil || n.kind != mapNode {
		return nil, false
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i], true
		}
	}
	return nil, false
}

// keyLine returns the line of a mapping key, or the mapping's own line.
func (n *node) keyLine(key string) int {
	for i, k := range n.keys {
		if k == key {
			return n.keyLines[i]
		}
	}
	return n.line
}

// value converts the node to the generic JSON-like form: map[string]any,
// []any, string, int64, float64, bool or nil.
func (n *node) value() any {
	switch n.kind {
	case mapNode:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].value()
		}
		return m
	case seqNode:
		l := make([]any, len(n.items))
		for i, it := range n.items {
			l[i] = it.value()
		}
		return l
	}
	return n.val
}

// json encodes the node as JSON with mapping keys in document order.
// Non-finite floats, which JSON cannot hold, become null.
func (n *node) json() []byte {
	var b bytes.Buffer
	n.writeJSON(&b)
	return b.Bytes()
}

func (n *node) writeJSON(b *bytes.Buffer) {
	switch n.kind {
	case mapNode:
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			n.vals[i].writeJSON(b)
		}
		b.WriteByte('}')
	case seqNode:
		b.WriteByte('[')
		for i, it := range n.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.writeJSON(b)
		}
		b.WriteByte(']')
	default:
		switch x := n.val.(type) {
		case nil:
			b.WriteString("null")
		case bool:
			b.WriteString(strconv.FormatBool(x))
		case int64:
			b.WriteString(strconv.FormatInt(x, 10))
		case float64:
			if math.IsInf(x, 0) || math.IsNaN(x) {
				b.WriteString("null")
			} else {
				b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
			}
		case string:
			writeJSONString(b, x)
		}
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
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
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// yamlError is a YAML syntax or structure error at a line.
type yamlError struct {
	line int
	msg  string
}

func (e *yamlError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return e.msg
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxNodes bounds the size of a document after alias expansion.
const maxNodes = 1_000_000

// parseYAML parses one YAML document. It returns a nil node for an empty
// document.
func parseYAML(data []byte) (*node, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, wrapYAMLError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &yamlError{line: extra.Line, msg: "expected a single YAML document, found another one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, wrapYAMLError(err)
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	c := &converter{}
	return c.convert(doc.Content[0], 0)
}

func wrapYAMLError(err error) error {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &yamlError{line: line, msg: m[2]}
	}
	return &yamlError{msg: strings.TrimPrefix(msg, "yaml: ")}
}

type converter struct {
	count int
}

func (c *converter) convert(y *yaml.Node, depth int) (*node, error) {
	c.count++
	if c.count > maxNodes {
		return nil, &yamlError{line: y.Line, msg: fmt.Sprintf("document has more than %d nodes after alias expansion", maxNodes)}
	}
	if depth > 1000 {
		return nil, &yamlError{line: y.Line, msg: "document is nested more than 1000 levels deep"}
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, &yamlError{line: y.Line, msg: "unknown alias"}
		}
		n, err := c.convert(y.Alias, depth+1)
		if err != nil {
			return nil, err
		}
		cp := *n
		cp.line, cp.col = y.Line, y.Column
		return &cp, nil
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			return &node{kind: scalarNode, line: y.Line, col: y.Column}, nil
		}
		return c.convert(y.Content[0], depth+1)
	case yaml.SequenceNode:
		if err := checkCollectionTag(y, "!!seq"); err != nil {
			return nil, err
		}
		n := &node{kind: seqNode, line: y.Line, col: y.Column, items: make([]*node, 0, len(y.Content))}
		for _, it := range y.Content {
			cn, err := c.convert(it, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, cn)
		}
		return n, nil
	case yaml.MappingNode:
		if err := checkCollectionTag(y, "!!map"); err != nil {
			return nil, err
		}
		return c.mapping(y, depth)
	}
	v, err := resolveNode(y)
	if err != nil {
		return nil, err
	}
	return &node{kind: scalarNode, line: y.Line, col: y.Column, val: v}, nil
}

func checkCollectionTag(y *yaml.Node, want string) error {
	if y.Style&yaml.TaggedStyle != 0 && y.Tag != want && y.Tag != "" {
		return &yamlError{line: y.Line, msg: fmt.Sprintf("unsupported tag %s (the safe loader knows only the standard YAML tags)", y.Tag)}
	}
	return nil
}

func (c *converter) mapping(y *yaml.Node, depth int) (*node, error) {
	n := &node{kind: mapNode, line: y.Line, col: y.Column}
	seen := map[string]int{}
	var merged []*node
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		if ky.Kind == yaml.ScalarNode && ky.Tag == "!!merge" && ky.Style&yaml.TaggedStyle == 0 {
			srcs, err := c.mergeSources(vy, depth)
			if err != nil {
				return nil, err
			}
			merged = append(merged, srcs...)
			continue
		}
		if ky.Kind != yaml.ScalarNode {
			return nil, &yamlError{line: ky.Line, msg: "mapping keys must be scalars, found a collection"}
		}
		kv, err := resolveNode(ky)
		if err != nil {
			return nil, err
		}
		key := keyString(kv)
		if first, dup := seen[key]; dup {
			return nil, &yamlError{line: ky.Line, msg: fmt.Sprintf("duplicate key %q (first at line %d)", key, first)}
		}
		seen[key] = ky.Line
		vn, err := c.convert(vy, depth+1)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, key)
		n.keyLines = append(n.keyLines, ky.Line)
		n.vals = append(n.vals, vn)
	}
	// Merged keys never override explicit keys; earlier sources win.
	for _, src := range merged {
		for j, k := range src.keys {
			if _, ok := seen[k]; ok {
				continue
			}
			seen[k] = src.keyLines[j]
			n.keys = append(n.keys, k)
			n.keyLines = append(n.keyLines, src.keyLines[j])
			n.vals = append(n.vals, src.vals[j])
		}
	}
	return n, nil
}

func (c *converter) mergeSources(vy *yaml.Node, depth int) ([]*node, error) {
	var list []*yaml.Node
	if vy.Kind == yaml.SequenceNode {
		list = vy.Content
	} else {
		list = []*yaml.Node{vy}
	}
	out := make([]*node, 0, len(list))
	for _, it := range list {
		n, err := c.convert(it, depth+1)
		if err != nil {
			return nil, err
		}
		if n.kind != mapNode {
			return nil, &yamlError{line: it.Line, msg: "a merge key (<<) needs a mapping or a list of mappings"}
		}
		out = append(out, n)
	}
	return out, nil
}

// keyString renders a resolved mapping key as Python's json.dumps would
// render a dict key.
func keyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatPythonFloat(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

func formatPythonFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	case f == math.Trunc(f) && math.Abs(f) < 1e16:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// resolveNode converts a scalar node: quoted and block scalars are strings,
// plain scalars go through ResolveScalar, explicit standard tags are
// honoured and other tags are rejected.
func resolveNode(y *yaml.Node) (any, error) {
	if y.Style&yaml.TaggedStyle != 0 {
		switch y.Tag {
		case "!!str", "!!timestamp", "!!binary", "!":
			return y.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			switch v := ResolveScalar(y.Value).(type) {
			case bool:
				if y.Tag == "!!bool" {
					return v, nil
				}
			case int64:
				if y.Tag == "!!float" {
					return float64(v), nil
				}
				if y.Tag == "!!int" {
					return v, nil
				}
			case float64:
				if y.Tag == "!!float" {
					return v, nil
				}
			}
			return nil, &yamlError{line: y.Line, msg: fmt.Sprintf("%q is not a valid %s", y.Value, y.Tag)}
		}
		return nil, &yamlError{line: y.Line, msg: fmt.Sprintf("unsupported tag %s (the safe loader knows only the standard YAML tags)", y.Tag)}
	}
	if y.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return y.Value, nil
	}
	return ResolveScalar(y.Value), nil
}

var (
	intRe = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0o[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$`)
	// The float forms of the YAML 1.2 resolver PAT's loader uses; unlike
	// YAML 1.1, an exponent needs no dot (1e5 is a float) and there are no
	// sexagesimal (base 60) numbers.
	floatRe = regexp.MustCompile(`^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

// ResolveScalar converts the text of a plain (unquoted, untagged) YAML
// scalar the way PAT's YAML 1.2 loader does:
//
//   - "", "~", "null", "Null" and "NULL" are null;
//   - only true/True/TRUE and false/False/FALSE are bools, so yes, no, on
//     and off stay strings;
//   - integers may have _ separators and 0x, 0o or 0b prefixes; a leading
//     zero does not mean octal (012 is 12); 1:30:00 is a string;
//   - timestamps such as 2024-01-02 stay strings;
//   - integers beyond int64 become float64.
//
// Everything else is a string.
func ResolveScalar(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if len(s) == 0 || !strings.ContainsAny(s[:1], "-+0123456789.") {
		return s
	}
	if intRe.MatchString(s) {
		if v, ok := parseYAMLInt(s); ok {
			return v
		}
		return s
	}
	if floatRe.MatchString(s) {
		t := strings.ReplaceAll(s, "_", "")
		switch strings.ToLower(strings.TrimLeft(t, "+-")) {
		case ".inf":
			if strings.HasPrefix(t, "-") {
				return math.Inf(-1)
			}
			return math.Inf(1)
		case ".nan":
			return math.NaN()
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return f
		}
	}
	return s
}

func parseYAMLInt(s string) (any, bool) {
	t := strings.ReplaceAll(s, "_", "")
	neg := false
	if strings.HasPrefix(t, "-") || strings.HasPrefix(t, "+") {
		neg = t[0] == '-'
		t = t[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(t, "0b"):
		base, t = 2, t[2:]
	case strings.HasPrefix(t, "0o"):
		base, t = 8, t[2:]
	case strings.HasPrefix(t, "0x"):
		base, t = 16, t[2:]
	}
	if t == "" {
		return nil, false
	}
	u, err := strconv.ParseUint(t, base, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			f, _, ferr := bigToFloat(t, base)
			if ferr != nil {
				return nil, false
			}
			if neg {
				f = -f
			}
			return f, true
		}
		return nil, false
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), true
	case neg && u <= math.MaxInt64+1:
		return -int64(u-1) - 1, true
	}
	f := float64(u)
	if neg {
		f = -f
	}
	return f, true
}

// bigToFloat converts digits in base to a float64 approximation.
func bigToFloat(digits string, base int) (float64, bool, error) {
	f := 0.0
	for _, r := range digits {
		d, err := strconv.ParseUint(string(r), base, 8)
		if err != nil {
			return 0, false, err
		}
		f = f*float64(base) + float64(d)
	}
	return f, true, nil
}
