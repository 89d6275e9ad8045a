package input

import (
	"bytes"
	"encoding/json"
)

// RecordSource is a source of records, such as a *Reader.
type RecordSource interface {
	Next() (Record, error)
	BytesRead() int64
}

// Envelopes unwraps the records of a source that are envelopes of other records held as
// strings, and returns every other record as it is. The envelope it knows is the data message
// of a CloudWatch Logs subscription, what a subscription filter sends to Kinesis Data Streams,
// Amazon Data Firehose or Lambda, and what Firehose writes to S3 unless it is told to extract
// the messages:
//
//	{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/eks/prod/cluster",
//	 "logStream":"kube-apiserver-audit-...","subscriptionFilters":["to-s3"],
//	 "logEvents":[{"id":"3703...","timestamp":1733814005000,"message":"{\"kind\":\"Event\",...}"},...]}
//
// Each log event's message becomes a record: JSON when it is one valid JSON object or array
// (CloudTrail, EKS audit, Route 53 Resolver query logs), text otherwise (VPC Flow Logs, Lambda
// and application lines). Its Line and Offset are those of the envelope, its Size that of the
// message. The envelope's other members (owner, log group and stream, filters, ids and
// timestamps of the log events) are dropped, like the wrapper of a Records array. A
// CONTROL_MESSAGE (what CloudWatch Logs sends to check that the destination is reachable)
// holds no log events and yields no record. A record that only looks like an envelope (another
// messageType, a log event without a string message) is returned as it is.
//
// The other envelope is a page of a vendor's API saved to a file: an object whose members are
// one list of records and the page's own members (a cursor, has_more, paging links, counts),
// such as 1Password's Events API ({"cursor":"...","has_more":false,"items":[...]}), Slack's
// audit and access logs ({"entries":[...],"response_metadata":{...}}, {"ok":true,"logins":[...],
// "paging":{...}}), Box's events ({"chunk_size":2,"next_stream_position":"...","entries":[...]}),
// Google's Reports API ({"kind":"admin#reports#activities","items":[...],"nextPageToken":"..."}),
// Dropbox's team log, Zoom's, Zendesk's, Tines', Asana's, OneLogin's and JSON:API-style pages
// ({"data":[...],"links":{...}}), and Duo's ({"stat":"OK","response":[...]}, or one more level,
// {"stat":"OK","response":{"authlogs":[...],"metadata":{...}}}). Each element of the list
// becomes a JSON record (every element must be an object); an empty page yields none. An object with any member outside
// the page vocabulary (pageMembers), or without one of the members only a page has, is a record
// of its own.
//
// Envelopes also reads Windows events rendered as XML as JSON records (see winXMLEvent), and
// Zeek's ASCII (tab-separated) logs as the JSON records Zeek writes with
// use_json; see zeekHeader.
//
// An Envelopes source keeps the messages of one envelope in memory; the envelope itself is one
// record of the source, bounded by its Options.MaxRecordBytes.
type Envelopes struct {
	// Name names the stream (a file name, an object key) in the Notes of the records it
	// could not read; it may be empty.
	Name string

	src     RecordSource
	pending []Record
	env     cwlEnvelope
	zk      *zeekHeader // the header of a Zeek ASCII log being read, or nil
	wx      winXMLHold  // the lines of a Windows event's XML being gathered
	err     error       // the source's error, returned once the held lines are
	redo    *Record     // a record to read again after the held lines released before it
}

// NewEnvelopes returns a source that unwraps the envelopes of src.
func NewEnvelopes(src RecordSource) *Envelopes { return &Envelopes{src: src} }

// BytesRead returns the bytes of the stream src has framed so far.
func (e *Envelopes) BytesRead() int64 { return e.src.BytesRead() }

// Next returns the next record: the next message of the current envelope, else the next
// record of the source, unwrapped if it is an envelope. It returns the source's error (io.EOF
// at the end) once the messages before it are returned.
func (e *Envelopes) Next() (Record, error) {
	for {
		if len(e.pending) > 0 {
			rec := e.pending[0]
			e.pending = e.pending[1:]
			return rec, nil
		}
		if e.err != nil {
			return Record{}, e.err
		}
		var rec Record
		var err error
		if e.redo != nil {
			rec, e.redo = *e.redo, nil
		} else {
			rec, err = e.src.Next()
		}
		if err != nil {
			if e.wx.held() {
				e.err = err
				e.wx.release(e, "the stream ends before the event's closing </Event> tag")
				continue
			}
			return rec, err
		}
		if e.wx.held() || !rec.JSON && (maybeWinXML(rec.Data) || e.wx.doc && bytes.HasPrefix(rec.Data, []byte("</Events>"))) {
			if e.winXML(rec) {
				continue
			}
		}
		if !rec.JSON {
			if rec.TooLong || len(rec.Data) == 0 {
				return rec, nil
			}
			if e.zk == nil && rec.Data[0] != '#' {
				return rec, nil
			}
			out, consumed, _ := e.zeek(rec)
			if consumed {
				continue
			}
			return out, nil
		}
		if maybeWinlogbeat(rec.Data) {
			if e.unwrapWinlogbeat(rec) {
				continue
			}
			return rec, nil
		}
		switch {
		case maybeCWLEnvelope(rec.Data):
			if !e.unwrap(rec) {
				return rec, nil
			}
		case maybePage(rec.Data):
			if !e.unwrapPage(rec) {
				return rec, nil
			}
		default:
			return rec, nil
		}
	}
}

