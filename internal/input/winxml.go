package input

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
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
// RenderingInfo's Message as Message and its Level, Task, Opcode and Keywords names as
// RenderingInfo. Events may span lines (pretty-printed) and come several on a line; see
// winXMLHold. Lines that are not well-formed XML, or hold no Event element, stay text
// records, with a Note saying what was wrong.
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
		Message, Level, Task, Opcode string
		Keywords                     []string `xml:"Keywords>Keyword"`
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

// maybeWinXML is the cheap test of a text record: the start of an event's XML, or the
// "Record N" line evtx_dump prints before each event.
func maybeWinXML(data []byte) bool {
	if len(data) > 6 && data[0] == 'R' {
		return evtxRecordLine(data) == len(data)
	}
	return len(data) > 6 && data[0] == '<' &&
		(bytes.HasPrefix(data, []byte("<Event ")) || bytes.HasPrefix(data, []byte("<Event>")) ||
			bytes.HasPrefix(data, []byte("<Events")) || bytes.HasPrefix(data, []byte("<?xml")))
}

// evtxRecordLine returns the length of the "Record N" line at the start of b (up to its line
// end, without it), the header evtx_dump (github.com/omerbenamram/evtx) writes before each
// event it dumps as XML, or -1.
func evtxRecordLine(b []byte) int {
	const p = "Record "
	if len(b) <= len(p) || string(b[:len(p)]) != p {
		return -1
	}
	i := len(p)
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == len(p) || i-len(p) > 20 {
		return -1
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	if i < len(b) && b[i] != '\n' {
		return -1
	}
	return i
}

// Limits of the XML of one event gathered over lines; past them the lines are read as text.
const (
	maxWinXMLLines = 4096
	maxWinXMLBytes = 4 << 20
)

// winXMLHold gathers the lines of Windows events' XML that spans lines: an event
// pretty-printed over lines (Event Viewer's XML view, Format-Xml, EVTX dumpers), and the
// <?xml ...?> and <Events> lines before the events of a saved document. Held lines are
// dropped once the events after them are read; lines that turn out not to be an event's XML
// are returned as text records, each with a Note saying what was wrong.
type winXMLHold struct {
	buf     []byte // the held text: lines joined by "\n", with their indentation
	lines   []heldLine
	doc     bool // the held text follows an <Events> start tag not yet closed
	inEvent bool // the held text holds the start of an event not yet closed
}

// heldLine is one line of winXMLHold.buf: its Data is buf[start:end].
type heldLine struct {
	line       int
	offset     int64
	start, end int
}

func (h *winXMLHold) held() bool { return len(h.lines) > 0 }

// winXML takes a text record that starts Windows event XML, or any record while lines are
// held, and reports whether it took it; it queues the events it completes.
func (e *Envelopes) winXML(rec Record) bool {
	h := &e.wx
	if h.held() && (rec.TooLong || !h.inEvent && (len(rec.Data) == 0 || rec.Data[0] != '<' && evtxRecordLine(rec.Data) < 0)) {
		// Between events only markup (or evtx_dump's "Record N" lines) may come: the held
		// lines were not the start of events.
		h.release(e, "no <Event> element follows")
		cp := rec
		cp.Data = append([]byte(nil), rec.Data...)
		cp.Indent = append([]byte(nil), rec.Indent...)
		e.redo = &cp
		return true
	}
	if rec.TooLong {
		return false
	}
	if h.held() {
		// One "\n" a line: the empty lines the reader skipped are kept (in a Message).
		for n := max(rec.Line-h.lines[len(h.lines)-1].line, 1); n > 0; n-- {
			h.buf = append(h.buf, '\n')
		}
		h.buf = append(h.buf, rec.Indent...)
	}
	start := len(h.buf)
	h.buf = append(h.buf, rec.Data...)
	h.lines = append(h.lines, heldLine{line: rec.Line, offset: rec.Offset, start: start, end: len(h.buf)})
	if !h.inEvent || bytes.Contains(rec.Data, []byte("</Event>")) {
		e.scanWinXML()
	}
	if h.held() && (len(h.lines) > maxWinXMLLines || len(h.buf) > maxWinXMLBytes) {
		h.release(e, fmt.Sprintf("no closing </Event> tag within %d lines or %d bytes", maxWinXMLLines, maxWinXMLBytes))
	}
	return true
}

// scanWinXML reads the held text from its start: it queues the events it holds complete and
// drops the text before them; an event not closed yet stays held; text that is not an
// event's XML is released as text records.
func (e *Envelopes) scanWinXML() {
	h := &e.wx
	b := h.buf
	pos, commit := 0, 0
	doc, docAtCommit := h.doc, h.doc
	h.inEvent = false
	fail := ""
scan:
	for {
		for pos < len(b) && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == '\n' || b[pos] == '\r') {
			pos++
		}
		rest := b[pos:]
		switch {
		case len(rest) == 0:
			break scan
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest, []byte("?>"))
			if end < 0 {
				break scan
			}
			pos += end + 2
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("-->"))
			if end < 0 {
				break scan
			}
			pos += 4 + end + 3
		case rest[0] == 'R' && !doc && evtxRecordLine(rest) > 0:
			pos += evtxRecordLine(rest)
		case isXMLTag(rest, "Events"):
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				break scan
			}
			if doc {
				fail = "an <Events> element inside another"
				break scan
			}
			doc = true
			pos += end + 1
		case bytes.HasPrefix(rest, []byte("</Events>")):
			if !doc {
				fail = "a closing </Events> tag without its <Events> start tag"
				break scan
			}
			doc = false
			pos += len("</Events>")
			commit, docAtCommit = pos, doc
		case isXMLTag(rest, "Event"):
			h.inEvent = true
			end := bytes.Index(rest, []byte("</Event>"))
			if end < 0 {
				break scan
			}
			span := rest[:end+len("</Event>")]
			if next := nextEventTag(span[1:]); next >= 0 {
				// Another event starts before this one closes: this one was cut. Its lines
				// are text, and the scan goes on with the next.
				h.trim(commit)
				h.doc = docAtCommit
				h.releaseTo(e, pos-commit+1+next, "the event is cut: another <Event> starts before its closing </Event> tag")
				e.scanWinXML()
				return
			}
			data, err := decodeWinXMLEvent(span)
			line, off := h.at(pos)
			if err != nil {
				var se *xml.SyntaxError
				if errors.As(err, &se) {
					// The decoder counts the lines of the event from 1.
					err = fmt.Errorf("XML syntax error at line %d: %s", line+se.Line-1, se.Msg)
				}
				fail = "the event is not well-formed XML: " + err.Error()
				break scan
			}
			e.pending = append(e.pending, Record{Data: data, Line: line, Offset: off, Size: int64(len(data)), JSON: true})
			pos += len(span)
			commit, docAtCommit = pos, doc
			h.inEvent = false
		default:
			fail = "expected an <Event> element"
			break scan
		}
	}
	h.trim(commit)
	h.doc = docAtCommit
	if fail != "" {
		h.release(e, fail)
		return
	}
	if !h.held() {
		h.doc = doc
	}
}

