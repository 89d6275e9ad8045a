package sqlengine

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// An Encoder turns a value scanned from one result column into a value encoding/json renders
// the way the API and `panther query --format json` show it, guided by the column's DuckDB
// type (what the driver's Go values cannot tell apart on their own: a DATE from a TIMESTAMP,
// a UUID from a BLOB):
//
//	TIMESTAMP*     RFC 3339 in UTC        "2024-01-01T10:00:00Z"
//	DATE           "2024-01-01"
//	TIME, TIMETZ   "10:00:01", "10:00:01+02:00"
//	UUID           "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
//	DECIMAL        a JSON number with its exact digits
//	INTERVAL       DuckDB's text: "1 year 2 months 3 days 04:05:06"
//	BLOB           text, bytes that are not printable ASCII as \xHH (DuckDB's form)
//	BIT            "0101"
//	STRUCT, MAP    objects, keys in the type's (STRUCT) or the value's (MAP) order
//	LIST, ARRAY    arrays of their elements, each encoded by the element type
//	UNION          the value of its member
//	NaN, ±Inf      strings
type Encoder func(v any) any

// NewEncoder returns the encoder of a column of DuckDB type dbType (a name the driver gives:
// "DATE", "STRUCT("a" INTEGER, "b" DATE[])", "MAP(VARCHAR, UUID)"...). A type it does not
// understand is encoded by the values' Go types (JSONValue).
func NewEncoder(dbType string) Encoder {
	t, rest := parseType(dbType)
	if strings.TrimSpace(rest) != "" {
		return JSONValue
	}
	return t.encoder()
}

// Encoders returns the encoders of columns of the given types.
func Encoders(types []string) []Encoder {
	out := make([]Encoder, len(types))
	for i, t := range types {
		out[i] = NewEncoder(t)
	}
	return out
}

// colType is a parsed DuckDB type name.
type colType struct {
	name   string // DATE, STRUCT, MAP, LIST, ARRAY, UNION, DECIMAL, ...
	elem   *colType
	fields []typeField // STRUCT and UNION
	key    *colType    // MAP
	val    *colType    // MAP
}

type typeField struct {
	name string
	typ  *colType
}

// parseType parses the type at the start of s; it returns the rest of s.
func parseType(s string) (*colType, string) {
	s = strings.TrimLeft(s, " ")
	var t *colType
	switch {
	case strings.HasPrefix(s, "STRUCT("), strings.HasPrefix(s, "UNION("):
		name := s[:strings.IndexByte(s, '(')]
		t = &colType{name: name}
		s = s[len(name)+1:]
		for {
			s = strings.TrimLeft(s, " ")
			if strings.HasPrefix(s, ")") {
				s = s[1:]
				break
			}
			fname, rest, ok := quotedName(s)
			if !ok {
				return &colType{name: "?"}, s
			}
			ft, rest := parseType(rest)
			t.fields = append(t.fields, typeField{fname, ft})
			s = strings.TrimLeft(rest, " ")
			if strings.HasPrefix(s, ",") {
				s = s[1:]
			} else if !strings.HasPrefix(s, ")") {
				return &colType{name: "?"}, s
			}
		}
	case strings.HasPrefix(s, "MAP("):
		k, rest := parseType(s[len("MAP("):])
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ",") {
			return &colType{name: "?"}, rest
		}
		v, rest := parseType(rest[1:])
		rest = strings.TrimLeft(rest, " ")
		if !strings.HasPrefix(rest, ")") {
			return &colType{name: "?"}, rest
		}
		t, s = &colType{name: "MAP", key: k, val: v}, rest[1:]
	default:
		end := strings.IndexAny(s, "[,)(")
		if end < 0 {
			end = len(s)
		}
		t = &colType{name: strings.TrimSpace(s[:end])}
		s = s[end:]
		if strings.HasPrefix(s, "(") { // DECIMAL(18,3)
			close := strings.IndexByte(s, ')')
			if close < 0 {
				return &colType{name: "?"}, s
			}
			s = s[close+1:]
		}
	}
	for strings.HasPrefix(s, "[") {
		close := strings.IndexByte(s, ']')
		if close < 0 {
			return &colType{name: "?"}, s
		}
		if close == 1 {
			t = &colType{name: "LIST", elem: t}
		} else {
			t = &colType{name: "ARRAY", elem: t}
		}
		s = s[close+1:]
	}
	return t, s
}

// quotedName reads a "name" (doubled quotes inside) at the start of s.
func quotedName(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] == '"' {
			if i+1 < len(s) && s[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			return b.String(), s[i+1:], true
		}
		b.WriteByte(s[i])
	}
	return "", s, false
}

