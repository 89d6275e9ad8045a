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

// cwlData is a CloudWatch Logs subscription data message holding messages.
func cwlData(group string, messages ...string) string {
	type le struct {
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	}
	env := struct {
		MessageType         string   `json:"messageType"`
		Owner               string   `json:"owner"`
		LogGroup            string   `json:"logGroup"`
		LogStream           string   `json:"logStream"`
		SubscriptionFilters []string `json:"subscriptionFilters"`
		LogEvents           []le     `json:"logEvents"`
	}{"DATA_MESSAGE", "123456789012", group, "stream-1", []string{"to-firehose"}, nil}
	for i, m := range messages {
		env.LogEvents = append(env.LogEvents, le{fmt.Sprintf("3703%030d", i), 1733814005000 + int64(i), m})
	}
	b, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func unwrapAll(t testing.TB, in string) []string {
	t.Helper()
	e := NewEnvelopes(NewReader(strings.NewReader(in), Options{}))
	var out []string
	for {
		rec, err := e.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		kind := "text"
		if rec.JSON {
			kind = "json"
		}
		if rec.Size != int64(len(rec.Data)) {
			t.Errorf("record %q: Size %d", rec.Data, rec.Size)
		}
		out = append(out, fmt.Sprintf("%d:%s:%s", rec.Line, kind, rec.Data))
	}
}

func TestEnvelopes(t *testing.T) {
	control := `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1733814005000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}`
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{name: "json and text messages",
			in: cwlData("/aws/eks/prod/cluster", `{"kind":"Event","auditID":"1"}`, "2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 1 40 1733814005 1733814065 ACCEPT OK", "  START RequestId: 1 Version: $LATEST\n", `{"broken":`) + "\n" + `{"a":1}`,
			want: []string{`1:json:{"kind":"Event","auditID":"1"}`, "1:text:2 123456789012 eni-0a1b2c3d 10.0.0.1 10.0.0.2 443 49152 6 1 40 1733814005 1733814065 ACCEPT OK",
				"1:text:START RequestId: 1 Version: $LATEST", `1:text:{"broken":`, `2:json:{"a":1}`}},
		{name: "concatenated, as Firehose writes them", in: cwlData("g", "a") + cwlData("g", "b", "c"),
			want: []string{"1:text:a", "1:text:b", "1:text:c"}},
		{name: "pretty-printed, keys in another order", in: "{\n \"logEvents\": [{\"message\": \"x\"}],\n \"logGroup\": \"g\",\n \"messageType\": \"DATA_MESSAGE\"\n}\nnext",
			want: []string{"1:text:x", "6:text:next"}},
		{name: "control message", in: control + "\n" + cwlData("g", "after"), want: []string{"2:text:after"}},
		{name: "empty messages", in: cwlData("g", "", "  ", "z"), want: []string{"1:text:z"}},
		{name: "no log events", in: `{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[]}`, want: nil},
		{name: "other message type", in: `{"messageType":"HELLO","logGroup":"g","logEvents":[{"message":"x"}]}`,
			want: []string{`1:json:{"messageType":"HELLO","logGroup":"g","logEvents":[{"message":"x"}]}`}},
		{name: "message not a string", in: `{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":{"a":1}}]}`,
			want: []string{`1:json:{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":{"a":1}}]}`}},
		{name: "message missing", in: `{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":"a"},{"id":"2"}]}`,
			want: []string{`1:json:{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":"a"},{"id":"2"}]}`}},
		{name: "no log group", in: `{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a"}]}`,
			want: []string{`1:json:{"messageType":"DATA_MESSAGE","logEvents":[{"message":"a"}]}`}},
		{name: "an event that mentions the keys", in: `{"eventName":"PutSubscriptionFilter","requestParameters":{"messageType":"x","logEvents":"y"}}`,
			want: []string{`1:json:{"eventName":"PutSubscriptionFilter","requestParameters":{"messageType":"x","logEvents":"y"}}`}},
		{name: "inside a Records array", in: `{"Records":[` + cwlData("g", "m") + `]}`, want: []string{"1:text:m"}},
		{name: "text lines pass", in: "messageType logEvents\n", want: []string{"1:text:messageType logEvents"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unwrapAll(t, tt.in)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestEnvelopesErrorAfterMessages(t *testing.T) {
	boom := errors.New("boom")
	in := io.MultiReader(strings.NewReader(cwlData("g", "a", "b")+"\n"), iotestErr{boom})
	e := NewEnvelopes(NewReader(in, Options{}))
	var got []string
	for {
		rec, err := e.Next()
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("error %v, want boom", err)
			}
			break
		}
		got = append(got, string(rec.Data))
	}
	if strings.Join(got, ",") != "a,b" {
		t.Errorf("got %q before the error", got)
	}
	if e.BytesRead() == 0 {
		t.Error("BytesRead is 0")
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// FuzzEnvelopes frames arbitrary input and unwraps its envelopes: nothing panics, every
// record has data, and a record that is not an envelope is returned as the reader framed it.
func TestPages(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"1password", `{"cursor":"aGk=","has_more":true,"items":[{"uuid":"A"},{"uuid":"B"}]}`,
			`1:json:{"uuid":"A"}|1:json:{"uuid":"B"}`},
		{"slack audit, pretty", "{\n  \"entries\": [\n    {\"id\": 1}\n  ],\n  \"response_metadata\": {\"next_cursor\": \"\"}\n}",
			`1:json:{"id": 1}`},
		{"slack access", `{"ok":true,"logins":[{"user_id":"U1"}],"paging":{"count":100,"total":1,"page":1,"pages":1}}`,
			`1:json:{"user_id":"U1"}`},
		{"box", `{"chunk_size":1,"next_stream_position":"123","entries":[{"type":"event"}]}`, `1:json:{"type":"event"}`},
		{"google reports, last page", `{"kind":"admin#reports#activities","etag":"\"e\"","items":[{"kind":"admin#reports#activity"}]}`,
			`1:json:{"kind":"admin#reports#activity"}`},
		{"google activity record is a record", `{"kind":"admin#reports#activity","id":{},"events":[{"name":"login"}]}`,
			`1:json:{"kind":"admin#reports#activity","id":{},"events":[{"name":"login"}]}`},
		{"duo v1", `{"stat":"OK","response":[{"action":"user_update"}]}`, `1:json:{"action":"user_update"}`},
		{"duo v2 nested", `{"stat":"OK","response":{"authlogs":[{"txid":"t"}],"metadata":{"next_offset":["1","t"],"total_objects":1}}}`,
			`1:json:{"txid":"t"}`},
		{"json:api", `{"data":[{"id":"1"}],"links":{"next":null},"jsonapi":{"version":"1.0"}}`, `1:json:{"id":"1"}`},
		{"tines: a named list and meta", `{"audit_logs":[{"id":1}],"meta":{"next_page":null,"count":1}}`, `1:json:{"id":1}`},
		{"onelogin: status and pagination", `{"status":{"code":200},"pagination":{"next_link":null},"data":[{"id":1}]}`, `1:json:{"id":1}`},
		{"snyk rest: data.items", `{"jsonapi":{"version":"1.0"},"data":{"items":[{"event":"e"}]},"links":{}}`, `1:json:{"event":"e"}`},
		{"empty page", `{"cursor":"x","has_more":false,"items":[]}` + "\n" + `{"a":1}`, `2:json:{"a":1}`},
		{"no page member: a record", `{"data":[{"id":"1"}]}`, `1:json:{"data":[{"id":"1"}]}`},
		{"other member: a record", `{"cursor":"x","items":[{"a":1}],"user":"u"}`, `1:json:{"cursor":"x","items":[{"a":1}],"user":"u"}`},
		{"two lists: a record", `{"cursor":"x","items":[{"a":1}],"data":[{"b":1}]}`, `1:json:{"cursor":"x","items":[{"a":1}],"data":[{"b":1}]}`},
		{"not objects: a record", `{"cursor":"x","items":["a"]}`, `1:json:{"cursor":"x","items":["a"]}`},
		{"records in a page of lines", `{"cursor":"x","items":[{"a":1}]}` + "\n" + `{"cursor":"y","items":[{"a":2}]}`,
			`1:json:{"a":1}|2:json:{"a":2}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := strings.Join(unwrapAll(t, c.in), "|"); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func FuzzEnvelopes(f *testing.F) {
	f.Add([]byte(cwlData("g", `{"a":1}`, "text", "")))
	f.Add([]byte(cwlData("g", "x") + cwlData("h", "y") + "\nline"))
	f.Add([]byte(`{"messageType":"CONTROL_MESSAGE","logGroup":"","logEvents":[]}`))
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"message":1}]}`))
	f.Add([]byte(`{"records":[` + cwlData("g", "m") + `,{"b":2}]}`))
	f.Add([]byte(`{"cursor":"c","has_more":false,"items":[{"a":1},{"b":[2]}]}` + "\n" + `{"stat":"OK","response":{"authlogs":[{"x":1}],"metadata":{}}}`))
	f.Add([]byte(`{"kind":"admin#reports#activities","items":[]} {"data":[{"a":1}],"links":{}} {"data":[1],"links":{}}`))
	f.Add([]byte(`{"@timestamp":"2024-10-15T12:00:01Z","winlog":{"event_id":"4624","channel":"Security","computer_name":"W","event_data":{"a":"b"}}}` + "\n" +
		`{"@timestamp":"x","log_name":"System","event_id":7036,"computer_name":"W","record_number":"12"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Contains(in, []byte(zeekSeparatorLine)) {
			t.Skip("Zeek ASCII logs: FuzzZeekASCII")
		}
		if bytes.Contains(in, []byte("<Event")) || bytes.Contains(in, []byte("<?xml")) {
			t.Skip("Windows event XML: FuzzWinXML")
		}
		o := Options{MaxRecordBytes: 1 << 12, KeepBytes: 64}
		// What the envelopes should give: each framed record, or the messages of the ones
		// that are envelopes.
		var want []Record
		one := &Envelopes{}
		for _, rec := range mustFrame(t, in, o, nil) {
			if rec.JSON && maybeWinlogbeat(rec.Data) && one.unwrapWinlogbeat(rec) {
				want = append(want, one.pending...)
				continue
			}
			if rec.JSON && maybeCWLEnvelope(rec.Data) && one.unwrap(rec) {
				want = append(want, one.pending...)
				continue
			}
			if rec.JSON && !maybeCWLEnvelope(rec.Data) && maybePage(rec.Data) && one.unwrapPage(rec) {
				for _, p := range one.pending {
					if !json.Valid(p.Data) || p.Data[0] != '{' {
						t.Fatalf("page record %q is not a JSON object", p.Data)
					}
				}
				want = append(want, one.pending...)
				continue
			}
			want = append(want, rec)
		}
		e := NewEnvelopes(NewReader(bytes.NewReader(in), o))
		for i := 0; ; i++ {
			rec, err := e.Next()
			if errors.Is(err, io.EOF) {
				if i != len(want) {
					t.Fatalf("%d records, want %d", i, len(want))
				}
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Data) == 0 {
				t.Fatal("a record without data")
			}
			if i >= len(want) || !sameRecord(rec, want[i]) {
				t.Fatalf("record %d: %s, want %v", i, describe(rec), want[i:])
			}
		}
	})
}
