package logtypes

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/input"
)

// windows4624Sample is a successful logon from the Security log.
const windows4624Sample = `{"EventID":4624,"Version":2,"Level":0,"Task":12544,"Opcode":0,"Keywords":"0x8020000000000000",` +
	`"TimeCreated":"2024-05-14T09:12:33.4517523Z","EventRecordID":1048576,"Execution":{"ProcessID":788,"ThreadID":4120},` +
	`"Channel":"Security","Computer":"DC01.corp.example.com","Provider":{"Name":"Microsoft-Windows-Security-Auditing",` +
	`"Guid":"{54849625-5478-4994-A5BA-3E3B0328C30D}"},"EventData":{"SubjectUserSid":"S-1-5-18","SubjectUserName":"DC01$",` +
	`"SubjectDomainName":"CORP","SubjectLogonId":"0x3e7","TargetUserSid":"S-1-5-21-3623811015-3361044348-30300820-1013",` +
	`"TargetUserName":"alice","TargetDomainName":"CORP","TargetLogonId":"0x8dcdc","LogonType":"10","LogonProcessName":"User32 ",` +
	`"AuthenticationPackageName":"Negotiate","WorkstationName":"WKS-042","TransmittedServices":"-","LmPackageName":"-",` +
	`"KeyLength":"0","ProcessId":"0x2a4","ProcessName":"C:\\Windows\\System32\\svchost.exe","IpAddress":"203.0.113.25",` +
	`"IpPort":"51324","ImpersonationLevel":"%%1833"}}`

// sysmon1Sample is a Sysmon process creation.
const sysmon1Sample = `{"EventID":1,"Version":5,"Level":4,"Task":1,"TimeCreated":"2024-05-14T09:20:00.1234567Z","EventRecordID":73001,` +
	`"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WKS-042.corp.example.com",` +
	`"Provider":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"},"Security":{"UserID":"S-1-5-18"},` +
	`"EventData":{"RuleName":"-","UtcTime":"2024-05-14 09:20:00.120","ProcessGuid":"{5f1c2e3d-0a1b-6643-2c01-000000001a00}",` +
	`"ProcessId":"8004","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",` +
	`"CommandLine":"powershell.exe -nop -w hidden -enc SQBFAFgA","User":"CORP\\alice","LogonId":"0x8cddc","TerminalSessionId":"1",` +
	`"IntegrityLevel":"Medium","Hashes":"SHA1=0A3F7C1D6B5E4A3928171605F4E3D2C1B0A99887,MD5=7353F60B1739074EB17C5F4DDDEFE239,` +
	`SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F",` +
	`"ParentProcessId":"6544","ParentImage":"C:\\Windows\\explorer.exe","ParentUser":"CORP\\alice"}}`

func TestWindowsEventLogs(t *testing.T) {
	lt := managedType(t, "Windows.EventLogs")
	d := newDecoder()
	v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(windows4624Sample), JSON: true})
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if got := render(field(t, lt, v, "TimeCreated")); got != "2024-05-14T09:12:33.4517523Z" {
		t.Errorf("TimeCreated = %s", got)
	}
	want := map[indicators.Kind][]string{
		indicators.KindIPAddress:  {"203.0.113.25"},
		indicators.KindUsername:   {"DC01$", "alice"},
		indicators.KindDomainName: {"dc01.corp.example.com", "wks-042"},
	}
	for k, w := range want {
		if got := d.Indicators.Values(k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", k.Column(), got, w)
		}
	}
	// Sysmon events belong to Windows.Sysmon.
	_, ok, err = lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(sysmon1Sample), JSON: true})
	if ok || err == nil || !strings.Contains(err.Error(), "field Channel") {
		t.Errorf("a Sysmon event: ok=%v err=%v", ok, err)
	}
}

