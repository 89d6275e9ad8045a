package logtypes

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// Cisco Umbrella logs: CSV lines, every column quoted (or none, as some re-exports write
// them), exported to S3 by Umbrella (dnslogs/, proxylogs/, iplogs/, firewalllogs/), with an
// optional header row of column names. Umbrella adds columns at the end as its log schema
// version grows, and a few columns hold comma-separated lists inside one quoted column, so the
// declarative csv parser (fixed columns, no lists) cannot express them. The layout of a line is
// chosen by its column count, and every column is checked by its content (times, IP
// addresses, ports, query types) so that a line that does not fit its layout is an error, not
// a misread. Columns past the known ones go to additionalFields.
// https://docs.umbrella.com/deployment-umbrella/docs/log-formats-and-versioning

// umbrellaKind says how a column is checked and turned into a field.
type umbrellaKind uint8

const (
	umbrellaText         umbrellaKind = iota // any text
	umbrellaList                             // a comma-separated list, becomes a JSON array
	umbrellaTime                             // "2015-01-16 17:48:41", required
	umbrellaNumber                           // digits or empty
	umbrellaCount                            // digits, required
	umbrellaQueryType                        // "1 (A)": a DNS type number and its name, required
	umbrellaStatus                           // an HTTP status of three digits, or empty
	umbrellaPort                             // a port number, 0 to 65535, required
	umbrellaOptionalPort                     // a port number, or empty
	umbrellaIP                               // an IP address, or empty
)

// umbrellaColumn is one column of a layout.
type umbrellaColumn struct {
	name string
	kind umbrellaKind
}

// umbrellaLayout is the column order of one log kind and version.
type umbrellaLayout []umbrellaColumn

// DNS logs: v2 has the first 10 columns, v3 adds the most granular identity type and the
// identity types, v4 the blocked categories, v10 the rule id and v11 the destination
// countries.
var umbrellaDNSLayout = umbrellaLayout{
	{"timestamp", umbrellaTime}, {"policyIdentity", umbrellaText}, {"identities", umbrellaList},
	{"internalIp", umbrellaIP}, {"externalIp", umbrellaIP}, {"action", umbrellaText},
	{"queryType", umbrellaQueryType}, {"responseCode", umbrellaText}, {"domain", umbrellaText},
	{"categories", umbrellaList}, {"policyIdentityType", umbrellaText},
	{"identityTypes", umbrellaList}, {"blockedCategories", umbrellaList},
	{"ruleId", umbrellaText}, {"destinationCountries", umbrellaList},
}

// IP logs of the IP-layer enforcement feature.
var umbrellaIPLayout = umbrellaLayout{
	{"timestamp", umbrellaTime}, {"identity", umbrellaText}, {"sourceIp", umbrellaIP},
	{"sourcePort", umbrellaPort}, {"destinationIp", umbrellaIP},
	{"destinationPort", umbrellaPort}, {"categories", umbrellaList},
	{"identityTypes", umbrellaList},
}

// Cloud-delivered firewall logs.
var umbrellaFirewallLayout = umbrellaLayout{
	{"timestamp", umbrellaTime}, {"originId", umbrellaText}, {"identity", umbrellaText},
	{"identityType", umbrellaText}, {"direction", umbrellaText}, {"ipProtocol", umbrellaCount},
	{"packetSize", umbrellaCount}, {"sourceIp", umbrellaIP}, {"sourcePort", umbrellaOptionalPort},
	{"destinationIp", umbrellaIP}, {"destinationPort", umbrellaOptionalPort},
	{"dataCenter", umbrellaText}, {"ruleId", umbrellaText}, {"verdict", umbrellaText},
}

