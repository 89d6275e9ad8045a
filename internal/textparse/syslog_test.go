package textparse

import (
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2024, time.March, 15, 12, 0, 0, 0, time.UTC) }

func TestSyslogRFC5424Fields(t *testing.T) {
	lines := []string{
		// RFC 5424 section 6.5, examples 1 to 4 (BOM written as \ufeff).
		"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
		"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] ` + "\ufeffAn application event log entry...",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]`,
		// Nil timestamp and escapes in SD values.
		`<0>1 - - - - - [a p="q\"uo\\te\]d"] msg`,
		"",
		"<34>2 bad host app - - -",
	}
	want := []result{
		ok("priority", "34", "facility", "4", "severity", "2", "version", "1", "timestamp", "2003-10-11T22:14:15.003Z",
			"hostname", "mymachine.example.com", "appname", "su", "msgid", "ID47", "message", "'su root' failed for lonvick on /dev/pts/8"),
		ok("priority", "165", "facility", "20", "severity", "5", "version", "1", "timestamp", "2003-08-24T12:14:15.000003Z",
			"hostname", "192.0.2.1", "appname", "myproc", "procid", "8710", "message", "%% It's time to make the do-nuts."),
		ok("priority", "165", "facility", "20", "severity", "5", "version", "1", "timestamp", "2003-10-11T22:14:15.003Z",
			"hostname", "mymachine.example.com", "appname", "evntslog", "msgid", "ID47",
			"structured_data", `{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"}}`,
			"message", "An application event log entry..."),
		ok("priority", "165", "facility", "20", "severity", "5", "version", "1", "timestamp", "2003-10-11T22:14:15.003Z",
			"hostname", "mymachine.example.com", "appname", "evntslog", "msgid", "ID47",
			"structured_data", `{"exampleSDID@32473":{"iut":"3","eventSource":"Application","eventID":"1011"},"examplePriority@32473":{"class":"high"}}`),
		ok("priority", "0", "facility", "0", "severity", "0", "version", "1",
			"structured_data", `{"a":{"p":"q\"uo\\te]d"}}`, "message", "msg"),
		skipped,
		failed("syslog-rfc5424: at offset 6: expected an RFC 3339 timestamp or \"-\""),
	}
	checkResults(t, parseLines(t, NewSyslogRFC5424(), lines...), want)
}

func TestSyslogRFC3164Fields(t *testing.T) {
	lines := []string{
		// RFC 3164 section 5.4, examples 1 and 2.
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
		"<28>2019-12-02T16:49:23+02:00 host app[23410]: Test",
		"<13>Dec  2 16:31:03 sshd[7]: no hostname",
		"Oct 11 22:14:15 mymachine su: no priority",
		"free text",
	}
	want := []result{
		ok("priority", "34", "facility", "4", "severity", "2", "timestamp", "2023-10-11T22:14:15Z",
			"hostname", "mymachine", "appname", "su", "message", "'su root' failed for lonvick on /dev/pts/8"),
		ok("priority", "13", "facility", "1", "severity", "5", "timestamp", "2024-02-05T17:32:18Z",
			"hostname", "10.0.0.99", "message", "Use the BFG!"),
		ok("priority", "28", "facility", "3", "severity", "4", "timestamp", "2019-12-02T14:49:23Z",
			"hostname", "host", "appname", "app", "procid", "23410", "message", "Test"),
		ok("priority", "13", "facility", "1", "severity", "5", "timestamp", "2023-12-02T16:31:03Z",
			"appname", "sshd", "procid", "7", "message", "no hostname"),
		ok("timestamp", "2023-10-11T22:14:15Z", "hostname", "mymachine", "appname", "su", "message", "no priority"),
		failed(`syslog-rfc3164: at offset 0: expected a timestamp "Mmm dd hh:mm:ss" starting with a month name (or "<" starting the priority)`),
	}
	checkResults(t, parseLines(t, NewSyslogRFC3164(fixedNow), lines...), want)
}

// TestSyslogRFC3164NowPerLine checks that now is read for every line.
func TestSyslogRFC3164NowPerLine(t *testing.T) {
	calls := 0
	now := func() time.Time {
		calls++
		return time.Date(2020+calls, time.June, 1, 0, 0, 0, 0, time.UTC)
	}
	p := NewSyslogRFC3164(now).NewParser()
	for i, want := range []string{"2021-05-01T00:00:00Z", "2022-05-01T00:00:00Z"} {
		got, _, err := p.Parse("<1>May  1 00:00:00 h t: m", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got[3] != (Field{"timestamp", want}) {
			t.Errorf("line %d: %v, want timestamp %s", i, got[3], want)
		}
	}
}
