package logtypes_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/logtypes"
)

// TestCrowdstrikeFDREventAlone parses the samples in testdata/golden/Crowdstrike.FDREvent/alone
// with only Crowdstrike.FDREvent enabled, as for a source set up for that type alone: sensor
// events and inventory records, which the older Crowdstrike types take when they are enabled
// too, must all parse as FDREvent. The outputs are compared with the .golden files there.
func TestCrowdstrikeFDREventAlone(t *testing.T) {
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	lt := reg.Get("Crowdstrike.FDREvent")
	if lt == nil {
		t.Fatal("no Crowdstrike.FDREvent log type")
	}
	dir := filepath.Join("testdata", "golden", "Crowdstrike.FDREvent", "alone")
	files := samples(t, dir)
	if len(files) == 0 {
		t.Fatalf("%s: no samples", dir)
	}
	for _, path := range files {
		lines, got, quarantined := run(t, []*logtypes.LogType{lt}, path)
		if quarantined > 0 {
			t.Errorf("%s: %d lines quarantined:\n%s", path, quarantined, grep(lines, "QUARANTINE"))
		}
		for i, typ := range got {
			if typ != "Crowdstrike.FDREvent" {
				t.Errorf("%s: event %d classified as %s", path, i+1, typ)
			}
		}
		out := strings.Join(lines, "\n") + "\n"
		golden := path + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(want, []byte(out)) {
			t.Errorf("%s: output differs from %s (run with -update after checking):\n%s", path, golden, diff(string(want), out))
		}
	}
}

// TestCrowdstrikeRouting checks which Crowdstrike type gets each kind of FDR record when every
// managed log type is enabled: the Panther v1 types keep the sensor events and inventory
// records they claim, and Crowdstrike.FDREvent, ranked after them, gets everything they cannot
// parse, the sensor events of other types included (which Crowdstrike.Unknown, the v1
// catch-all ranked after Crowdstrike.FDREvent, takes only when Crowdstrike.FDREvent is off).
func TestCrowdstrikeRouting(t *testing.T) {
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	const common = `"aid":"4d92d2adf9009775a446ce0fe2689915","cid":"c4e1f8a2b7d94e0f9a6b3c2d1e0f4a5b","event_platform":"Win",` +
		`"timestamp":"1718028000123","ContextTimeStamp":"1718027998.512","ConfigBuild":"1007.3.0018806.1","EffectiveTransmissionClass":"3"`
	sensor := func(simpleName, name, extra string) string {
		return `{"event_simpleName":"` + simpleName + `","name":"` + name + `",` + common + extra + `}`
	}
	records := []struct{ record, want string }{
		{sensor("DnsRequest", "DnsRequestV4", `,"DomainName":"example.com"`), "Crowdstrike.DNSRequest"},
		{sensor("NetworkConnectIP4", "NetworkConnectIP4V5", `,"RemoteAddressIP4":"192.0.2.1","RemotePort":"443"`), "Crowdstrike.NetworkConnect"},
		{sensor("NetworkConnectIP6", "NetworkConnectIP6V5", ``), "Crowdstrike.NetworkConnect"},
		{sensor("NetworkListenIP4", "NetworkListenIP4V5", `,"LocalPort":"4444"`), "Crowdstrike.NetworkListen"},
		{sensor("NetworkListenIP6", "NetworkListenIP6V5", ``), "Crowdstrike.NetworkListen"},
		{`{"event_simpleName":"ProcessRollup2","name":"ProcessRollup2V19","aid":"a1","cid":"c1","timestamp":"1718028000123","CommandLine":"cmd.exe","EffectiveTransmissionClass":"3"}`, "Crowdstrike.ProcessRollup2"},
		{sensor("SyntheticProcessRollup2", "SyntheticProcessRollup2V2", `,"SyntheticPR2Flags":"0"`), "Crowdstrike.SyntheticProcessRollup2"},
		{sensor("GroupIdentity", "GroupIdentityMacV1", `,"GID":"20"`), "Crowdstrike.GroupIdentity"},
		{sensor("UserIdentity", "UserIdentityV12", `,"UserName":"jdoe"`), "Crowdstrike.UserIdentity"},
		{sensor("EndOfProcess", "EndOfProcessV17", `,"ExitCode":"0"`), "Crowdstrike.FDREvent"},
		{sensor("UserLogon", "UserLogonV9", ``), "Crowdstrike.FDREvent"},
		{`{"AgentVersion":"7.14.16703.0","Time":"1718028102","aid":"a1","cid":"c1","AgentLoadFlags":"0"}`, "Crowdstrike.AIDMaster"},
		{`{"_time":"1718028200.250","cid":"c1","FileName":"x.exe","SHA256HashData":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, "Crowdstrike.AppInfo"},
		{`{"_time":"1718028300.100","cid":"c1","UserName":"x","UserSid_readable":"S-1-5-21-0-0-0-1001"}`, "Crowdstrike.UserInfo"},
		{`{"_time":"1718028400.000","aid":"a1","cid":"c1","MAC":"M","LocalAddressIP4":"10.0.0.1"}`, "Crowdstrike.ManagedAssets"},
		{`{"_time":"1718028500.395","cid":"c1","CurrentLocalIP":"10.0.0.1","MAC":"M","discovererCount":"1","aip":"192.0.2.7"}`, "Crowdstrike.NotManagedAssets"},
		// Records no v1 type parses.
		{`{"cid":"c1","EventType":"Event_ExternalApiEvent","ExternalApiType":"Event_UserActivityAuditEvent","UserId":"a@example.com","timestamp":"2024-06-10T14:10:00Z"}`, "Crowdstrike.FDREvent"},
		{`{"cid":"c1","event_type":"ZeroTrustHostAssessment","aid":"a1","timestamp":"1718028603000"}`, "Crowdstrike.FDREvent"},
		{`{"cid":"c1","aid":"a1","event_platform":"Win","timestamp":"1718028603000","ContextTimeStamp":"1718028603.000","ConfigBuild":"1007.3.0018806.1"}`, "Crowdstrike.FDREvent"},
		// Falcon Streaming API events.
		{`{"metadata":{"customerIDString":"c1","offset":1,"eventType":"AuthActivityAuditEvent","eventCreationTime":1718028701137,"version":"1.0"},"event":{"UserId":"a@example.com"}}`, "Crowdstrike.EventStreams"},
	}
	var data strings.Builder
	for _, r := range records {
		data.WriteString(r.record)
		data.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "fdr.json")
	if err := os.WriteFile(path, []byte(data.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	lines, got, quarantined := run(t, reg.All(), path)
	if quarantined > 0 {
		t.Fatalf("%d records quarantined:\n%s", quarantined, grep(lines, "QUARANTINE"))
	}
	if len(got) != len(records) {
		t.Fatalf("got %d events for %d records", len(got), len(records))
	}
	for i, r := range records {
		if got[i] != r.want {
			t.Errorf("record %d went to %s, want %s: %s", i+1, got[i], r.want, r.record)
		}
	}
	// Without Crowdstrike.FDREvent, the v1 catch-all takes the sensor events of other types.
	var v1 []*logtypes.LogType
	for _, lt := range reg.All() {
		if lt.Name != "Crowdstrike.FDREvent" {
			v1 = append(v1, lt)
		}
	}
	_, got, _ = run(t, v1, path)
	if got[9] != "Crowdstrike.Unknown" || got[10] != "Crowdstrike.Unknown" {
		t.Errorf("without Crowdstrike.FDREvent, records 10 and 11 went to %s and %s, want Crowdstrike.Unknown", got[9], got[10])
	}
}
