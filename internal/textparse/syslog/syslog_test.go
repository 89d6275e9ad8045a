package syslog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseRFC5424(t *testing.T) {
	tests := []struct {
		name string
		line string
		want Message
	}{
		{
			name: "RFC example 1: no SD, BOM",
			line: "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
			want: Message{Priority: 34, Facility: 4, Severity: 2, Version: 1, Timestamp: mustTime(t, "2003-10-11T22:14:15.003Z"),
				Hostname: "mymachine.example.com", Appname: "su", MsgID: "ID47", Message: "'su root' failed for lonvick on /dev/pts/8"},
		},
		{
			name: "RFC example 3: SD then message",
			line: `<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] hi`,
			want: Message{Priority: 165, Facility: 20, Severity: 5, Version: 1, Timestamp: mustTime(t, "2003-10-11T22:14:15.003Z"),
				Hostname: "host", Appname: "evntslog", MsgID: "ID47",
				StructuredData: []SDElement{{ID: "exampleSDID@32473", Params: []SDParam{{"iut", "3"}, {"eventSource", "Application"}}}},
				Message:        "hi"},
		},
		{
			name: "all nil values, no message",
			line: "<0>1 - - - - - -",
			want: Message{Version: 1},
		},
		{
			name: "line ends after msgid",
			line: "<14>1 2024-01-01T00:00:00Z h a p m",
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1, Timestamp: mustTime(t, "2024-01-01T00:00:00Z"),
				Hostname: "h", Appname: "a", ProcID: "p", MsgID: "m"},
		},
		{
			name: "missing SD: the rest is the message",
			line: "<14>1 2024-01-01T00:00:00Z h a p m plain message",
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1, Timestamp: mustTime(t, "2024-01-01T00:00:00Z"),
				Hostname: "h", Appname: "a", ProcID: "p", MsgID: "m", Message: "plain message"},
		},
		{
			name: "dash glued to text is a message",
			line: "<14>1 - h a p m -not-sd",
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1, Hostname: "h", Appname: "a", ProcID: "p", MsgID: "m", Message: "-not-sd"},
		},
		{
			name: "SD escapes and empty element",
			line: `<14>1 - - - - - [x@1 a="q\"\\\]" b="back\slash"][empty]`,
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1,
				StructuredData: []SDElement{{ID: "x@1", Params: []SDParam{{"a", `q"\]`}, {"b", `back\slash`}}}, {ID: "empty"}}},
		},
		{
			name: "SD value with spaces, brackets and unicode",
			line: `<14>1 - - - - - [id k="a ] b [ ü"] m`,
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1,
				StructuredData: []SDElement{{ID: "id", Params: []SDParam{{"k", "a ] b [ ü"}}}}, Message: "m"},
		},
		{
			name: "message glued to SD",
			line: `<14>1 - - - - - [id]msg`,
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1, StructuredData: []SDElement{{ID: "id"}}, Message: "msg"},
		},
		{
			name: "long header fields are accepted",
			line: "<14>1 - h an-application-name-that-is-longer-than-forty-eight-chars - - - m",
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 1, Hostname: "h",
				Appname: "an-application-name-that-is-longer-than-forty-eight-chars", Message: "m"},
		},
		{
			name: "three digit version",
			line: "<14>123 - - - - -",
			want: Message{Priority: 14, Facility: 1, Severity: 6, Version: 123},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.HasPriority = true
			got, err := ParseRFC5424(tc.line)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Timestamp.Equal(tc.want.Timestamp) {
				t.Errorf("timestamp %v, want %v", got.Timestamp, tc.want.Timestamp)
			}
			got.Timestamp, tc.want.Timestamp = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseRFC5424Errors(t *testing.T) {
	tests := []struct {
		line string
		want string
	}{
		{"", `rfc5424: at offset 0: expected "<" starting the priority`},
		{"<>1 - - - - -", "rfc5424: at offset 1: expected a priority digit"},
		{"<1234>1 - - - - -", "rfc5424: at offset 1: priority has more than 3 digits"},
		{"<192>1 - - - - -", "rfc5424: at offset 1: priority 192 is out of range 0-191"},
		{"<13 1 - - - - -", `rfc5424: at offset 3: expected ">" closing the priority`},
		{"<13>0 - - - - -", "rfc5424: at offset 4: expected the version, a number from 1 to 999"},
		{"<13>Oct 11 22:14:15 host su: msg", "rfc5424: at offset 4: expected the version, a number from 1 to 999"},
		{"<13>1000 - - - - -", "rfc5424: at offset 7: expected a space after the version"},
		{"<13>1 2003-10-11 22:14:15 h a p m", `rfc5424: at offset 6: expected an RFC 3339 timestamp or "-"`},
		{"<13>1 - host", "rfc5424: at offset 12: expected a space after the hostname, found the end of the line"},
		{"<13>1 - host  a p m", "rfc5424: at offset 13: expected the app-name (printable ASCII or \"-\")"},
		{"<13>1 - h\x00 a p m", "rfc5424: at offset 9: expected a space after the hostname"},
		{"<13>1 - h a p m [id", `rfc5424: at offset 19: expected "]" closing the structured data element`},
		{"<13>1 - h a p m [id k]", `rfc5424: at offset 21: expected ="value" after the parameter name`},
		{`<13>1 - h a p m [id k="v]`, `rfc5424: at offset 23: expected a closing '"' for the parameter value`},
		{`<13>1 - h a p m [id k="v"x]`, `rfc5424: at offset 25: expected a space or "]" in the structured data element`},
		{`<13>1 - h a p m []`, "rfc5424: at offset 17: expected the SD-ID"},
	}
	for _, tc := range tests {
		_, err := ParseRFC5424(tc.line)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseRFC5424(%q):\n got %v\nwant %s", tc.line, err, tc.want)
		}
	}
}

