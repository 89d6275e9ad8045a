package logtypes

import (
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
)

var juniperSchemaFiles = map[string]string{
	"Juniper.Access":   "schemas/juniper/access.yml",
	"Juniper.Audit":    "schemas/juniper/audit.yml",
	"Juniper.Firewall": "schemas/juniper/firewall.yml",
	"Juniper.MWS":      "schemas/juniper/mws.yml",
	"Juniper.Postgres": "schemas/juniper/postgres.yml",
	"Juniper.Security": "schemas/juniper/security.yml",
}

// juniperNow is the clock of the Juniper tests: early January, to exercise the year rule.
var juniperNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func TestJuniperStampLen(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"Mar 19 18:49:32 host x", 15},
		{"Mar  9 18:49:32 host x", 15},
		{"Mar 9 18:49:32 host x", 14},
		{"Dec 31 23:59:59", 15},
		{"mar 19 18:49:32 host", 0},
		{"Foo 19 18:49:32 host", 0},
		{"Mar 19 18:49 host", 0},
		{"Mar 123 18:49:32 host", 0},
		{"Mar", 0},
		{"", 0},
		{"2024-03-19T18:49:32Z host", 0},
	}
	for _, tt := range tests {
		if got := juniperStampLen(tt.line); got != tt.want {
			t.Errorf("juniperStampLen(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

// juniperLines are valid lines of each type, with a fragment of the event each must give.
var juniperLines = []struct {
	logType, line, want string
}{
	{"Juniper.Access", `Mar 19 21:11:47 webappsecure [INFO][mws-access][se-request-6] key:da5a23dd-8367-476e-97ca-d734ab56244d, PHASE_REQUEST_PRE_PROCESS, 127.0.0.1, http://zach-vm.jwas.jsec.net:80/genericelectronics`,
		`"hostname":"webappsecure","log_level":"INFO","thread":"se-request-6","unique_request_key":"da5a23dd-8367-476e-97ca-d734ab56244d","type":"REQUEST","stage":"PRE","proxy_client_ip":"127.0.0.1","url":"http://zach-vm.jwas.jsec.net:80/genericelectronics"}`},
	{"Juniper.Audit", `Jan 22 16:14:23 my-jwas [mws-audit][INFO] [mykonos] [10.10.0.117] Logged in successfully`,
		`"hostname":"my-jwas","log_level":"INFO","message":"Logged in successfully","login_ip":"10.10.0.117","username":"mykonos"}`},
	{"Juniper.Audit", `Jan  2 03:00:00 my-jwas [mws-audit][INFO] [ea77722a8516b0d1135abb19b1982852] Deactivate response 1832840420318015488`,
		`"hostname":"my-jwas","log_level":"INFO","message":"Deactivate response 1832840420318015488","api_key":"ea77722a8516b0d1135abb19b1982852"}`},
	{"Juniper.Audit", `Feb 14 19:02:54 my-jwas [mws-audit][INFO][mykonos] Changed configuration parameters: a, b`,
		`"message":"Changed configuration parameters: a, b","username":"mykonos"}`},
	{"Juniper.Firewall", `Mar 19 18:49:32 myjwas kernel: IPTABLES Dropped: IN=eth0 OUT= MAC=00:0c:29:cf:4d:c8:2c:21:72:c6:99:08:08:00 SRC=10.10.0.117 DST=10.20.0.53 LEN=40 TOS=0x00 PREC=0x00 TTL=63 ID=51749 DF PROTO=TCP SPT=51093 DPT=5000 WINDOW=0 RES=0x00 RST URGP=0`,
		`"event":"Dropped","IN":"eth0","MAC":"00:0c:29:cf:4d:c8:2c:21:72:c6:99:08:08:00","SRC":"10.10.0.117","DST":"10.20.0.53","LEN":40,"TOS":"0x00","PREC":"0x00","TTL":63,"ID":51749,"DF":true,"PROTO":"TCP","SPT":51093,"DPT":5000,"WINDOW":0,"RES":"0x00","RST":true,"URGP":0}`},
	{"Juniper.Firewall", `Mar 19 18:49:32 myjwas kernel: [ 99.5] IPTABLES Dropped: SRC=10.0.0.1 DST=10.0.0.2 LEN=72 PROTO=UDP SPT=1 DPT=2 LEN=52`,
		`"SRC":"10.0.0.1","DST":"10.0.0.2","LEN":72,"PROTO":"UDP"`},
	{"Juniper.MWS", `Mar 19 18:42:38 my-jwas-instance [INFO][mws-cluster-services][db-cleanup] Database cleanup completed. Removed record count: 0`,
		`"log_level":"INFO","service_name":"mws-cluster-services","service_component":"db-cleanup","log_message":"Database cleanup completed. Removed record count: 0"}`},
	{"Juniper.MWS", `Mar 19 19:42:16 my-jwas-instance [mws-ui]: spawned uWSGI worker 1 (pid: 11209, cores: 1)`,
		`"hostname":"my-jwas-instance","service_name":"mws-ui","log_message":"spawned uWSGI worker 1 (pid: 11209, cores: 1)"}`},
	{"Juniper.Postgres", `Feb 24 14:58:08 webappsecure postgres[7694]: [10-1] 42701 530b5e00.1e0e ERROR:  column "requests" of relation "sessiongroup" already exists`,
		`"pid":7694,"group_id_major":10,"group_id_minor":1,"sql_error_code":"42701","session_id":"530b5e00.1e0e","message_type":"ERROR","message":"column \"requests\" of relation \"sessiongroup\" already exists"}`},
	{"Juniper.Security", `Oct 13 16:33:55 jwas1 [INFO][mws-security-alert][auto-response] MKS_Category="New Counter Response" MKS_ResponseCode="BL" MKS_ResponseName="Block User" MKS_ProfileId="3811" MKS_ProfileName="Brett 8356" MKS_ResponseCreated="2014-10-13 16:33:54.0" MKS_ResponseDelayed="2014-10-13 16:33:54.0" MKS_ResponseExpires="null" MKS_ResponseConfig="<config />" MKS_SilentRunning="true"`,
		`"response_code":"BL","response_name":"Block User",`},
	{"Juniper.Security", `Oct 13 16:33:13 jwas1 [INFO][mws-security-alert][traffic-info] MKS_Category="Security Incident" MKS_Type="Say \"hi\"" MKS_Severity="2" MKS_SrcIP="10.10.0.117" MKS_Unknown="x" MKS_fakeresponse="true"`,
		`"category":"Security Incident","incident":"Say \"hi\"","severity":2,"source_ip":"10.10.0.117","fake_response":true}`},
}

func TestJuniperParsers(t *testing.T) {
	fixNow(t, juniperNow)
	types := map[string]*LogType{}
	for name, path := range juniperSchemaFiles {
		types[name] = embeddedTypeForTest(t, path)
	}
	for _, tt := range juniperLines {
		for name, lt := range types {
			got, ok, err := parseForTest(lt, lt.NewParser(), tt.line, false)
			if name != tt.logType {
				if err == nil || ok {
					t.Errorf("%s accepted a %s line: %s", name, tt.logType, got)
				}
				continue
			}
			if err != nil || !ok {
				t.Errorf("%s: Parse(%s) = ok %v, error %v", name, tt.line, ok, err)
				continue
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s: event %s\ndoes not contain %s", name, got, tt.want)
			}
		}
	}
}

func TestJuniperYearInference(t *testing.T) {
	lt := embeddedTypeForTest(t, juniperSchemaFiles["Juniper.MWS"])
	tests := []struct {
		now  time.Time
		line string
		want string
	}{
		{juniperNow, "Dec 31 23:59:59 h [mws-ui] x", "2024-12-31T23:59:59Z"},
		{juniperNow, "Jan  2 03:04:05 h [mws-ui] x", "2025-01-02T03:04:05Z"},
		{juniperNow, "Feb  1 00:00:00 h [mws-ui] x", "2025-02-01T00:00:00Z"},
		{juniperNow, "Mar  1 00:00:00 h [mws-ui] x", "2024-03-01T00:00:00Z"},
		{time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), "Jan  1 00:00:01 h [mws-ui] x", "2025-01-01T00:00:01Z"},
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "Feb 29 12:00:00 h [mws-ui] x", "2024-02-29T12:00:00Z"},
	}
	for _, tt := range tests {
		fixNow(t, tt.now)
		d := &decode.Decoder{Arena: &event.Arena{}}
		v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(tt.line)})
		if err != nil || !ok {
			t.Errorf("now %s: Parse(%q) = ok %v, error %v", tt.now.Format(time.RFC3339), tt.line, ok, err)
			continue
		}
		ts, found := decode.EventTime(lt.LogType, &v)
		if got := time.Unix(0, ts).UTC().Format(time.RFC3339); !found || got != tt.want {
			t.Errorf("now %s: Parse(%q) event time = %s (found %v), want %s", tt.now.Format(time.RFC3339), tt.line, got, found, tt.want)
		}
	}
}

