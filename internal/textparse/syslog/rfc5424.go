package syslog

import (
	"strings"
	"time"
)

// ParseRFC5424 parses a line of the form
//
//	<PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID [SP SD [SP MSG]]
//
// where any of TIMESTAMP to MSGID and SD may be the nil value "-". The header
// through MSGID is required. Best effort beyond RFC 5424: the line may end
// after MSGID or after SD; when the text after MSGID starts with neither "-"
// nor "[" there is no SD and all of it is the message; header fields may be
// longer than the RFC limits. A UTF-8 byte order mark that starts the message
// is removed. The timestamp keeps its instant; use Timestamp.UTC() for UTC.
func ParseRFC5424(line string) (Message, error) {
	var m Message
	p := parser5424{s: line}
	pri, n, err := parsePRI("rfc5424", line)
	if err != nil {
		return m, err
	}
	m.setPriority(pri)
	m.HasPriority = true
	p.pos = n
	if m.Version, err = p.version(); err != nil {
		return m, err
	}
	tsStart := p.pos
	ts, err := p.token("timestamp", false)
	if err != nil {
		return m, err
	}
	if ts != "-" {
		t, perr := time.Parse(time.RFC3339Nano, ts)
		if perr != nil {
			return m, p.fail(tsStart, "expected an RFC 3339 timestamp or \"-\"")
		}
		m.Timestamp = t
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"hostname", &m.Hostname}, {"app-name", &m.Appname}, {"procid", &m.ProcID}, {"msgid", &m.MsgID}} {
		v, err := p.token(f.name, f.name == "msgid")
		if err != nil {
			return m, err
		}
		if v != "-" {
			*f.dst = v
		}
	}
	// After MSGID: nothing, or SP then SD and message.
	if p.pos == len(p.s) {
		return m, nil
	}
	p.pos++ // The SP that token checked.
	rest := p.s[p.pos:]
	switch {
	case rest == "-" || strings.HasPrefix(rest, "- "):
		p.pos++
	case strings.HasPrefix(rest, "["):
		if m.StructuredData, err = p.structuredData(); err != nil {
			return m, err
		}
	default:
		m.Message = strings.TrimPrefix(rest, "\ufeff")
		return m, nil
	}
	if p.pos < len(p.s) {
		// RFC 5424 wants SP before MSG; accept a message glued to the SD.
		if p.s[p.pos] == ' ' {
			p.pos++
		}
		m.Message = strings.TrimPrefix(p.s[p.pos:], "\ufeff")
	}
	return m, nil
}

type parser5424 struct {
	s   string
	pos int
}

func (p *parser5424) fail(offset int, msg string) error {
	return &Error{Format: "rfc5424", Offset: offset, Msg: msg}
}

// version reads VERSION and the SP after it.
func (p *parser5424) version() (int, error) {
	start := p.pos
	v := 0
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) && p.pos-start < 3 {
		v = v*10 + int(p.s[p.pos]-'0')
		p.pos++
	}
	if p.pos == start || v == 0 {
		return 0, p.fail(start, "expected the version, a number from 1 to 999")
	}
	if p.pos == len(p.s) || p.s[p.pos] != ' ' {
		return 0, p.fail(p.pos, "expected a space after the version")
	}
	p.pos++
	return v, nil
}

// token reads a header field of printable US-ASCII and the SP after it. The
// last header field (msgid) may also end the line, and pos then stays on the
// SP that follows it, if any.
func (p *parser5424) token(name string, last bool) (string, error) {
	start := p.pos
	for p.pos < len(p.s) && isPrint(p.s[p.pos]) {
		p.pos++
	}
	v := p.s[start:p.pos]
	switch {
	case v == "" && p.pos == len(p.s):
		return "", p.fail(p.pos, "expected the "+name+", found the end of the line")
	case v == "":
		return "", p.fail(p.pos, "expected the "+name+" (printable ASCII or \"-\")")
	case p.pos == len(p.s):
		if last {
			return v, nil
		}
		return "", p.fail(p.pos, "expected a space after the "+name+", found the end of the line")
	case p.s[p.pos] != ' ':
		return "", p.fail(p.pos, "expected a space after the "+name)
	}
	if !last {
		p.pos++
	}
	return v, nil
}

// structuredData reads one or more SD-ELEMENTs starting at "[".
func (p *parser5424) structuredData() ([]SDElement, error) {
	var out []SDElement
	for p.pos < len(p.s) && p.s[p.pos] == '[' {
		p.pos++
		id, err := p.sdName("SD-ID")
		if err != nil {
			return nil, err
		}
		el := SDElement{ID: id}
		for {
			if p.pos == len(p.s) {
				return nil, p.fail(p.pos, `expected "]" closing the structured data element`)
			}
			if p.s[p.pos] == ']' {
				p.pos++
				break
			}
			if p.s[p.pos] != ' ' {
				return nil, p.fail(p.pos, `expected a space or "]" in the structured data element`)
			}
			p.pos++
			name, err := p.sdName("PARAM-NAME")
			if err != nil {
				return nil, err
			}
			if !strings.HasPrefix(p.s[p.pos:], `="`) {
				return nil, p.fail(p.pos, `expected ="value" after the parameter name`)
			}
			p.pos += 2
			value, err := p.sdValue()
			if err != nil {
				return nil, err
			}
			el.Params = append(el.Params, SDParam{Name: name, Value: value})
		}
		out = append(out, el)
	}
	return out, nil
}

// sdName reads an SD-NAME: printable ASCII except '=', SP, ']' and '"'.
func (p *parser5424) sdName(what string) (string, error) {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if !isPrint(c) || c == '=' || c == ']' || c == '"' {
			break
		}
		p.pos++
	}
	if p.pos == start {
		return "", p.fail(p.pos, "expected the "+what)
	}
	return p.s[start:p.pos], nil
}

// sdValue reads a PARAM-VALUE up to its closing quote, which it consumes.
// Only \" \\ and \] are escapes; any other backslash is literal.
func (p *parser5424) sdValue() (string, error) {
	start := p.pos
	escaped := false
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case '\\':
			if p.pos+1 < len(p.s) {
				switch p.s[p.pos+1] {
				case '"', '\\', ']':
					escaped = true
					p.pos++
				}
			}
		case '"':
			v := p.s[start:p.pos]
			p.pos++
			if escaped {
				v = unescapeSD(v)
			}
			return v, nil
		}
		p.pos++
	}
	return "", p.fail(start, `expected a closing '"' for the parameter value`)
}

func unescapeSD(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
			i++
			c = s[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}
