package decode

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/timefmt"
)

// JSON decodes data, one JSON object, as the object type t.
func (d *Decoder) JSON(t *logschema.Type, data []byte) (event.Value, error) {
	d.resetRecord()
	s := jsonState{d: d, data: data}
	s.ws()
	if s.i >= len(data) || data[s.i] != '{' {
		return event.Value{}, errorf(s.i, "expected a JSON object, got "+s.describe())
	}
	v, err := s.object(t)
	if err != nil {
		return event.Value{}, err
	}
	s.ws()
	if s.i < len(data) {
		return event.Value{}, errorf(s.i, "unexpected data after the JSON object: "+s.describe())
	}
	return v, nil
}

// jsonValue decodes one JSON value of type t from data (used for text fields holding JSON).
func (d *Decoder) jsonValue(t *logschema.Type, data []byte) (event.Value, error) {
	s := jsonState{d: d, data: data}
	s.ws()
	v, err := s.value(t)
	if err != nil {
		return event.Value{}, err
	}
	s.ws()
	if s.i < len(data) {
		return event.Value{}, errorf(s.i, "unexpected data after the JSON value: "+s.describe())
	}
	return v, nil
}

type jsonState struct {
	d     *Decoder
	data  []byte
	i     int
	depth int
	// sawSpace is set by ws when it skipped whitespace, so raw JSON captures know whether they
	// need compacting.
	sawSpace bool
}

func (s *jsonState) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\n', '\t', '\r':
			s.i++
			s.sawSpace = true
		default:
			return
		}
	}
}

func (s *jsonState) describe() string {
	if s.i >= len(s.data) {
		return "end of input"
	}
	switch c := s.data[s.i]; c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return "a number"
		}
		return strconv.QuoteRune(rune(c))
	}
}

func (s *jsonState) expected(what string) error {
	return errorf(s.i, "expected "+what+", got "+s.describe())
}

func (s *jsonState) object(t *logschema.Type) (event.Value, error) {
	s.depth++
	if s.depth > MaxDepth {
		return event.Value{}, errorf(s.i, "JSON nested too deeply")
	}
	defer func() { s.depth-- }()
	s.i++ // '{'
	items := s.d.Arena.Alloc(len(t.Fields))
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		if err := checkRequired(t, items); err != nil {
			atValue(err, s.i)
			return event.Value{}, err
		}
		return event.Value{Kind: event.Object, Items: items}, nil
	}
	for {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			return event.Value{}, s.expected("an object key")
		}
		key, esc, err := s.scanString()
		if err != nil {
			return event.Value{}, err
		}
		if esc {
			key = s.unescape(key)
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			return event.Value{}, s.expected("':' after an object key")
		}
		s.i++
		s.ws()
		if idx := t.FieldIndex(key); idx >= 0 {
			f := t.Fields[idx]
			mark, start := len(s.d.warns), s.i
			v, err := s.value(f.Type)
			if err != nil {
				atValue(err, start)
			}
			switch {
			case err == nil:
				if len(s.d.warns) > mark {
					s.d.within(mark, f.Column)
				}
			case f.Required:
				return event.Value{}, required(err, f.Name)
			default:
				e := asMalformed(err)
				if e == nil {
					return event.Value{}, in(err, f.Name)
				}
				s.d.drop(e, f.Column)
				v = event.Value{}
			}
			items[idx] = v
		} else if err := s.skip(); err != nil {
			return event.Value{}, err
		}
		s.ws()
		if s.i >= len(s.data) {
			return event.Value{}, s.expected("',' or '}'")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			if err := checkRequired(t, items); err != nil {
				atValue(err, s.i)
				return event.Value{}, err
			}
			return event.Value{Kind: event.Object, Items: items}, nil
		default:
			return event.Value{}, s.expected("',' or '}'")
		}
	}
}

// atValue gives err, if it is an *Error without a position, the position of the value it is
// about (for the closeness of quarantine reasons).
func atValue(err error, at int) {
	if e, ok := err.(*Error); ok && e.Offset < 0 {
		e.Offset = at
	}
}