func TestParseRFC3164(t *testing.T) {
	now := time.Date(2024, time.March, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		line string
		want Message
		ts   string
	}{
		{
			name: "RFC example 1",
			line: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
			want: Message{Priority: 34, Facility: 4, Severity: 2, Hostname: "mymachine", Appname: "su", Message: "'su root' failed for lonvick on /dev/pts/8"},
			ts:   "2023-10-11T22:14:15Z",
		},
		{
			name: "RFC example 2: no tag, padded day",
			line: "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
			want: Message{Priority: 13, Facility: 1, Severity: 5, Hostname: "10.0.0.99", Message: "Use the BFG!"},
			ts:   "2024-02-05T17:32:18Z",
		},
		{
			name: "RFC example 3: non-conforming year after the time",
			line: "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time",
			want: Message{Priority: 165, Facility: 20, Severity: 5, Hostname: "CST", Message: "1987 mymachine myproc[10]: %% It's time"},
			ts:   "2023-08-24T05:34:00Z",
		},
		{
			name: "tag with pid",
			line: "<38>Mar 14 09:00:01 web-1 sshd[4242]: Accepted publickey for root",
			want: Message{Priority: 38, Facility: 4, Severity: 6, Hostname: "web-1", Appname: "sshd", ProcID: "4242", Message: "Accepted publickey for root"},
			ts:   "2024-03-14T09:00:01Z",
		},
		{
			name: "tag with pid and no colon",
			line: "<38>Mar 14 09:00:01 web-1 cron[1] job done",
			want: Message{Priority: 38, Facility: 4, Severity: 6, Hostname: "web-1", Appname: "cron", ProcID: "1", Message: "job done"},
			ts:   "2024-03-14T09:00:01Z",
		},
		{
			name: "missing hostname",
			line: "<38>Mar 14 09:00:01 kernel: oops",
			want: Message{Priority: 38, Facility: 4, Severity: 6, Appname: "kernel", Message: "oops"},
			ts:   "2024-03-14T09:00:01Z",
		},
		{
			name: "single digit day without padding, fraction, lower case month",
			line: "<38>mar 1 09:00:01.25 h app: x",
			want: Message{Priority: 38, Facility: 4, Severity: 6, Hostname: "h", Appname: "app", Message: "x"},
			ts:   "2024-03-01T09:00:01.25Z",
		},
		{
			name: "up to a month ahead is this year",
			line: "<1>Apr 14 00:00:00 h",
			want: Message{Priority: 1, Severity: 1, Hostname: "h"},
			ts:   "2024-04-14T00:00:00Z",
		},
		{
			name: "more than a month ahead is last year",
			line: "<1>Apr 16 00:00:00 h",
			want: Message{Priority: 1, Severity: 1, Hostname: "h"},
			ts:   "2023-04-16T00:00:00Z",
		},
		{
			name: "Feb 29 picks the latest leap year",
			line: "<1>Feb 29 00:00:00 h",
			want: Message{Priority: 1, Severity: 1, Hostname: "h"},
			ts:   "2024-02-29T00:00:00Z",
		},
		{
			name: "line ends after the timestamp",
			line: "<1>Feb 29 00:00:00",
			want: Message{Priority: 1, Severity: 1},
			ts:   "2024-02-29T00:00:00Z",
		},
		{
			name: "RFC 3339 timestamp",
			line: "<28>2019-12-02T16:49:23+02:00 host app[23410]: Test",
			want: Message{Priority: 28, Facility: 3, Severity: 4, Hostname: "host", Appname: "app", ProcID: "23410", Message: "Test"},
			ts:   "2019-12-02T14:49:23Z",
		},
		{
			name: "tag with slash",
			line: "<22>Mar  3 10:00:00 mx postfix/smtpd[99]: connect from x",
			want: Message{Priority: 22, Facility: 2, Severity: 6, Hostname: "mx", Appname: "postfix/smtpd", ProcID: "99", Message: "connect from x"},
			ts:   "2024-03-03T10:00:00Z",
		},
		// As syslog daemons write files: no PRI part.
		{
			name: "file line, rsyslog traditional format",
			line: "Mar 14 09:00:01 web-1 sshd[4242]: Accepted publickey for root",
			want: Message{Hostname: "web-1", Appname: "sshd", ProcID: "4242", Message: "Accepted publickey for root"},
			ts:   "2024-03-14T09:00:01Z",
		},
		{
			name: "file line, rsyslog high-precision format",
			line: "2024-03-14T09:00:01.123456+01:00 web-1 kernel: [ 1.234] usb 1-1: new device",
			want: Message{Hostname: "web-1", Appname: "kernel", Message: "[ 1.234] usb 1-1: new device"},
			ts:   "2024-03-14T08:00:01.123456Z",
		},
		{
			name: "journalctl -o short-iso: offset without colon",
			line: "2024-03-14T09:00:01+0100 web-1 systemd[1]: Started Session 4.",
			want: Message{Hostname: "web-1", Appname: "systemd", ProcID: "1", Message: "Started Session 4."},
			ts:   "2024-03-14T08:00:01Z",
		},
		{
			name: "ISO 8601 without offset is UTC",
			line: "2024-03-14T09:00:01.5 web-1 app: x",
			want: Message{Hostname: "web-1", Appname: "app", Message: "x"},
			ts:   "2024-03-14T09:00:01.5Z",
		},
		{
			name: "no PRI, no host (BSD and appliance style)",
			line: "Mar 14 09:00:01 sudo[77]: alice : TTY=pts/0 ; COMMAND=/bin/ls",
			want: Message{Appname: "sudo", ProcID: "77", Message: "alice : TTY=pts/0 ; COMMAND=/bin/ls"},
			ts:   "2024-03-14T09:00:01Z",
		},
		{
			name: "macOS: last message repeated",
			line: "Mar 14 09:00:02 --- last message repeated 3 times ---",
			want: Message{Message: "--- last message repeated 3 times ---"},
			ts:   "2024-03-14T09:00:02Z",
		},
		{
			name: "last message repeated after a host",
			line: "<13>Mar 14 09:00:02 web-1 --- last message repeated 1 time ---",
			want: Message{Priority: 13, Facility: 1, Severity: 5, Hostname: "web-1", Message: "--- last message repeated 1 time ---"},
			ts:   "2024-03-14T09:00:02Z",
		},
		{
			name: "macOS: level after the tag",
			line: "Mar 14 09:00:03 MacBook-Pro com.apple.xpc.launchd[1] <Notice>: Service exited",
			want: Message{Hostname: "MacBook-Pro", Appname: "com.apple.xpc.launchd", ProcID: "1", Message: "<Notice>: Service exited"},
			ts:   "2024-03-14T09:00:03Z",
		},
		{
			name: "zero-padded day and a year after it",
			line: "<190>Mar 04 2023 09:00:03 fw-1 kernel: x",
			want: Message{Priority: 190, Facility: 23, Severity: 6, Hostname: "fw-1", Appname: "kernel", Message: "x"},
			ts:   "2023-03-04T09:00:03Z",
		},
		{
			name: "IPv6 host without PRI",
			line: "Mar 14 09:00:04 2001:db8::7 ntpd[5]: synchronized",
			want: Message{Hostname: "2001:db8::7", Appname: "ntpd", ProcID: "5", Message: "synchronized"},
			ts:   "2024-03-14T09:00:04Z",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.HasPriority = strings.HasPrefix(tc.line, "<")
			got, err := ParseRFC3164(tc.line, now)
			if err != nil {
				t.Fatal(err)
			}
			if ts := got.Timestamp.UTC().Format(time.RFC3339Nano); ts != tc.ts {
				t.Errorf("timestamp %s, want %s", ts, tc.ts)
			}
			got.Timestamp = time.Time{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRFC3164YearAtNewYear(t *testing.T) {
	now := time.Date(2024, time.January, 1, 0, 5, 0, 0, time.UTC)
	for _, tc := range []struct{ line, want string }{
		{"<1>Dec 31 23:59:59 h", "2023-12-31T23:59:59Z"},
		{"<1>Jan  1 00:04:00 h", "2024-01-01T00:04:00Z"},
		{"<1>Jan 20 00:00:00 h", "2024-01-20T00:00:00Z"},
	} {
		m, err := ParseRFC3164(tc.line, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Timestamp.Format(time.RFC3339); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.line, got, tc.want)
		}
	}
	// Late December: a January timestamp belongs to the coming year.
	now = time.Date(2023, time.December, 31, 23, 0, 0, 0, time.UTC)
	m, err := ParseRFC3164("<1>Jan  1 00:10:00 h", now)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Timestamp.Format(time.RFC3339), "2024-01-01T00:10:00Z"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestParseRFC3164Errors(t *testing.T) {
	now := time.Date(2024, time.March, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		line string
		want string
	}{
		{"<13", `rfc3164: at offset 3: expected ">" closing the priority`},
		{"hello world", `rfc3164: at offset 0: expected a timestamp "Mmm dd hh:mm:ss" starting with a month name (or "<" starting the priority)`},
		{"Oct 11 22:14:15", "rfc3164: at offset 15: expected a host name or a tag after the timestamp"},
		{"Oct 11 22:14:15 level=info msg=x", "rfc3164: at offset 16: expected a host name or a tag after the timestamp"},
		{"2024-03-14 09:00:01 web-1 app: x", `rfc3164: at offset 0: expected an RFC 3339 timestamp (or "<" starting the priority)`},
		{"<13>Feb 29 2023 10:00:00 h", "rfc3164: at offset 8: day 29 does not exist in February 2023"},
		{"<13>", `rfc3164: at offset 4: expected a timestamp "Mmm dd hh:mm:ss"`},
		{"<13>Foo 11 22:14:15 h", `rfc3164: at offset 4: expected a timestamp "Mmm dd hh:mm:ss" starting with a month name`},
		{"<13>Oct 32 22:14:15 h", "rfc3164: at offset 8: expected a day of the month, 1 to 31"},
		{"<13>Feb 30 22:14:15 h", "rfc3164: at offset 8: day 30 does not exist in February"},
		{"<13>Oct 11 24:14:15 h", "rfc3164: at offset 11: expected hh:mm:ss with two digits each"},
		{"<13>Oct 11 22:14 h", `rfc3164: at offset 16: expected ":" in the time of day`},
		{"<13>Oct 11 22:14:15. h", "rfc3164: at offset 20: expected digits after the decimal point of the seconds"},
		{"<13>Oct 11 22:14:15h", "rfc3164: at offset 19: expected a space after the timestamp"},
		{"<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org", "rfc3164: at offset 3: expected an RFC 3339 timestamp"},
		{"<13>Oct11 22:14:15 h", "rfc3164: at offset 7: expected a space after the month"},
	}
	for _, tc := range tests {
		_, err := ParseRFC3164(tc.line, now)
		if err == nil || err.Error() != tc.want {
			t.Errorf("ParseRFC3164(%q):\n got %v\nwant %s", tc.line, err, tc.want)
		}
	}
}

func TestStructuredDataJSON(t *testing.T) {
	tests := []struct {
		name string
		sd   []SDElement
		want string
	}{
		{"none", nil, ""},
		{"empty element", []SDElement{{ID: "a"}}, `{"a":{}}`},
		{
			name: "escapes, control characters and invalid UTF-8",
			sd:   []SDElement{{ID: `q"d`, Params: []SDParam{{"k", "a\\b\n\t\x01\xffü"}}}},
			want: `{"q\"d":{"k":"a\\b\n\t\u0001` + "\ufffdü" + `"}}`,
		},
		{
			name: "repeated IDs merge and repeated params keep the last value",
			sd: []SDElement{
				{ID: "a", Params: []SDParam{{"x", "1"}, {"y", "2"}}},
				{ID: "b", Params: []SDParam{{"z", "3"}}},
				{ID: "a", Params: []SDParam{{"x", "4"}, {"w", "5"}}},
			},
			want: `{"a":{"y":"2","x":"4","w":"5"},"b":{"z":"3"}}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Message{StructuredData: tc.sd}
			got := string(m.AppendStructuredDataJSON(nil))
			if got != tc.want {
				t.Fatalf("got %s\nwant %s", got, tc.want)
			}
			if got != "" && !json.Valid([]byte(got)) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}
