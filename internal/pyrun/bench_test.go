package pyrun

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// benchServices mirrors testdata/bench_rules/generate.py.
var benchServices = map[string][]string{
	"iam.amazonaws.com":            {"CreateUser", "DeleteUser", "AttachUserPolicy", "PutUserPolicy", "CreateAccessKey", "UpdateAssumeRolePolicy", "CreateLoginProfile", "DeactivateMFADevice", "AddUserToGroup", "PutRolePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "ListUsers", "GetUser"},
	"s3.amazonaws.com":             {"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock", "DeleteBucketEncryption", "PutBucketLogging", "GetObject", "PutObject", "ListBuckets", "HeadObject"},
	"ec2.amazonaws.com":            {"AuthorizeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateNetworkAclEntry", "ModifyInstanceAttribute", "RunInstances", "DescribeInstances", "DescribeSecurityGroups", "CreateRoute", "ModifySnapshotAttribute", "DeleteFlowLogs"},
	"cloudtrail.amazonaws.com":     {"StopLogging", "DeleteTrail", "UpdateTrail", "LookupEvents", "DescribeTrails"},
	"kms.amazonaws.com":            {"ScheduleKeyDeletion", "DisableKey", "Decrypt", "GenerateDataKey", "Encrypt"},
	"signin.amazonaws.com":         {"ConsoleLogin"},
	"sts.amazonaws.com":            {"AssumeRole", "GetCallerIdentity", "GetSessionToken"},
	"lambda.amazonaws.com":         {"UpdateFunctionCode20150331v2", "Invoke", "ListFunctions20150331"},
	"secretsmanager.amazonaws.com": {"GetSecretValue", "DeleteSecret"},
	"logs.amazonaws.com":           {"DeleteLogGroup", "PutRetentionPolicy", "CreateLogStream"},
}

// benignCalls are routine read-only calls that dominate real CloudTrail.
var benignCalls = [][2]string{
	{"s3.amazonaws.com", "GetObject"}, {"s3.amazonaws.com", "HeadObject"}, {"s3.amazonaws.com", "ListBuckets"},
	{"ec2.amazonaws.com", "DescribeInstances"}, {"ec2.amazonaws.com", "DescribeSecurityGroups"}, {"ec2.amazonaws.com", "DescribeVolumes"},
	{"sts.amazonaws.com", "GetCallerIdentity"}, {"kms.amazonaws.com", "Decrypt"}, {"kms.amazonaws.com", "GenerateDataKey"},
	{"iam.amazonaws.com", "GetUser"}, {"iam.amazonaws.com", "ListRoles"}, {"lambda.amazonaws.com", "ListFunctions20150331"},
	{"logs.amazonaws.com", "CreateLogStream"}, {"cloudtrail.amazonaws.com", "LookupEvents"}, {"monitoring.amazonaws.com", "GetMetricData"},
}

// cloudTrailEvents generates n varied, realistic CloudTrail events.
func cloudTrailEvents(n int) []json.RawMessage {
	r := rand.New(rand.NewPCG(1, 2))
	var sources []string
	for s := range benchServices {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "sa-east-1"}
	agents := []string{"aws-cli/2.15.0 Python/3.11.6 Linux/6.1", "console.amazonaws.com", "Boto3/1.34.0 Python/3.11.4", "terraform/1.6.5", "aws-sdk-go/1.49.0"}
	users := []string{"alice", "bob", "ci-deployer", "carol", "root", "svc-backup"}
	out := make([]json.RawMessage, n)
	for i := range n {
		src := sources[r.IntN(len(sources))]
		names := benchServices[src]
		name := names[r.IntN(len(names))]
		if r.IntN(10) < 8 {
			// Most CloudTrail traffic is routine read-only calls.
			b := benignCalls[r.IntN(len(benignCalls))]
			src, name = b[0], b[1]
		}
		account := fmt.Sprintf("%012d", 100000000000+r.IntN(5))
		user := users[r.IntN(len(users))]
		identity := map[string]any{
			"type": "IAMUser", "principalId": "AIDA" + strings.ToUpper(user), "arn": "arn:aws:iam::" + account + ":user/" + user,
			"accountId": account, "accessKeyId": fmt.Sprintf("AKIA%016d", r.IntN(1e9)), "userName": user,
		}
		switch k := r.IntN(10); {
		case k == 0:
			identity = map[string]any{"type": "Root", "principalId": account, "arn": "arn:aws:iam::" + account + ":root", "accountId": account}
		case k < 5:
			role := []string{"OrganizationAccountAccessRole", "AWSReservedSSO_AdministratorAccess_1234", "app-role", "lambda-exec"}[r.IntN(4)]
			identity = map[string]any{
				"type": "AssumedRole", "principalId": "AROA:" + user, "arn": "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + user,
				"accountId": account, "accessKeyId": "ASIA" + strings.ToUpper(user),
				"sessionContext": map[string]any{
					"sessionIssuer":       map[string]any{"type": "Role", "principalId": "AROA", "arn": "arn:aws:iam::" + account + ":role/" + role, "accountId": account, "userName": role},
					"attributes":          map[string]any{"creationDate": "2024-05-01T10:00:00Z", "mfaAuthenticated": "false"},
					"webIdFederationData": map[string]any{},
				},
			}
		case k == 5:
			identity = map[string]any{"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"}
		}
		ts := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
		ev := map[string]any{
			"eventVersion": "1.08", "userIdentity": identity, "eventTime": ts.Format(time.RFC3339),
			"eventSource": src, "eventName": name, "awsRegion": regions[r.IntN(len(regions))],
			"sourceIPAddress": fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(220), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			"userAgent":       agents[r.IntN(len(agents))], "requestID": fmt.Sprintf("%08x-%04x", r.Uint32(), r.IntN(65536)),
			"eventID": fmt.Sprintf("%08x-%04x-%04x", r.Uint32(), r.IntN(65536), r.IntN(65536)), "readOnly": strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "List"),
			"eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": account, "eventCategory": "Management",
			"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": strings.Replace(src, "amazonaws.com", "us-east-1.amazonaws.com", 1)},
			"p_log_type": "AWS.CloudTrail", "p_event_time": ts.Format("2006-01-02 15:04:05.000000000"), "p_parse_time": ts.Format("2006-01-02 15:04:05.000000000"),
			"p_row_id": fmt.Sprintf("%032x", r.Uint64()), "p_any_aws_account_ids": []string{account}, "p_source_label": "bench",
		}
		switch {
		case strings.Contains(name, "SecurityGroup") || strings.Contains(name, "NetworkAcl"):
			cidr := []string{"10.0.0.0/8", "0.0.0.0/0", "192.168.1.0/24", "8.8.8.0/24"}[r.IntN(4)]
			ev["requestParameters"] = map[string]any{"groupId": "sg-0123", "cidrIp": cidr, "ipPermissions": map[string]any{"items": []any{map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22}}}}
		case strings.Contains(name, "Policy"):
			principal := []string{`"AWS": "arn:aws:iam::123456789012:root"`, `"*"`}[r.IntN(2)]
			ev["requestParameters"] = map[string]any{"bucketName": "data-" + user, "policyDocument": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": ` + principal + `, "Action": "s3:GetObject"}]}`}
		case name == "ConsoleLogin":
			ev["responseElements"] = map[string]any{"ConsoleLogin": []string{"Success", "Failure"}[r.IntN(2)]}
			ev["additionalEventData"] = map[string]any{"MFAUsed": []string{"Yes", "No"}[r.IntN(2)], "LoginTo": "https://console.aws.amazon.com"}
		default:
			ev["requestParameters"] = map[string]any{"name": user + "-thing", "maxResults": 50}
			ev["responseElements"] = nil
		}
		if r.IntN(4) == 0 {
			suffix := []string{"-prod", "-dev", ":3", ""}[r.IntN(4)]
			ev["resources"] = []any{map[string]any{"ARN": "arn:aws:s3:::bucket-" + user + suffix, "accountId": account, "type": "AWS::S3::Bucket"}}
		}
		if r.IntN(10) == 0 {
			ev["errorCode"] = []string{"AccessDenied", "UnauthorizedOperation", "ThrottlingException"}[r.IntN(3)]
			ev["errorMessage"] = "User is not authorized to perform this operation"
		}
		b, err := json.Marshal(ev)
		if err != nil {
			panic(err)
		}
		out[i] = b
	}
	return out
}