func (s *jsonState) array(t *logschema.Type) (event.Value, error) {
	s.depth++
	if s.depth > MaxDepth {
		return event.Value{}, errorf(s.i, "JSON nested too deeply")
	}
	defer func() { s.depth-- }()
	s.i++ // '['
	var items []event.Value
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return event.Value{Kind: event.Array, Items: items}, nil
	}
	for n := 0; ; n++ {
		s.ws()
		mark := len(s.d.warns)
		v, err := s.value(t.Elem)
		if err != nil {
			e := asMalformed(err)
			if e == nil {
				return event.Value{}, in(err, "["+strconv.Itoa(n)+"]")
			}
			// A malformed element is dropped from the list.
			s.d.drop(e, "["+strconv.Itoa(n)+"]")
		} else {
			if len(s.d.warns) > mark {
				s.d.within(mark, "["+strconv.Itoa(n)+"]")
			}
			items = s.d.Arena.Grow(items)
			items[len(items)-1] = v
		}
		s.ws()
		if s.i >= len(s.data) {
			return event.Value{}, s.expected("',' or ']'")
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return event.Value{Kind: event.Array, Items: items}, nil
		default:
			return event.Value{}, s.expected("',' or ']'")
		}
	}
}

// value decodes the value at s.i as type t.
func (s *jsonState) value(t *logschema.Type) (event.Value, error) {
	if s.i >= len(s.data) {
		return event.Value{}, s.expected("a value")
	}
	c := s.data[s.i]
	if c == 'n' {
		if err := s.literal("null"); err != nil {
			return event.Value{}, err
		}
		return event.Value{}, nil
	}
	switch t.Kind {
	case logschema.KindString:
		return s.stringValue(t)
	case logschema.KindInt, logschema.KindSmallInt, logschema.KindBigInt, logschema.KindFloat, logschema.KindBool:
		return s.scalar(t)
	case logschema.KindTimestamp:
		return s.timestamp(t)
	case logschema.KindJSON:
		if c == '"' && t.EmbeddedJSON {
			return s.embedded(t)
		}
		start := s.i
		raw, err := s.raw()
		if err != nil {
			return event.Value{}, err
		}
		// Free-form JSON has no schema to tag its indicators: scan it by key name.
		_ = indicators.ScanJSON(&s.d.Indicators, s.data[start:s.i])
		return event.Value{Kind: event.JSON, S: raw}, nil
	case logschema.KindObject:
		switch c {
		case '{':
			return s.object(t)
		case '"':
			if t.EmbeddedJSON {
				return s.embedded(t)
			}
		}
		return event.Value{}, s.expected("an object")
	case logschema.KindArray:
		switch c {
		case '[':
			return s.array(t)
		case '"':
			if t.EmbeddedJSON {
				return s.embedded(t)
			}
		}
		// A single value where a list is expected is taken as a list of one, as vendors often
		// send either: a scalar for a list of scalars, an object for a list of objects. An
		// object is not taken for a list of scalars, nor anything for a list of lists.
		switch {
		case c == '{' && t.Elem.Kind != logschema.KindObject,
			c != '{' && t.Elem.Kind == logschema.KindObject,
			t.Elem.Kind == logschema.KindArray:
			return event.Value{}, s.expected("an array")
		}
		v, err := s.value(t.Elem)
		if err != nil {
			return event.Value{}, err
		}
		if v.Kind == event.Null {
			return v, nil
		}
		items := s.d.Arena.Alloc(1)
		items[0] = v
		return event.Value{Kind: event.Array, Items: items}, nil
	}
	return event.Value{}, errorf(s.i, "unsupported schema type "+t.Kind.String())
}

// embedded decodes a JSON string that holds the JSON of a value of type t.
func (s *jsonState) embedded(t *logschema.Type) (event.Value, error) {
	raw, esc, err := s.scanString()
	if err != nil {
		return event.Value{}, err
	}
	if esc {
		raw = append([]byte(nil), s.unescape(raw)...)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return event.Value{}, nil
	}
	if !validJSON(raw, s.depth) {
		return event.Value{}, malformed("expected a string holding JSON ("+t.Kind.String()+")", raw)
	}
	inner := jsonState{d: s.d, data: raw, depth: s.depth}
	inner.ws()
	var v event.Value
	if t.Kind == logschema.KindJSON {
		str, err := inner.raw()
		if err != nil {
			return event.Value{}, errorf(s.i, "invalid embedded JSON: "+err.Error())
		}
		v = event.Value{Kind: event.JSON, S: str}
		_ = indicators.ScanJSON(&s.d.Indicators, raw)
	} else {
		sub := *t
		sub.EmbeddedJSON = false
		if v, err = inner.value(&sub); err != nil {
			return event.Value{}, err
		}
	}
	inner.ws()
	if inner.i < len(raw) {
		return event.Value{}, errorf(s.i, "unexpected data after embedded JSON")
	}
	return v, nil
}

