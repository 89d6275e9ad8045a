package logtypes

import (
	"bytes"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// OSSEC alerts.json: JSON lines decoded with the schema. OSSEC 3.x writes the decoder twice at
// the top level of an alert, first its name ("decoder":"sshd") and later an object with its
// details ("decoder":{"name":"sshd","parent":"sshd"}); older versions name the object
// decoder_desc. A JSON decoder keeps the last of two equal keys, which would replace the name
// by the object, so the parser renames an object-valued top-level decoder key to decoder_desc
// before decoding.
// https://github.com/ossec/ossec-hids/blob/master/src/analysisd/format/to_json.c

func init() {
	natives["OSSEC.EventInfo"] = newOSSECParser
	jsonNatives["OSSEC.EventInfo"] = true
}

func newOSSECParser(lt *logschema.LogType) (func() Parser, error) {
	root := lt.Root
	return func() Parser { return &ossecParser{root: root} }, nil
}

// ossecParser parses the records of one alerts.json file.
type ossecParser struct {
	root *logschema.Type
	buf  []byte
}

func (p *ossecParser) Parse(d *decode.Decoder, rec *input.Record) (event.Value, bool, error) {
	if !rec.JSON {
		return event.Value{}, false, errNotJSON
	}
	data := rec.Data
	if at := ossecDecoderObjectKey(data); at >= 0 {
		p.buf = append(p.buf[:0], data[:at]...)
		p.buf = append(p.buf, `"decoder_desc"`...)
		p.buf = append(p.buf, data[at+len(`"decoder"`):]...)
		data = p.buf
	}
	v, err := d.JSON(p.root, data)
	if err != nil {
		return event.Value{}, false, err
	}
	return v, true, nil
}

// ossecDecoderObjectKey returns the offset of the top-level key "decoder" whose value is an
// object in the JSON object data, or -1. data is valid JSON (the framing checked it).
func ossecDecoderObjectKey(data []byte) int {
	const key = `"decoder"`
	if !bytes.Contains(data, []byte(key)) {
		return -1
	}
	depth := 0
	expectKey := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{':
			depth++
			expectKey = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			expectKey = depth == 1
		case '"':
			end := skipJSONString(data, i)
			if depth == 1 && expectKey && string(data[i:end]) == key {
				j := end
				for j < len(data) && (isJSONSpace(data[j]) || data[j] == ':') {
					j++
				}
				if j < len(data) && data[j] == '{' {
					return i
				}
			}
			expectKey = false
			i = end - 1
		}
	}
	return -1
}

// skipJSONString returns the offset just after the JSON string that starts at data[i].
func skipJSONString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
