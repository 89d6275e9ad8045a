package logschema

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem found in a schema document, with its position and field path.
type Error struct {
	Source string // file name, may be empty
	Line   int    // 1-based, 0 if unknown
	Column int
	Path   string // e.g. fields[3].fields[0].type
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteByte(':')
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one document, in document order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Parse reads a schema document (YAML or JSON) and validates it. The error, if any, is of
// type Errors and lists every problem with its line and field path. source names the document
// in messages.
func Parse(source string, data []byte) (*Schema, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, Errors{{Source: source, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	p := &parser{source: source}
	s := p.schema(&doc)
	s.Text = data
	if len(p.errs) == 0 {
		p.validate(s)
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return s, nil
}

type parser struct {
	source string
	errs   Errors
}

func (p *parser) errorf(n *yaml.Node, path, format string, args ...any) {
	e := &Error{Source: p.source, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

// mapping returns the key/value pairs of a mapping node, reporting unknown and duplicate keys.
func (p *parser) mapping(n *yaml.Node, path string, known ...string) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, "expected a mapping, got %s", kindName(n))
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := out[k.Value]; dup {
			p.errorf(k, join(path, k.Value), "duplicate key")
			continue
		}
		if !contains(known, k.Value) {
			p.errorf(k, join(path, k.Value), "unknown key (expected one of %s)", strings.Join(known, ", "))
			continue
		}
		out[k.Value] = v
	}
	return out
}

func (p *parser) str(n *yaml.Node, path string) string {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, path, "expected a string, got %s", kindName(n))
		return ""
	}
	return n.Value
}

func (p *parser) boolean(n *yaml.Node, path string) bool {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	p.errorf(n, path, "expected true or false, got %s", describe(n))
	return false
}

func (p *parser) integer(n *yaml.Node, path string) int {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v
		}
	}
	p.errorf(n, path, "expected an integer, got %s", describe(n))
	return 0
}