// benchContent loads testdata/bench_rules.
func benchContent(t testing.TB) Content {
	t.Helper()
	dir := filepath.Join("testdata", "bench_rules")
	read := func(name string) Module {
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return Module{Name: strings.TrimSuffix(filepath.Base(name), ".py"), Path: path, Source: string(src)}
	}
	dm := read("data_model.py")
	c := Content{
		Globals: []Module{read("panther_base_helpers.py")},
		DataModels: []DataModel{{ID: "Standard.AWS.CloudTrail", LogTypes: []string{"AWS.CloudTrail"}, Module: &dm,
			Mappings: []Mapping{{Name: "actor_user", Method: "get_actor_user"}, {Name: "source_ip", Path: "sourceIPAddress"}, {Name: "user_type", Path: "$.userIdentity.type"}}}},
	}
	ymls, err := filepath.Glob(filepath.Join(dir, "rules", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range ymls {
		raw, err := os.ReadFile(y)
		if err != nil {
			t.Fatal(err)
		}
		var spec struct {
			RuleID   string `yaml:"RuleID"`
			Filename string `yaml:"Filename"`
		}
		if err := yaml.Unmarshal(raw, &spec); err != nil {
			t.Fatalf("%s: %v", y, err)
		}
		m := read(filepath.Join("rules", spec.Filename))
		m.Name = spec.RuleID
		c.Detections = append(c.Detections, Detection{ID: spec.RuleID, Kind: KindRule, Module: m})
	}
	return c
}

func TestBenchCorpusLoads(t *testing.T) {
	c := benchContent(t)
	if len(c.Detections) < 100 {
		t.Fatalf("corpus has %d rules, want 100+", len(c.Detections))
	}
	p := newPool(t, Options{Workers: 1}, c)
	if errs := p.SetupErrors(); len(errs) != 0 {
		t.Fatalf("setup errors: %v", errs)
	}
	var ids []string
	for _, d := range c.Detections {
		ids = append(ids, d.ID)
	}
	s := sel(t, p, ids...)
	var events []Event
	for _, data := range cloudTrailEvents(2000) {
		events = append(events, Event{Data: data, Detections: s})
	}
	res, err := p.Evaluate(context.Background(), events)
	if err != nil {
		t.Fatal(err)
	}
	matched := map[string]int{}
	for _, r := range res {
		if r.Error != nil {
			t.Fatalf("rule error on event %d: %s: %v\n%s", r.Event, r.DetectionID, r.Error, r.Error.Traceback)
		}
		matched[r.DetectionID]++
	}
	// A realistic corpus: most rules stay quiet on most events, but the
	// events exercise a good share of the rules.
	if len(res) == 0 || len(res) > len(events)*5 || len(matched) < 20 {
		t.Errorf("%d matches over %d events from %d distinct rules", len(res), len(events), len(matched))
	}
}

func benchEvaluate(b *testing.B, c Content, workers int, ids func(Content) []string) {
	p := newPool(b, Options{Workers: workers, BatchSize: 512}, c)
	s := sel(b, p, ids(c)...)
	data := cloudTrailEvents(4096)
	events := make([]Event, len(data))
	for i, d := range data {
		events[i] = Event{Data: d, Detections: s}
	}
	ctx := context.Background()
	if _, err := p.Evaluate(ctx, events[:256]); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := p.Evaluate(ctx, events); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(events))/time.Since(start).Seconds(), "events/s")
}

