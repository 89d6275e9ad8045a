package logtypes

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// crowdstrikeType builds one Crowdstrike log type from its embedded schema alone, so that the
// tests do not depend on the other managed schemas.
func crowdstrikeType(tb testing.TB, file string) *LogType {
	tb.Helper()
	path := "schemas/crowdstrike/" + file
	data, err := managedFS.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := logschema.Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	lt, err := Build(s)
	if err != nil {
		tb.Fatal(err)
	}
	if !lt.JSON {
		tb.Fatalf("%s is not marked as a JSON type", lt.Name)
	}
	return lt
}

// csParse parses data, framed as a JSON record when it is valid JSON, with a new parser of lt.
func csParse(lt *LogType, data string) (*decode.Decoder, event.Value, error) {
	d := &decode.Decoder{Arena: &event.Arena{}}
	rec := &input.Record{Data: []byte(data), JSON: json.Valid([]byte(data)), Line: 1}
	v, ok, err := lt.NewParser().Parse(d, rec)
	if err == nil && !ok {
		err = errors.New("no event and no error")
	}
	return d, v, err
}

// csItem returns the value of the root field name.
func csItem(t *testing.T, lt *LogType, v event.Value, name string) event.Value {
	t.Helper()
	i, ok := lt.Root.FieldIndexString(name)
	if !ok {
		t.Fatalf("%s has no field %s", lt.Name, name)
	}
	return v.Items[i]
}

// csIndicators renders the indicators of d as "kind=value" strings, sorted.
func csIndicators(d *decode.Decoder) []string {
	var out []string
	for _, k := range indicators.Kinds {
		for _, v := range d.Indicators.Values(k) {
			out = append(out, k.String()+"="+v)
		}
	}
	sort.Strings(out)
	return out
}

func TestAppendCompactJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{" {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\" : { } } ", `{"a":[1,2],"b":{}}`},
		{`{"s":"keep  inner \t spaces"}`, `{"s":"keep  inner \t spaces"}`},
		{`{"q":"a \"quoted\" word \\ and \u00e9"}`, `{"q":"a \"quoted\" word \\ and \u00e9"}`},
		{`{"k":"end with backslash \\"}`, `{"k":"end with backslash \\"}`},
		{"{\"bad\":\"\xff\xfe ok\"}", `{"bad":"\ufffd\ufffd ok"}`},
		{`{"u":"Zoë’s 微信"}`, `{"u":"Zoë’s 微信"}`},
		{`[]`, `[]`},
		{``, ``},
	}
	for _, tt := range tests {
		got := string(appendCompactJSON(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("appendCompactJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := string(appendCompactJSON([]byte("x"), []byte(` { } `))); got != "x{}" {
		t.Errorf("appendCompactJSON does not append: got %q", got)
	}
}

func TestScanCrowdstrikeFields(t *testing.T) {
	tests := []struct {
		desc string
		in   string
		want []string
	}{
		{"named fields", `{"aip":"203.0.113.17","DomainName":"Evil.Example.com.","SHA256HashData":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","UserName":"jdoe","cid":"c1"}`,
			[]string{"domain_names=evil.example.com", "ip_addresses=203.0.113.17", "sha256_hashes=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "trace_ids=c1", "usernames=jdoe"}},
		{"several addresses", `{"aip":"192.0.2.7 192.0.2.243","LocalAddressIP4":" 10.0.0.1\t10.0.0.2 "}`,
			[]string{"ip_addresses=10.0.0.1", "ip_addresses=10.0.0.2", "ip_addresses=192.0.2.243", "ip_addresses=192.0.2.7"}},
		{"email and username", `{"UserId":"Analyst.One@Example.com"}`, []string{"emails=analyst.one@example.com", "usernames=Analyst.One@Example.com"}},
		{"escapes in values", `{"UserName":"CORP\\jdoe","ComputerName":"host\u002dA"}`, []string{"domain_names=host-a", "usernames=CORP\\jdoe"}},
		{"unknown and non-string members are skipped", ` { "Other" : "203.0.113.1" , "aip" : 17 , "n" : {"aip":"198.51.100.1","x":[1,"]",{"y":"}"}]} , "RemoteAddressIP4" : "198.51.100.2" } `,
			[]string{"ip_addresses=198.51.100.2"}},
		{"invalid values add nothing", `{"aip":"not an ip","MD5HashData":"xyz","DomainName":""}`, nil},
		{"keys with escapes match once decoded", `{"a\u0069p":"203.0.113.1"}`, []string{"ip_addresses=203.0.113.1"}},
		{"not an object", `["aip","203.0.113.1"]`, nil},
		{"stops at garbage, keeps what it found", `{"aip":"203.0.113.1",garbage,"UserName":"x"}`, []string{"ip_addresses=203.0.113.1"}},
		{"unterminated string", `{"aip":"203.0.113.1`, nil},
		{"empty", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			d := &decode.Decoder{}
			scanCrowdstrikeFields(&d.Indicators, []byte(tt.in))
			if got := csIndicators(d); !slices.Equal(got, tt.want) {
				t.Fatalf("indicators = %q, want %q", got, tt.want)
			}
		})
	}
}

const csUnknownRecord = `{"event_simpleName":"UserLogon","name":"UserLogonV9","aid":"4d92d2adf9009775a446ce0fe2689915",` +
	`"aip":"203.0.113.17","cid":"c4e1f8a2b7d94e0f9a6b3c2d1e0f4a5b","event_platform":"Win","timestamp":"1718028073500",` +
	`"ContextTimeStamp":"1718028073.000","UserName":"Administrator","LogonType":"10","RemoteAddressIP4":"198.51.100.200"}`

func TestCrowdstrikeUnknownParser(t *testing.T) {
	lt := crowdstrikeType(t, "unknown.yml")
	tests := []struct {
		desc    string
		in      string
		wantErr string
	}{
		{"unknown event", csUnknownRecord, ""},
		{"pretty-printed", "{\n  \"event_simpleName\": \"AgentOnline\",\n  \"name\": \"AgentOnlineV5\",\n  \"cid\": \"c1\"\n}", ""},
		{"claimed by another type", strings.Replace(csUnknownRecord, "UserLogon", "DnsRequest", 1), `field event_simpleName: value "DnsRequest" is denied`},
		{"empty event name", strings.Replace(csUnknownRecord, `"UserLogon"`, `"  "`, 1), "field event_simpleName: expected a non-empty event name"},
		{"no event name", `{"name":"X","cid":"c1"}`, "field event_simpleName: required field is missing"},
		{"no name", `{"event_simpleName":"X","cid":"c1"}`, "field name: required field is missing"},
		{"text", "UserLogon 203.0.113.17", errNotJSON.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, v, err := csParse(lt, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			payload := csItem(t, lt, v, csUnknownPayload)
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if payload.Kind != event.JSON || payload.S != compact.String() {
				t.Fatalf("unknown_payload = %+v, want the compacted record %s", payload, compact.String())
			}
		})
	}

	d, v, err := csParse(lt, csUnknownRecord)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ip_addresses=198.51.100.200", "ip_addresses=203.0.113.17",
		"trace_ids=4d92d2adf9009775a446ce0fe2689915", "trace_ids=c4e1f8a2b7d94e0f9a6b3c2d1e0f4a5b", "usernames=Administrator"}
	if got := csIndicators(d); !slices.Equal(got, want) {
		t.Errorf("indicators = %q, want %q", got, want)
	}
	ts, ok := decode.EventTime(lt.LogType, &v)
	if got := (&event.Value{Kind: event.Time, N: ts}).Time().Format("2006-01-02T15:04:05.000Z"); !ok || got != "2024-06-10T14:01:13.000Z" {
		t.Errorf("event time = %s (found %v), want ContextTimeStamp 2024-06-10T14:01:13.000Z", got, ok)
	}
	noCtx := strings.Replace(csUnknownRecord, `,"ContextTimeStamp":"1718028073.000"`, "", 1)
	_, v, err = csParse(lt, noCtx)
	if err != nil {
		t.Fatal(err)
	}
	ts, ok = decode.EventTime(lt.LogType, &v)
	if got := (&event.Value{Kind: event.Time, N: ts}).Time().Format("2006-01-02T15:04:05.000Z"); !ok || got != "2024-06-10T14:01:13.500Z" {
		t.Errorf("event time without ContextTimeStamp = %s (found %v), want timestamp 2024-06-10T14:01:13.500Z", got, ok)
	}
}

func TestCrowdstrikeFDREventParser(t *testing.T) {
	lt := crowdstrikeType(t, "fdrevent.yml")
	tests := []struct {
		desc     string
		in       string
		wantType string // "" means absent
		wantErr  string
	}{
		{"sensor event", csUnknownRecord, "UserLogon", ""},
		{"event_simpleName before event_type", `{"cid":"c1","event_simpleName":"A","event_type":"B","ExternalApiType":"C"}`, "A", ""},
		{"event_type before ExternalApiType", `{"cid":"c1","event_simpleName":"","event_type":"B","ExternalApiType":"C"}`, "B", ""},
		{"ExternalApiType", `{"cid":"c1","ExternalApiType":"Event_UserActivityAuditEvent","timestamp":"2024-06-10T14:10:00Z"}`, "Event_UserActivityAuditEvent", ""},
		{"inventory record", `{"cid":"c1","aid":"a1","Time":"1718028102","AgentVersion":"7.14"}`, "", ""},
		{"fdr_event_type given", `{"cid":"c1","fdr_event_type":"Given","event_simpleName":"A"}`, "Given", ""},
		{"no customer", `{"event_simpleName":"A"}`, "", "field cid: required field is missing"},
		{"text", "cid=c1", "", errNotJSON.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, v, err := csParse(lt, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typ := csItem(t, lt, v, csFDRTypeField)
			if (tt.wantType == "") != (typ.Kind == event.Null) || typ.S != tt.wantType {
				t.Errorf("fdr_event_type = %+v, want %q", typ, tt.wantType)
			}
			payload := csItem(t, lt, v, csFDREventField)
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(tt.in)); err != nil {
				t.Fatal(err)
			}
			if payload.Kind != event.JSON || payload.S != compact.String() {
				t.Errorf("event = %+v, want the compacted record", payload)
			}
		})
	}
}

func TestCrowdstrikeFDRParser(t *testing.T) {
	lt := crowdstrikeType(t, "notmanagedassets.yml")
	d, v, err := csParse(lt, `{"_time":"1718028500.395","aip":"192.0.2.7 192.0.2.243","cid":"c1","CurrentLocalIP":"192.168.1.35",`+
		`"MAC":"BB-AA-AA-AA-CC-CC","discovererCount":"1","LocalAddressIP4":"192.168.1.129 192.168.1.35"}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ip_addresses=192.0.2.243", "ip_addresses=192.0.2.7", "ip_addresses=192.168.1.129", "ip_addresses=192.168.1.35", "trace_ids=c1"}
	if got := csIndicators(d); !slices.Equal(got, want) {
		t.Errorf("indicators = %q, want %q", got, want)
	}
	if got := csItem(t, lt, v, "aip"); got.S != "192.0.2.7 192.0.2.243" {
		t.Errorf("aip = %q, want the value as it was sent", got.S)
	}
	if _, _, err := csParse(lt, `{"_time":"1718028500.395","cid":"c1","CurrentLocalIP":"10.0.0.1","MAC":"M"}`); err == nil ||
		!strings.Contains(err.Error(), "field discovererCount: required field is missing") {
		t.Errorf("error = %v, want the missing discovererCount", err)
	}
}

func TestNewCrowdstrikeNativesCheckTheSchema(t *testing.T) {
	tests := []struct {
		native, fields, wantErr string
	}{
		{"Crowdstrike.Unknown", "  - name: event_simpleName\n    type: string\n", `json field "unknown_payload"`},
		{"Crowdstrike.Unknown", "  - name: event_simpleName\n    type: int\n  - name: unknown_payload\n    type: json\n", `string field "event_simpleName"`},
		{"Crowdstrike.FDREvent", "  - name: event_simpleName\n    type: string\n  - name: event_type\n    type: string\n", `string field "ExternalApiType"`},
		{"Crowdstrike.FDREvent", "  - name: event_simpleName\n    type: string\n  - name: event_type\n    type: string\n  - name: ExternalApiType\n    type: string\n  - name: fdr_event_type\n    type: string\n  - name: event\n    type: string\n", `json field "event"`},
	}
	for _, tt := range tests {
		s, err := logschema.Parse("test.yml", []byte("version: 0\nschema: Test.CS\nparser:\n  native:\n    name: "+tt.native+"\nfields:\n"+tt.fields))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Build(s); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Build error = %v, want one containing %q", tt.native, err, tt.wantErr)
		}
	}
}

// crowdstrikeSchemas parses every embedded Crowdstrike schema, by log type name.
func crowdstrikeSchemas(t *testing.T) map[string]*logschema.Schema {
	t.Helper()
	entries, err := managedFS.ReadDir("schemas/crowdstrike")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]*logschema.Schema)
	for _, e := range entries {
		path := "schemas/crowdstrike/" + e.Name()
		data, err := managedFS.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s, err := logschema.Parse(path, data)
		if err != nil {
			t.Fatal(err)
		}
		out[s.Name] = s
	}
	return out
}

func csSchemaField(s *logschema.Schema, name string) *logschema.FieldSchema {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// TestCrowdstrikeUnknownDeniesEveryClaimedName checks that Crowdstrike.Unknown denies exactly
// the event_simpleName values that the other FDR types allow, and that no two types claim the
// same name.
func TestCrowdstrikeUnknownDeniesEveryClaimedName(t *testing.T) {
	schemas := crowdstrikeSchemas(t)
	var claimed []string
	owner := make(map[string]string)
	for name, s := range schemas {
		f := csSchemaField(s, csSimpleNameField)
		if f == nil || f.Validate == nil || len(f.Validate.Allow) == 0 {
			continue
		}
		for _, n := range f.Validate.Allow {
			if prev, dup := owner[n]; dup {
				t.Errorf("event_simpleName %q is claimed by %s and %s", n, prev, name)
			}
			owner[n] = name
			claimed = append(claimed, n)
		}
	}
	unknown := schemas["Crowdstrike.Unknown"]
	if unknown == nil {
		t.Fatal("no Crowdstrike.Unknown schema")
	}
	f := csSchemaField(unknown, csSimpleNameField)
	if f == nil || f.Validate == nil {
		t.Fatal("Crowdstrike.Unknown has no deny list on event_simpleName")
	}
	denied := slices.Clone(f.Validate.Deny)
	sort.Strings(claimed)
	sort.Strings(denied)
	if !slices.Equal(claimed, denied) {
		t.Errorf("Crowdstrike.Unknown denies %q, but the other types claim %q", denied, claimed)
	}
	if len(claimed) != 9 {
		t.Errorf("the Panther v1 types claim 9 event names, found %d: %q", len(claimed), claimed)
	}
}

// TestCrowdstrikeCommonFieldsAgree checks that the fields shared by the FDR sensor event types
// are declared the same way in each of them.
func TestCrowdstrikeCommonFieldsAgree(t *testing.T) {
	schemas := crowdstrikeSchemas(t)
	ref := schemas["Crowdstrike.Unknown"]
	common := []string{"name", "aid", "aip", "cid", "id", "event_platform", "ContextTimeStamp", "ContextTimeStamp_decimal",
		"timestamp", "_time", "ComputerName", "ConfigBuild", "ConfigStateHash", "Entitlements", "TreeId", "TreeId_decimal",
		"ContextThreadId", "ContextThreadId_decimal", "ContextProcessId", "ContextProcessId_decimal", "InContext",
		"EffectiveTransmissionClass"}
	for _, typ := range []string{"Crowdstrike.DNSRequest", "Crowdstrike.NetworkConnect", "Crowdstrike.NetworkListen",
		"Crowdstrike.ProcessRollup2", "Crowdstrike.SyntheticProcessRollup2", "Crowdstrike.GroupIdentity", "Crowdstrike.UserIdentity"} {
		s := schemas[typ]
		if s == nil {
			t.Errorf("no %s schema", typ)
			continue
		}
		for _, name := range common {
			want, got := csSchemaField(ref, name), csSchemaField(s, name)
			if got == nil {
				if typ == "Crowdstrike.ProcessRollup2" && (strings.HasPrefix(name, "Context") || name == "InContext") {
					continue // ProcessRollup2 events have no context fields
				}
				t.Errorf("%s: no field %s", typ, name)
				continue
			}
			if got.Type != want.Type || got.Required != want.Required || got.TimeFormat != want.TimeFormat ||
				!slices.Equal(got.TimeFormats, want.TimeFormats) ||
				!slices.Equal(got.Indicators, want.Indicators) || got.IsEventTime != want.IsEventTime {
				t.Errorf("%s: field %s is declared differently from Crowdstrike.Unknown's", typ, name)
			}
		}
	}
}

// FuzzCrowdstrikeFDREvent parses arbitrary records as FDREvent: it must never panic, and an
// accepted record keeps the whole record, compacted, in event.
func FuzzCrowdstrikeFDREvent(f *testing.F) {
	lt := crowdstrikeType(f, "fdrevent.yml")
	for _, s := range []string{csUnknownRecord, `{"cid":"c1","ExternalApiType":"X","timestamp":"2024-06-10T14:10:00Z"}`,
		"{ \"cid\" : \"c\\u0031\" , \"aip\" : \"1.2.3.4 5.6.7.8\" }", `{"cid":"c","x":[{"y":"\"}"}]}`, "{\"cid\":\"\xff\"}", `{"cid":1}`, `[]`, `x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		rec := &input.Record{Data: data, JSON: json.Valid(data)}
		v, ok, err := lt.NewParser().Parse(d, rec)
		if err != nil {
			if ok {
				t.Fatal("Parse reported ok with an error")
			}
			return
		}
		if !ok {
			t.Fatal("Parse returned no event and no error")
		}
		i, _ := lt.Root.FieldIndexString(csFDREventField)
		payload := v.Items[i]
		if payload.Kind != event.JSON || !json.Valid([]byte(payload.S)) {
			t.Fatalf("event is not valid JSON: %+v", payload)
		}
		if utf8.Valid(data) {
			var want bytes.Buffer
			if err := json.Compact(&want, data); err != nil {
				t.Fatal(err)
			}
			if payload.S != want.String() {
				t.Fatalf("event = %s, want %s", payload.S, want.String())
			}
		}
		if js := event.AppendJSON(nil, &event.Event{LogType: lt.LogType, Root: v}); !json.Valid(js) {
			t.Fatalf("the event renders as invalid JSON: %s", js)
		}
	})
}

