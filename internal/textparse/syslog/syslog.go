// Package syslog parses syslog lines in the RFC 5424 and RFC 3164 (BSD)
// formats, in a best-effort mode that accepts the common deviations of real
// senders. RFC 5424 needs the PRI part ("<13>1 "); RFC 3164 accepts lines without
// it, as syslog daemons write files, when they start with a timestamp followed by
// a host name or a tag.
package syslog

import (
	"fmt"
	"strconv"
	"time"
)

// Message is one parsed syslog line. String fields are empty when absent (or
// "-" in RFC 5424) and alias the parsed line unless unescaping was needed.
type Message struct {
	Priority uint8 // Facility*8 + Severity, 0 to 191.
	Facility uint8
	Severity uint8
	// HasPriority is false for an RFC 3164 line without its PRI part (as syslog daemons
	// write files); Priority, Facility and Severity are then 0.
	HasPriority bool
	// Version is the RFC 5424 protocol version; 0 for RFC 3164.
	Version int
	// Timestamp is the zero time when the line has none (RFC 5424 "-").
	Timestamp time.Time
	Hostname  string
	Appname   string
	ProcID    string
	MsgID     string
	// StructuredData holds the RFC 5424 SD-ELEMENTs in line order.
	StructuredData []SDElement
	Message        string
}

// SDElement is one RFC 5424 structured data element.
type SDElement struct {
	ID     string
	Params []SDParam
}

// SDParam is one parameter of a structured data element. Value has its
// escapes (\" \\ \]) decoded.
type SDParam struct {
	Name  string
	Value string
}

// Error is a parse failure at a byte offset of the line. It never holds the
// line.
type Error struct {
	Format string // "rfc5424" or "rfc3164".
	Offset int
	Msg    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: at offset %d: %s", e.Format, e.Offset, e.Msg)
}

// parsePRI reads "<PRIVAL>" at the start of s: 1 to 3 digits, at most 191.
func parsePRI(format, s string) (pri uint8, n int, err error) {
	if s == "" || s[0] != '<' {
		return 0, 0, &Error{Format: format, Offset: 0, Msg: `expected "<" starting the priority`}
	}
	v := 0
	i := 1
	for ; i < len(s) && i <= 4 && isDigit(s[i]); i++ {
		v = v*10 + int(s[i]-'0')
	}
	switch {
	case i == 1:
		return 0, 0, &Error{Format: format, Offset: 1, Msg: "expected a priority digit"}
	case i > 4:
		return 0, 0, &Error{Format: format, Offset: 1, Msg: "priority has more than 3 digits"}
	case i == len(s) || s[i] != '>':
		return 0, 0, &Error{Format: format, Offset: i, Msg: `expected ">" closing the priority`}
	case v > 191:
		return 0, 0, &Error{Format: format, Offset: 1, Msg: "priority " + strconv.Itoa(v) + " is out of range 0-191"}
	}
	return uint8(v), i + 1, nil
}

func (m *Message) setPriority(pri uint8) {
	m.Priority = pri
	m.Facility = pri / 8
	m.Severity = pri % 8
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isPrint reports whether c is PRINTUSASCII (33 to 126) of RFC 5424.
func isPrint(c byte) bool { return c >= 33 && c <= 126 }
