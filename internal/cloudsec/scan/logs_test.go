package scan

import (
	"context"
	"testing"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

const lgARN = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn"

func TestLogGroups(t *testing.T) {
	f := newFake(t)
	f.Add(
		// two pages in us-east-1
		awsfake.Response{Service: "logs", Action: "DescribeLogGroups", Region: "us-east-1", Match: map[string]string{"nextToken": ""}, Body: `{"logGroups":[{"logGroupName":"/aws/lambda/fn","creationTime":1700000000000,"retentionInDays":30,"metricFilterCount":1,"arn":"` + lgARN + `:*","storedBytes":2048,"kmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/k1"}],"nextToken":"page2"}`},
		awsfake.Response{Service: "logs", Action: "DescribeLogGroups", Region: "us-east-1", Match: map[string]string{"nextToken": "page2"}, Body: `{"logGroups":[{"logGroupName":"plain","creationTime":1600000000000,"metricFilterCount":0,"arn":"arn:aws:logs:us-east-1:123456789012:log-group:plain:*","storedBytes":0}]}`},
		awsfake.Response{Service: "logs", Action: "DescribeLogGroups", Region: "eu-west-1", Body: `{"logGroups":[]}`},
		awsfake.Response{Service: "logs", Action: "ListTagsForResource", Match: map[string]string{"resourceArn": lgARN}, Body: `{"tags":{"app":"fn"}}`},
		awsfake.Response{Service: "logs", Action: "ListTagsForResource", Body: `{"tags":{}}`},
	)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeLogGroup}, "us-east-1", "eu-west-1"))
	g := sink.byID(t, lgARN)
	wantEq(t, g, "AWS.CloudWatch.LogGroup", "ResourceType")
	wantEq(t, g, lgARN, "Arn")
	wantEq(t, g, "/aws/lambda/fn", "Name")
	wantEq(t, g, "2023-11-14T22:13:20Z", "TimeCreated")
	wantEq(t, g, 30, "RetentionInDays")
	wantEq(t, g, 2048, "StoredBytes")
	wantEq(t, g, 1, "MetricFilterCount")
	wantEq(t, g, "arn:aws:kms:us-east-1:123456789012:key/k1", "KmsKeyId")
	wantEq(t, g, map[string]string{"app": "fn"}, "Tags")
	wantEq(t, g, nil, "LogGroupName")
	p := sink.byID(t, "arn:aws:logs:us-east-1:123456789012:log-group:plain")
	wantEq(t, p, nil, "RetentionInDays")
	wantEq(t, p, nil, "KmsKeyId")

	// a rescan reads the one group by its name as prefix; a gone group is deleted
	f.Reset()
	f.Add(awsfake.Response{Service: "logs", Action: "DescribeLogGroups", Match: map[string]string{"logGroupNamePrefix": "gone"}, Body: `{"logGroups":[]}`})
	res, err := newScanner(t, f, sink, nil).Rescan(context.Background(), []Target{
		{ResourceType: TypeLogGroup, Region: "us-east-1", ResourceID: "arn:aws:logs:us-east-1:123456789012:log-group:gone"},
	})
	if err != nil || res.Deleted != 1 || len(res.Errors) > 0 {
		t.Fatalf("rescan: %+v %v", res, err)
	}
	for _, r := range f.Requests() {
		if r.Action == "DescribeLogGroups" && r.Params["logGroupNamePrefix"] != "gone" {
			t.Errorf("rescan listed %v", r.Params)
		}
	}
}
