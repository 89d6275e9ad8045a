package logtypes

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/textparse"
)

// The AWS native parsers. Three are text formats that the declarative parsers cannot express
// (VPC Flow Logs map their columns by a per-file header; ALB and S3 access logs mix quoted,
// bracketed and compound columns, and append columns over time). The others are JSON types
// whose free-form json fields (CloudTrail requestParameters, GuardDuty resource details, an
// EventBridge detail) are also scanned for indicators by key name, as Panther's AWS
// extractor did.
func init() {
	// CloudTrail needs no whole-record scan: its typed fields carry indicators and the decoder
	// scans its json fields (requestParameters, responseElements, ...) by key name.
	for _, name := range []string{"AWS.GuardDuty", "AWS.CloudWatchEvents"} {
		natives[name] = newJSONExtractParser
		jsonNatives[name] = true
	}
	natives["AWS.VPCFlow"] = newVPCFlowParser
	natives["AWS.ALB"] = newALBParser
	natives["AWS.S3ServerAccess"] = newS3AccessParser
}

// newJSONExtractParser decodes JSON records with the schema and then scans the whole record for
// indicators by key name (see indicators.ScanJSON), so that the free-form json fields, which
// the schema cannot tag, contribute their IP addresses, ARNs, account and instance IDs, domain
// names and tags. The whole record is scanned, not each json value alone, because the key that
// holds a value (such as "tags") decides how it is read.
func newJSONExtractParser(lt *logschema.LogType) (func() Parser, error) {
	p := jsonExtractParser{root: lt.Root}
	return func() Parser { return p }, nil
}

type jsonExtractParser struct{ root *logschema.Type }

func (p jsonExtractParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	v, err := d.JSON(p.root, rec.Data)
	if err != nil {
		return event.Value{}, false, err
	}
	// The decoder validated the JSON text; an error here could only mean that a part nested
	// deeper than ScanJSON walks was not scanned, which leaves the event valid.
	_ = indicators.ScanJSON(&d.Indicators, rec.Data)
	return v, true, nil
}

// awsToken is one column of a space-delimited AWS access log line.
type awsToken struct {
	// Value is the column without its quotes or brackets, with \" and \\ unescaped.
	Value string
	// Offset is the byte offset of the column in the line.
	Offset int
	// Quoted and Bracketed tell how the column was written.
	Quoted, Bracketed bool
}

// splitAWSLine splits a space-delimited access log line (ALB, S3 server access) into its
// columns, appending them to dst. A column is a run of non-space bytes, a "quoted" string or,
// when brackets is set, a [bracketed] string; columns are separated by one or more spaces.
//
// A quoted column ends at the first quote that is not escaped by a backslash and is followed by
// a space or the end of the line; other quotes inside it are kept as they are, because AWS does
// not escape every quote a user agent or URL may contain. In the value, \" becomes " and \\
// becomes \. A bracketed column ends at the first ']' followed by a space or the end of the
// line. An unterminated quote or bracket is an error that gives its offset.
func splitAWSLine(line string, brackets bool, dst []awsToken) ([]awsToken, error) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i >= len(line) {
			return dst, nil
		}
		start := i
		switch c := line[i]; {
		case c == '"':
			end, escaped := closeQuote(line, i+1)
			if end < 0 {
				return dst, fmt.Errorf("at offset %d: quoted column is not closed (expected a '\"' followed by a space or the end of the line)", start)
			}
			val := line[i+1 : end]
			if escaped {
				val = unescapeQuoted(val)
			}
			dst = append(dst, awsToken{Value: val, Offset: start, Quoted: true})
			i = end + 1
		case c == '[' && brackets:
			end := -1
			for j := i + 1; j < len(line); j++ {
				if line[j] == ']' && (j+1 == len(line) || line[j+1] == ' ') {
					end = j
					break
				}
			}
			if end < 0 {
				return dst, fmt.Errorf("at offset %d: bracketed column is not closed (expected a ']' followed by a space or the end of the line)", start)
			}
			dst = append(dst, awsToken{Value: line[i+1 : end], Offset: start, Bracketed: true})
			i = end + 1
		default:
			end := strings.IndexByte(line[i:], ' ')
			if end < 0 {
				end = len(line)
			} else {
				end += i
			}
			dst = append(dst, awsToken{Value: line[i:end], Offset: start})
			i = end
		}
	}
}

// closeQuote returns the index of the quote that closes a quoted column whose text starts at
// i, or -1, and whether the text holds backslash escapes.
func closeQuote(line string, i int) (end int, escaped bool) {
	for j := i; j < len(line); j++ {
		switch line[j] {
		case '\\':
			if j+1 < len(line) && (line[j+1] == '"' || line[j+1] == '\\') {
				escaped = true
				j++
			}
		case '"':
			if j+1 == len(line) || line[j+1] == ' ' {
				return j, escaped
			}
		}
	}
	return -1, escaped
}

func unescapeQuoted(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fieldBuilder is lineFields with AWS's conventions: "-" stands for no value.
type fieldBuilder struct {
	lineFields
}

// add adds a field unless its value is empty or "-", AWS's placeholder for no value.
func (b *fieldBuilder) add(name, value string) {
	if value == "" || value == "-" {
		return
	}
	b.fields = append(b.fields, textparse.Field{Name: name, Value: value})
}

// addList adds a field holding the JSON array of the items of value separated by sep, leaving
// out empty items; "-" items are kept, so that parallel lists stay aligned. Nothing is added
// when value is empty or "-".
func (b *fieldBuilder) addList(name, value string, sep byte) {
	if value == "" || value == "-" {
		return
	}
	start := len(b.buf)
	b.buf = append(b.buf, '[')
	n := 0
	for value != "" {
		item := value
		if i := strings.IndexByte(value, sep); i >= 0 {
			item, value = value[:i], value[i+1:]
		} else {
			value = ""
		}
		if item == "" {
			continue
		}
		if n > 0 {
			b.buf = append(b.buf, ',')
		}
		b.buf = event.AppendString(b.buf, item)
		n++
	}
	if n == 0 {
		b.buf = b.buf[:start]
		return
	}
	b.buf = append(b.buf, ']')
	b.addBuilt(name, start)
}

// addTokens adds a field holding the JSON array of the token values, leaving out "-".
func (b *fieldBuilder) addTokens(name string, toks []awsToken) {
	start := len(b.buf)
	b.buf = append(b.buf, '[')
	n := 0
	for _, t := range toks {
		if t.Value == "-" {
			continue
		}
		if n > 0 {
			b.buf = append(b.buf, ',')
		}
		b.buf = event.AppendString(b.buf, t.Value)
		n++
	}
	if n == 0 {
		b.buf = b.buf[:start]
		return
	}
	b.buf = append(b.buf, ']')
	b.addBuilt(name, start)
}

// splitHostPort splits "host:port" at its last colon, removing brackets around an IPv6 host.
// A value without a colon is all host.
func splitHostPort(v string) (host, port string) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return v, ""
	}
	host, port = v[:i], v[i+1:]
	if len(host) >= 2 && host[0] == '[' && host[len(host)-1] == ']' {
		host = host[1 : len(host)-1]
	}
	return host, port
}

// columnError is the error of a text record whose column is wrong.
func columnError(column int, name string, tok awsToken, msg string) error {
	return fmt.Errorf("column %d (%s) at offset %d: %s", column+1, name, tok.Offset, msg)
}

// quoteValue renders a column value for an error message, shortened.
func quoteValue(v string) string {
	const max = 40
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return strconv.Quote(v[:cut]) + "..."
	}
	return strconv.Quote(v)
}