// csScanOracle scans the top-level string members of a JSON object with encoding/json.
func csScanOracle(t *testing.T, data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	d := &decode.Decoder{}
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		for _, sc := range csIndicatorFields[key] {
			if sc == indicators.ScanIP {
				for _, f := range strings.Fields(s) {
					sc.Scan(&d.Indicators, f)
				}
			} else {
				sc.Scan(&d.Indicators, s)
			}
		}
	}
	return csIndicators(d)
}

// FuzzScanCrowdstrikeFields checks the member scan against encoding/json on valid objects whose
// keys have no escapes, and that it never panics on anything else.
func FuzzScanCrowdstrikeFields(f *testing.F) {
	for _, s := range []string{csUnknownRecord, `{"aip":"1.2.3.4 5.6.7.8","n":{"aip":"9.9.9.9"},"UserId":"a@b.c"}`,
		` { "DomainName" : "ex\u0061mple.com" , "x" : [ "]" , { } ] } `, `{"aip":"1.2.3.4",}`, `{"aip":`, `"aip"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decode.Decoder{}
		scanCrowdstrikeFields(&d.Indicators, data)
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		if got, want := csIndicators(d), csScanOracle(t, data); !slices.Equal(got, want) {
			t.Fatalf("indicators = %q, want %q", got, want)
		}
	})
}

func BenchmarkCrowdstrikeUnknownParser(b *testing.B) {
	benchmarkCrowdstrike(b, crowdstrikeType(b, "unknown.yml"), csUnknownRecord)
}

func BenchmarkCrowdstrikeFDREventParser(b *testing.B) {
	benchmarkCrowdstrike(b, crowdstrikeType(b, "fdrevent.yml"), csUnknownRecord)
}

func BenchmarkCrowdstrikeDNSRequest(b *testing.B) {
	rec := strings.Replace(csUnknownRecord, `"UserLogon","name":"UserLogonV9"`, `"DnsRequest","name":"DnsRequestV4","DomainName":"cdn-update-sync.com"`, 1)
	benchmarkCrowdstrike(b, crowdstrikeType(b, "dnsrequest.yml"), rec)
}

func benchmarkCrowdstrike(b *testing.B, lt *LogType, record string) {
	rec := &input.Record{Data: []byte(record), JSON: true}
	d := &decode.Decoder{Arena: &event.Arena{}}
	p := lt.NewParser()
	b.SetBytes(int64(len(record)))
	b.ReportAllocs()
	for b.Loop() {
		d.Arena.Reset()
		if _, ok, err := p.Parse(d, rec); err != nil || !ok {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanCrowdstrikeFields(b *testing.B) {
	data := []byte(csUnknownRecord)
	d := &decode.Decoder{}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d.Indicators.Reset()
		scanCrowdstrikeFields(&d.Indicators, data)
	}
}