// Proxy logs up to schema version 4: 22 columns, v3 adds the identity type, v4 the blocked
// categories. The second column is the first identity and the third the list of identities.
var umbrellaProxyLegacyLayout = umbrellaLayout{
	{"timestamp", umbrellaTime}, {"identity", umbrellaText}, {"identities", umbrellaList},
	{"internalIp", umbrellaIP}, {"externalIp", umbrellaIP}, {"destinationIp", umbrellaIP},
	{"contentType", umbrellaText}, {"verdict", umbrellaText}, {"url", umbrellaText},
	{"referrer", umbrellaText}, {"userAgent", umbrellaText}, {"statusCode", umbrellaStatus},
	{"requestSize", umbrellaNumber}, {"responseSize", umbrellaNumber},
	{"responseBodySize", umbrellaNumber}, {"sha", umbrellaText}, {"categories", umbrellaList},
	{"avDetections", umbrellaList}, {"puas", umbrellaList}, {"ampDisposition", umbrellaText},
	{"ampMalwareName", umbrellaText}, {"ampScore", umbrellaText}, {"identityType", umbrellaText},
	{"blockedCategories", umbrellaList},
}

// umbrellaProxyLegacyMax is the column count of the last legacy proxy layout (v4); longer
// lines use the web log layout.
const umbrellaProxyLegacyMax = 24

// Web (proxy) logs of the current schema versions: the identities moved after the blocked
// categories, and columns were added at the end.
var umbrellaProxyLayout = umbrellaLayout{
	{"timestamp", umbrellaTime}, {"identity", umbrellaText}, {"internalIp", umbrellaIP},
	{"externalIp", umbrellaIP}, {"destinationIp", umbrellaIP}, {"contentType", umbrellaText},
	{"verdict", umbrellaText}, {"url", umbrellaText}, {"referrer", umbrellaText},
	{"userAgent", umbrellaText}, {"statusCode", umbrellaStatus}, {"requestSize", umbrellaNumber},
	{"responseSize", umbrellaNumber}, {"responseBodySize", umbrellaNumber}, {"sha", umbrellaText},
	{"categories", umbrellaList}, {"avDetections", umbrellaList}, {"puas", umbrellaList},
	{"ampDisposition", umbrellaText}, {"ampMalwareName", umbrellaText}, {"ampScore", umbrellaText},
	{"identityType", umbrellaText}, {"blockedCategories", umbrellaList},
	{"identities", umbrellaList}, {"identityTypes", umbrellaList}, {"requestMethod", umbrellaText},
	{"dlpStatus", umbrellaText}, {"certificateErrors", umbrellaText}, {"fileName", umbrellaText},
	{"rulesetId", umbrellaText}, {"ruleId", umbrellaText}, {"destinationListIds", umbrellaList},
	{"isolateAction", umbrellaText}, {"fileAction", umbrellaText}, {"warnStatus", umbrellaText},
	{"forwardingMethod", umbrellaText}, {"producer", umbrellaText},
	{"mspOrganizationId", umbrellaText}, {"blockedDestinationCountries", umbrellaList},
	{"applicationIds", umbrellaList}, {"hostname", umbrellaText}, {"dataCenter", umbrellaText},
	{"egress", umbrellaText}, {"serverName", umbrellaText}, {"timeBasedRule", umbrellaText},
	{"securityOverridden", umbrellaText}, {"detectedResponseFileType", umbrellaText},
	{"warnCategories", umbrellaList}, {"organizationId", umbrellaText},
}

// umbrellaFormat describes one log type: its minimum column count, the layout of a line with n
// columns, and a column name only its optional header row has.
type umbrellaFormat struct {
	kind       string // for messages, e.g. "umbrella dns"
	minColumns int
	layout     func(n int) umbrellaLayout
	headerName string // normalized: lower case, without spaces
	notCSV     error  // the error of a line that does not start like one of these logs
}

var umbrellaFormats = map[string]umbrellaFormat{
	"CiscoUmbrella.DNS": {"umbrella dns", 10, func(int) umbrellaLayout { return umbrellaDNSLayout }, "querytype", nil},
	"CiscoUmbrella.IP":  {"umbrella ip", 8, func(int) umbrellaLayout { return umbrellaIPLayout }, "sourceport", nil},
	"CiscoUmbrella.CloudFirewall": {"umbrella cloud firewall", 14,
		func(int) umbrellaLayout { return umbrellaFirewallLayout }, "direction", nil},
	"CiscoUmbrella.Proxy": {"umbrella proxy", 22, func(n int) umbrellaLayout {
		if n <= umbrellaProxyLegacyMax {
			return umbrellaProxyLegacyLayout
		}
		return umbrellaProxyLayout
	}, "url", nil},
}

