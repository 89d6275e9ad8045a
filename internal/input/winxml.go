package input

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Windows renders an event as XML (the Event schema): what `wevtutil qe <log> /f:xml` prints
// (events one after another), what Event Viewer's "Save as XML" writes (<Events><Event>...),
// and what PowerShell's Get-WinEvent | ForEach-Object { $_.ToXml() } gives, one per line:
//
//	<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
//	<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-...}"/>
//	<EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task>
//	<Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>
//	<TimeCreated SystemTime="2024-05-14T09:12:33.4517523Z"/><EventRecordID>1048576</EventRecordID>
//	<Correlation ActivityID="{...}"/><Execution ProcessID="788" ThreadID="4120"/>
//	<Channel>Security</Channel><Computer>DC01.corp.example.com</Computer><Security/></System>
//	<EventData><Data Name="SubjectUserSid">S-1-5-18</Data>...</EventData></Event>
//
// Envelopes reads each Event element of such a text record as a JSON record in the shape the
// Windows.EventLogs and Windows.Sysmon schemas read (the shape event forwarders write): the
// System element's children at the top level (attributes of Provider, Correlation, Execution
// and Security as objects, TimeCreated's SystemTime as TimeCreated, EventID's Qualifiers as
// Qualifiers), EventData as an object of Data Name to value (unnamed Data elements as a
// "Data" list, Binary as Binary), UserData's element as an object of its children's text, and
// RenderingInfo's Message as Message. A record that is not well-formed XML, or holds no
// Event element, stays a text record.
// https://learn.microsoft.com/en-us/windows/win32/wes/eventschema-schema
type winXMLEvent struct {
	System struct {
		Provider *struct {
			Name            string `xml:"Name,attr"`
			Guid            string `xml:"Guid,attr"`
			EventSourceName string `xml:"EventSourceName,attr"`
		}
		EventID struct {
			Value      string `xml:",chardata"`
			Qualifiers string `xml:"Qualifiers,attr"`
		}
		Version, Level, Task, Opcode, Keywords, EventRecordID, Channel, Computer string
		TimeCreated                                                              struct {
			SystemTime string `xml:"SystemTime,attr"`
		}
		Correlation *struct {
			ActivityID        string `xml:"ActivityID,attr"`
			RelatedActivityID string `xml:"RelatedActivityID,attr"`
		}
		Execution *struct {
			ProcessID string `xml:"ProcessID,attr"`
			ThreadID  string `xml:"ThreadID,attr"`
		}
		Security *struct {
			UserID string `xml:"UserID,attr"`
		}
	}
	EventData *struct {
		Data []struct {
			Name  string `xml:"Name,attr"`
			Value string `xml:",chardata"`
		}
		Binary *string
	}
	UserData *struct {
		Inner []winXMLElement `xml:",any"`
	}
	RenderingInfo *struct {
		Message string
	}
}

