package logtypes

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
)

const ossecSchemaFile = "schemas/ossec/eventinfo.yml"

func TestOSSECDecoderObjectKey(t *testing.T) {
	tests := []struct {
		data string
		want int
	}{
		{`{"decoder":"sshd","decoder":{"name":"sshd"}}`, 18},
		{`{"decoder" : {"name":"sshd"}}`, 1},
		{`{"decoder":"sshd"}`, -1},
		{`{"rule":{"decoder":{"x":1}},"full_log":"\"decoder\":{"}`, -1},
		{`{"a":["decoder",{"decoder":{}}],"decoder":{}}`, 32},
		{`{"decoder\u0022":{},"x":"\\","decoder":{}}`, 29},
		{`{}`, -1},
		{`{"full_log":"x","decoder":[1]}`, -1},
	}
	for _, tt := range tests {
		if got := ossecDecoderObjectKey([]byte(tt.data)); got != tt.want {
			t.Errorf("ossecDecoderObjectKey(%s) = %d, want %d", tt.data, got, tt.want)
		}
	}
}

func TestOSSECParser(t *testing.T) {
	lt := embeddedTypeForTest(t, ossecSchemaFile)
	if !lt.JSON {
		t.Fatal("OSSEC.EventInfo is not marked as a JSON type")
	}
	tests := []struct {
		data, want, wantErr string
		json                bool
	}{
		{data: `{"rule":{"level":10,"comment":"c","sidid":5720},"id":"1.2","TimeStamp":1709648530000,"location":"l","decoder":"sshd","decoder":{"name":"sshd","parent":"sshd","fts":1}}`,
			want: `"decoder":"sshd","decoder_desc":{"name":"sshd","parent":"sshd","fts":1}`, json: true},
		{data: `{"rule":{"sidid":1},"id":"1.2","TimeStamp":1709648530000,"location":"l","decoder_desc":{"name":"old"}}`,
			want: `"decoder_desc":{"name":"old"}`, json: true},
		{data: `{"rule":{"sidid":1},"id":"1.2","location":"l"}`, wantErr: "field TimeStamp: required field is missing", json: true},
		{data: `1510376401.0 rule 1005`, wantErr: errNotJSON.Error()},
	}
	for _, tt := range tests {
		got, ok, err := parseForTest(lt, lt.NewParser(), tt.data, tt.json)
		if tt.wantErr != "" {
			if ok || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%s) = ok %v, error %v; want an error containing %q", tt.data, ok, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !ok || !strings.Contains(got, tt.want) {
			t.Errorf("Parse(%s) = %s, ok %v, error %v; want %s", tt.data, got, ok, err, tt.want)
		}
	}
}

// topDecoderIsObject is the oracle of ossecDecoderObjectKey: whether the JSON object data has
// a top-level key "decoder" whose value is an object, found with encoding/json.
func topDecoderIsObject(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return false
		}
		if tok == "decoder" && len(raw) > 0 && raw[0] == '{' {
			return true
		}
	}
	return false
}

func FuzzOSSECDecoderObjectKey(f *testing.F) {
	f.Add([]byte(`{"decoder":"sshd","decoder":{"name":"sshd"}}`))
	f.Add([]byte(`{"rule":{"decoder":{}},"decoder":"x"}`))
	f.Add([]byte(`{"a":"\"decoder\":{","decoder" :{}}`))
	f.Add([]byte(`{"decod\u0065r":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) || len(bytes.TrimSpace(data)) == 0 || bytes.TrimSpace(data)[0] != '{' {
			return
		}
		at := ossecDecoderObjectKey(data)
		// The scanner compares raw keys, so an escaped spelling of "decoder" is not renamed:
		// only keys written plainly are checked against the oracle.
		plain := !bytes.Contains(data, []byte(`\`))
		if want := topDecoderIsObject(data); plain && (at >= 0) != want {
			t.Fatalf("ossecDecoderObjectKey(%s) = %d, oracle says %v", data, at, want)
		}
		if at >= 0 {
			if !bytes.HasPrefix(data[at:], []byte(`"decoder"`)) {
				t.Fatalf("offset %d of %s is not the decoder key", at, data)
			}
			renamed := append(append(append([]byte(nil), data[:at]...), `"decoder_desc"`...), data[at+len(`"decoder"`):]...)
			if !json.Valid(renamed) {
				t.Fatalf("renaming the key made invalid JSON: %s", renamed)
			}
		}
	})
}

func BenchmarkOSSECParser(b *testing.B) {
	lt := embeddedTypeForTest(b, ossecSchemaFile)
	data := []byte(`{"rule":{"level":10,"comment":"Multiple SSHD authentication failures.","sidid":5720,"frequency":6,"firedtimes":3,"group":"syslog,sshd,authentication_failures,","groups":["syslog","sshd","authentication_failures"]},"id":"1709648530.88172","TimeStamp":1709648530000,"decoder":"sshd","srcip":"198.51.100.23","srcport":"52144","dstuser":"root","location":"(web-01) 10.0.0.5->/var/log/auth.log","full_log":"Mar  5 14:22:10 web-01 sshd[20931]: Failed password for root from 198.51.100.23 port 52144 ssh2","program_name":"sshd","decoder":{"name":"sshd","parent":"sshd","fts":1}}`)
	p := lt.NewParser()
	arena := &event.Arena{}
	d := &decode.Decoder{Arena: arena}
	rec := &input.Record{Data: data, JSON: true}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		arena.Reset()
		if _, ok, err := p.Parse(d, rec); !ok || err != nil {
			b.Fatalf("Parse = ok %v, error %v", ok, err)
		}
	}
}
