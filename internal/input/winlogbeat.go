package input

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Winlogbeat and Elastic Agent ship Windows events as ECS documents: the event log's fields
// under winlog (Winlogbeat 7 and later, Elastic Agent), or at the top level (Winlogbeat 5 and 6),
// beside the ECS fields the shipper adds (agent, ecs, host, event.code, event.kind, log.level):
//
//	{"@timestamp":"2024-10-15T12:00:01.451Z","event":{"code":"4624","kind":"event",...},
//	 "host":{"name":"dc01.corp.example.com"},"log":{"level":"information"},"message":"An account was ...",
//	 "winlog":{"channel":"Security","computer_name":"DC01.corp.example.com","event_id":"4624",
//	  "provider_name":"Microsoft-Windows-Security-Auditing","provider_guid":"{5484...}","record_id":2048576,
//	  "process":{"pid":788,"thread":{"id":4120}},"task":"Logon","opcode":"Info","keywords":["Audit Success"],
//	  "event_data":{"TargetUserName":"alice","LogonType":"10",...},"user":{"identifier":"S-1-5-18",...}}}
//
// Envelopes reads such a document as the JSON record of the Windows.EventLogs and
// Windows.Sysmon schemas (the shape Windows events are read in from XML, see winXMLEvent):
// event_id as EventID, channel (log_name) as Channel, computer_name as Computer, time_created
// (else @timestamp) as TimeCreated, record_id (record_number) as EventRecordID, provider_name
// (source_name) and provider_guid as Provider, process.pid and process.thread.id (process_id,
// thread_id) as Execution, activity_id and related_activity_id as Correlation, user.identifier
// as Security.UserID, version as Version, event_data and user_data as EventData and UserData,
// message as Message, and the names Winlogbeat renders the level (log.level, level), task,
// opcode and keywords with as RenderingInfo's. The shipper's own fields (agent, ecs, host,
// event.*, the user's name and domain Winlogbeat looks up) are dropped. A document whose
// event_id is not a number, or that lacks event_id, channel or computer_name, is returned as
// it is.
// https://www.elastic.co/guide/en/beats/winlogbeat/current/exported-fields-winlog.html
type winlogbeatDoc struct {
	Timestamp string `json:"@timestamp"`
	Message   string `json:"message"`
	Log       *struct {
		Level string `json:"level"`
	} `json:"log"`
	Winlog *winlogFields `json:"winlog"`
	winlogFields
}

// winlogFields are the event log's fields, under winlog or (Winlogbeat 5 and 6) at the top level.
type winlogFields struct {
	EventID           json.RawMessage `json:"event_id"`
	Channel           string          `json:"channel"`
	LogName           string          `json:"log_name"`
	ComputerName      string          `json:"computer_name"`
	TimeCreated       string          `json:"time_created"`
	RecordID          json.RawMessage `json:"record_id"`
	RecordNumber      json.RawMessage `json:"record_number"`
	ProviderName      string          `json:"provider_name"`
	SourceName        string          `json:"source_name"`
	ProviderGUID      string          `json:"provider_guid"`
	ActivityID        string          `json:"activity_id"`
	RelatedActivityID string          `json:"related_activity_id"`
	Version           json.RawMessage `json:"version"`
	Level             string          `json:"level"`
	Task              string          `json:"task"`
	Opcode            string          `json:"opcode"`
	Keywords          []string        `json:"keywords"`
	ProcessID         json.RawMessage `json:"process_id"`
	ThreadID          json.RawMessage `json:"thread_id"`
	Process           *struct {
		PID    json.RawMessage `json:"pid"`
		Thread *struct {
			ID json.RawMessage `json:"id"`
		} `json:"thread"`
	} `json:"process"`
	User *struct {
		Identifier string `json:"identifier"`
	} `json:"user"`
	EventData json.RawMessage `json:"event_data"`
	UserData  json.RawMessage `json:"user_data"`
}

// maybeWinlogbeat is the cheap test of a JSON record: an object that begins as a Beats
// document does (@timestamp or, keys sorted, @metadata first) and names the event log's fields.
func maybeWinlogbeat(data []byte) bool {
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	key, _, ok := firstKey(data[1:])
	if !ok || len(key) < 2 || key[0] != '@' || string(key) != "@timestamp" && string(key) != "@metadata" {
		return false
	}
	return bytes.Contains(data, []byte(`"winlog"`)) ||
		bytes.Contains(data, []byte(`"log_name"`)) && bytes.Contains(data, []byte(`"event_id"`))
}

