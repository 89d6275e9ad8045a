package syslog

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// FuzzParseRFC5424 checks that any line parses or fails with a positioned
// error, and that what parses is consistent.
func FuzzParseRFC5424(f *testing.F) {
	f.Add("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed")
	f.Add(`<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\"lication"][x y="\]"] msg`)
	f.Add("<0>1 - - - - -")
	f.Fuzz(func(t *testing.T, line string) {
		m, err := ParseRFC5424(line)
		checkResult(t, line, m, err)
		if err != nil {
			return
		}
		if m.Version < 1 || m.Version > 999 {
			t.Fatalf("version %d", m.Version)
		}
		if sd := m.AppendStructuredDataJSON(nil); len(m.StructuredData) > 0 && !json.Valid(sd) {
			t.Fatalf("structured data is not valid JSON: %s", sd)
		}
	})
}

// FuzzParseRFC3164 checks that any line parses or fails with a positioned
// error, and that a BSD timestamp is never more than a month ahead.
func FuzzParseRFC3164(f *testing.F) {
	f.Add("<34>Oct 11 22:14:15 mymachine su: 'su root' failed")
	f.Add("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!")
	f.Add("<28>2019-12-02T16:49:23+02:00 host app[23410]: Test")
	f.Add("<1>Feb 29 00:00:00.123 h")
	now := time.Date(2024, time.March, 15, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string) {
		m, err := ParseRFC3164(line, now)
		checkResult(t, line, m, err)
		if err == nil && len(line) > 4 && line[4] >= 'A' && m.Timestamp.After(now.AddDate(0, 1, 0)) {
			t.Fatalf("timestamp %v is more than a month after %v", m.Timestamp, now)
		}
	})
}

func checkResult(t *testing.T, line string, m Message, err error) {
	t.Helper()
	if err != nil {
		var se *Error
		if !errors.As(err, &se) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if se.Offset < 0 || se.Offset > len(line) {
			t.Fatalf("error offset %d outside the line of %d bytes", se.Offset, len(line))
		}
		return
	}
	if m.Priority > 191 || m.Facility*8+m.Severity != m.Priority {
		t.Fatalf("priority %d, facility %d, severity %d", m.Priority, m.Facility, m.Severity)
	}
}