// validJSON reports whether b is one JSON value, surrounded by white space at most, nested no
// deeper than MaxDepth with depth levels above it.
func validJSON(b []byte, depth int) bool {
	v := jsonState{data: b, depth: depth}
	v.ws()
	if v.skip() != nil {
		return false
	}
	v.ws()
	return v.i == len(b)
}

func (s *jsonState) stringValue(t *logschema.Type) (event.Value, error) {
	var str string
	switch c := s.data[s.i]; {
	case c == '"':
		raw, esc, err := s.scanString()
		if err != nil {
			return event.Value{}, err
		}
		if esc {
			raw = s.unescape(raw)
		}
		str = s.d.copyText(raw)
	case c == '{' || c == '[':
		// Like Panther, a string field does not take an object or a list: that shape means
		// the record is not of this type (or the schema is wrong), which classification needs
		// to see.
		return event.Value{}, s.expected("a string")
	default:
		raw, err := s.scalarToken()
		if err != nil {
			return event.Value{}, err
		}
		str = s.d.Arena.Copy(raw)
	}
	return s.d.finishString(t, str)
}

// finishString applies the allow/deny lists and the indicator scanners to a decoded string.
func (d *Decoder) finishString(t *logschema.Type, str string) (event.Value, error) {
	if (len(t.Allow) > 0 || len(t.Deny) > 0) && !t.Allowed(str) {
		if len(t.Allow) > 0 {
			return event.Value{}, errorf(-1, "value "+strconv.Quote(str)+" is not one of the allowed values")
		}
		return event.Value{}, errorf(-1, "value "+strconv.Quote(str)+" is denied")
	}
	for _, sc := range t.Scanners {
		sc.Scan(&d.Indicators, str)
	}
	return event.Value{Kind: event.String, S: str}, nil
}

// scalar decodes numbers and booleans, from JSON numbers, booleans or strings that hold them.
func (s *jsonState) scalar(t *logschema.Type) (event.Value, error) {
	var text []byte
	quoted := s.data[s.i] == '"'
	if quoted {
		raw, esc, err := s.scanString()
		if err != nil {
			return event.Value{}, err
		}
		if esc {
			raw = s.unescape(raw)
		}
		text = bytes.TrimSpace(raw)
		if len(text) == 0 || len(text) == 1 && text[0] == '-' {
			return event.Value{}, nil // "" and "-" are absent
		}
	} else {
		if c := s.data[s.i]; c == '{' || c == '[' {
			return event.Value{}, s.expected("a " + t.Kind.String())
		}
		raw, err := s.scalarToken()
		if err != nil {
			return event.Value{}, err
		}
		text = raw
	}
	v, err := parseScalar(t.Kind, text)
	if err != nil {
		return event.Value{}, err
	}
	return v, nil
}

func parseScalar(k logschema.Kind, text []byte) (event.Value, error) {
	switch k {
	case logschema.KindBool:
		switch string(text) {
		case "true", "TRUE", "True", "1", "t", "T":
			return event.Value{Kind: event.Bool, N: 1}, nil
		case "false", "FALSE", "False", "0", "f", "F":
			return event.Value{Kind: event.Bool, N: 0}, nil
		}
		return event.Value{}, malformed("expected a boolean", text)
	case logschema.KindFloat:
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return event.Value{}, malformed("expected a float", text)
		}
		return event.Value{Kind: event.Float, N: int64(math.Float64bits(f))}, nil
	}
	n, ok := parseInt(text)
	if !ok {
		return event.Value{}, malformed("expected an integer ("+k.String()+")", text)
	}
	var lo, hi int64 = math.MinInt64, math.MaxInt64
	switch k {
	case logschema.KindInt:
		lo, hi = math.MinInt32, math.MaxInt32
	case logschema.KindSmallInt:
		lo, hi = math.MinInt16, math.MaxInt16
	}
	if n < lo || n > hi {
		return event.Value{}, malformed("integer out of range for "+k.String(), text)
	}
	return event.Value{Kind: event.Int, N: n}, nil
}