// unwrapWinlogbeat queues the Windows event record of the Winlogbeat document rec and reports
// whether it is one.
func (e *Envelopes) unwrapWinlogbeat(rec Record) bool {
	var doc winlogbeatDoc
	if err := json.Unmarshal(rec.Data, &doc); err != nil {
		return false
	}
	f := &doc.winlogFields
	if doc.Winlog != nil {
		f = doc.Winlog
	}
	channel := first(f.Channel, f.LogName)
	id := rawNumber(f.EventID)
	if id == "" || channel == "" || f.ComputerName == "" {
		return false
	}
	w := jsonObject{b: append(make([]byte, 0, len(rec.Data)), '{')}
	w.number("EventID", id)
	w.number("Version", rawNumber(f.Version))
	w.str("TimeCreated", first(f.TimeCreated, doc.Timestamp))
	w.number("EventRecordID", first(rawNumber(f.RecordID), rawNumber(f.RecordNumber)))
	if f.ActivityID != "" || f.RelatedActivityID != "" {
		w.open("Correlation")
		w.str("ActivityID", f.ActivityID)
		w.str("RelatedActivityID", f.RelatedActivityID)
		w.close()
	}
	pid, tid := rawNumber(f.ProcessID), rawNumber(f.ThreadID)
	if p := f.Process; p != nil {
		pid = rawNumber(p.PID)
		if p.Thread != nil {
			tid = rawNumber(p.Thread.ID)
		}
	}
	if pid != "" || tid != "" {
		w.open("Execution")
		w.number("ProcessID", pid)
		w.number("ThreadID", tid)
		w.close()
	}
	w.str("Channel", channel)
	w.str("Computer", f.ComputerName)
	if f.User != nil && f.User.Identifier != "" {
		w.open("Security")
		w.str("UserID", f.User.Identifier)
		w.close()
	}
	if name := first(f.ProviderName, f.SourceName); name != "" || f.ProviderGUID != "" {
		w.open("Provider")
		w.str("Name", name)
		w.str("Guid", f.ProviderGUID)
		w.close()
	}
	if isJSONObject(f.EventData) {
		w.key("EventData")
		w.b = append(w.b, bytes.TrimSpace(f.EventData)...)
	}
	if isJSONObject(f.UserData) {
		w.key("UserData")
		w.b = append(w.b, bytes.TrimSpace(f.UserData)...)
	}
	w.str("Message", strings.TrimSpace(doc.Message))
	level := f.Level
	if doc.Log != nil && doc.Log.Level != "" {
		level = doc.Log.Level
	}
	writeRenderingInfo(&w, level, f.Task, f.Opcode, f.Keywords)
	w.b = append(w.b, '}')
	e.pending = append(e.pending[:0], Record{Data: w.b, Line: rec.Line, Offset: rec.Offset, Size: int64(len(w.b)), JSON: true})
	return true
}

// writeRenderingInfo writes the names an event's level, task, opcode and keywords are rendered
// with, if any.
func writeRenderingInfo(w *jsonObject, level, task, opcode string, keywords []string) {
	if level == "" && task == "" && opcode == "" && len(keywords) == 0 {
		return
	}
	w.open("RenderingInfo")
	w.str("Level", level)
	w.str("Task", task)
	w.str("Opcode", opcode)
	w.strings("Keywords", keywords)
	w.close()
}

// rawNumber returns the number a JSON value holds, as a number or a string of digits ("4624"),
// or "".
func rawNumber(raw json.RawMessage) string {
	v := bytes.TrimSpace(raw)
	if len(v) >= 2 && v[0] == '"' {
		v = v[1 : len(v)-1]
	}
	if !isJSONNumber(string(v)) {
		return ""
	}
	return string(v)
}

func isJSONObject(raw json.RawMessage) bool {
	v := bytes.TrimSpace(raw)
	return len(v) > 0 && v[0] == '{'
}

// first returns the first of its arguments that is not empty.
func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
