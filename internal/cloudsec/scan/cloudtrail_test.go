package scan

import (
	"testing"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

const trailARN = "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"

// cloudTrailFixture: a logging multi-region trail homed in us-east-1 (seen as a shadow trail
// from eu-west-1) and a stopped single-region trail in eu-west-1.
func cloudTrailFixture(f *awsfake.Server) {
	euARN := "arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-only"
	mainTrail := `{"Name":"main","S3BucketName":"trail-bucket","S3KeyPrefix":"ct","IncludeGlobalServiceEvents":true,"IsMultiRegionTrail":true,"HomeRegion":"us-east-1","TrailARN":"` + trailARN + `","LogFileValidationEnabled":true,"KmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/k1","HasCustomEventSelectors":true,"HasInsightSelectors":false,"IsOrganizationTrail":false,"CloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:ct:*"}`
	euTrail := `{"Name":"eu-only","S3BucketName":"eu-bucket","IncludeGlobalServiceEvents":false,"IsMultiRegionTrail":false,"HomeRegion":"eu-west-1","TrailARN":"` + euARN + `","LogFileValidationEnabled":false,"HasCustomEventSelectors":false,"IsOrganizationTrail":false}`
	f.Add(
		awsfake.Response{Service: "cloudtrail", Action: "DescribeTrails", Region: "us-east-1", Body: `{"trailList":[` + mainTrail + `]}`},
		awsfake.Response{Service: "cloudtrail", Action: "DescribeTrails", Region: "eu-west-1", Body: `{"trailList":[` + mainTrail + `,` + euTrail + `]}`},
		awsfake.Response{Service: "cloudtrail", Action: "GetTrailStatus", Match: map[string]string{"Name": trailARN}, Body: `{"IsLogging":true,"LatestDeliveryTime":1.7e9,"StartLoggingTime":1.6e9,"LatestDeliveryError":null}`},
		awsfake.Response{Service: "cloudtrail", Action: "GetTrailStatus", Match: map[string]string{"Name": euARN}, Body: `{"IsLogging":false,"StopLoggingTime":1.65e9}`},
		awsfake.Response{Service: "cloudtrail", Action: "GetEventSelectors", Match: map[string]string{"TrailName": trailARN}, Body: `{"TrailARN":"` + trailARN + `","EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]}`},
		awsfake.Response{Service: "cloudtrail", Action: "GetEventSelectors", Match: map[string]string{"TrailName": euARN}, Body: `{"TrailARN":"` + euARN + `","AdvancedEventSelectors":[{"Name":"Management events selector","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]}]}`},
		awsfake.Response{Service: "cloudtrail", Action: "ListTags", Region: "us-east-1", Body: `{"ResourceTagList":[{"ResourceId":"` + trailARN + `","TagsList":[{"Key":"team","Value":"sec"}]}]}`},
		awsfake.Response{Service: "cloudtrail", Action: "ListTags", Region: "eu-west-1", Body: `{"ResourceTagList":[{"ResourceId":"` + euARN + `","TagsList":[]}]}`},
	)
}

func TestCloudTrail(t *testing.T) {
	f := newFake(t)
	cloudTrailFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeCloudTrail}, "us-east-1", "eu-west-1"))
	a := sink.byID(t, trailARN)
	wantEq(t, a, "AWS.CloudTrail", "ResourceType")
	wantEq(t, a, trailARN, "Arn")
	wantEq(t, a, "main", "Name")
	wantEq(t, a, "us-east-1", "Region")
	wantEq(t, a, testAccount, "AccountId")
	wantEq(t, a, true, "IsMultiRegionTrail")
	wantEq(t, a, true, "LogFileValidationEnabled")
	wantEq(t, a, "trail-bucket", "S3BucketName")
	wantEq(t, a, "arn:aws:kms:us-east-1:123456789012:key/k1", "KmsKeyId")
	wantEq(t, a, true, "Status", "IsLogging")
	wantEq(t, a, "2023-11-14T22:13:20Z", "Status", "LatestDeliveryTime")
	wantEq(t, a, "All", "EventSelectors", 0, "ReadWriteType")
	wantEq(t, a, "AWS::S3::Object", "EventSelectors", 0, "DataResources", 0, "Type")
	wantEq(t, a, map[string]string{"team": "sec"}, "Tags")
	wantEq(t, a, nil, "TrailARN")
	wantEq(t, a, nil, "Status", "ResultMetadata")
	eu := sink.byID(t, "arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-only")
	wantEq(t, eu, "eu-west-1", "Region")
	wantEq(t, eu, false, "Status", "IsLogging")
	wantEq(t, eu, "eventCategory", "AdvancedEventSelectors", 0, "FieldSelectors", 0, "Field")
	wantEq(t, eu, map[string]string{}, "Tags")
	// the shadow of the multi-region trail in eu-west-1 is not a second resource
	if n := len(sink.state); n != 2 {
		t.Errorf("%d resources, want 2", n)
	}
}

func TestCloudTrailMeta(t *testing.T) {
	f := newFake(t)
	cloudTrailFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeCloudTrailMeta}, "us-east-1", "eu-west-1"))
	m := sink.byID(t, "123456789012::AWS.CloudTrail.Meta")
	wantEq(t, m, "AWS.CloudTrail.Meta", "ResourceType")
	wantEq(t, m, "AWS.CloudTrail.Meta", "Name")
	wantEq(t, m, "global", "Region")
	wantEq(t, m, nil, "Arn")
	wantEq(t, m, []string{trailARN, "arn:aws:cloudtrail:eu-west-1:123456789012:trail/eu-only"}, "Trails")
	// only the logging multi-region trail's selectors are global
	wantEq(t, m, []any{map[string]any{"ReadWriteType": "All", "IncludeManagementEvents": true, "DataResources": []any{map[string]any{"Type": "AWS::S3::Object", "Values": []string{"arn:aws:s3"}}}, "ExcludeManagementEventSources": nil}}, "GlobalEventSelectors")
	wantEq(t, m, []any{}, "GlobalAdvancedEventSelectors")
	// the Meta type reads every region of the scan
	regions := map[string]bool{}
	for _, r := range f.Requests() {
		if r.Action == "DescribeTrails" {
			regions[r.Region] = true
		}
	}
	if !regions["us-east-1"] || !regions["eu-west-1"] {
		t.Errorf("DescribeTrails regions: %v", regions)
	}
}