// parseInt parses a decimal integer, or a number in any JSON form with an integral value.
func parseInt(b []byte) (int64, bool) {
	if len(b) > 0 && len(b) <= 18 {
		neg := b[0] == '-'
		digits := b
		if neg || b[0] == '+' {
			digits = b[1:]
		}
		if len(digits) > 0 {
			var n int64
			ok := true
			for _, c := range digits {
				if c < '0' || c > '9' {
					ok = false
					break
				}
				n = n*10 + int64(c-'0')
			}
			if ok {
				if neg {
					n = -n
				}
				return n, true
			}
		}
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func (s *jsonState) timestamp(t *logschema.Type) (event.Value, error) {
	var text []byte
	switch c := s.data[s.i]; {
	case c == '"':
		raw, esc, err := s.scanString()
		if err != nil {
			return event.Value{}, err
		}
		if esc {
			raw = s.unescape(raw)
		}
		text = bytes.TrimSpace(raw)
		if len(text) == 0 || len(text) == 1 && text[0] == '-' {
			return event.Value{}, nil
		}
	case c == '-' || c >= '0' && c <= '9':
		raw, err := s.scalarToken()
		if err != nil {
			return event.Value{}, err
		}
		text = raw
	case c == 't' || c == 'f':
		raw, err := s.scalarToken()
		if err != nil {
			return event.Value{}, err
		}
		return event.Value{}, malformed("expected a timestamp", raw)
	default:
		return event.Value{}, s.expected("a timestamp")
	}
	// The parsers do not keep the string: it may alias the input.
	return s.d.parseTime(t, unsafe.String(unsafe.SliceData(text), len(text)))
}

// parseTime parses str, without surrounding white space, with the formats of t in order.
func (d *Decoder) parseTime(t *logschema.Type, str string) (event.Value, error) {
	if n := len(str); n > 0 && (isSpace(str[0]) || isSpace(str[n-1])) {
		str = strings.TrimSpace(str)
	}
	var firstErr error
	for _, p := range t.Times {
		tm, err := p.Parse(str)
		if err == nil {
			return event.Value{Kind: event.Time, N: tm.UnixNano()}, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	msg := "expected a timestamp"
	var te *timefmt.ParseError
	if errors.As(firstErr, &te) {
		msg = "expected a timestamp in the format " + te.Format + " (" + te.Msg + ")"
	}
	e := malformed(msg, []byte(str))
	e.quoted = te != nil && strings.Contains(te.Msg, "found")
	return event.Value{}, e
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *jsonState) literal(word string) error {
	if len(s.data)-s.i < len(word) || string(s.data[s.i:s.i+len(word)]) != word {
		return s.expected("a value")
	}
	s.i += len(word)
	return nil
}

// scalarToken scans a number, true or false, and returns its text.
func (s *jsonState) scalarToken() ([]byte, error) {
	start := s.i
	switch c := s.data[s.i]; {
	case c == 't':
		if err := s.literal("true"); err != nil {
			return nil, err
		}
		return s.data[start:s.i], nil
	case c == 'f':
		if err := s.literal("false"); err != nil {
			return nil, err
		}
		return s.data[start:s.i], nil
	case c == '-' || c >= '0' && c <= '9':
		if err := s.number(); err != nil {
			return nil, err
		}
		return s.data[start:s.i], nil
	}
	return nil, s.expected("a value")
}

// number scans a JSON number.
func (s *jsonState) number() error {
	d := s.data
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i >= len(d) {
		s.i = i
		return s.expected("a digit")
	}
	switch {
	case d[i] == '0':
		i++
	case d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.i = i
		return s.expected("a digit")
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			s.i = i
			return s.expected("a digit after '.'")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			s.i = i
			return s.expected("a digit in the exponent")
		}
	}
	s.i = i
	return nil
}

// scanString scans the string at s.i ('"') and returns its raw contents and whether they hold
// escapes.
func (s *jsonState) scanString() ([]byte, bool, error) {
	start := s.i + 1
	rest := s.data[start:]
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		s.i = len(s.data)
		return nil, false, s.expected("the end of a string")
	}
	if bytes.IndexByte(rest[:q], '\\') < 0 {
		s.i = start + q + 1
		return rest[:q], false, nil
	}
	// Slow path: the string has escapes; find the unescaped closing quote.
	i := start
	for i < len(s.data) {
		switch s.data[i] {
		case '\\':
			i += 2
			continue
		case '"':
			s.i = i + 1
			return s.data[start:i], true, nil
		}
		i++
	}
	s.i = len(s.data)
	return nil, false, s.expected("the end of a string")
}

// unescape decodes the escapes of a raw string into the decoder's scratch buffer.
func (s *jsonState) unescape(raw []byte) []byte {
	out := s.d.scratch[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'u':
			r, n := decodeU(raw[i+1:])
			if n == 0 {
				out = append(out, '\\', 'u')
				continue
			}
			i += n
			if utf16.IsSurrogate(r) {
				r2, n2 := rune(-1), 0
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2, n2 = decodeU(raw[i+3:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 2 + n2
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default: // '"', '\\', '/' and, leniently, anything else
			out = append(out, raw[i])
		}
	}
	s.d.scratch = out
	return out
}

func decodeU(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, 0
		}
		r = r<<4 | rune(c)
	}
	return r, 4
}

// copyText copies decoded string bytes into the arena, replacing invalid UTF-8.
func (d *Decoder) copyText(b []byte) string {
	if !isASCII(b) && !utf8.Valid(b) {
		return d.Arena.CopyString(string(bytes.ToValidUTF8(b, []byte("\uFFFD"))))
	}
	return d.Arena.Copy(b)
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// skip validates and skips the value at s.i.
func (s *jsonState) skip() error {
	if s.i >= len(s.data) {
		return s.expected("a value")
	}
	switch s.data[s.i] {
	case '"':
		_, _, err := s.scanString()
		return err
	case '{':
		s.depth++
		defer func() { s.depth-- }()
		if s.depth > MaxDepth {
			return errorf(s.i, "JSON nested too deeply")
		}
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == '}' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if s.i >= len(s.data) || s.data[s.i] != '"' {
				return s.expected("an object key")
			}
			if _, _, err := s.scanString(); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.data) || s.data[s.i] != ':' {
				return s.expected("':' after an object key")
			}
			s.i++
			s.ws()
			if err := s.skip(); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.data) {
				return s.expected("',' or '}'")
			}
			switch s.data[s.i] {
			case ',':
				s.i++
			case '}':
				s.i++
				return nil
			default:
				return s.expected("',' or '}'")
			}
		}
	case '[':
		s.depth++
		defer func() { s.depth-- }()
		if s.depth > MaxDepth {
			return errorf(s.i, "JSON nested too deeply")
		}
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			return nil
		}
		for {
			s.ws()
			if err := s.skip(); err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.data) {
				return s.expected("',' or ']'")
			}
			switch s.data[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return nil
			default:
				return s.expected("',' or ']'")
			}
		}
	case 'n':
		return s.literal("null")
	}
	_, err := s.scalarToken()
	return err
}