func init() {
	for name, f := range umbrellaFormats {
		f.notCSV = &offsetError{msg: f.kind + ": expected a CSV line starting with the timestamp, quoted or not"}
		natives[name] = newUmbrellaParser(f)
	}
}

func newUmbrellaParser(f umbrellaFormat) func(lt *logschema.LogType) (func() Parser, error) {
	return func(lt *logschema.LogType) (func() Parser, error) {
		root := lt.Root
		return func() Parser { return &umbrellaParser{root: root, format: f} }, nil
	}
}

// umbrellaParser parses the lines of one file as one Umbrella log type.
type umbrellaParser struct {
	root   *logschema.Type
	format umbrellaFormat
	cols   []umbrellaCell
	rec    lineFields
}

func (p *umbrellaParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	kind := p.format.kind
	line := unsafeString(rec.Data)
	if line == "" || line[0] != '"' && (line[0] < '0' || line[0] > '9') {
		// Most lines an Umbrella parser sees with every type enabled are not its own: reject
		// them without allocating.
		return event.Value{}, false, p.format.notCSV
	}
	cols, err := splitUmbrellaCSV(line, p.cols[:0])
	p.cols = cols[:0]
	if err != nil {
		return event.Value{}, false, fmt.Errorf("%s: %w", kind, err)
	}
	if p.isHeader(cols) {
		return event.Value{}, false, nil
	}
	if len(cols) < p.format.minColumns {
		return event.Value{}, false, fmt.Errorf("%s: expected at least %d columns, got %d", kind, p.format.minColumns, len(cols))
	}
	layout := p.format.layout(len(cols))
	r := &p.rec
	r.reset()
	for i, c := range cols {
		if i >= len(layout) {
			r.addCells("additionalFields", cols[i:])
			break
		}
		col := layout[i]
		if msg := checkUmbrellaCell(col.kind, c.value); msg != "" {
			return event.Value{}, false, &offsetError{offset: c.offset, msg: fmt.Sprintf("%s: column %d (%s) at offset %d: %s, got %s", kind, i+1, col.name, c.offset, msg, shortQuote(c.value))}
		}
		if col.kind == umbrellaList {
			r.addList(col.name, c.value, ',')
		} else {
			r.add(col.name, c.value)
		}
	}
	v, err := d.Fields(p.root, r.done())
	if err != nil {
		return event.Value{}, false, fmt.Errorf("%s: %w", kind, err)
	}
	return v, true, nil
}

// isHeader reports whether cols is the optional header row of this log's files ("Include
// Optional Log Headers in S3 Export"): column names, among them one only this log has.
func (p *umbrellaParser) isHeader(cols []umbrellaCell) bool {
	if len(cols) == 0 || isUmbrellaTime(cols[0].value) {
		return false
	}
	first := normalizeHeaderName(cols[0].value)
	if first != "timestamp" && first != "time" && first != "datetime" {
		return false
	}
	for _, c := range cols[1:] {
		if normalizeHeaderName(c.value) == p.format.headerName {
			return true
		}
	}
	return false
}

// normalizeHeaderName lower-cases a column name and drops its spaces and underscores.
func normalizeHeaderName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '_':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// addCells adds a field holding the JSON array of the values of cells, empty ones included so
// that positions are kept.
func (r *lineFields) addCells(name string, cells []umbrellaCell) {
	start := len(r.buf)
	r.buf = append(r.buf, '[')
	for i, c := range cells {
		if i > 0 {
			r.buf = append(r.buf, ',')
		}
		r.buf = event.AppendString(r.buf, c.value)
	}
	r.buf = append(r.buf, ']')
	r.addBuilt(name, start)
}