// TestJuniperSecurityDates checks the dates of a counter response: fractional seconds, and
// "null" as no value.
func TestJuniperSecurityDates(t *testing.T) {
	fixNow(t, juniperNow)
	lt := embeddedTypeForTest(t, juniperSchemaFiles["Juniper.Security"])
	line := `Jan  1 00:00:01 jwas1 [INFO][mws-security-alert][auto-response] MKS_Category="New Counter Response" MKS_ResponseCreated="2024-12-31 23:59:59" MKS_ResponseDelayed="2025-01-01 00:00:00.123" MKS_ResponseExpires="null"`
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(line)})
	if err != nil || !ok {
		t.Fatalf("Parse = ok %v, error %v", ok, err)
	}
	for _, tc := range []struct{ field, want string }{
		{"created_date", "2024-12-31T23:59:59Z"},
		{"delay_date", "2025-01-01T00:00:00.123Z"},
		{"expiration_date", ""},
	} {
		i, _ := lt.Root.FieldIndexString(tc.field)
		got := ""
		if f := v.Items[i]; f.Kind == event.Time {
			got = f.Time().Format(time.RFC3339Nano)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.field, got, tc.want)
		}
	}
}

func TestJuniperParserErrors(t *testing.T) {
	fixNow(t, juniperNow)
	tests := []struct {
		logType, line, wantErr string
	}{
		{"Juniper.MWS", "", `juniper mws: at offset 0: expected a timestamp "Mmm dd hh:mm:ss"`},
		{"Juniper.MWS", "Mar 19 18:42:38", "juniper mws: at offset 15: expected a space and the hostname"},
		{"Juniper.MWS", "Mar 19 18:42:38 hostonly", "at offset 16: expected the hostname followed by a space and the message"},
		{"Juniper.MWS", "Feb 30 18:42:38 h [mws-ui] x", "juniper mws: timestamp at offset 0: "},
		{"Juniper.MWS", "Mar 19 18:42:38 h [mws-access] x", "at offset 18: service mws-access is logged in the Juniper.Access format"},
		{"Juniper.Audit", "Jan 22 16:14:23 my-jwas [mws-audit][LOUD] [mykonos] x", "juniper audit: at offset 35: expected the log level in brackets (TRACE, DEBUG, INFO, WARN or ERROR)"},
		{"Juniper.Access", "Mar 19 21:11:47 w [INFO][mws-access][t] key:k, PHASE_REQUEST_PRE_PROCESS, 127.0.0.1", "expected 4 comma-separated values"},
		{"Juniper.Access", "Mar 19 21:11:47 w [INFO][mws-access][t] key:k, PHASE_REQUEST_PRE_PROCESS, 127.0.0.1, http://a b", "expected the URL without spaces"},
		{"Juniper.Firewall", "Mar 19 18:49:32 myjwas kernel: IPTABLES : SRC=1.2.3.4", "expected the event name"},
		{"Juniper.Postgres", "Feb 24 14:58:08 w postgres[1]: [1-1] 42701 s", "expected the SQL error code and the session id"},
		{"Juniper.Security", `Oct 13 16:33:13 jwas1 [INFO][mws-security-alert][t] MKS_Category="New Profile" junk`, `expected a field MKS_Name="value"`},
		{"Juniper.Security", `Oct 13 16:33:13 jwas1 [INFO][mws-security-alert][t]`, `expected MKS_Category="..."`},
	}
	for _, tt := range tests {
		lt := embeddedTypeForTest(t, juniperSchemaFiles[tt.logType])
		_, ok, err := parseForTest(lt, lt.NewParser(), tt.line, false)
		if ok || err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Parse(%q) = ok %v, error %v; want an error containing %q", tt.logType, tt.line, ok, err, tt.wantErr)
		}
	}
}

