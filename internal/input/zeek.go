package input

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Zeek writes its logs (dns.log, conn.log, ...) by default in its ASCII format: tab-separated
// values after header lines that name the separator, the fields and their types:
//
//	#separator \x09
//	#set_separator	,
//	#empty_field	(empty)
//	#unset_field	-
//	#path	dns
//	#open	2024-10-15-12-00-00
//	#fields	ts	uid	id.orig_h	...	answers	TTLs	rejected
//	#types	time	string	addr	...	vector[string]	vector[interval]	bool
//	1728993601.123456	CHhAvVGS1DHFjwGM9	192.0.2.10	...	93.184.215.14	300.000000	F
//	#close	2024-10-15-13-00-00
//
// Envelopes turns each data line of such a file into the JSON object Zeek writes with
// LogAscii::use_json=T, so that one schema reads both: the header lines yield no record; a value
// equal to the unset field is left out; numbers (time, interval, double, count, int, port) and
// booleans (T, F) become JSON numbers and booleans; sets and vectors become arrays split on the
// set separator (the empty field is an empty array, or "" for a string); \xNN escapes are
// decoded. A data line whose column count differs from #fields stays a text record, with a
// Note naming the file (Envelopes.Name) and line, the count of values it has and of fields
// the #fields header names, that header's line and its fields (the reason it is quarantined
// with). The state is per stream: a second #separator line (files concatenated) starts a new
// header.
// https://docs.zeek.org/en/master/logs/index.html, https://docs.zeek.org/en/master/scripts/base/frameworks/logging/writers/ascii.zeek.html
type zeekHeader struct {
	sep, setSep   string
	empty, unset  string
	fields, types []string
	path          string // the #path line's value, such as "conn"
	fieldsLine    int    // the line of the #fields header
	buf           []byte
}

// zeekSeparatorLine is how every Zeek ASCII log file begins.
const zeekSeparatorLine = "#separator "

// zeek handles a text record of a stream that may be a Zeek ASCII log: it reports whether rec
// was consumed (a header line), or returns the JSON record of a data line. ok is false when rec
// is none of these, and is to be returned as it is.
func (e *Envelopes) zeek(rec Record) (out Record, consumed, ok bool) {
	line := rec.Data
	if bytes.HasPrefix(line, []byte(zeekSeparatorLine)) {
		sep, good := zeekUnescape(strings.TrimSpace(string(line[len(zeekSeparatorLine):])))
		if !good || sep == "" {
			return rec, false, false
		}
		e.zk = &zeekHeader{sep: sep, setSep: ",", empty: "(empty)", unset: "-"}
		return rec, true, true
	}
	h := e.zk
	if h == nil {
		return rec, false, false
	}
	if len(line) > 0 && line[0] == '#' {
		key, val, _ := strings.Cut(string(line[1:]), h.sep)
		switch key {
		case "set_separator":
			h.setSep = val
		case "empty_field":
			h.empty = val
		case "unset_field":
			h.unset = val
		case "fields":
			h.fields = strings.Split(val, h.sep)
			h.fieldsLine = rec.Line
		case "path":
			h.path = val
		case "types":
			h.types = strings.Split(val, h.sep)
		}
		return rec, true, true
	}
	if len(h.fields) == 0 {
		return rec, false, false
	}
	data, n := h.toJSON(string(line))
	if data == nil {
		rec.Note = h.countNote(e.Name, rec.Line, n)
		return rec, false, false
	}
	rec.Data, rec.JSON, rec.Size = data, true, int64(len(data))
	return rec, false, true
}

// countNote says that the data line at line of the file name has n values where the #fields
// header names another count.
func (h *zeekHeader) countNote(name string, line, n int) string {
	var sb strings.Builder
	if name != "" {
		sb.WriteString(name)
		sb.WriteByte(' ')
	}
	fmt.Fprintf(&sb, "line %d: Zeek ", line)
	if h.path != "" {
		fmt.Fprintf(&sb, "%s ", h.path)
	}
	sep := "tab-separated"
	if h.sep != "\t" {
		sep = fmt.Sprintf("%q-separated", h.sep)
	}
	fmt.Fprintf(&sb, "log line has %d %s values, but the #fields header at line %d names %d fields: %s",
		n, sep, h.fieldsLine, len(h.fields), strings.Join(h.fields, " "))
	return sb.String()
}

// toJSON writes the JSON object of one data line, or returns nil and the number of values of
// the line when it does not have one value for each field.
func (h *zeekHeader) toJSON(line string) ([]byte, int) {
	b := append(h.buf[:0], '{')
	n := 0
	for i := 0; ; i++ {
		v, rest, more := strings.Cut(line, h.sep)
		if i >= len(h.fields) {
			n := i + 1
			if more {
				n += 1 + strings.Count(rest, h.sep)
			}
			return nil, n
		}
		if v != h.unset {
			if n > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, h.fields[i])
			b = append(b, ':')
			typ := ""
			if i < len(h.types) {
				typ = h.types[i]
			}
			b = h.appendValue(b, typ, v)
			n++
		}
		if !more {
			if i != len(h.fields)-1 {
				return nil, i + 1
			}
			break
		}
		line = rest
	}
	b = append(b, '}')
	h.buf = b
	return b, len(h.fields)
}

// appendValue appends the JSON of the value v of Zeek type typ.
func (h *zeekHeader) appendValue(b []byte, typ, v string) []byte {
	if elem, ok := zeekContainer(typ); ok {
		b = append(b, '[')
		if v != h.empty && v != "" {
			for i, item := range strings.Split(v, h.setSep) {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendZeekScalar(b, elem, item)
			}
		}
		return append(b, ']')
	}
	if v == h.empty && (typ == "string" || typ == "") {
		return append(b, `""`...)
	}
	return appendZeekScalar(b, typ, v)
}

// zeekContainer returns the element type of a set[T] or vector[T].
func zeekContainer(typ string) (string, bool) {
	for _, p := range [...]string{"set[", "vector["} {
		if strings.HasPrefix(typ, p) && strings.HasSuffix(typ, "]") {
			return typ[len(p) : len(typ)-1], true
		}
	}
	return "", false
}

// appendZeekScalar appends a number or boolean as JSON when v is one of its type, else the
// string v (so that a malformed value reaches the schema's decoder, which says what failed).
func appendZeekScalar(b []byte, typ, v string) []byte {
	switch typ {
	case "time", "interval", "double", "count", "int", "port":
		if isJSONNumber(v) {
			return append(b, v...)
		}
	case "bool":
		switch v {
		case "T":
			return append(b, "true"...)
		case "F":
			return append(b, "false"...)
		}
	}
	s, _ := zeekUnescape(v)
	return appendJSONString(b, s)
}

// isJSONNumber reports whether v is a number in JSON's syntax.
func isJSONNumber(v string) bool {
	i := 0
	if i < len(v) && v[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i - j
	}
	start := i
	if n := digits(); n == 0 || (n > 1 && v[start] == '0') {
		return false
	}
	if i < len(v) && v[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		i++
		if i < len(v) && (v[i] == '+' || v[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(v)
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// zeekUnescape decodes the \xNN escapes Zeek writes for separators and unprintable bytes; it
// reports false for a malformed escape (left as it is).
func zeekUnescape(s string) (string, bool) {
	if !strings.Contains(s, `\x`) {
		return s, true
	}
	var sb strings.Builder
	good := true
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && s[i+1] == 'x' {
			if n, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				sb.WriteByte(byte(n))
				i += 3
				continue
			}
			good = false
		}
		sb.WriteByte(s[i])
	}
	return sb.String(), good
}