func TestWindowsSysmon(t *testing.T) {
	lt := managedType(t, "Windows.Sysmon")
	d := newDecoder()
	v, ok, err := lt.NewParser().Parse(d, &input.Record{Data: []byte(sysmon1Sample), JSON: true})
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	data := field(t, lt, v, "EventData")
	edType := lt.Root.Fields[mustIndex(t, lt, "EventData")].Type
	for name, want := range map[string]string{
		"ProcessId": "8004", "UtcTime": "2024-05-14T09:20:00.12Z", "User": `CORP\alice`,
		"Hashes": "SHA1=0A3F7C1D6B5E4A3928171605F4E3D2C1B0A99887,MD5=7353F60B1739074EB17C5F4DDDEFE239,SHA256=DE96A6E69944335375DC1AC238336066889D9FFC7D73628EF4FE1B1B160AB32C,IMPHASH=741776AACCFC5B71FF59832DCDCACE0F",
	} {
		i, ok := edType.FieldIndexString(name)
		if !ok {
			t.Fatalf("EventData has no field %s", name)
		}
		if got := render(data.Items[i]); got != want {
			t.Errorf("EventData.%s = %s, want %s", name, got, want)
		}
	}
	want := map[indicators.Kind][]string{
		indicators.KindMD5:      {"7353f60b1739074eb17c5f4dddefe239"},
		indicators.KindSHA1:     {"0a3f7c1d6b5e4a3928171605f4e3d2c1b0a99887"},
		indicators.KindSHA256:   {"de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c"},
		indicators.KindUsername: {`CORP\alice`},
	}
	for k, w := range want {
		if got := d.Indicators.Values(k); !reflect.DeepEqual(got, w) {
			t.Errorf("%s = %v, want %v", k.Column(), got, w)
		}
	}
	_, ok, err = lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(windows4624Sample), JSON: true})
	if ok || err == nil || !strings.Contains(err.Error(), "field Channel") {
		t.Errorf("a Security event: ok=%v err=%v", ok, err)
	}
}

func mustIndex(tb testing.TB, lt *LogType, name string) int {
	tb.Helper()
	i, ok := lt.Root.FieldIndexString(name)
	if !ok {
		tb.Fatalf("%s has no field %s", lt.Name, name)
	}
	return i
}

func TestScanHashList(t *testing.T) {
	tests := []struct {
		in   string
		want map[indicators.Kind][]string
	}{
		{"MD5=44D88612FEA8A8F36DE82E1278ABB02F", map[indicators.Kind][]string{indicators.KindMD5: {"44d88612fea8a8f36de82e1278abb02f"}}},
		{"sha256=275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F,", map[indicators.Kind][]string{
			indicators.KindSHA256: {"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}}},
		{"IMPHASH=741776AACCFC5B71FF59832DCDCACE0F,MD5=zz,SHA1=,=,,", map[indicators.Kind][]string{}},
		{"44D88612FEA8A8F36DE82E1278ABB02F", map[indicators.Kind][]string{}},
	}
	for _, tt := range tests {
		var set indicators.Set
		scanHashList(&set, tt.in)
		for _, k := range indicators.Kinds {
			if got := set.Values(k); !reflect.DeepEqual(got, tt.want[k]) {
				t.Errorf("scanHashList(%q): %s = %v, want %v", tt.in, k.Column(), got, tt.want[k])
			}
		}
	}
}

func FuzzWindowsSysmon(f *testing.F) {
	lt := managedType(f, "Windows.Sysmon")
	for _, s := range []string{sysmon1Sample, windows4624Sample, `{"EventData":{"Hashes":"MD5=,SHA1=x"}}`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		if !json.Valid([]byte(rec)) {
			return // malformed JSON is the decoder's to reject; internal/decode fuzzes it
		}
		v, ok, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(rec), JSON: true})
		if err != nil {
			if ok {
				t.Fatalf("ok with an error: %v", err)
			}
			return
		}
		for _, name := range []string{"EventID", "Channel", "Computer", "TimeCreated"} {
			if field(t, lt, v, name).Kind == event.Null {
				t.Fatalf("accepted %q without %s", rec, name)
			}
		}
		if ch := field(t, lt, v, "Channel"); ch.S != "Microsoft-Windows-Sysmon/Operational" {
			t.Fatalf("accepted channel %q", ch.S)
		}
	})
}

func FuzzWindowsEventLogs(f *testing.F) {
	lt := managedType(f, "Windows.EventLogs")
	for _, s := range []string{windows4624Sample, sysmon1Sample, `{"EventID":1,"Channel":"System","Computer":"x","TimeCreated":"2024-01-01T00:00:00Z","EventData":{"IpAddress":["::1"]}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rec string) {
		if !json.Valid([]byte(rec)) {
			return // malformed JSON is the decoder's to reject; internal/decode fuzzes it
		}
		v, ok, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(rec), JSON: true})
		if err != nil {
			if ok {
				t.Fatalf("ok with an error: %v", err)
			}
			return
		}
		for _, name := range []string{"EventID", "Channel", "Computer", "TimeCreated"} {
			if field(t, lt, v, name).Kind == event.Null {
				t.Fatalf("accepted %q without %s", rec, name)
			}
		}
	})
}

func BenchmarkWindowsEventLogs(b *testing.B) {
	benchParser(b, "Windows.EventLogs", "", windows4624Sample, true)
}

func BenchmarkWindowsSysmon(b *testing.B) {
	benchParser(b, "Windows.Sysmon", "", sysmon1Sample, true)
}