// TestJuniperAccessContinuation: an access event's HTTP message lines are joined to it by the
// schema's multiline rule (see classify.Stream); the parser keeps them in http_message. The
// other Juniper types take one line per record.
func TestJuniperAccessContinuation(t *testing.T) {
	fixNow(t, juniperNow)
	lt := embeddedTypeForTest(t, juniperSchemaFiles["Juniper.Access"])
	if lt.Multiline == nil || !lt.Multiline.Continues(nil, []byte("Host: zach-vm")) || lt.Multiline.Continues(nil, []byte(juniperLines[0].line)) {
		t.Fatalf("Juniper.Access multiline rule: %+v", lt.Multiline)
	}
	got, ok, err := parseForTest(lt, lt.NewParser(), juniperLines[0].line+"\nGET / HTTP/1.1\nHost: zach-vm", false)
	if err != nil || !ok || !strings.Contains(got, `"http_message":"GET / HTTP/1.1\nHost: zach-vm"`) {
		t.Errorf("joined record: %s %v %v", got, ok, err)
	}
	if _, _, err := parseForTest(lt, lt.NewParser(), "GET / HTTP/1.1", false); err == nil || !strings.Contains(err.Error(), "expected a timestamp") {
		t.Errorf("HTTP line alone: %v", err)
	}
	mws := embeddedTypeForTest(t, juniperSchemaFiles["Juniper.MWS"])
	if _, _, err := parseForTest(mws, mws.NewParser(), "Mar 19 21:11:49 webappsecure [INFO][mws-cluster-services][db-cleanup] ok\nmore", false); err == nil || !strings.Contains(err.Error(), "expected one line") {
		t.Errorf("two lines for Juniper.MWS: %v", err)
	}
}