func allIDs(c Content) []string {
	var ids []string
	for _, d := range c.Detections {
		ids = append(ids, d.ID)
	}
	return ids
}

// BenchmarkEvaluateCorpus runs the 100+ rule CloudTrail corpus.
func BenchmarkEvaluateCorpus(b *testing.B) {
	c := benchContent(b)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) { benchEvaluate(b, c, w, allIDs) })
	}
}

// BenchmarkEvaluateTrivial runs one trivial rule.
func BenchmarkEvaluateTrivial(b *testing.B) {
	c := Content{Detections: []Detection{{ID: "Trivial", Kind: KindRule, Module: Module{Path: "trivial.py", Source: "def rule(event):\n    return event.get('eventName') == 'DeleteTrail'\n"}}}}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) { benchEvaluate(b, c, w, allIDs) })
	}
}

// BenchmarkProtocolOverhead sends events with an empty detection list: the
// cost of framing, decoding and the worker loop alone.
func BenchmarkProtocolOverhead(b *testing.B) {
	c := Content{Detections: []Detection{{ID: "Unused", Kind: KindRule, Module: Module{Path: "unused.py", Source: "def rule(event):\n    return False\n"}}}}
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			benchEvaluate(b, c, w, func(Content) []string { return nil })
		})
	}
}