func (p *parser) strings(n *yaml.Node, path string) []string {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "expected a list of strings, got %s", kindName(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		out = append(out, p.str(c, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}

func (p *parser) stringMap(n *yaml.Node, path string) map[string]string {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.errorf(n, path, "expected a mapping of strings, got %s", kindName(n))
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = p.str(n.Content[i+1], join(path, n.Content[i].Value))
	}
	return out
}

func (p *parser) schema(doc *yaml.Node) *Schema {
	s := &Schema{Source: p.source}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	m := p.mapping(doc, "", "version", "schema", "description", "referenceURL", "parser", "definitions", "fields", "classify", "multiline")
	if m == nil {
		return s
	}
	if n, ok := m["version"]; ok {
		s.Version = p.integer(n, "version")
	} else {
		p.errorf(doc, "version", "required key is missing")
	}
	if n, ok := m["schema"]; ok {
		s.Name = p.str(n, "schema")
	} else {
		p.errorf(doc, "schema", "required key is missing")
	}
	if n, ok := m["description"]; ok {
		s.Description = p.str(n, "description")
	}
	if n, ok := m["referenceURL"]; ok {
		s.ReferenceURL = p.str(n, "referenceURL")
	}
	if n, ok := m["parser"]; ok {
		s.Parser = p.parserSpec(n, "parser")
	}
	if n, ok := m["classify"]; ok {
		cm := p.mapping(n, "classify", "rank")
		if r, ok := cm["rank"]; ok {
			s.Classify.Rank = p.integer(r, "classify.rank")
		}
	}
	if n, ok := m["multiline"]; ok {
		s.Multiline = p.multiline(n, "multiline")
	}
	if n, ok := m["definitions"]; ok {
		n = resolve(n)
		if n.Kind != yaml.MappingNode {
			p.errorf(n, "definitions", "expected a mapping of name to value schema, got %s", kindName(n))
		} else {
			s.Definitions = make(map[string]*ValueSchema)
			for i := 0; i+1 < len(n.Content); i += 2 {
				name := n.Content[i].Value
				path := "definitions." + name
				if _, dup := s.Definitions[name]; dup {
					p.errorf(n.Content[i], path, "duplicate definition")
					continue
				}
				vs := p.value(n.Content[i+1], path, nil)
				s.Definitions[name] = &vs
			}
		}
	}
	if n, ok := m["fields"]; ok {
		s.Fields = p.fields(n, "fields")
	} else {
		p.errorf(doc, "fields", "required key is missing")
	}
	return s
}

func (p *parser) multiline(n *yaml.Node, path string) *Multiline {
	m := p.mapping(n, path, "continuation", "start", "maxLines", "maxBytes")
	if m == nil {
		return nil
	}
	ml := &Multiline{}
	pattern := func(key string) string {
		v, ok := m[key]
		if !ok {
			return ""
		}
		s := p.str(v, path+"."+key)
		if _, err := regexp.Compile(s); err != nil {
			p.errorf(v, path+"."+key, "invalid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		} else if s == "" {
			p.errorf(v, path+"."+key, "must not be empty")
		}
		return s
	}
	ml.Continuation = pattern("continuation")
	ml.Start = pattern("start")
	if (ml.Continuation == "") == (ml.Start == "") {
		if _, c := m["continuation"]; c {
			if _, s := m["start"]; s {
				p.errorf(n, path, "expected one of continuation and start, not both")
				return ml
			}
		}
		if _, c := m["continuation"]; !c {
			if _, s := m["start"]; !s {
				p.errorf(n, path, "expected continuation (a pattern of the lines that continue a record) or start (a pattern of the lines that start one)")
			}
		}
	}
	for _, lim := range []struct {
		key string
		dst *int
	}{{"maxLines", &ml.MaxLines}, {"maxBytes", &ml.MaxBytes}} {
		if v, ok := m[lim.key]; ok {
			if *lim.dst = p.integer(v, path+"."+lim.key); *lim.dst < 1 {
				p.errorf(v, path+"."+lim.key, "must be at least 1, got %d", *lim.dst)
			}
		}
	}
	return ml
}

var textOptionKeys = []string{"skipLines", "skipPrefix", "emptyValues", "trimSpace", "expandFields"}

func (p *parser) textOptions(m map[string]*yaml.Node, path string) TextOptions {
	var o TextOptions
	if n, ok := m["skipLines"]; ok {
		o.SkipLines = p.integer(n, path+".skipLines")
	}
	if n, ok := m["skipPrefix"]; ok {
		o.SkipPrefix = p.str(n, path+".skipPrefix")
	}
	if n, ok := m["emptyValues"]; ok {
		o.EmptyValues = p.strings(n, path+".emptyValues")
	}
	if n, ok := m["trimSpace"]; ok {
		o.TrimSpace = p.boolean(n, path+".trimSpace")
	}
	if n, ok := m["expandFields"]; ok {
		o.ExpandFields = p.stringMap(n, path+".expandFields")
	}
	return o
}

func (p *parser) parserSpec(n *yaml.Node, path string) *Parser {
	m := p.mapping(n, path, "csv", "fastmatch", "regex", "native")
	if m == nil {
		return nil
	}
	if len(m) != 1 {
		p.errorf(n, path, "expected exactly one of csv, fastmatch, regex, native")
		return nil
	}
	out := &Parser{}
	if n, ok := m["csv"]; ok {
		path := path + ".csv"
		cm := p.mapping(n, path, append([]string{"delimiter", "hasHeader", "columns", "layouts"}, textOptionKeys...)...)
		c := &CSVParser{TextOptions: p.textOptions(cm, path), Delimiter: ","}
		if v, ok := cm["delimiter"]; ok {
			c.Delimiter = p.str(v, path+".delimiter")
		}
		if v, ok := cm["hasHeader"]; ok {
			c.HasHeader = p.boolean(v, path+".hasHeader")
		}
		if v, ok := cm["columns"]; ok {
			c.Columns = p.strings(v, path+".columns")
		}
		if v, ok := cm["layouts"]; ok {
			v = resolve(v)
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				p.errorf(v, path+".layouts", "expected a list of layouts, each a list of column names")
			} else {
				for i, l := range v.Content {
					c.Layouts = append(c.Layouts, p.strings(l, fmt.Sprintf("%s.layouts[%d]", path, i)))
				}
			}
		}
		out.CSV = c
	}
	if n, ok := m["fastmatch"]; ok {
		path := path + ".fastmatch"
		fm := p.mapping(n, path, append([]string{"match"}, textOptionKeys...)...)
		f := &FastmatchParser{TextOptions: p.textOptions(fm, path)}
		if v, ok := fm["match"]; ok {
			f.Match = p.strings(v, path+".match")
		} else {
			p.errorf(n, path+".match", "required key is missing")
		}
		out.Fastmatch = f
	}
	if n, ok := m["regex"]; ok {
		path := path + ".regex"
		// patternDefintions is the misspelling accepted by Panther's own JSON schema.
		rm := p.mapping(n, path, append([]string{"match", "patternDefinitions", "patternDefintions"}, textOptionKeys...)...)
		r := &RegexParser{TextOptions: p.textOptions(rm, path)}
		if v, ok := rm["match"]; ok {
			r.Match = p.strings(v, path+".match")
		} else {
			p.errorf(n, path+".match", "required key is missing")
		}
		for _, k := range []string{"patternDefinitions", "patternDefintions"} {
			if v, ok := rm[k]; ok {
				r.PatternDefinitions = p.stringMap(v, path+"."+k)
			}
		}
		out.Regex = r
	}
	if n, ok := m["native"]; ok {
		path := path + ".native"
		nm := p.mapping(n, path, "name")
		nat := &NativeParser{}
		if v, ok := nm["name"]; ok {
			nat.Name = p.str(v, path+".name")
		} else {
			p.errorf(n, path+".name", "required key is missing")
		}
		out.Native = nat
	}
	return out
}

func (p *parser) fields(n *yaml.Node, path string) []FieldSchema {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, path, "expected a list of fields, got %s", kindName(n))
		return nil
	}
	out := make([]FieldSchema, 0, len(n.Content))
	for i, c := range n.Content {
		fpath := fmt.Sprintf("%s[%d]", path, i)
		var f FieldSchema
		extra := []string{"name", "required", "description"}
		f.ValueSchema = p.value(c, fpath, extra)
		m := p.mapping(c, fpath, append(valueKeys, extra...)...)
		if v, ok := m["name"]; ok {
			f.Name = p.str(v, fpath+".name")
		} else if m != nil {
			p.errorf(c, fpath+".name", "required key is missing")
		}
		if v, ok := m["required"]; ok {
			f.Required = p.boolean(v, fpath+".required")
		}
		if v, ok := m["description"]; ok {
			f.Description = p.str(v, fpath+".description")
		}
		out = append(out, f)
	}
	return out
}