// FuzzJuniperLine runs every Juniper parser on arbitrary lines: no panic, an event or an error
// but not both, a short error, and a timestamp in every event.
func FuzzJuniperLine(f *testing.F) {
	for _, l := range juniperLines {
		f.Add(l.line)
	}
	f.Add("Mar  9 18:49:32 h kernel: IPTABLES X: A=1 SYN DF= ID=")
	f.Add(`Oct 13 16:33:13 j [INFO][mws-security-alert][t] MKS_Category="New Profile" MKS_X="\`)
	f.Add("Feb 29 00:00:00 h postgres[1]: [1-1] a b C:")
	f.Add("Mar 19 18:42:38 h [][]:")
	old := Now
	Now = func() time.Time { return juniperNow }
	defer func() { Now = old }()
	var types []*LogType
	for _, path := range juniperSchemaFiles {
		types = append(types, embeddedTypeForTest(f, path))
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, lt := range types {
			d := &decode.Decoder{Arena: &event.Arena{}}
			v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(line)})
			if ok && err != nil {
				t.Fatalf("%s: an event and an error %v", lt.Name, err)
			}
			if err != nil && len(err.Error()) > 600 {
				t.Fatalf("%s: error message is %d bytes long", lt.Name, len(err.Error()))
			}
			if ok {
				if _, found := decode.EventTime(lt.LogType, &v); !found {
					t.Fatalf("%s: event of %q has no event time", lt.Name, line)
				}
			}
		}
	})
}

func BenchmarkJuniperParsers(b *testing.B) {
	old := Now
	Now = func() time.Time { return juniperNow }
	defer func() { Now = old }()
	for _, tc := range []struct{ name, logType, line string }{
		{"Firewall", "Juniper.Firewall", juniperLines[4].line},
		{"Security", "Juniper.Security", juniperLines[9].line},
		{"MWS", "Juniper.MWS", juniperLines[6].line},
	} {
		b.Run(tc.name, func(b *testing.B) {
			lt := embeddedTypeForTest(b, juniperSchemaFiles[tc.logType])
			p := lt.NewParser()
			arena := &event.Arena{}
			d := &decode.Decoder{Arena: arena}
			rec := &input.Record{Data: []byte(tc.line)}
			b.SetBytes(int64(len(tc.line)))
			b.ReportAllocs()
			for b.Loop() {
				arena.Reset()
				if _, ok, err := p.Parse(d, rec); !ok || err != nil {
					b.Fatalf("Parse = ok %v, error %v", ok, err)
				}
			}
		})
	}
}
