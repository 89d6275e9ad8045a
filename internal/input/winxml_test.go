package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

func TestWinXMLMultiLine(t *testing.T) {
	// Event Viewer's XML view, Format-Xml and EVTX dumpers print one element a line, indented.
	pretty := `<?xml version="1.0" encoding="utf-8"?>
<Event ` + winXMLNS + `>
  <System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{5484}" />
    <EventID>4625</EventID>
    <TimeCreated SystemTime="2024-10-15T12:00:01.0000000Z" />
    <Channel>Security</Channel>
    <Computer>DC01</Computer>
  </System>
  <EventData>
    <Data Name="TargetUserName">bob</Data>
  </EventData>
  <RenderingInfo Culture="en-US">
    <Message>An account failed to log on.

Subject:
	Security ID:		S-1-0-0</Message>
    <Level>Information</Level>
    <Task>Logon</Task>
    <Keywords>
      <Keyword>Audit Failure</Keyword>
    </Keywords>
  </RenderingInfo>
</Event>
`
	prettyJSON := `{"EventID":4625,"TimeCreated":"2024-10-15T12:00:01.0000000Z","Channel":"Security","Computer":"DC01","Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{5484}"},` +
		`"EventData":{"TargetUserName":"bob"},"Message":"An account failed to log on.\u000a\u000aSubject:\u000a\u0009Security ID:\u0009\u0009S-1-0-0",` +
		`"RenderingInfo":{"Level":"Information","Task":"Logon","Keywords":["Audit Failure"]}}`
	ev := func(id string) string {
		return `<Event ` + winXMLNS + `><System><EventID>` + id + `</EventID><Channel>System</Channel><Computer>W</Computer></System></Event>`
	}
	evJSON := func(id string) string { return `{"EventID":` + id + `,"Channel":"System","Computer":"W"}` }
	for _, c := range []struct{ name, in, want string }{
		{"pretty-printed", pretty, "2:json:" + prettyJSON},
		{"pretty-printed twice, then a text line", pretty + pretty + "after\n", "2:json:" + prettyJSON + "|26:json:" + prettyJSON + "|49:text:after"},
		{"a saved document, one event a line", "<?xml version=\"1.0\"?>\n<Events>\n" + ev("1") + "\n" + ev("2") + ev("3") + "\n</Events>\n",
			"3:json:" + evJSON("1") + "|4:json:" + evJSON("2") + "|4:json:" + evJSON("3")},
		{"an event split mid-line", "<Events>" + ev("1") + "<Event><System><EventID>2</EventID>\n<Channel>System</Channel><Computer>W</Computer></System></Event></Events>",
			"1:json:" + evJSON("1") + "|1:json:" + evJSON("2")},
		{"a malformed event among good ones", "<Events>\n" + ev("1") + "\n<Event>\n<System><EventID>2</EventID>\n</Event>\n" + ev("3") + "\n</Events>\n",
			"2:json:" + evJSON("1") + "|3:text:<Event>|4:text:<System><EventID>2</EventID>|5:text:</Event>|6:json:" + evJSON("3")},
		{"a prolog followed by text", "<?xml version=\"1.0\"?>\nhello\n", "1:text:<?xml version=\"1.0\"?>|2:text:hello"},
		{"an event never closed", "<Event>\n<System>\nplain text\n", "1:text:<Event>|2:text:<System>|3:text:plain text"},
		{"a log line that starts like an event", "<Event> service started\n", "1:text:<Event> service started"},
		// evtx_dump (github.com/omerbenamram/evtx) writes "Record N" before each event.
		{"evtx_dump output", "Record 1\n" + pretty + "Record 2\n" + pretty + "\nRecord 3 \r\n" + ev("3") + "\n",
			"3:json:" + prettyJSON + "|28:json:" + prettyJSON + "|53:json:" + evJSON("3")},
		{"a Record line followed by text", "Record 1\nRecord 2\nhello\nRecord 12x\n", "1:text:Record 1|2:text:Record 2|3:text:hello|4:text:Record 12x"},
		{"a Record line at the end", ev("1") + "\nRecord 2\n", "1:json:" + evJSON("1") + "|2:text:Record 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unwrapAll(t, c.in)
			if s := strings.Join(got, "|"); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
		})
	}
}

// TestWinXMLNotes checks that the lines that are not an event's XML say why.
func TestWinXMLNotes(t *testing.T) {
	e := NewEnvelopes(NewReader(strings.NewReader("<Events>\n<Event>\n<System><EventID>2</EventID>\n</Event>\n"), Options{}))
	e.Name = "security.xml"
	var notes []string
	for {
		rec, err := e.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		notes = append(notes, rec.Note)
	}
	want := "security.xml line 2: Windows event XML (from line 1): the event is not well-formed XML: XML syntax error at line 4: element <System> closed by </Event>"
	if len(notes) != 4 || notes[1] != want {
		t.Fatalf("notes %q\nwant [1] %q", notes, want)
	}
}

// TestWinXMLLimit checks that an event that never closes is held up to the limit only.
func TestWinXMLLimit(t *testing.T) {
	in := "<Event>\n" + strings.Repeat("<Data>x</Data>\n", maxWinXMLLines+10)
	got := unwrapAll(t, in)
	if len(got) != maxWinXMLLines+11 {
		t.Fatalf("%d records, want %d", len(got), maxWinXMLLines+11)
	}
	for i, r := range got {
		if !strings.Contains(r, ":text:") || !strings.HasPrefix(r, fmt.Sprint(i+1, ":")) {
			t.Fatalf("record %d: %s", i, r)
		}
	}
}
