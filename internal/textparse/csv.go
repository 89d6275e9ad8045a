package textparse

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// CSVOptions configures the csv parser.
type CSVOptions struct {
	Common
	// Delimiter is ",", a tab (given as a tab character or as the two
	// characters `\t`) or a single space. The default is ",".
	Delimiter string
	// HasHeader says that the first line of each file (after skipLines) is a
	// header. Without Columns, the header supplies the field names and fixes
	// the column count; with Columns, the header is skipped.
	HasHeader bool
	// Columns names the fields, in order. Without a header, Columns or Layouts is required.
	Columns []string
	// Layouts are the documented layouts of a log whose vendor added (or removed) columns
	// over its versions: each names the fields of rows with its number of columns. A row
	// takes the layout of its column count; when several layouts have that count, they are
	// offered in order (see Alternatives) and the first whose values decode wins. Exclusive
	// with Columns and HasHeader.
	Layouts [][]string
}

// Alternatives is implemented by parsers that may read a line in more than one way (the csv
// parser with several layouts of one column count). After Parse returned a line's fields,
// Next returns them under the next way, or ok=false when there is none.
type Alternatives interface {
	Next(dst []Field) (out []Field, ok bool)
}

// NewCSV validates o and returns a factory of csv parsers.
//
// Splitting follows RFC 4180 with lazy quotes, one line at a time: a field
// that starts with a double quote is quoted, "" inside it is one quote, and
// it ends at a quote followed by the delimiter or by the end of the line. Any
// other quote is literal text, both in unquoted fields (a"b) and in quoted
// ones ("a"b" is a"b). A quoted field that is not closed runs to the end of
// the line. Consecutive delimiters make empty fields, which are emitted as ""
// (list "" in EmptyValues to drop them); a space delimiter is not collapsed.
// A row whose column count differs from the header or Columns is an error.
func NewCSV(o CSVOptions) (Factory, error) {
	c, err := compileCommon("csv", o.Common)
	if err != nil {
		return nil, err
	}
	delim, err := csvDelimiter(o.Delimiter)
	if err != nil {
		return nil, err
	}
	if len(o.Layouts) > 0 {
		if o.HasHeader || len(o.Columns) > 0 {
			return nil, fmt.Errorf("csv: layouts: not allowed with columns or hasHeader")
		}
		f := &csvFactory{c: c, delim: delim, byCount: map[int][]int{}}
		for i, l := range o.Layouts {
			if len(l) == 0 {
				return nil, fmt.Errorf("csv: layouts[%d]: at least one column is required", i)
			}
			if err := checkColumnNames(l); err != nil {
				return nil, fmt.Errorf("csv: layouts[%d]: %w", i, err)
			}
			f.layouts = append(f.layouts, append([]string(nil), l...))
			f.byCount[len(l)] = append(f.byCount[len(l)], i)
		}
		return f, nil
	}
	if !o.HasHeader && len(o.Columns) == 0 {
		return nil, fmt.Errorf("csv: columns required when hasHeader is false")
	}
	if err := checkColumnNames(o.Columns); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	f := &csvFactory{c: c, delim: delim, hasHeader: o.HasHeader, columns: append([]string(nil), o.Columns...)}
	return f, nil
}

func csvDelimiter(d string) (byte, error) {
	switch d {
	case "", ",":
		return ',', nil
	case "\t", `\t`:
		return '\t', nil
	case " ":
		return ' ', nil
	}
	return 0, fmt.Errorf(`csv: delimiter: expected ",", a tab ("\t") or a space (" "), got %q`, d)
}

// checkColumnNames rejects empty and duplicate names. The caller adds the
// option name.
func checkColumnNames(names []string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("columns[%d]: name must not be empty", i)
		}
		if j, dup := seen[n]; dup {
			return fmt.Errorf("columns[%d]: duplicate name %q (also columns[%d])", i, n, j)
		}
		seen[n] = i
	}
	return nil
}

type csvFactory struct {
	c         *common
	delim     byte
	hasHeader bool
	columns   []string
	layouts   [][]string
	byCount   map[int][]int // column count -> indexes of the layouts with it
}

func (f *csvFactory) NewParser() Parser {
	return &csvParser{
		f:          f,
		gate:       lineGate{c: f.c},
		names:      f.columns,
		needHeader: f.hasHeader,
	}
}

type csvParser struct {
	f          *csvFactory
	gate       lineGate
	names      []string
	alts       []int // the layouts of the last row's column count not offered yet
	needHeader bool
	headerErr  error
	scratch    []string
}

