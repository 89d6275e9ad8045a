package logtypes

import (
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

// embeddedTypeForTest builds a managed type from its embedded schema file alone, so that a
// test does not depend on the other managed schemas.
func embeddedTypeForTest(tb testing.TB, path string) *LogType {
	tb.Helper()
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
	return lt
}

// parseForTest parses one record with p and returns the event as JSON (fields in schema
// order) and whether an event was produced.
func parseForTest(lt *LogType, p Parser, data string, isJSON bool) (string, bool, error) {
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, ok, err := p.Parse(d, &input.Record{Data: []byte(data), JSON: isJSON, Line: 1})
	if err != nil || !ok {
		return "", ok, err
	}
	return string(event.AppendValue(nil, &v, lt.Root)), true, nil
}

// fixNow sets the parsers' clock for the duration of the test.
func fixNow(t *testing.T, now time.Time) {
	t.Helper()
	old := Now
	Now = func() time.Time { return now }
	t.Cleanup(func() { Now = old })
}

func TestLineFieldsAddList(t *testing.T) {
	tests := []struct {
		value string
		want  string // "" means no field
	}{
		{"a,b,c", `["a","b","c"]`},
		{"TheComputerName, ADSite,Network", `["TheComputerName","ADSite","Network"]`},
		{" , ,", ""},
		{"", ""},
		{"one", `["one"]`},
		{`quote " and \ back`, `["quote \" and \\ back"]`},
		{"a,,b,", `["a","b"]`},
	}
	for _, tt := range tests {
		var r lineFields
		r.addList("list", tt.value, ',')
		fields := r.done()
		switch {
		case tt.want == "" && len(fields) != 0:
			t.Errorf("addList(%q) added %v, want nothing", tt.value, fields)
		case tt.want != "" && (len(fields) != 1 || fields[0].Value != tt.want || fields[0].Name != "list"):
			t.Errorf("addList(%q) = %v, want list=%s", tt.value, fields, tt.want)
		}
	}
}

func TestLineFieldsBuiltValuesSurviveGrowth(t *testing.T) {
	var r lineFields
	r.add("plain", "x")
	r.addTime("t", time.Date(2024, 3, 5, 14, 22, 10, 123000000, time.FixedZone("CET", 3600)))
	for i := 0; i < 100; i++ { // grow the buffer well past its first allocation
		r.addList("l", strings.Repeat("item,", 20), ',')
	}
	if !r.has("plain") || r.has("t") || r.has("missing") {
		t.Fatal("has reports built or missing fields as plain ones")
	}
	fields := r.done()
	if fields[0].Value != "x" || fields[1].Value != "2024-03-05T13:22:10.123Z" {
		t.Fatalf("fields = %v, want plain=x then the time in UTC", fields[:2])
	}
	want := "[" + strings.TrimSuffix(strings.Repeat(`"item",`, 20), ",") + "]"
	for _, f := range fields[2:] {
		if f.Value != want {
			t.Fatalf("list value = %q, want %q", f.Value, want)
		}
	}
}

func TestShortQuote(t *testing.T) {
	if got := shortQuote("abc"); got != `"abc"` {
		t.Errorf("shortQuote(abc) = %s", got)
	}
	long := strings.Repeat("é", 40)
	got := shortQuote(long)
	if !strings.HasSuffix(got, `"...`) || len(got) > 50 {
		t.Errorf("shortQuote(long) = %s, want a cut value ending in \"...", got)
	}
	if strings.ContainsRune(got, '\ufffd') {
		t.Errorf("shortQuote cut a rune in half: %s", got)
	}
}

// TestMalformedValuesAreWarnings: in the native parsers as in the schema decoder, a malformed
// value of an optional field is dropped with a warning instead of costing the record.
func TestMalformedValuesAreWarnings(t *testing.T) {
	const alb = `https 2024-11-08T12:00:00.5Z app/x/1 [2001:db8::a]:60123 10.0.0.1:80 0.001 -1 0.000 200 - one 2 "GET https://h:443/p q HTTP/1.1" "ua" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1" "h" "-" 0 2024-11-08T11:59:59Z "waf,forward" "-" "-" "10.0.0.1:80 10.0.0.2:80" "502 -"`
	const s3 = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - \"GET /awsexamplebucket1?versioning HTTP/1.1\" OK - 113 - 7 - \"-\" \"S3Console/0.4\" -"
	tests := []struct {
		logType, in, field, value string
	}{
		{"AWS.AuroraMySQLAudit", "1653053459000001,c,u,h,1,2,QUERY,db,x,99999999999", "retCode", "99999999999"},
		{"AWS.ALB", alb, "receivedBytes", "one"},
		{"AWS.S3ServerAccess", s3, "httpstatus", "OK"},
		{"Crowdstrike.Unknown", strings.Replace(csUnknownRecord, `"1718028073.000"`, `"soon"`, 1), "ContextTimeStamp", "soon"},
		{"Crowdstrike.FDREvent", `{"cid":"c1","timestamp":"soon"}`, "timestamp", "soon"},
	}
	for _, tt := range tests {
		lt := managedType(t, tt.logType)
		d := &decode.Decoder{Arena: &event.Arena{}}
		_, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(tt.in), JSON: strings.HasPrefix(tt.in, "{"), Line: 1})
		if err != nil || !ok {
			t.Errorf("%s: ok=%v err=%v", tt.logType, ok, err)
			continue
		}
		w := d.Warnings()
		if len(w) != 1 || w[0].Field != tt.field || w[0].Value != tt.value {
			t.Errorf("%s: warnings %q, want one for %s=%q", tt.logType, w, tt.field, tt.value)
		}
	}
}
