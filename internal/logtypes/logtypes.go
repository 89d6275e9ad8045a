// Package logtypes is the registry of log types: the managed schemas embedded in the binary
// (schemas/*.yml) plus custom ones, each compiled and paired with the parser that turns its raw
// records into events.
package logtypes

import (
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/textparse"
)

// DefaultRank orders log types that accept the same record when their schemas set no rank.
const DefaultRank = 100

// LogType is a log type ready to parse records.
type LogType struct {
	*logschema.LogType
	Managed bool
	// JSON is true when records of this type are JSON objects; false for text formats.
	JSON bool
	// Rank orders types that accept the same record: lower first.
	Rank int
	// Keys are the top-level input keys of a JSON type, for classification.
	Keys map[string]bool
	// RequiredKeys are the top-level keys every record of a JSON type has.
	RequiredKeys []string
	// FoldKeys is set for JSON types whose parser matches keys in any case (Keys are then
	// lower-case): the classifier compares the record's keys lower-cased.
	FoldKeys bool
	// Multiline is the framing rule of a text type whose records may span lines, or nil.
	Multiline *Multiline

	newParser func() Parser
}

// Parser parses the records of one file as one log type. A Parser keeps per-file state (a CSV
// header, lines to skip) and is not safe for concurrent use.
type Parser interface {
	// Parse decodes one record with d. ok=false with a nil error means the record was consumed
	// without producing an event (a header line). An error means the record is not of this type,
	// and says why.
	Parse(d *decode.Decoder, rec *input.Record) (v event.Value, ok bool, err error)
}

// NewParser returns a parser for a new file.
func (t *LogType) NewParser() Parser { return t.newParser() }

// Native parsers are parsers implemented in Go, referenced by schemas as
// `parser: native: name: <name>`. They receive the compiled schema.
var natives = map[string]func(lt *logschema.LogType) (func() Parser, error){}

// Build compiles a validated schema into a log type.
func Build(s *logschema.Schema) (*LogType, error) {
	lt, err := logschema.Compile(s)
	if err != nil {
		return nil, err
	}
	t := &LogType{LogType: lt, Rank: s.Classify.Rank}
	if t.Rank == 0 {
		t.Rank = DefaultRank
	}
	p := s.Parser
	switch {
	case p == nil:
		t.JSON = true
		root := lt.Root
		t.newParser = func() Parser { return jsonParser{root: root} }
	case p.Native != nil:
		mk, ok := natives[p.Native.Name]
		if !ok {
			return nil, fmt.Errorf("%s: parser.native.name: unknown native parser %q (known: %s)", s.Name, p.Native.Name, strings.Join(NativeNames(), ", "))
		}
		np, err := mk(lt)
		if err != nil {
			return nil, fmt.Errorf("%s: parser.native: %w", s.Name, err)
		}
		t.newParser = np
		t.JSON = jsonNatives[p.Native.Name]
		t.FoldKeys = foldKeyNatives[p.Native.Name]
	default:
		f, err := textFactory(p, s.Multiline != nil)
		if err != nil {
			return nil, fmt.Errorf("%s: parser: %w", s.Name, err)
		}
		root := lt.Root
		t.newParser = func() Parser { return &textParser{root: root, p: f.NewParser()} }
	}
	if s.Multiline != nil {
		if t.JSON {
			return nil, fmt.Errorf("%s: multiline: the records of a JSON type are framed by their syntax", s.Name)
		}
		if t.Multiline, err = compileMultiline(s.Multiline); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
	}
	if t.JSON {
		t.Keys = make(map[string]bool, len(lt.Root.Fields))
		for _, f := range lt.Root.Fields {
			if t.FoldKeys {
				t.Keys[strings.ToLower(f.Name)] = true
				continue
			}
			t.Keys[f.Name] = true
			if f.Required {
				t.RequiredKeys = append(t.RequiredKeys, f.Name)
			}
		}
	}
	return t, nil
}

// jsonNatives lists the native parsers whose records are JSON.
var jsonNatives = map[string]bool{}

// foldKeyNatives lists the JSON native parsers that match keys in any case.
var foldKeyNatives = map[string]bool{}

// NativeNames lists the native parsers, sorted.
func NativeNames() []string {
	names := make([]string, 0, len(natives))
	for n := range natives {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// textFactory builds the text parser of a schema; multiline parsers see records that span
// lines, so their regular expressions match "\n" with ".".
func textFactory(p *logschema.Parser, multiline bool) (textparse.Factory, error) {
	common := func(o logschema.TextOptions) textparse.Common {
		return textparse.Common{SkipLines: o.SkipLines, SkipPrefix: o.SkipPrefix, EmptyValues: o.EmptyValues,
			TrimSpace: o.TrimSpace, ExpandFields: o.ExpandFields}
	}
	switch {
	case p.CSV != nil:
		return textparse.NewCSV(textparse.CSVOptions{Common: common(p.CSV.TextOptions), Delimiter: p.CSV.Delimiter,
			HasHeader: p.CSV.HasHeader, Columns: p.CSV.Columns, Layouts: p.CSV.Layouts})
	case p.Fastmatch != nil:
		return textparse.NewFastmatch(textparse.FastmatchOptions{Common: common(p.Fastmatch.TextOptions), Match: p.Fastmatch.Match})
	case p.Regex != nil:
		return textparse.NewRegex(textparse.RegexOptions{Common: common(p.Regex.TextOptions), Match: p.Regex.Match,
			PatternDefinitions: p.Regex.PatternDefinitions, DotAll: multiline})
	}
	return nil, fmt.Errorf("no parser configured")
}

type jsonParser struct{ root *logschema.Type }

func (p jsonParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	return v, err == nil, err
}

var errNotJSON = fmt.Errorf("not a JSON object")

type textParser struct {
	root   *logschema.Type
	p      textparse.Parser
	fields []textparse.Field
}

func (p *textParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	fields, ok, err := p.p.Parse(unsafeString(rec.Data), p.fields[:0])
	p.fields = fields[:0]
	if err != nil || !ok {
		return event.Value{}, false, err
	}
	mark := d.Arena.Mark()
	v, err := d.Fields(p.root, fields)
	alt, several := p.p.(textparse.Alternatives)
	if !several || err == nil && len(d.Warnings()) == 0 {
		return v, err == nil, err
	}
	// Another layout of the same column count may read the row without errors or warnings;
	// the first that does wins, else the first layout's result stands.
	first, firstErr, firstWarned := v, err, err == nil
	for {
		next, ok := alt.Next(p.fields[:0])
		if !ok {
			break
		}
		p.fields = next[:0]
		m := d.Arena.Mark()
		v, err := d.Fields(p.root, next)
		if err == nil && len(d.Warnings()) == 0 {
			return v, true, nil
		}
		d.Arena.Rollback(m)
	}
	if firstWarned {
		// Decode the first layout again: the others reset the decoder's warnings and
		// indicators.
		d.Arena.Rollback(mark)
		p.fields = p.fields[:0]
		fields, _, _ = p.p.Parse(unsafeString(rec.Data), p.fields[:0])
		p.fields = fields[:0]
		v, err := d.Fields(p.root, fields)
		return v, err == nil, err
	}
	return first, false, firstErr
}

// unsafeString returns b as a string without copying; it must not outlive b.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