func (t *colType) encoder() Encoder {
	if t == nil {
		return JSONValue
	}
	switch t.name {
	case "DATE":
		return timeEncoder("2006-01-02")
	case "TIME":
		return timeEncoder("15:04:05.999999")
	case "TIMETZ":
		return timeEncoder("15:04:05.999999-07:00")
	case "UUID":
		return encodeUUID
	case "BLOB":
		return encodeBlob
	case "LIST", "ARRAY":
		elem := t.elem.encoder()
		return func(v any) any {
			x, ok := v.([]any)
			if !ok {
				return JSONValue(v)
			}
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = elem(e)
			}
			return out
		}
	case "STRUCT":
		encs := make([]Encoder, len(t.fields))
		for i, f := range t.fields {
			encs[i] = f.typ.encoder()
		}
		return func(v any) any {
			x, ok := v.(map[string]any)
			if !ok {
				return JSONValue(v)
			}
			out := make(Object, 0, len(x))
			for i, f := range t.fields {
				if e, ok := x[f.name]; ok {
					out = append(out, Field{f.name, encs[i](e)})
				}
			}
			if len(out) != len(x) { // names the type string did not give as the driver does
				return JSONValue(v)
			}
			return out
		}
	case "MAP":
		key, val := t.key.encoder(), t.val.encoder()
		return func(v any) any {
			var keys, values []any
			switch m := v.(type) {
			case duckdb.OrderedMap:
				keys, values = m.Keys(), m.Values()
			case *duckdb.OrderedMap:
				keys, values = m.Keys(), m.Values()
			default:
				return JSONValue(v)
			}
			out := make(Object, len(keys))
			for i, k := range keys {
				out[i] = Field{keyText(key(k)), val(values[i])}
			}
			return out
		}
	case "UNION":
		encs := make(map[string]Encoder, len(t.fields))
		for _, f := range t.fields {
			encs[f.name] = f.typ.encoder()
		}
		return func(v any) any {
			u, ok := v.(duckdb.Union)
			if !ok {
				return JSONValue(v)
			}
			if e := encs[u.Tag]; e != nil {
				return e(u.Value)
			}
			return JSONValue(u.Value)
		}
	}
	return JSONValue
}

func timeEncoder(layout string) Encoder {
	return func(v any) any {
		if t, ok := v.(time.Time); ok {
			return t.Format(layout)
		}
		return JSONValue(v)
	}
}

func encodeUUID(v any) any {
	switch x := v.(type) {
	case []byte:
		if len(x) == 16 {
			var u duckdb.UUID
			copy(u[:], x)
			return u.String()
		}
	case duckdb.UUID:
		return x.String()
	case *duckdb.UUID:
		return x.String()
	}
	return JSONValue(v)
}

func encodeBlob(v any) any {
	if b, ok := v.([]byte); ok {
		return blobText(b)
	}
	return JSONValue(v)
}

// blobText writes bytes as DuckDB shows a BLOB: printable ASCII as is, others as \xHH.
func blobText(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	return sb.String()
}

// keyText renders an encoded map key as an object key.
func keyText(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case nil:
		return "null"
	}
	b, err := MarshalJSON(k)
	if err != nil {
		return fmt.Sprint(k)
	}
	return string(b)
}

// intervalText renders an interval as DuckDB does: years, months and days, then the time.
func intervalText(i duckdb.Interval) string {
	var parts []string
	unit := func(n int64, name string) {
		if n == 0 {
			return
		}
		s := strconv.FormatInt(n, 10) + " " + name
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	unit(int64(i.Months/12), "year")
	unit(int64(i.Months%12), "month")
	unit(int64(i.Days), "day")
	if i.Micros != 0 || len(parts) == 0 {
		us := i.Micros
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3600e6, us/60e6%60, us/1e6%60)
		if frac := us % 1e6; frac != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// goValue converts the driver's values that encoding/json cannot render well by their Go type.
func goValue(v any) (any, bool) {
	switch x := v.(type) {
	case duckdb.Decimal:
		if x.Value == nil {
			return nil, true
		}
		return json.Number(x.String()), true
	case duckdb.Interval:
		return intervalText(x), true
	case duckdb.UUID:
		return x.String(), true
	case *duckdb.UUID:
		return x.String(), true
	case duckdb.Bit:
		return x.String(), true
	case duckdb.Union:
		return JSONValue(x.Value), true
	case *big.Int:
		return json.Number(x.String()), true
	case []byte:
		if utf8.Valid(x) {
			return string(x), true
		}
		return blobText(x), true
	}
	return nil, false
}
