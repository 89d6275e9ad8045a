package logtypes

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logschema"
)

func TestCheckGCPAuditLogName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // substring of the error; "" means valid
	}{
		{"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity", ""},
		{"projects/acme-prod/logs/cloudaudit.googleapis.com%2fdata_access", ""},
		{"organizations/123456789012/logs/cloudaudit.googleapis.com%2Fsystem_event", ""},
		{"folders/42/logs/cloudaudit.googleapis.com%2Fpolicy", ""},
		{"billingAccounts/01A2B3-C4D5E6-F7A8B9/logs/cloudaudit.googleapis.com/activity", ""},
		{"", "expected a log name of the form <parent>/logs/<log id>"},
		{"cloudaudit.googleapis.com%2Factivity", "expected a log name of the form <parent>/logs/<log id>"},
		{"/logs/cloudaudit.googleapis.com%2Factivity", "expected a log name of the form <parent>/logs/<log id>"},
		{"projects/p/logs/cloudaudit.googleapis.com%2Faccess_transparency", `got log id "cloudaudit.googleapis.com%2Faccess_transparency"`},
		{"projects/p/logs/cloudaudit.googleapis.com%2Factivity2", "expected an audit log"},
		{"projects/p/logs/cloudaudit.googleapis.com%2F", "expected an audit log"},
		{"projects/p/logs/cloudaudit.googleapis.com", "expected an audit log"},
		{"projects/p/logs/cloudaudit.googleapis.com%2", "expected an audit log"},
		{"projects/p/logs/cloudaudit.googleapis.comXactivity", "expected an audit log"},
		{"projects/p/logs/cloudaudit.googleapis.com%2FACTIVITY", "expected an audit log"},
		{"projects/p/logs/compute.googleapis.com%2Factivity", "expected an audit log"},
		{"projects/p/logs/stdout", `got log id "stdout"`},
		{"projects/p/logs/" + strings.Repeat("x", 200), `xxx"...`},
		{"0/logs/0\x00" + strings.Repeat("\xa1", 100), `got log id "0\x00\xa1`},
	}
	for _, tt := range tests {
		err := checkGCPAuditLogName(tt.name)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("checkGCPAuditLogName(%q) = %v, want nil", tt.name, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("checkGCPAuditLogName(%q) = nil, want an error containing %q", tt.name, tt.wantErr)
		case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
			t.Errorf("checkGCPAuditLogName(%q) = %q, want it to contain %q", tt.name, err, tt.wantErr)
		}
	}
}

// gcpAuditLogType builds GCP.AuditLog from its embedded schema alone, so that the test does
// not depend on the other managed schemas.
func gcpAuditLogType(tb testing.TB) *LogType {
	tb.Helper()
	data, err := managedFS.ReadFile("schemas/gcp/auditlog.yml")
	if err != nil {
		tb.Fatal(err)
	}
	s, err := logschema.Parse("schemas/gcp/auditlog.yml", data)
	if err != nil {
		tb.Fatal(err)
	}
	lt, err := Build(s)
	if err != nil {
		tb.Fatal(err)
	}
	if !lt.JSON {
		tb.Fatal("GCP.AuditLog is not marked as a JSON type")
	}
	return lt
}

const gcpSampleEntry = `{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog",` +
	`"status":{},"authenticationInfo":{"principalEmail":"alice@example.com"},` +
	`"requestMetadata":{"callerIp":"203.0.113.17","callerSuppliedUserAgent":"gcloud/457.0.0"},` +
	`"serviceName":"compute.googleapis.com","methodName":"v1.compute.instances.insert",` +
	`"authorizationInfo":[{"permission":"compute.instances.create","granted":true,"resourceAttributes":{}}],` +
	`"resourceName":"projects/acme-prod/zones/us-central1-a/instances/web-1",` +
	`"request":{"@type":"type.googleapis.com/compute.instances.insert","name":"web-1"}},` +
	`"insertId":"-x8u7kbe1a2b3","resource":{"type":"gce_instance","labels":{"project_id":"acme-prod"}},` +
	`"timestamp":"2024-03-05T14:22:10.301822Z","severity":"NOTICE",` +
	`"logName":"LOGNAME","receiveTimestamp":"2024-03-05T14:22:11.042189466Z"}`

func gcpEntry(logName string) []byte {
	return []byte(strings.Replace(gcpSampleEntry, "LOGNAME", logName, 1))
}

func TestGCPAuditLogParser(t *testing.T) {
	lt := gcpAuditLogType(t)
	tests := []struct {
		desc    string
		data    []byte
		json    bool
		wantErr string
	}{
		{"activity", gcpEntry("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity"), true, ""},
		{"policy", gcpEntry("folders/1/logs/cloudaudit.googleapis.com%2Fpolicy"), true, ""},
		{"not an audit log", gcpEntry("projects/acme-prod/logs/syslog"), true, `field logName: expected an audit log`},
		{"no logName", []byte(strings.Replace(gcpSampleEntry, `"logName":"LOGNAME",`, "", 1)), true, "field logName: required field is missing"},
		{"wrong payload", []byte(strings.Replace(string(gcpEntry("projects/p/logs/cloudaudit.googleapis.com%2Factivity")),
			"google.cloud.audit.AuditLog", "google.cloud.audit.TransparencyLog", 1)), true, "field protoPayload.@type: "},
		{"text record", []byte("projects/p/logs/cloudaudit.googleapis.com%2Factivity"), false, errNotJSON.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			d := &decode.Decoder{Arena: &event.Arena{}}
			v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: tt.data, JSON: tt.json, Line: 1})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want one containing %q", err, tt.wantErr)
				}
				if ok {
					t.Fatal("Parse reported ok with an error")
				}
				return
			}
			if err != nil || !ok {
				t.Fatalf("Parse = ok %v, error %v; want an event", ok, err)
			}
			i, _ := lt.Root.FieldIndexString("logName")
			if got := v.Items[i].S; !strings.Contains(string(tt.data), got) || got == "" {
				t.Fatalf("logName = %q, not the input's", got)
			}
			ts, found := decode.EventTime(lt.LogType, &v)
			if got := (&event.Value{Kind: event.Time, N: ts}).Time().Format("2006-01-02T15:04:05.999999Z"); !found || got != "2024-03-05T14:22:10.301822Z" {
				t.Fatalf("event time = %d (found %v), want the entry's timestamp", ts, found)
			}
		})
	}
}