// isXMLTag reports whether b starts with the start tag of the element name.
func isXMLTag(b []byte, name string) bool {
	if len(b) < len(name)+2 || b[0] != '<' || string(b[1:1+len(name)]) != name {
		return false
	}
	switch b[1+len(name)] {
	case ' ', '>', '\t', '\n', '\r', '/':
		return true
	}
	return false
}

// at returns the line and stream offset of the byte pos of the held text.
func (h *winXMLHold) at(pos int) (int, int64) {
	l := h.lines[0]
	for _, hl := range h.lines[1:] {
		if hl.start > pos {
			break
		}
		l = hl
	}
	return l.line, l.offset + int64(max(pos-l.start, 0))
}

// trim drops the held text before the byte n.
func (h *winXMLHold) trim(n int) {
	if n == 0 {
		return
	}
	i := 0
	for i < len(h.lines) && h.lines[i].end <= n {
		i++
	}
	h.lines = append(h.lines[:0], h.lines[i:]...)
	if len(h.lines) == 0 {
		h.buf = h.buf[:0]
		return
	}
	if l := &h.lines[0]; l.start < n {
		l.offset += int64(n - l.start)
		l.start = n
	}
	for i := range h.lines {
		h.lines[i].start -= n
		h.lines[i].end -= n
	}
	h.buf = h.buf[:copy(h.buf, h.buf[n:])]
}

// nextEventTag returns the index of the first Event start tag in b, or -1.
func nextEventTag(b []byte) int {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte("<Event"))
		if j < 0 {
			return -1
		}
		if isXMLTag(b[i+j:], "Event") {
			return i + j
		}
		i += j + 1
	}
}

// release queues the held lines as text records with a Note saying why they are not events,
// and empties the hold.
func (h *winXMLHold) release(e *Envelopes, why string) {
	h.releaseTo(e, len(h.buf), why)
	h.inEvent = false
}

// releaseTo queues the held text before the byte n as text records, a line each, with a Note
// saying why they are not events, and drops it from the hold.
func (h *winXMLHold) releaseTo(e *Envelopes, n int, why string) {
	first := h.lines[0].line
	for _, l := range h.lines {
		if l.start >= n {
			break
		}
		data := bytes.TrimRight(h.buf[l.start:min(l.end, n)], " \t\r\n")
		if len(data) == 0 {
			continue
		}
		data = append([]byte(nil), data...)
		note := fmt.Sprintf("line %d: Windows event XML (from line %d): %s", l.line, first, why)
		if e.Name != "" {
			note = e.Name + " " + note
		}
		e.pending = append(e.pending, Record{Data: data, Line: l.line, Offset: l.offset, Size: int64(len(data)), Note: note})
	}
	h.trim(n)
}

// decodeWinXMLEvent returns the JSON record of the XML of one Event element.
func decodeWinXMLEvent(span []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(span))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var ev winXMLEvent
		if err := d.DecodeElement(&ev, &se); err != nil {
			return nil, err
		}
		if _, err := d.Token(); !errors.Is(err, io.EOF) {
			return nil, errors.New("content after the </Event> tag")
		}
		return ev.appendJSON(nil), nil
	}
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
		w.strings("Data", unnamed)
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
		writeRenderingInfo(&w, ri.Level, ri.Task, ri.Opcode, ri.Keywords)
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

// strings writes a list of strings unless it is empty.
func (w *jsonObject) strings(k string, list []string) {
	if len(list) == 0 {
		return
	}
	w.key(k)
	w.b = append(w.b, '[')
	for i, v := range list {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendJSONString(w.b, v)
	}
	w.b = append(w.b, ']')
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