// winXMLElement is an element of UserData: its name and its children's text.
type winXMLElement struct {
	XMLName  xml.Name
	Children []struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:",any"`
}

// maybeWinXML is the cheap test of a text record: the start of an event's XML.
func maybeWinXML(data []byte) bool {
	return len(data) > 6 && data[0] == '<' &&
		(bytes.HasPrefix(data, []byte("<Event ")) || bytes.HasPrefix(data, []byte("<Event>")) ||
			bytes.HasPrefix(data, []byte("<Events")) || bytes.HasPrefix(data, []byte("<?xml")))
}

// unwrapWinXML queues the JSON records of the Event elements of rec and reports whether it
// held any.
func (e *Envelopes) unwrapWinXML(rec Record) bool {
	d := xml.NewDecoder(bytes.NewReader(rec.Data))
	d.Strict = true
	var out []Record
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return false
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Events":
			continue
		case "Event":
		default:
			return false
		}
		var ev winXMLEvent
		if err := d.DecodeElement(&ev, &se); err != nil {
			return false
		}
		data := ev.appendJSON(nil)
		out = append(out, Record{Data: data, Line: rec.Line, Offset: rec.Offset, Size: int64(len(data)), JSON: true})
	}
	if len(out) == 0 {
		return false
	}
	e.pending = append(e.pending[:0], out...)
	return true
}

// appendJSON appends the event's JSON object.
func (ev *winXMLEvent) appendJSON(b []byte) []byte {
	s := &ev.System
	w := jsonObject{b: append(b, '{')}
	w.number("EventID", s.EventID.Value)
	w.number("Qualifiers", s.EventID.Qualifiers)
	w.number("Version", s.Version)
	w.number("Level", s.Level)
	w.number("Task", s.Task)
	w.number("Opcode", s.Opcode)
	w.str("Keywords", s.Keywords)
	w.str("TimeCreated", s.TimeCreated.SystemTime)
	w.number("EventRecordID", s.EventRecordID)
	if c := s.Correlation; c != nil {
		w.open("Correlation")
		w.str("ActivityID", c.ActivityID)
		w.str("RelatedActivityID", c.RelatedActivityID)
		w.close()
	}
	if x := s.Execution; x != nil {
		w.open("Execution")
		w.number("ProcessID", x.ProcessID)
		w.number("ThreadID", x.ThreadID)
		w.close()
	}
	w.str("Channel", s.Channel)
	w.str("Computer", s.Computer)
	if sec := s.Security; sec != nil {
		w.open("Security")
		w.str("UserID", sec.UserID)
		w.close()
	}
	if p := s.Provider; p != nil {
		w.open("Provider")
		w.str("Name", p.Name)
		w.str("Guid", p.Guid)
		w.str("EventSourceName", p.EventSourceName)
		w.close()
	}
	if ed := ev.EventData; ed != nil {
		w.open("EventData")
		var unnamed []string
		for _, d := range ed.Data {
			if d.Name == "" {
				unnamed = append(unnamed, d.Value)
				continue
			}
			w.key(d.Name)
			w.b = appendJSONString(w.b, d.Value)
		}
		if len(unnamed) > 0 {
			w.key("Data")
			w.b = append(w.b, '[')
			for i, v := range unnamed {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.b = appendJSONString(w.b, v)
			}
			w.b = append(w.b, ']')
		}
		if ed.Binary != nil {
			w.key("Binary")
			w.b = appendJSONString(w.b, *ed.Binary)
		}
		w.close()
	}
	if ud := ev.UserData; ud != nil {
		w.open("UserData")
		for _, el := range ud.Inner {
			w.open(el.XMLName.Local)
			for _, c := range el.Children {
				w.key(c.XMLName.Local)
				w.b = appendJSONString(w.b, c.Value)
			}
			w.close()
		}
		w.close()
	}
	if ri := ev.RenderingInfo; ri != nil {
		w.str("Message", strings.TrimSpace(ri.Message))
	}
	w.b = append(w.b, '}')
	return w.b
}

// jsonObject writes the members of nested JSON objects; n counts the members of each open
// object.
type jsonObject struct {
	b []byte
	n []int
}

func (w *jsonObject) key(k string) {
	if len(w.n) == 0 {
		w.n = append(w.n, 0)
	}
	if w.n[len(w.n)-1] > 0 {
		w.b = append(w.b, ',')
	}
	w.n[len(w.n)-1]++
	w.b = appendJSONString(w.b, k)
	w.b = append(w.b, ':')
}

// str writes a string member unless v is empty.
func (w *jsonObject) str(k, v string) {
	if v != "" {
		w.key(k)
		w.b = appendJSONString(w.b, v)
	}
}

// number writes a member unless v is empty: a JSON number when v is one, else a string (for
// the schema's decoder to say what failed).
func (w *jsonObject) number(k, v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	w.key(k)
	if isJSONNumber(v) {
		w.b = append(w.b, v...)
	} else {
		w.b = appendJSONString(w.b, v)
	}
}

func (w *jsonObject) open(k string) {
	w.key(k)
	w.b = append(w.b, '{')
	w.n = append(w.n, 0)
}

func (w *jsonObject) close() {
	w.b = append(w.b, '}')
	w.n = w.n[:len(w.n)-1]
}