// TestGCPAuditLogEventTimeFallback checks that receiveTimestamp is the event time when the
// entry has no timestamp.
func TestGCPAuditLogEventTimeFallback(t *testing.T) {
	lt := gcpAuditLogType(t)
	data := strings.Replace(string(gcpEntry("projects/p/logs/cloudaudit.googleapis.com%2Fsystem_event")),
		`"timestamp":"2024-03-05T14:22:10.301822Z",`, "", 1)
	d := &decode.Decoder{Arena: &event.Arena{}}
	v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(data), JSON: true})
	if err != nil || !ok {
		t.Fatalf("Parse = ok %v, error %v", ok, err)
	}
	ts, found := decode.EventTime(lt.LogType, &v)
	want := "2024-03-05T14:22:11.042189466Z"
	if got := (&event.Value{Kind: event.Time, N: ts}).Time().Format("2006-01-02T15:04:05.999999999Z"); !found || got != want {
		t.Fatalf("event time = %s (found %v), want %s", got, found, want)
	}
}

func TestNewGCPAuditLogNeedsLogName(t *testing.T) {
	s, err := logschema.Parse("test.yml", []byte("version: 0\nschema: Test.GCP\nparser:\n  native:\n    name: GCP.AuditLog\nfields:\n  - name: logName\n    type: int\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(s); err == nil || !strings.Contains(err.Error(), `string field "logName"`) {
		t.Fatalf("Build error = %v, want one about the logName field", err)
	}
}

// gcpAuditLogOracle restates the accepted names as a set of log IDs, to check
// checkGCPAuditLogName against.
func gcpAuditLogOracle(name string) bool {
	i := strings.Index(name, "/logs/")
	if i <= 0 {
		return false
	}
	id := name[i+len("/logs/"):]
	for _, kind := range gcpAuditLogIDs {
		for _, sep := range []string{"%2F", "%2f", "/"} {
			if id == "cloudaudit.googleapis.com"+sep+kind {
				return true
			}
		}
	}
	return false
}

func FuzzGCPAuditLogName(f *testing.F) {
	for _, s := range []string{
		"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity",
		"organizations/1/logs/cloudaudit.googleapis.com%2fdata_access",
		"folders/1/logs/cloudaudit.googleapis.com/policy",
		"projects/p/logs/cloudaudit.googleapis.com%2",
		"projects/p/logs/x/logs/cloudaudit.googleapis.com%2Fsystem_event",
		"/logs/", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := checkGCPAuditLogName(name)
		if want := gcpAuditLogOracle(name); (err == nil) != want {
			t.Fatalf("checkGCPAuditLogName(%q) = %v, oracle says valid=%v", name, err, want)
		}
		// Bad values are cut to 80 bytes, which quote to at most 4 bytes each.
		if err != nil && len(err.Error()) > 200+4*80 {
			t.Fatalf("error message is %d bytes long; bad values must be shortened", len(err.Error()))
		}
	})
}

func FuzzGCPAuditLogParser(f *testing.F) {
	lt := gcpAuditLogType(f)
	f.Add(gcpEntry("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity"))
	f.Add(gcpEntry("projects/acme-prod/logs/cloudaudit.googleapis.com%2Fdata_access"))
	f.Add(gcpEntry("projects/acme-prod/logs/requests"))
	f.Add([]byte(`{"logName":7}`))
	f.Add([]byte(`{"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decode.Decoder{Arena: &event.Arena{}}
		rec := &input.Record{Data: data, JSON: json.Valid(data)}
		v, ok, err := lt.NewParser().Parse(d, rec)
		if err != nil {
			if ok {
				t.Fatal("Parse reported ok with an error")
			}
			if !rec.JSON && !errors.Is(err, errNotJSON) {
				t.Fatalf("text record: error %v, want errNotJSON", err)
			}
			return
		}
		if !ok {
			t.Fatal("Parse returned no event and no error")
		}
		i, _ := lt.Root.FieldIndexString("logName")
		if name := v.Items[i]; name.Kind != event.String || !gcpAuditLogOracle(name.S) {
			t.Fatalf("accepted an entry whose logName %+v is not an audit log", name)
		}
	})
}

func BenchmarkGCPAuditLogParser(b *testing.B) {
	lt := gcpAuditLogType(b)
	data := gcpEntry("projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity")
	rec := &input.Record{Data: data, JSON: true}
	d := &decode.Decoder{Arena: &event.Arena{}}
	p := lt.NewParser()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d.Arena.Reset()
		if _, ok, err := p.Parse(d, rec); err != nil || !ok {
			b.Fatal(err)
		}
	}
}