var valueKeys = []string{"type", "fields", "element", "target", "indicators", "indicator", "validate",
	"timeFormat", "timeFormats", "isEventTime", "isEmbeddedJSON", "description"}

// value reads a value schema. extra lists the keys a field adds around it.
func (p *parser) value(n *yaml.Node, path string, extra []string) ValueSchema {
	n = resolve(n)
	vs := ValueSchema{line: n.Line}
	var m map[string]*yaml.Node
	if extra != nil {
		// Unknown keys are reported by the caller's mapping over the same node.
		m = p.quietMapping(n)
	} else {
		m = p.mapping(n, path, valueKeys...)
	}
	if m == nil {
		return vs
	}
	if v, ok := m["type"]; ok {
		vs.Type = ValueType(p.str(v, path+".type"))
		if vs.Type != "" && !contains(typeNames(), string(vs.Type)) {
			p.errorf(v, path+".type", "unknown type %q (expected one of %s)", vs.Type, strings.Join(typeNames(), ", "))
		}
	} else {
		p.errorf(n, path+".type", "required key is missing")
	}
	if v, ok := m["fields"]; ok {
		vs.Fields = p.fields(v, path+".fields")
	}
	if v, ok := m["element"]; ok {
		e := p.value(v, path+".element", nil)
		vs.Element = &e
	}
	if v, ok := m["target"]; ok {
		vs.Target = p.str(v, path+".target")
	}
	if v, ok := m["indicators"]; ok {
		vs.Indicators = p.strings(v, path+".indicators")
	}
	if v, ok := m["indicator"]; ok { // the singular form of Panther's older examples
		vs.Indicators = append(vs.Indicators, p.str(v, path+".indicator"))
	}
	if v, ok := m["validate"]; ok {
		vm := p.mapping(v, path+".validate", "allow", "deny")
		val := &Validate{}
		if a, ok := vm["allow"]; ok {
			val.Allow = p.strings(a, path+".validate.allow")
		}
		if d, ok := vm["deny"]; ok {
			val.Deny = p.strings(d, path+".validate.deny")
		}
		vs.Validate = val
	}
	if v, ok := m["timeFormat"]; ok {
		vs.TimeFormat = p.str(v, path+".timeFormat")
	}
	if v, ok := m["timeFormats"]; ok {
		vs.TimeFormats = p.strings(v, path+".timeFormats")
	}
	if v, ok := m["isEventTime"]; ok {
		vs.IsEventTime = p.boolean(v, path+".isEventTime")
	}
	if v, ok := m["isEmbeddedJSON"]; ok {
		vs.IsEmbeddedJSON = p.boolean(v, path+".isEmbeddedJSON")
	}
	if v, ok := m["description"]; ok {
		vs.Description = p.str(v, path+".description")
	}
	return vs
}

