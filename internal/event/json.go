package event

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
)

// TimeLayout is how standard p_ timestamps are written in JSON, as Panther wrote them for its
// data lake: UTC with nanoseconds.
const TimeLayout = "2006-01-02 15:04:05.000000000"

// AppendJSON appends the event as one JSON object: its fields under their column names (absent
// fields omitted), then the p_ standard fields (p_parse_warnings only when there are some).
// This is the event rules see.
func AppendJSON(dst []byte, e *Event) []byte {
	dst = append(dst, '{')
	dst, n := appendFields(dst, &e.Root, e.LogType.Root)
	sep := func() {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
	}
	sep()
	dst = append(dst, `"p_log_type":`...)
	dst = AppendString(dst, e.LogType.Name)
	sep()
	dst = append(dst, `"p_row_id":`...)
	dst = AppendString(dst, e.RowID)
	sep()
	dst = append(dst, `"p_event_time":"`...)
	dst = time.Unix(0, e.EventTime).UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, `","p_parse_time":"`...)
	dst = time.Unix(0, e.ParseTime).UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, '"')
	if e.SourceID != "" {
		dst = append(dst, `,"p_source_id":`...)
		dst = AppendString(dst, e.SourceID)
	}
	if e.SourceLabel != "" {
		dst = append(dst, `,"p_source_label":`...)
		dst = AppendString(dst, e.SourceLabel)
	}
	if e.SourceAddress != "" {
		dst = append(dst, `,"p_source_address":`...)
		dst = AppendString(dst, e.SourceAddress)
	}
	for k, vals := range e.Indicators {
		if len(vals) == 0 {
			continue
		}
		dst = append(dst, ',', '"')
		dst = append(dst, indicators.Kinds[k].Column()...)
		dst = append(dst, '"', ':', '[')
		for i, s := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, s)
		}
		dst = append(dst, ']')
	}
	if len(e.ParseWarnings) > 0 {
		dst = append(dst, `,"p_parse_warnings":[`...)
		for i, w := range e.ParseWarnings {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"field":`...)
			dst = AppendString(dst, w.Field)
			dst = append(dst, `,"value":`...)
			dst = AppendString(dst, w.Value)
			dst = append(dst, `,"error":`...)
			dst = AppendString(dst, w.Error)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// AppendValue appends v, of type t, as JSON.
func AppendValue(dst []byte, v *Value, t *logschema.Type) []byte {
	switch v.Kind {
	case Null:
		return append(dst, "null"...)
	case String:
		return AppendString(dst, v.S)
	case Int:
		return strconv.AppendInt(dst, v.N, 10)
	case Float:
		return appendFloat(dst, v.Float())
	case Bool:
		if v.N != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Time:
		// Timestamps are written the way Panther wrote them for its data lake, whatever their
		// input format: UTC, "2006-01-02 15:04:05.000000000".
		dst = append(dst, '"')
		dst = time.Unix(0, v.N).UTC().AppendFormat(dst, TimeLayout)
		return append(dst, '"')
	case JSON:
		return append(dst, v.S...)
	case Object:
		dst = append(dst, '{')
		dst, _ = appendFields(dst, v, t)
		return append(dst, '}')
	case Array:
		dst = append(dst, '[')
		for i := range v.Items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, &v.Items[i], t.Elem)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

func appendFields(dst []byte, v *Value, t *logschema.Type) ([]byte, int) {
	n := 0
	for i := range v.Items {
		it := &v.Items[i]
		if it.Kind == Null {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		f := t.Fields[i]
		dst = AppendString(dst, f.Column)
		dst = append(dst, ':')
		dst = AppendValue(dst, it, f.Type)
	}
	return dst, n
}

func appendFloat(dst []byte, f float64) []byte {
	if f == float64(int64(f)) && f < 1e15 && f > -1e15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

const hexDigits = "0123456789abcdef"

// safe[c] is true for ASCII bytes that need no escaping in a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string. Invalid UTF-8 is replaced by U+FFFD.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