// raw validates the value at s.i and returns its compact JSON text, copied to the arena.
func (s *jsonState) raw() (string, error) {
	start := s.i
	s.sawSpace = false
	if err := s.skip(); err != nil {
		return "", err
	}
	b := s.data[start:s.i]
	if !s.sawSpace && (isASCII(b) || utf8.Valid(b)) {
		return s.d.Arena.Copy(b), nil
	}
	return s.d.Arena.CopyString(string(compact(nil, b))), nil
}

// compact appends b, valid JSON, without insignificant whitespace and with invalid UTF-8
// replaced.
func compact(dst, b []byte) []byte {
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case c == '\\' && i+1 < len(b):
				dst = append(dst, c, b[i+1])
				i++
				continue
			case c == '"':
				inStr = false
			case c >= utf8.RuneSelf:
				r, n := utf8.DecodeRune(b[i:])
				if r == utf8.RuneError && n == 1 {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, b[i:i+n]...)
				}
				i += n - 1
				continue
			}
			dst = append(dst, c)
			continue
		}
		switch c {
		case ' ', '\n', '\t', '\r':
			continue
		case '"':
			inStr = true
		}
		dst = append(dst, c)
	}
	return dst
}

func quoteShort(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "..."
	}
	return strconv.Quote(string(b))
}