func (p *parser) quietMapping(n *yaml.Node) map[string]*yaml.Node {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		if _, dup := out[n.Content[i].Value]; !dup {
			out[n.Content[i].Value] = n.Content[i+1]
		}
	}
	return out
}

var (
	schemaNameRE     = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+(\.[A-Z][A-Za-z0-9]+)*$`)
	definitionNameRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
)

// validate checks the rules that need the whole document.
func (p *parser) validate(s *Schema) {
	if s.Version != 0 {
		p.errorf(nil, "version", "must be 0, got %d", s.Version)
	}
	if len(s.Name) < 3 || !schemaNameRE.MatchString(s.Name) {
		p.errorf(nil, "schema", "invalid name %q: expected dot-separated words that start with an upper-case letter, e.g. Custom.MyApp", s.Name)
	}
	if s.ReferenceURL != "" && s.ReferenceURL != "-" && !strings.HasPrefix(s.ReferenceURL, "http://") && !strings.HasPrefix(s.ReferenceURL, "https://") {
		p.errorf(nil, "referenceURL", "must be an http(s) URL, got %q", s.ReferenceURL)
	}
	if len(s.Fields) == 0 {
		p.errorf(nil, "fields", "at least one field is required")
	}
	names := make([]string, 0, len(s.Definitions))
	for name := range s.Definitions {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !definitionNameRE.MatchString(name) {
			p.errorf(nil, "definitions."+name, "invalid definition name: expected a word that starts with an upper-case letter")
		}
		p.validateValue(s, s.Definitions[name], "definitions."+name)
	}
	p.validateFields(s, s.Fields, "fields")
	if s.Parser != nil && s.Parser.CSV != nil {
		c := s.Parser.CSV
		switch c.Delimiter {
		case ",", "\t", `\t`, " ":
		default:
			p.errorf(nil, "parser.csv.delimiter", "unsupported delimiter %q (expected \",\", a tab or a space)", c.Delimiter)
		}
		switch {
		case len(c.Layouts) > 0 && (c.HasHeader || len(c.Columns) > 0):
			p.errorf(nil, "parser.csv.layouts", "not allowed with columns or hasHeader: the layouts name the columns")
		case len(c.Layouts) > 0:
		case !c.HasHeader && len(c.Columns) == 0:
			p.errorf(nil, "parser.csv.columns", "required when hasHeader is false (or layouts)")
		}
	}
	if s.Multiline != nil && s.Parser == nil {
		p.errorf(nil, "multiline", "allowed only with a text parser: the records of a JSON type are framed by their syntax")
	}
	if s.Parser != nil && s.Parser.Fastmatch != nil && len(s.Parser.Fastmatch.Match) == 0 {
		p.errorf(nil, "parser.fastmatch.match", "at least one pattern is required")
	}
	if s.Parser != nil && s.Parser.Regex != nil && len(s.Parser.Regex.Match) == 0 {
		p.errorf(nil, "parser.regex.match", "at least one pattern is required")
	}
}

func (p *parser) validateFields(s *Schema, fields []FieldSchema, path string) {
	seen := make(map[string]int, len(fields))
	for i := range fields {
		f := &fields[i]
		fpath := fmt.Sprintf("%s[%d]", path, i)
		if f.Name == "" {
			p.errorf(nil, fpath+".name", "must not be empty")
		} else if j, dup := seen[strings.ToLower(ColumnName(f.Name))]; dup {
			p.errorf(nil, fpath+".name", "field %q has the same column name as %s[%d] (%q); column names are case-insensitive", f.Name, path, j, fields[j].Name)
		} else {
			seen[strings.ToLower(ColumnName(f.Name))] = i
		}
		if strings.HasPrefix(ColumnName(f.Name), "p_") {
			p.errorf(nil, fpath+".name", "names starting with p_ are reserved for Panther's standard fields")
		}
		p.validateValue(s, &f.ValueSchema, fpath)
	}
}

func (p *parser) validateValue(s *Schema, v *ValueSchema, path string) {
	bad := func(key string) {
		p.errorf(nil, path+"."+key, "not allowed for type %s", v.Type)
	}
	if v.Type != TypeObject && v.Fields != nil {
		bad("fields")
	}
	if v.Type != TypeArray && v.Element != nil {
		bad("element")
	}
	if v.Type != TypeRef && v.Target != "" {
		bad("target")
	}
	if v.Type != TypeString && len(v.Indicators) > 0 {
		// Panther allows indicators on strings only; arrays of strings carry them on the element.
		bad("indicators")
	}
	if v.Type != TypeString && v.Validate != nil {
		bad("validate")
	}
	if v.Type != TypeTimestamp && (v.TimeFormat != "" || len(v.TimeFormats) > 0 || v.IsEventTime) {
		switch {
		case v.TimeFormat != "":
			bad("timeFormat")
		case len(v.TimeFormats) > 0:
			bad("timeFormats")
		default:
			bad("isEventTime")
		}
	}
	if v.IsEmbeddedJSON && v.Type != TypeObject && v.Type != TypeArray && v.Type != TypeJSON {
		bad("isEmbeddedJSON")
	}
	switch v.Type {
	case TypeObject:
		if len(v.Fields) == 0 {
			p.errorf(nil, path+".fields", "an object needs at least one field")
		}
		p.validateFields(s, v.Fields, path+".fields")
	case TypeArray:
		if v.Element == nil {
			p.errorf(nil, path+".element", "required for type array")
		} else {
			p.validateValue(s, v.Element, path+".element")
		}
	case TypeRef:
		if v.Target == "" {
			p.errorf(nil, path+".target", "required for type ref")
		} else if _, ok := s.Definitions[v.Target]; !ok {
			p.errorf(nil, path+".target", "unknown definition %q", v.Target)
		}
	case TypeTimestamp:
		if v.TimeFormat == "" && len(v.TimeFormats) == 0 {
			p.errorf(nil, path+".timeFormat", "required for type timestamp")
		}
		for i, f := range append([]string{v.TimeFormat}, v.TimeFormats...) {
			if f == "" && i == 0 {
				continue
			}
			if err := checkTimeFormat(f); err != nil {
				key := ".timeFormat"
				if i > 0 {
					key = fmt.Sprintf(".timeFormats[%d]", i-1)
				}
				p.errorf(nil, path+key, "%v", err)
			}
		}
	case TypeString:
		for i, name := range v.Indicators {
			if err := checkScanner(name); err != nil {
				p.errorf(nil, fmt.Sprintf("%s.indicators[%d]", path, i), "%v", err)
			}
		}
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return fmt.Sprintf("the scalar %q", n.Value)
	}
	return "nothing"
}

func describe(n *yaml.Node) string { return kindName(n) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func typeNames() []string {
	out := make([]string, len(valueTypes))
	for i, t := range valueTypes {
		out[i] = string(t)
	}
	return out
}
