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
// An Envelopes source keeps the messages of one envelope in memory; the envelope itself is one
// record of the source, bounded by its Options.MaxRecordBytes.
type Envelopes struct {
	src     RecordSource
	pending []Record
	env     cwlEnvelope
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
		rec, err := e.src.Next()
		if err != nil || !rec.JSON || !maybeCWLEnvelope(rec.Data) {
			return rec, err
		}
		if !e.unwrap(rec) {
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