type cwlEnvelope struct {
	MessageType string        `json:"messageType"`
	LogGroup    *string       `json:"logGroup"`
	LogEvents   []cwlLogEvent `json:"logEvents"`
}

type cwlLogEvent struct {
	Message *string `json:"message"`
}

// maybeCWLEnvelope is the cheap test of a JSON record: an object with the keys of a
// CloudWatch Logs subscription message.
func maybeCWLEnvelope(data []byte) bool {
	return len(data) > 0 && data[0] == '{' &&
		bytes.Contains(data, []byte(`"messageType"`)) && bytes.Contains(data, []byte(`"logEvents"`))
}

// unwrap queues the messages of the envelope rec and reports whether rec is one.
func (e *Envelopes) unwrap(rec Record) bool {
	e.env = cwlEnvelope{LogEvents: e.env.LogEvents[:0]}
	if err := json.Unmarshal(rec.Data, &e.env); err != nil || e.env.LogGroup == nil {
		return false
	}
	switch e.env.MessageType {
	case "CONTROL_MESSAGE":
		return true
	case "DATA_MESSAGE":
	default:
		return false
	}
	for _, le := range e.env.LogEvents {
		if le.Message == nil {
			return false
		}
	}
	e.pending = e.pending[:0]
	for _, le := range e.env.LogEvents {
		data := bytes.TrimSpace([]byte(*le.Message))
		if len(data) == 0 {
			continue
		}
		e.pending = append(e.pending, Record{
			Data:   data,
			Line:   rec.Line,
			Offset: rec.Offset,
			Size:   int64(len(data)),
			JSON:   (data[0] == '{' || data[0] == '[') && json.Valid(data),
		})
	}
	return true
}

// pageLists are the names vendors' APIs give the list of records of a page: true for the names
// that say what the records are (a page needs no other member that only a page has), false for
// generic ones.
var pageLists = map[string]bool{
	"items": false, "entries": false, "events": false, "data": false, "logs": false,
	"response": false, "results": false,
	"logins": true, "audit_logs": true, "operation_logs": true, "activity_logs": true, "authlogs": true,
}

// pageMembers are the other members of a page: true for those only a page has (a cursor, a
// next-page token or link, a page size), false for those a page may have beside them.
var pageMembers = map[string]bool{
	"cursor": true, "has_more": true, "next_page": true, "previous_page": true,
	"next_page_token": true, "nextPageToken": true, "response_metadata": true, "paging": true,
	"pagination": true, "links": true, "next_stream_position": true, "chunk_size": true,
	"page_size": true, "page_count": true, "page_number": true, "total_records": true,
	"stat": true, "jsonapi": true, "next_offset": true, "total_objects": true,
	"metadata": false, "meta": false, "ok": false, "count": false, "total": false, "kind": false,
	"etag": false, "from": false, "to": false, "status": false,
}

// maybePage is the cheap test of a JSON record: an object whose first member is a list or a
// member of a page (not the "kind" of a Google activity record, which begins with it too).
func maybePage(data []byte) bool {
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	key, rest, ok := firstKey(data[1:])
	if !ok {
		return false
	}
	if string(key) == "kind" {
		return bytes.HasPrefix(bytes.TrimLeft(rest, " \t\r\n:"), []byte(`"admin#reports#activities"`))
	}
	_, member := pageMembers[string(key)] // no allocation: the conversion is in the index
	_, list := pageLists[string(key)]
	return member || list
}

// firstKey returns the first member name of the object whose '{' came before b (a name
// without escapes) and what follows it.
func firstKey(b []byte) ([]byte, []byte, bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 || bytes.IndexByte(b[1:1+end], '\\') >= 0 {
		return nil, nil, false
	}
	return b[1 : 1+end], b[2+end:], true
}

// unwrapPage queues the records of the page rec and reports whether rec is one.
func (e *Envelopes) unwrapPage(rec Record) bool {
	items, ok := pageItems(rec.Data, 0)
	if !ok {
		return false
	}
	e.pending = e.pending[:0]
	for _, it := range items {
		e.pending = append(e.pending, Record{
			Data:   it,
			Line:   rec.Line,
			Offset: rec.Offset,
			Size:   int64(len(it)),
			JSON:   true,
		})
	}
	return true
}

// pageItems returns the records of the page data, or false when data is not a page. depth
// counts the levels of nesting (Duo's response object is one).
func pageItems(data []byte, depth int) ([]json.RawMessage, bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, false
	}
	list, marker := "", false
	for k := range members {
		if specific, ok := pageLists[k]; ok {
			if list != "" {
				return nil, false
			}
			list, marker = k, marker || specific
			continue
		}
		only, ok := pageMembers[k]
		if !ok {
			return nil, false
		}
		marker = marker || only || k == "kind"
	}
	if list == "" || (!marker && depth == 0) {
		return nil, false
	}
	raw := bytes.TrimSpace(members[list])
	if len(raw) > 0 && raw[0] == '{' && depth == 0 {
		return pageItems(raw, depth+1)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	for i, it := range items {
		it = bytes.TrimSpace(it)
		if len(it) == 0 || it[0] != '{' {
			return nil, false
		}
		items[i] = it
	}
	return items, true
}
