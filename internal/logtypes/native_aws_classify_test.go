package logtypes_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/classify"
	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/input"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// classifyStream frames text as one file and classifies each record with every managed type
// enabled. It returns the log type of each record, "header" for a record consumed without an
// event, or "quarantine".
func classifyStream(t *testing.T, text string) []string {
	t.Helper()
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	c := classify.New(reg.All(), &decode.Decoder{Arena: &event.Arena{}})
	rd := input.NewReader(strings.NewReader(text), input.Options{})
	var got []string
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		res, fail := c.Classify(&rec)
		switch {
		case fail != nil:
			got = append(got, "quarantine")
		case !res.OK:
			got = append(got, "header")
		default:
			got = append(got, res.LogType.Name)
		}
	}
}

// TestAWSTypesDoNotClaimEachOther mixes the records of the AWS types that share keys (the three
// CloudTrail types, EventBridge events carrying CloudTrail events and GuardDuty findings) in
// one file: each must get its own type.
func TestAWSTypesDoNotClaimEachOther(t *testing.T) {
	const owner = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	records := []struct{ typ, rec string }{
		{"AWS.CloudTrail", `{"eventVersion":"1.08","eventTime":"2024-11-02T10:06:00Z","eventSource":"iam.amazonaws.com","eventName":"ListRoles","awsRegion":"us-east-1","eventID":"e1","eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"123456789012"}`},
		{"AWS.CloudTrailInsight", `{"eventVersion":"1.08","eventTime":"2024-11-03T07:51:00Z","awsRegion":"us-east-1","eventID":"e2","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","sharedEventID":"s","insightDetails":{"state":"Start","eventSource":"ssm.amazonaws.com","eventName":"UpdateInstanceAssociationStatus","insightType":"ApiCallRateInsight"},"eventCategory":"Insight"}`},
		{"AWS.CloudTrailDigest", `{"awsAccountId":"111122223333","digestStartTime":"2024-11-04T13:01:31Z","digestEndTime":"2024-11-04T14:01:31Z","digestS3Bucket":"b","digestS3Object":"o","digestPublicKeyFingerprint":"31e8b5433410dfb61a9dc45cc65b22ff","digestSignatureAlgorithm":"SHA256withRSA","logFiles":[]}`},
		{"AWS.CloudWatchEvents", `{"version":"0","id":"c1","detail-type":"AWS API Call via CloudTrail","source":"aws.iam","account":"123456789012","time":"2024-11-02T10:06:00Z","region":"us-east-1","resources":[],"detail":{"eventVersion":"1.08","eventTime":"2024-11-02T10:06:00Z","eventSource":"iam.amazonaws.com","eventName":"ListRoles","awsRegion":"us-east-1"}}`},
		{"AWS.CloudWatchEvents", `{"version":"0","id":"c2","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"123456789012","time":"2024-11-06T10:00:00Z","region":"us-east-1","resources":[],"detail":{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","partition":"aws","id":"f","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f","type":"Recon:EC2/Portscan","service":{},"severity":2,"createdAt":"2024-11-06T10:00:00Z","updatedAt":"2024-11-06T10:00:00Z","title":"t"}}`},
		{"AWS.GuardDuty", `{"schemaVersion":"2.0","accountId":"123456789012","region":"us-east-1","partition":"aws","id":"f","arn":"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/f","type":"Recon:EC2/Portscan","service":{"serviceName":"guardduty"},"severity":2,"createdAt":"2024-11-06T10:00:00Z","updatedAt":"2024-11-06T10:00:00Z","title":"t"}`},
		{"AWS.WAFWebACL", `{"timestamp":1730900000123,"formatVersion":1,"webaclId":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/a/b","terminatingRuleId":"Default_Action","terminatingRuleType":"REGULAR","action":"ALLOW","httpSourceName":"ALB","httpRequest":{"clientIp":"192.0.2.1","country":"US","uri":"/"}}`},
		{"AWS.VPCDns", `{"version":"1.100000","account_id":"111122223333","region":"us-east-1","vpc_id":"vpc-1","query_timestamp":"2024-11-07T17:51:55Z","query_name":"example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.1","srcport":"5353","transport":"UDP","srcids":{"instance":"i-0abc"}}`},
		{"AWS.S3ServerAccess", owner + ` bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT k "GET /bkt/k HTTP/1.1" 200 - 113 4406583 7 - "-" "S3Console/0.4" -`},
		{"AWS.ALB", `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`},
	}
	var text strings.Builder
	var want []string
	// Twice, in two orders, so that the adaptive order of the text types is exercised too.
	for pass := 0; pass < 2; pass++ {
		for i := range records {
			r := records[i]
			if pass == 1 {
				r = records[len(records)-1-i]
			}
			text.WriteString(r.rec + "\n")
			want = append(want, r.typ)
		}
	}
	got := classifyStream(t, text.String())
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: classified as %s, want %s", i+1, got[i], want[i])
		}
	}
}

// TestVPCFlowHeaderFirst checks that the header of a VPC flow log file reaches the VPC flow
// parser before any other text type, that a file without one is read in the default layout
// when its lines are records of it, and that other space-separated lines are not.
func TestVPCFlowHeaderFirst(t *testing.T) {
	got := classifyStream(t, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"+
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n")
	if strings.Join(got, ",") != "header,AWS.VPCFlow" {
		t.Errorf("got %v, want [header AWS.VPCFlow]", got)
	}
	got = classifyStream(t, "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n")
	if strings.Join(got, ",") != "AWS.VPCFlow" {
		t.Errorf("a default-layout record without a header: %v", got)
	}
	got = classifyStream(t, "2 a b c d e f g h i j k l m\n1 2 3 4 5 6 7 8 9 10 11 12 13 14\n")
	for _, typ := range got {
		if typ == "AWS.VPCFlow" {
			t.Errorf("lines of 14 words that are not flow records produced VPC flow events: %v", got)
		}
	}
}
