package scan

import (
	"context"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

const s3NS = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

func s3Bucket2(f *awsfake.Server, name, region string, public bool) {
	loc := `<LocationConstraint ` + s3NS + `>` + region + `</LocationConstraint>`
	if region == "us-east-1" {
		loc = `<LocationConstraint ` + s3NS + `/>`
	}
	grants := `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>ownerid</ID><DisplayName>owner</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>`
	if public {
		grants += `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>`
	}
	m := map[string]string{"Bucket": name}
	f.Add(
		awsfake.Response{Service: "s3", Action: "GetBucketLocation", Match: m, Body: loc},
		awsfake.Response{Service: "s3", Action: "GetBucketAcl", Match: m, Body: `<AccessControlPolicy ` + s3NS + `><Owner><ID>ownerid</ID><DisplayName>owner</DisplayName></Owner><AccessControlList>` + grants + `</AccessControlList></AccessControlPolicy>`},
		awsfake.Response{Service: "s3", Action: "GetBucketVersioning", Match: m, Body: `<VersioningConfiguration ` + s3NS + `><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`},
		awsfake.Response{Service: "s3", Action: "GetBucketLogging", Match: m, Body: `<BucketLoggingStatus ` + s3NS + `><LoggingEnabled><TargetBucket>logs-bucket</TargetBucket><TargetPrefix>` + name + `/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`},
		awsfake.Response{Service: "s3", Action: "GetBucketPolicy", Match: m, Status: 404, Error: "NoSuchBucketPolicy", Message: "The bucket policy does not exist"},
		awsfake.Response{Service: "s3", Action: "GetPublicAccessBlock", Match: m, Status: 404, Error: "NoSuchPublicAccessBlockConfiguration", Message: "The public access block configuration was not found"},
		awsfake.Response{Service: "s3", Action: "GetBucketLifecycleConfiguration", Match: m, Status: 404, Error: "NoSuchLifecycleConfiguration", Message: "The lifecycle configuration does not exist"},
		awsfake.Response{Service: "s3", Action: "GetObjectLockConfiguration", Match: m, Status: 404, Error: "ObjectLockConfigurationNotFoundError", Message: "Object Lock configuration does not exist for this bucket"},
		awsfake.Response{Service: "s3", Action: "GetBucketTagging", Match: m, Body: `<Tagging ` + s3NS + `><TagSet><Tag><Key>team</Key><Value>sec</Value></Tag></TagSet></Tagging>`},
	)
}

func s3Fixture(f *awsfake.Server) {
	f.Add(awsfake.Response{Service: "s3", Action: "ListBuckets", Match: map[string]string{"prefix": ""}, Body: `<ListAllMyBucketsResult ` + s3NS + `><Owner><ID>ownerid</ID><DisplayName>owner</DisplayName></Owner><Buckets>` +
		`<Bucket><Name>alpha</Name><CreationDate>2024-01-02T03:04:05.000Z</CreationDate></Bucket>` +
		`<Bucket><Name>beta</Name><CreationDate>2024-02-02T03:04:05.000Z</CreationDate></Bucket>` +
		`</Buckets></ListAllMyBucketsResult>`})
	for _, n := range []string{"alpha", "beta"} {
		f.Add(awsfake.Response{Service: "s3", Action: "ListBuckets", Match: map[string]string{"prefix": n}, Body: `<ListAllMyBucketsResult ` + s3NS + `><Buckets><Bucket><Name>` + n + `</Name><CreationDate>2024-01-02T03:04:05.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`})
	}
	f.Add(awsfake.Response{Service: "s3", Action: "GetBucketEncryption", Match: map[string]string{"Bucket": "alpha"}, Body: `<ServerSideEncryptionConfiguration ` + s3NS + `><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:123456789012:key/k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`})
	f.Add(awsfake.Response{Service: "s3", Action: "GetBucketEncryption", Status: 404, Error: "ServerSideEncryptionConfigurationNotFoundError", Message: "The server side encryption configuration was not found"})
	s3Bucket2(f, "alpha", "us-east-1", false)
	s3Bucket2(f, "beta", "eu-west-1", true)
}

func TestS3Buckets(t *testing.T) {
	f := newFake(t)
	s3Fixture(f)
	f.Throttle("s3", "GetBucketAcl", 1)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeS3Bucket}, "us-east-1", "eu-west-1"))
	a := sink.byID(t, "arn:aws:s3:::alpha")
	wantEq(t, a, "AWS.S3.Bucket", "ResourceType")
	wantEq(t, a, "us-east-1", "Region")
	wantEq(t, a, "alpha", "Name")
	wantEq(t, a, testAccount, "AccountId")
	wantEq(t, a, "2024-01-02T03:04:05Z", "TimeCreated")
	wantEq(t, a, "aws:kms", "EncryptionRules", 0, "ApplyServerSideEncryptionByDefault", "SSEAlgorithm")
	wantEq(t, a, "Enabled", "Versioning")
	wantEq(t, a, "Disabled", "MFADelete")
	wantEq(t, a, "logs-bucket", "LoggingPolicy", "TargetBucket")
	wantEq(t, a, nil, "Policy")
	wantEq(t, a, nil, "PublicAccessBlockConfiguration")
	wantEq(t, a, map[string]string{"team": "sec"}, "Tags")
	wantEq(t, a, "FULL_CONTROL", "Grants", 0, "Permission")
	wantEq(t, a, "CanonicalUser", "Grants", 0, "Grantee", "Type")
	b := sink.byID(t, "arn:aws:s3:::beta")
	wantEq(t, b, "eu-west-1", "Region")
	wantEq(t, b, nil, "EncryptionRules")
	wantEq(t, b, "http://acs.amazonaws.com/groups/global/AllUsers", "Grants", 1, "Grantee", "URI")
	// EndScan per region, and a bucket gone from the listing is marked deleted
	ends := strings.Join(sink.ends, "\n")
	if !strings.Contains(ends, `eu-west-1/AWS.S3.Bucket: ["arn:aws:s3:::beta"]`) {
		t.Errorf("ends: %s", ends)
	}
	throttled := 0
	for _, r := range f.Requests() {
		if r.Action == "GetBucketAcl" {
			throttled++
		}
	}
	if throttled < 3 { // two buckets, one throttled call retried
		t.Errorf("GetBucketAcl calls = %d, want 3", throttled)
	}
	// rescan one bucket: only its calls
	f.Reset()
	s := newScanner(t, f, sink, nil)
	res, err := s.Rescan(context.Background(), []Target{{ResourceType: TypeS3Bucket, Region: "eu-west-1", ResourceID: "arn:aws:s3:::beta"}})
	if err != nil || res.Resources != 1 || len(res.Errors) > 0 {
		t.Fatalf("rescan: %+v %v", res, err)
	}
	for _, r := range f.Requests() {
		if r.Params["Bucket"] != "beta" && r.Params["prefix"] != "beta" {
			t.Errorf("rescan of beta called %s %v", r.Action, r.Params)
		}
	}
}