const utf8BOM = "\ufeff"

func (p *csvParser) Parse(line string, dst []Field) ([]Field, bool, error) {
	if p.gate.skip(line) {
		return dst, false, nil
	}
	if p.headerErr != nil {
		return dst, false, p.headerErr
	}
	if p.needHeader {
		p.needHeader = false
		if len(p.names) == 0 {
			p.readHeader(line)
			if p.headerErr != nil {
				return dst, false, p.headerErr
			}
		}
		return dst, false, nil
	}
	p.scratch = splitCSV(p.scratch[:0], line, p.f.delim)
	if p.f.layouts != nil {
		p.alts = p.f.byCount[len(p.scratch)]
		if len(p.alts) == 0 {
			return dst, false, &ParseError{Parser: "csv", Pattern: -1, Offset: -1,
				Msg: fmt.Sprintf("row has %d columns, expected %s (the columns of the layouts)", len(p.scratch), p.f.counts())}
		}
		out, _ := p.Next(dst)
		return out, true, nil
	}
	if len(p.scratch) != len(p.names) {
		return dst, false, &ParseError{
			Parser:  "csv",
			Pattern: -1,
			Offset:  -1,
			Msg:     fmt.Sprintf("row has %d columns, expected %d", len(p.scratch), len(p.names)),
		}
	}
	start := len(dst)
	for i, v := range p.scratch {
		dst = append(dst, Field{Name: p.names[i], Value: v})
	}
	clear(p.scratch)
	return p.f.c.finish(dst, start), true, nil
}

// Next returns the fields of the last row under the next layout of its column count.
func (p *csvParser) Next(dst []Field) ([]Field, bool) {
	if len(p.alts) == 0 {
		return dst, false
	}
	names := p.f.layouts[p.alts[0]]
	p.alts = p.alts[1:]
	start := len(dst)
	for i, v := range p.scratch {
		dst = append(dst, Field{Name: names[i], Value: v})
	}
	return p.f.c.finish(dst, start), true
}

// counts lists the column counts of the layouts, for messages.
func (f *csvFactory) counts() string {
	var parts []string
	for _, l := range f.layouts {
		n := strconv.Itoa(len(l))
		if !slices.Contains(parts, n) {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, " or ")
}

// readHeader takes the field names from the first line of the file. The names
// are copied because line may be reused by the caller.
func (p *csvParser) readHeader(line string) {
	line = strings.TrimPrefix(line, utf8BOM)
	raw := splitCSV(nil, line, p.f.delim)
	names := make([]string, len(raw))
	for i, n := range raw {
		n = strings.Clone(strings.TrimSpace(n))
		names[i] = n
	}
	if err := checkColumnNames(names); err != nil {
		p.headerErr = &ParseError{Parser: "csv", Pattern: -1, Offset: -1, Msg: "header: " + err.Error()}
		return
	}
	p.names = names
}

// splitCSV appends the fields of line to dst. Values alias line unless they
// contain a doubled quote.
func splitCSV(dst []string, line string, delim byte) []string {
	for {
		if len(line) > 0 && line[0] == '"' {
			v, rest, more := readQuoted(line[1:], delim)
			dst = append(dst, v)
			if !more {
				return dst
			}
			line = rest
			continue
		}
		i := strings.IndexByte(line, delim)
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

// readQuoted reads a quoted field whose opening quote was already consumed. It
// returns the value, the text after the following delimiter and whether a
// delimiter followed.
func readQuoted(s string, delim byte) (value, rest string, more bool) {
	var buf []byte // Holds the value only once a doubled quote was seen.
	start := 0     // Start of the part of s not yet copied to buf.
	i := 0
	for {
		j := strings.IndexByte(s[i:], '"')
		if j < 0 {
			// Unterminated: the value runs to the end of the line.
			return joinValue(buf, s[start:]), "", false
		}
		j += i
		switch {
		case j+1 < len(s) && s[j+1] == '"':
			buf = append(buf, s[start:j+1]...)
			start = j + 2
			i = j + 2
		case j+1 == len(s):
			return joinValue(buf, s[start:j]), "", false
		case s[j+1] == delim:
			return joinValue(buf, s[start:j]), s[j+2:], true
		default:
			// A lazy quote: literal text inside the quoted field.
			i = j + 1
		}
	}
}

func joinValue(buf []byte, tail string) string {
	if buf == nil {
		return tail
	}
	return string(append(buf, tail...))
}
