package pycompile

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

//go:embed export.py
var exportScript string

// Module kinds: only global helpers can be imported by other modules (pyrun loads data model
// and detection modules without registering them).
const (
	KindGlobal    = "global"
	KindDataModel = "datamodel"
	KindDetection = "detection"
)

// Source is the text of one Python module.
type Source struct {
	// Name is the module name: the GlobalID of a global helper, the DataModelID of a data
	// model's module, the RuleID of a detection.
	Name string
	// Kind is KindGlobal, KindDataModel or KindDetection (empty: KindGlobal).
	Kind string
	// Path is the file the text came from; messages name it.
	Path string
	// Text is the Python source.
	Text string
}

// Parsed is the syntax tree of one module, as CPython's ast module parsed it.
type Parsed struct {
	Source
	// Tree is the Module node; nil when the source does not parse.
	Tree *Node
	// Err is the syntax error, "SyntaxError: <msg>" at Line.
	Err  string
	Line int
}

// Node is one node of a Python syntax tree: its ast class (Type), its line and its fields.
// A field holds a *Node, a []any of fields, a string, a bool, nil, or a literal (Int, Float,
// Unsupported) for constants JSON cannot carry exactly.
type Node struct {
	Type   string
	Line   int
	Fields map[string]any
}

// intLit is an integer constant of the source, in decimal.
type intLit string

// floatLit is a float constant of the source, as repr() wrote it.
type floatLit string

// unsupportedLit is a constant the compiler cannot represent (bytes, complex, Ellipsis...).
type unsupportedLit string

// Node returns the field name as a node, nil when it is absent or not a node.
func (n *Node) Node(name string) *Node {
	c, _ := n.Fields[name].(*Node)
	return c
}

// List returns the field name as a list of nodes (entries that are not nodes are nil).
func (n *Node) List(name string) []*Node {
	l, _ := n.Fields[name].([]any)
	out := make([]*Node, len(l))
	for i, v := range l {
		out[i], _ = v.(*Node)
	}
	return out
}

// Strs returns the field name as a list of strings (operator names, identifiers).
func (n *Node) Strs(name string) []string {
	l, _ := n.Fields[name].([]any)
	out := make([]string, len(l))
	for i, v := range l {
		out[i], _ = v.(string)
	}
	return out
}

// Str returns the field name as a string.
func (n *Node) Str(name string) string {
	s, _ := n.Fields[name].(string)
	return s
}

// Is reports whether n is a node of the ast class typ.
func (n *Node) Is(typ string) bool { return n != nil && n.Type == typ }

// ParseTimeout bounds the interpreter run that parses all modules.
const ParseTimeout = 2 * time.Minute

// Parse parses the modules with CPython's ast module, in one run of the interpreter python
// (default python3). Sources that do not parse are returned with Err set; an error is
// returned only when the interpreter cannot do the work.
func Parse(ctx context.Context, python string, srcs []Source) ([]*Parsed, error) {
	if python == "" {
		python = "python3"
	}
	type wire struct {
		Name   string `json:"name"`
		Path   string `json:"path"`
		Source string `json:"source"`
	}
	in := make([]wire, len(srcs))
	for i, s := range srcs {
		in[i] = wire{s.Name, s.Path, s.Text}
	}
	req, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("pycompile: encode sources: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, ParseTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, "-I", "-c", exportScript)
	cmd.Stdin = bytes.NewReader(req)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("pycompile: parse with %s: %w: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	var out []struct {
		Tree  json.RawMessage `json:"tree"`
		Error string          `json:"error"`
		Line  int             `json:"line"`
	}
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("pycompile: decode syntax trees: %w", err)
	}
	if len(out) != len(srcs) {
		return nil, fmt.Errorf("pycompile: %d syntax trees for %d sources", len(out), len(srcs))
	}
	res := make([]*Parsed, len(srcs))
	for i, o := range out {
		p := &Parsed{Source: srcs[i], Err: o.Error, Line: o.Line}
		if o.Error == "" {
			tree, err := decodeTree(o.Tree)
			if err != nil {
				return nil, fmt.Errorf("pycompile: %s: %w", srcs[i].Path, err)
			}
			p.Tree = tree
		}
		res[i] = p
	}
	return res, nil
}

// decodeTree converts the exported JSON form of a tree into Nodes.
func decodeTree(raw json.RawMessage) (*Node, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	n, err := convert(v)
	if err != nil {
		return nil, err
	}
	node, ok := n.(*Node)
	if !ok || node.Type != "Module" {
		return nil, errors.New("syntax tree root is not a Module")
	}
	return node, nil
}

func convert(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		typ, _ := x["_"].(string)
		switch typ {
		case "":
			return nil, errors.New("syntax tree node without a class")
		case "int":
			s, _ := x["v"].(string)
			return intLit(s), nil
		case "float":
			s, _ := x["v"].(string)
			return floatLit(s), nil
		case "unsupported":
			s, _ := x["v"].(string)
			return unsupportedLit(s), nil
		}
		n := &Node{Type: typ, Fields: make(map[string]any, len(x))}
		if l, ok := x["@"].(float64); ok {
			n.Line = int(l)
		}
		for k, e := range x {
			if k == "_" || k == "@" {
				continue
			}
			c, err := convert(e)
			if err != nil {
				return nil, err
			}
			n.Fields[k] = c
		}
		return n, nil
	case float64:
		return nil, fmt.Errorf("unexpected bare number %v in syntax tree", x)
	}
	return nil, fmt.Errorf("unexpected %T in syntax tree", v)
}
