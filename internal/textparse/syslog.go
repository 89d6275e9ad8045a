package textparse

import (
	"strconv"
	"time"

	"github.com/pantherlabs/panther/internal/textparse/syslog"
)

// Syslog field names, as in Panther's Syslog.RFC3164 and Syslog.RFC5424
// types.
const (
	SyslogPriority       = "priority"
	SyslogFacility       = "facility"
	SyslogSeverity       = "severity"
	SyslogVersion        = "version"
	SyslogTimestamp      = "timestamp"
	SyslogHostname       = "hostname"
	SyslogAppname        = "appname"
	SyslogProcID         = "procid"
	SyslogMsgID          = "msgid"
	SyslogStructuredData = "structured_data"
	SyslogMessage        = "message"
)

// NewSyslogRFC3164 returns a factory of RFC 3164 (BSD syslog) parsers; see
// syslog.ParseRFC3164 for the accepted forms. The fields are priority,
// facility and severity (decimal; absent for a line without its PRI part),
// timestamp (RFC 3339 in UTC), hostname, appname, procid and message; absent
// ones are omitted. now is called once
// per line to infer the year of the timestamp.
func NewSyslogRFC3164(now func() time.Time) Factory {
	return FactoryFunc(func() Parser { return &syslogParser{now: now} })
}

// NewSyslogRFC5424 returns a factory of RFC 5424 parsers; see
// syslog.ParseRFC5424 for the accepted forms. The fields are priority,
// facility, severity and version (decimal), timestamp (RFC 3339 in UTC),
// hostname, appname, procid, msgid, structured_data (a JSON object
// {"sd-id":{"param":"value"}}) and message; nil values ("-") and absent parts
// are omitted.
func NewSyslogRFC5424() Factory {
	return FactoryFunc(func() Parser { return &syslogParser{rfc5424: true} })
}

type syslogParser struct {
	rfc5424 bool
	now     func() time.Time
}

func (p *syslogParser) Parse(line string, dst []Field) ([]Field, bool, error) {
	if line == "" {
		return dst, false, nil
	}
	var (
		m    syslog.Message
		err  error
		kind string
	)
	if p.rfc5424 {
		kind = "syslog-rfc5424"
		m, err = syslog.ParseRFC5424(line)
	} else {
		kind = "syslog-rfc3164"
		m, err = syslog.ParseRFC3164(line, p.now())
	}
	if err != nil {
		offset := -1
		msg := err.Error()
		if se, ok := err.(*syslog.Error); ok {
			offset, msg = se.Offset, se.Msg
		}
		return dst, false, &ParseError{Parser: kind, Pattern: -1, Offset: offset, Msg: msg}
	}
	if m.HasPriority {
		dst = append(dst,
			Field{SyslogPriority, smallInt(int(m.Priority))},
			Field{SyslogFacility, smallInt(int(m.Facility))},
			Field{SyslogSeverity, smallInt(int(m.Severity))},
		)
	}
	if p.rfc5424 {
		dst = append(dst, Field{SyslogVersion, smallInt(m.Version)})
	}
	if !m.Timestamp.IsZero() {
		dst = append(dst, Field{SyslogTimestamp, m.Timestamp.UTC().Format(time.RFC3339Nano)})
	}
	dst = appendNonEmpty(dst, SyslogHostname, m.Hostname)
	dst = appendNonEmpty(dst, SyslogAppname, m.Appname)
	dst = appendNonEmpty(dst, SyslogProcID, m.ProcID)
	dst = appendNonEmpty(dst, SyslogMsgID, m.MsgID)
	if len(m.StructuredData) > 0 {
		dst = append(dst, Field{SyslogStructuredData, string(m.AppendStructuredDataJSON(nil))})
	}
	dst = appendNonEmpty(dst, SyslogMessage, m.Message)
	return dst, true, nil
}

func appendNonEmpty(dst []Field, name, value string) []Field {
	if value == "" {
		return dst
	}
	return append(dst, Field{name, value})
}

// smallInts holds the decimal text of 0 to 191 (every priority value), so
// that the hot path does not allocate.
var smallInts = func() (t [192]string) {
	for i := range t {
		t[i] = strconv.Itoa(i)
	}
	return t
}()

func smallInt(v int) string {
	if v >= 0 && v < len(smallInts) {
		return smallInts[v]
	}
	return strconv.Itoa(v)
}
