package logtypes

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
)

// ocsfFlowSample is an Amazon Security Lake VPC flow record in OCSF 1.1.
const ocsfFlowSample = `{"metadata":{"product":{"version":"5","name":"Amazon VPC","feature":{"name":"Flowlogs"},"vendor_name":"AWS"},` +
	`"profiles":["cloud","security_control","datetime"],"version":"1.1.0"},"cloud":{"account":{"uid":"123456789012"},` +
	`"region":"us-east-1","zone":"use1-az1","provider":"AWS"},"src_endpoint":{"port":46608,"ip":"10.0.1.15",` +
	`"interface_uid":"eni-0a1b2c3d4e5f6a7b8","vpc_uid":"vpc-0123456789abcdef0","instance_uid":"i-0abcdef1234567890"},` +
	`"dst_endpoint":{"port":443,"ip":"52.94.133.131"},"connection_info":{"protocol_num":6,"tcp_flags":19,"protocol_ver":"IPv4",` +
	`"direction_id":2,"direction":"Outbound"},"traffic":{"packets":24,"bytes":6240},"time":1700000000000,` +
	`"start_time":1699999940000,"end_time":1700000000000,"status_code":"OK","severity_id":1,"severity":"Informational",` +
	`"class_name":"Network Activity","class_uid":4001,"category_name":"Network Activity","category_uid":4,` +
	`"activity_name":"Traffic","activity_id":6,"disposition":"Allowed","disposition_id":1,"type_uid":400106}`

func TestOCSFNetworkActivity(t *testing.T) {
	lt := managedType(t, "OCSF.NetworkActivity")
	v, ok, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(ocsfFlowSample), JSON: true})
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if got := render(field(t, lt, v, "time")); got != "2023-11-14T22:13:20Z" {
		t.Errorf("time = %s", got)
	}
	tests := []struct{ rec, err string }{
		{strings.Replace(ocsfFlowSample, `"class_uid":4001`, `"class_uid":3002`, 1), "field class_uid: expected 4001, got 3002"},
		{strings.Replace(ocsfFlowSample, `"class_uid":4001,`, ``, 1), "field class_uid: required field is missing"},
		{strings.Replace(ocsfFlowSample, `"class_uid":4001`, `"class_uid":"4001x"`, 1), "field class_uid"},
		{strings.Replace(ocsfFlowSample, `"time":1700000000000,`, ``, 1), "field time: required field is missing"},
	}
	for _, tt := range tests {
		_, ok, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(tt.rec), JSON: true})
		if ok || err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("ok=%v err=%v, want an error containing %q", ok, err, tt.err)
		}
	}
	if _, _, err := lt.NewParser().Parse(newDecoder(), &input.Record{Data: []byte(ocsfFlowSample)}); err == nil {
		t.Error("a text record was accepted")
	}
}

func FuzzOCSFNetworkActivity(f *testing.F) {
	lt := managedType(f, "OCSF.NetworkActivity")
	for _, s := range []string{ocsfFlowSample, `{"class_uid":4001,"time":1,"metadata":{}}`, `{"class_uid":3002,"time":1,"metadata":{}}`} {
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
		if c := field(t, lt, v, "class_uid"); c.Kind != event.Int || c.N != 4001 {
			t.Fatalf("accepted class_uid %s", render(c))
		}
	})
}

func BenchmarkOCSFNetworkActivity(b *testing.B) {
	benchParser(b, "OCSF.NetworkActivity", "", ocsfFlowSample, true)
}
