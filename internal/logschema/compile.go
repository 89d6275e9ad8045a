package logschema

import (
	"fmt"
	"strings"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/timefmt"
)

// Kind is the kind of a compiled value type.
type Kind uint8

// The kinds of compiled types. KindInt is a 32-bit integer as in Panther's `int`.
const (
	KindString Kind = iota + 1
	KindInt
	KindSmallInt
	KindBigInt
	KindFloat
	KindBool
	KindTimestamp
	KindJSON
	KindObject
	KindArray
)

var kindNames = [...]string{KindString: "string", KindInt: "int", KindSmallInt: "smallint",
	KindBigInt: "bigint", KindFloat: "float", KindBool: "boolean", KindTimestamp: "timestamp",
	KindJSON: "json", KindObject: "object", KindArray: "array"}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Type is a compiled value type. Types are immutable after compilation and shared by all
// decoders of a log type.
type Type struct {
	Kind Kind

	// Object.
	Fields   []*Field
	Required []int // indexes of required fields
	index    map[string]int

	// Array.
	Elem *Type

	// Timestamp.
	TimeFormats []string
	Times       []timefmt.Parser
	EventTime   bool

	// String.
	Scanners []indicators.Scanner
	Allow    []string
	Deny     []string

	// EmbeddedJSON: the value arrives as a JSON string that holds the object, array or JSON.
	EmbeddedJSON bool
}

// Field is a field of an object type.
type Field struct {
	Name        string // the key in the input
	Column      string // the column name in the lake, as rules see it
	Required    bool
	Description string
	Type        *Type
	Index       int // position in the parent's Fields
}

// FieldIndex returns the index of the field whose input key is name, or -1.
func (t *Type) FieldIndex(name []byte) int {
	if i, ok := t.index[string(name)]; ok {
		return i
	}
	return -1
}

// FieldIndexString is FieldIndex for a string key.
func (t *Type) FieldIndexString(name string) (int, bool) {
	i, ok := t.index[name]
	return i, ok
}

// FieldByName returns the field whose input key is name, or nil.
func (t *Type) FieldByName(name string) *Field {
	if i, ok := t.index[name]; ok {
		return t.Fields[i]
	}
	return nil
}

// Allowed reports whether s passes the allow and deny lists (allow wins).
func (t *Type) Allowed(s string) bool {
	if len(t.Allow) > 0 {
		for _, a := range t.Allow {
			if a == s {
				return true
			}
		}
		return false
	}
	for _, d := range t.Deny {
		if d == s {
			return false
		}
	}
	return true
}

// LogType is a compiled schema: everything needed to decode its records.
type LogType struct {
	Schema *Schema
	Name   string
	Table  string
	Root   *Type
	// EventTimePaths are the field index paths of the timestamps marked isEventTime, in
	// declaration order (depth first); the first one present sets p_event_time.
	EventTimePaths [][]int
}

// Compile turns a validated schema into its type tree.
func Compile(s *Schema) (*LogType, error) {
	c := &compiler{schema: s, defs: make(map[string]*Type), busy: make(map[string]bool)}
	root, err := c.object(s.Fields, "fields")
	if err != nil {
		return nil, &Error{Source: s.Source, Msg: err.Error()}
	}
	lt := &LogType{Schema: s, Name: s.Name, Table: TableName(s.Name), Root: root}
	lt.EventTimePaths = eventTimePaths(root, nil, nil)
	return lt, nil
}

func eventTimePaths(t *Type, prefix []int, out [][]int) [][]int {
	for i, f := range t.Fields {
		p := append(append([]int(nil), prefix...), i)
		switch f.Type.Kind {
		case KindTimestamp:
			if f.Type.EventTime {
				out = append(out, p)
			}
		case KindObject:
			out = eventTimePaths(f.Type, p, out)
		}
	}
	return out
}

type compiler struct {
	schema *Schema
	defs   map[string]*Type
	busy   map[string]bool
}

