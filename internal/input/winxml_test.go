package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

const winXMLNS = `xmlns="http://schemas.microsoft.com/win/2004/08/events/event"`

func TestWinXML(t *testing.T) {
	logon := `<Event ` + winXMLNS + `><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{5484}"/><EventID>4624</EventID><Version>2</Version>` +
		`<TimeCreated SystemTime="2024-10-15T12:00:01.4517523Z"/><EventRecordID>2048576</EventRecordID><Correlation ActivityID="{6C1F}"/>` +
		`<Execution ProcessID="788" ThreadID="4120"/><Channel>Security</Channel><Computer>DC01</Computer><Security UserID="S-1-5-18"/></System>` +
		`<EventData><Data Name="TargetUserName">alice &amp; "bob"</Data><Data Name="IpAddress">203.0.113.25</Data></EventData></Event>`
	logonJSON := `{"EventID":4624,"Version":2,"TimeCreated":"2024-10-15T12:00:01.4517523Z","EventRecordID":2048576,"Correlation":{"ActivityID":"{6C1F}"},` +
		`"Execution":{"ProcessID":788,"ThreadID":4120},"Channel":"Security","Computer":"DC01","Security":{"UserID":"S-1-5-18"},` +
		`"Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{5484}"},"EventData":{"TargetUserName":"alice & \"bob\"","IpAddress":"203.0.113.25"}}`
	classic := `<Event ` + winXMLNS + `><System><Provider Name="Application Error"/><EventID Qualifiers="16384">1000</EventID><Channel>Application</Channel>` +
		`<Computer>W</Computer><Security/></System><EventData><Data>notepad.exe</Data><Data>0xc0000005</Data><Binary>00FF</Binary></EventData>` +
		`<RenderingInfo Culture="en-US"><Message> Faulting application </Message></RenderingInfo></Event>`
	classicJSON := `{"EventID":1000,"Qualifiers":16384,"Channel":"Application","Computer":"W","Security":{},"Provider":{"Name":"Application Error"},` +
		`"EventData":{"Data":["notepad.exe","0xc0000005"],"Binary":"00FF"},"Message":"Faulting application"}`
	cleared := `<Event ` + winXMLNS + `><System><EventID>1102</EventID><Channel>Security</Channel><Computer>DC01</Computer></System>` +
		`<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserName>Administrator</SubjectUserName></LogFileCleared></UserData></Event>`
	clearedJSON := `{"EventID":1102,"Channel":"Security","Computer":"DC01","UserData":{"LogFileCleared":{"SubjectUserName":"Administrator"}}}`
	for _, c := range []struct{ name, in, want string }{
		{"one per line", logon + "\n" + classic + "\n", "1:json:" + logonJSON + "|2:json:" + classicJSON},
		{"wevtutil: events one after another", logon + classic, "1:json:" + logonJSON + "|1:json:" + classicJSON},
		{"save as xml", `<?xml version="1.0" encoding="utf-8" standalone="yes"?><Events>` + logon + cleared + `</Events>`,
			"1:json:" + logonJSON + "|1:json:" + clearedJSON},
		{"bad numbers stay strings", `<Event><System><EventID>46x</EventID><Execution ProcessID="0x10"/></System></Event>`,
			`1:json:{"EventID":"46x","Execution":{"ProcessID":"0x10"}}`},
		{"not well-formed: text", `<Event><System><EventID>1</EventID></System>`, "1:text:<Event><System><EventID>1</EventID></System>"},
		{"another element: text", `<Events><Other/></Events>`, "1:text:<Events><Other/></Events>"},
		{"no event: text", `<?xml version="1.0"?>`, `1:text:<?xml version="1.0"?>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unwrapAll(t, c.in)
			if s := strings.Join(got, "|"); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
		})
	}
}

// FuzzWinXML checks that the records made from Windows event XML are valid JSON objects.
func FuzzWinXML(f *testing.F) {
	f.Add([]byte(`<Event ` + winXMLNS + `><System><Provider Name="P"/><EventID Qualifiers="1">4624</EventID><Execution ProcessID="1"/></System><EventData><Data Name="a">b</Data><Data>c</Data><Binary/></EventData><UserData><X><Y>z</Y></X></UserData><RenderingInfo><Message>m</Message></RenderingInfo></Event>`))
	f.Add([]byte(`<?xml version="1.0"?><Events><Event><System/></Event><Event/></Events>` + "\n<Event>\x01</Event>"))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkEnvelopeRecords(t, in)
	})
}

// checkEnvelopeRecords reads in through Envelopes and checks that every JSON record is valid
// JSON with its Size.
func checkEnvelopeRecords(t *testing.T, in []byte) {
	e := NewEnvelopes(NewReader(bytes.NewReader(in), Options{MaxRecordBytes: 1 << 12, KeepBytes: 64}))
	for {
		rec, err := e.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.JSON && !json.Valid(rec.Data) {
			t.Fatalf("invalid JSON record %q", rec.Data)
		}
		if rec.Size != int64(len(rec.Data)) && !rec.TooLong {
			t.Fatalf("record %q: Size %d", rec.Data, rec.Size)
		}
	}
}