// checkUmbrellaCell checks a column value against its kind and returns what was expected, or
// "" if the value is fine.
func checkUmbrellaCell(k umbrellaKind, v string) string {
	switch k {
	case umbrellaTime:
		if !isUmbrellaTime(v) {
			return `expected a UTC time "YYYY-MM-DD hh:mm:ss"`
		}
	case umbrellaNumber:
		if v != "" && !allASCIIDigits(v) {
			return "expected a number or nothing"
		}
	case umbrellaCount:
		if !allASCIIDigits(v) {
			return "expected a number"
		}
	case umbrellaStatus:
		if v != "" && (len(v) != 3 || !allASCIIDigits(v)) {
			return "expected a 3-digit HTTP status or nothing"
		}
	case umbrellaPort:
		if !isPort(v) {
			return "expected a port number (0 to 65535)"
		}
	case umbrellaOptionalPort:
		if v != "" && !isPort(v) {
			return "expected a port number (0 to 65535) or nothing"
		}
	case umbrellaQueryType:
		if !isUmbrellaQueryType(v) {
			return `expected a DNS query type such as "1 (A)"`
		}
	case umbrellaIP:
		if _, err := netip.ParseAddr(v); v != "" && err != nil {
			return "expected an IP address or nothing"
		}
	}
	return ""
}

// isPort reports whether v is a decimal port number, 0 to 65535.
func isPort(v string) bool {
	if !allASCIIDigits(v) || len(v) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		n = n*10 + int(v[i]-'0')
	}
	return n <= 65535
}

// isUmbrellaTime reports whether v has the shape "2015-01-16 17:48:41". The decoder checks the
// ranges of the fields.
func isUmbrellaTime(v string) bool {
	const shape = "dddd-dd-dd dd:dd:dd"
	if len(v) != len(shape) {
		return false
	}
	for i := 0; i < len(shape); i++ {
		if shape[i] == 'd' {
			if v[i] < '0' || v[i] > '9' {
				return false
			}
		} else if v[i] != shape[i] {
			return false
		}
	}
	return true
}

// isUmbrellaQueryType reports whether v is a DNS type number followed by its name in
// parentheses, such as "28 (AAAA)".
func isUmbrellaQueryType(v string) bool {
	num, name, ok := strings.Cut(v, " (")
	return ok && allASCIIDigits(num) && len(name) > 1 && name[len(name)-1] == ')'
}

// umbrellaCell is one column of a CSV line.
type umbrellaCell struct {
	value  string
	offset int // byte offset of the column in the line
}

// splitUmbrellaCSV splits a comma-separated line into its columns, appending them to dst.
//
// Umbrella quotes every column. A quoted column ends at a quote followed by a comma or the end
// of the line, spaces allowed in between; "" inside it is one quote, and any other quote is
// kept as it is (lazy quotes, as the CSV readers Umbrella's own examples need). Spaces before a
// column are skipped, as in the vendor's examples ("a", "b"). An unquoted column runs to the
// next comma, without surrounding spaces. A quoted column that is not closed is an error that
// gives its offset.
func splitUmbrellaCSV(line string, dst []umbrellaCell) ([]umbrellaCell, error) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		start := i
		if i < len(line) && line[i] == '"' {
			end, escaped := -1, false
			next := len(line)
			for j := i + 1; j < len(line); j++ {
				if line[j] != '"' {
					continue
				}
				if j+1 < len(line) && line[j+1] == '"' {
					escaped = true
					j++
					continue
				}
				k := j + 1
				for k < len(line) && line[k] == ' ' {
					k++
				}
				if k == len(line) || line[k] == ',' {
					end, next = j, k
					break
				}
			}
			if end < 0 {
				return dst, fmt.Errorf("at offset %d: quoted column is not closed (expected a '\"' followed by ',' or the end of the line)", start)
			}
			v := line[i+1 : end]
			if escaped {
				v = strings.ReplaceAll(v, `""`, `"`)
			}
			dst = append(dst, umbrellaCell{value: v, offset: start})
			i = next
		} else {
			end := strings.IndexByte(line[i:], ',')
			if end < 0 {
				end = len(line)
			} else {
				end += i
			}
			dst = append(dst, umbrellaCell{value: strings.TrimRight(line[i:end], " "), offset: start})
			i = end
		}
		if i >= len(line) {
			return dst, nil
		}
		i++ // the comma
	}
}