func (c *compiler) object(fields []FieldSchema, path string) (*Type, error) {
	t := &Type{Kind: KindObject, index: make(map[string]int, len(fields))}
	for i := range fields {
		f := &fields[i]
		ft, err := c.value(&f.ValueSchema, fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		t.index[f.Name] = len(t.Fields)
		if f.Required {
			t.Required = append(t.Required, len(t.Fields))
		}
		t.Fields = append(t.Fields, &Field{
			Name:        f.Name,
			Column:      ColumnName(f.Name),
			Required:    f.Required,
			Description: f.Description,
			Type:        ft,
			Index:       len(t.Fields),
		})
	}
	return t, nil
}

func (c *compiler) value(v *ValueSchema, path string) (*Type, error) {
	var t *Type
	switch v.Type {
	case TypeString:
		t = &Type{Kind: KindString, Allow: nonEmpty(v.Validate, true), Deny: nonEmpty(v.Validate, false)}
		for _, name := range v.Indicators {
			sc, err := indicators.ParseScanner(name)
			if err != nil {
				return nil, fmt.Errorf("%s.indicators: %w", path, err)
			}
			t.Scanners = append(t.Scanners, sc)
		}
	case TypeInt:
		t = &Type{Kind: KindInt}
	case TypeSmallInt:
		t = &Type{Kind: KindSmallInt}
	case TypeBigInt:
		t = &Type{Kind: KindBigInt}
	case TypeFloat:
		t = &Type{Kind: KindFloat}
	case TypeBoolean:
		t = &Type{Kind: KindBool}
	case TypeJSON:
		t = &Type{Kind: KindJSON}
	case TypeTimestamp:
		t = &Type{Kind: KindTimestamp, EventTime: v.IsEventTime}
		for _, f := range append([]string{v.TimeFormat}, v.TimeFormats...) {
			if f == "" {
				continue
			}
			p, err := timefmt.New(f)
			if err != nil {
				return nil, fmt.Errorf("%s.timeFormat: %w", path, err)
			}
			t.TimeFormats = append(t.TimeFormats, f)
			t.Times = append(t.Times, p)
		}
	case TypeObject:
		var err error
		if t, err = c.object(v.Fields, path+".fields"); err != nil {
			return nil, err
		}
	case TypeArray:
		elem, err := c.value(v.Element, path+".element")
		if err != nil {
			return nil, err
		}
		t = &Type{Kind: KindArray, Elem: elem}
	case TypeRef:
		if d, ok := c.defs[v.Target]; ok {
			return d, nil
		}
		def, ok := c.schema.Definitions[v.Target]
		if !ok {
			return nil, fmt.Errorf("%s.target: unknown definition %q", path, v.Target)
		}
		if c.busy[v.Target] {
			return nil, fmt.Errorf("%s.target: definition %q refers to itself; recursive types cannot be stored as columns", path, v.Target)
		}
		c.busy[v.Target] = true
		d, err := c.value(def, "definitions."+v.Target)
		delete(c.busy, v.Target)
		if err != nil {
			return nil, err
		}
		c.defs[v.Target] = d
		return d, nil
	default:
		return nil, fmt.Errorf("%s.type: unknown type %q", path, v.Type)
	}
	t.EmbeddedJSON = v.IsEmbeddedJSON
	return t, nil
}

func nonEmpty(v *Validate, allow bool) []string {
	if v == nil {
		return nil
	}
	if allow {
		return v.Allow
	}
	return v.Deny
}

func checkTimeFormat(f string) error {
	_, err := timefmt.New(f)
	return err
}

func checkScanner(name string) error {
	_, err := indicators.ParseScanner(name)
	return err
}

// Walk calls fn for every field of t, depth first, with the dotted column path.
func (t *Type) Walk(fn func(path string, f *Field)) {
	t.walk("", fn)
}

func (t *Type) walk(prefix string, fn func(string, *Field)) {
	switch t.Kind {
	case KindObject:
		for _, f := range t.Fields {
			p := f.Column
			if prefix != "" {
				p = prefix + "." + f.Column
			}
			fn(p, f)
			f.Type.walk(p, fn)
		}
	case KindArray:
		t.Elem.walk(prefix+"[]", fn)
	}
}

// String renders a type compactly, e.g. object<a:string,b:array<int>>.
func (t *Type) String() string {
	switch t.Kind {
	case KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Column + ":" + f.Type.String()
		}
		return "object<" + strings.Join(parts, ",") + ">"
	case KindArray:
		return "array<" + t.Elem.String() + ">"
	}
	return t.Kind.String()
}
