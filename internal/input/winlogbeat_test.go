package input

import (
	"strings"
	"testing"
)

func TestWinlogbeat(t *testing.T) {
	v8 := `{"@timestamp":"2024-10-15T12:00:01.451Z","agent":{"type":"winlogbeat","version":"8.15.0"},"ecs":{"version":"8.0.0"},` +
		`"event":{"code":"4624","kind":"event","provider":"Microsoft-Windows-Security-Auditing","action":"logged-in","outcome":"success"},` +
		`"host":{"name":"dc01.corp.example.com"},"log":{"level":"information"},"message":"An account was successfully logged on.",` +
		`"winlog":{"api":"wineventlog","channel":"Security","computer_name":"DC01.corp.example.com","event_id":"4624",` +
		`"provider_name":"Microsoft-Windows-Security-Auditing","provider_guid":"{5484}","record_id":2048576,"version":2,` +
		`"process":{"pid":788,"thread":{"id":4120}},"task":"Logon","opcode":"Info","keywords":["Audit Success"],` +
		`"activity_id":"{6C1F}","user":{"identifier":"S-1-5-18","name":"SYSTEM","domain":"NT AUTHORITY"},` +
		`"event_data":{"TargetUserName":"alice","LogonType":"10"}}}`
	v8JSON := `{"EventID":4624,"Version":2,"TimeCreated":"2024-10-15T12:00:01.451Z","EventRecordID":2048576,"Correlation":{"ActivityID":"{6C1F}"},` +
		`"Execution":{"ProcessID":788,"ThreadID":4120},"Channel":"Security","Computer":"DC01.corp.example.com","Security":{"UserID":"S-1-5-18"},` +
		`"Provider":{"Name":"Microsoft-Windows-Security-Auditing","Guid":"{5484}"},"EventData":{"TargetUserName":"alice","LogonType":"10"},` +
		`"Message":"An account was successfully logged on.","RenderingInfo":{"Level":"information","Task":"Logon","Opcode":"Info","Keywords":["Audit Success"]}}`
	v6 := `{"@timestamp":"2019-03-01T10:00:00.000Z","beat":{"name":"W"},"computer_name":"W.corp.example.com","event_id":7036,"level":"Information",` +
		`"log_name":"System","record_number":"5521","source_name":"Service Control Manager","process_id":640,"thread_id":"712","type":"wineventlog",` +
		`"event_data":{"param1":"Windows Update","param2":"running"},"message":"The Windows Update service entered the running state."}`
	v6JSON := `{"EventID":7036,"TimeCreated":"2019-03-01T10:00:00.000Z","EventRecordID":5521,"Execution":{"ProcessID":640,"ThreadID":712},` +
		`"Channel":"System","Computer":"W.corp.example.com","Provider":{"Name":"Service Control Manager"},` +
		`"EventData":{"param1":"Windows Update","param2":"running"},"Message":"The Windows Update service entered the running state.","RenderingInfo":{"Level":"Information"}}`
	sorted := `{"@metadata":{"beat":"winlogbeat"},"@timestamp":"2024-10-15T12:00:09Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"WKS","event_id":1,"time_created":"2024-10-15T12:00:08.5Z"}}`
	sortedJSON := `{"EventID":1,"TimeCreated":"2024-10-15T12:00:08.5Z","Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WKS"}`
	for _, c := range []struct{ name, in, want string }{
		{"winlogbeat 8", v8, "1:json:" + v8JSON},
		{"winlogbeat 6, top-level fields", v6, "1:json:" + v6JSON},
		{"keys sorted, time_created", sorted, "1:json:" + sortedJSON},
		{"no event_id: as it is", `{"@timestamp":"t","winlog":{"channel":"Security","computer_name":"W"}}`,
			`1:json:{"@timestamp":"t","winlog":{"channel":"Security","computer_name":"W"}}`},
		{"event_id not a number: as it is", `{"@timestamp":"t","winlog":{"channel":"S","computer_name":"W","event_id":"x"}}`,
			`1:json:{"@timestamp":"t","winlog":{"channel":"S","computer_name":"W","event_id":"x"}}`},
		{"another ECS document: as it is", `{"@timestamp":"t","message":"winlog","event":{"code":"1"}}`,
			`1:json:{"@timestamp":"t","message":"winlog","event":{"code":"1"}}`},
		{"winlog not first: as it is", `{"winlog":{"channel":"S","computer_name":"W","event_id":1}}`,
			`1:json:{"winlog":{"channel":"S","computer_name":"W","event_id":1}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := unwrapAll(t, c.in)
			if s := strings.Join(got, "|"); s != c.want {
				t.Errorf("got  %s\nwant %s", s, c.want)
			}
		})
	}
}

// FuzzWinlogbeat checks that the records made from Winlogbeat documents are valid JSON.
func FuzzWinlogbeat(f *testing.F) {
	f.Add([]byte(`{"@timestamp":"2024-10-15T12:00:01Z","log":{"level":"i"},"winlog":{"event_id":"4624","channel":"Security","computer_name":"W","process":{"pid":"1","thread":{"id":2}},"keywords":["a"],"event_data":{"a":"b"},"user_data":{"x":{}}}}`))
	f.Add([]byte(`{"@metadata":{},"log_name":"System","event_id":7036,"computer_name":"W","record_number":"12","user":{"identifier":"S"},"version":"1e2"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkEnvelopeRecords(t, in)
	})
}
