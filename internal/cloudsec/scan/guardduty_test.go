package scan

import (
	"testing"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

// guardDutyFixture: a detector reporting to an administrator in eu-west-1, none in us-east-1.
func guardDutyFixture(f *awsfake.Server) {
	f.Add(
		awsfake.Response{Service: "guardduty", Action: "ListDetectors", Region: "eu-west-1", Body: `{"detectorIds":["12abc34d567e8fa901bc2d34e56789f0"]}`},
		awsfake.Response{Service: "guardduty", Action: "ListDetectors", Region: "us-east-1", Body: `{"detectorIds":[]}`},
		awsfake.Response{Service: "guardduty", Action: "GetDetector", Match: map[string]string{"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}, Body: `{"createdAt":"2019-01-01T00:00:00.000Z","findingPublishingFrequency":"SIX_HOURS","serviceRole":"arn:aws:iam::123456789012:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty","status":"ENABLED","updatedAt":"2020-01-01T00:00:00.000Z","tags":{"KeyName1":"Value1"}}`},
		awsfake.Response{Service: "guardduty", Action: "GetAdministratorAccount", Match: map[string]string{"detectorId": "12abc34d567e8fa901bc2d34e56789f0"}, Body: `{"administrator":{"accountId":"210987654321","invitationId":"inv1","relationshipStatus":"Enabled","invitedAt":"2019-02-01T00:00:00.000Z"}}`},
	)
}

func TestGuardDutyDetector(t *testing.T) {
	f := newFake(t)
	guardDutyFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeGuardDutyDetector}, "us-east-1", "eu-west-1"))
	if n := len(sink.state); n != 1 {
		t.Errorf("%d detectors, want 1", n)
	}
	d := sink.byID(t, "123456789012:eu-west-1:AWS.GuardDuty.Detector")
	wantEq(t, d, "AWS.GuardDuty.Detector", "ResourceType")
	wantEq(t, d, "eu-west-1", "Region")
	wantEq(t, d, "12abc34d567e8fa901bc2d34e56789f0", "Id")
	wantEq(t, d, "ENABLED", "Status")
	wantEq(t, d, "SIX_HOURS", "FindingPublishingFrequency")
	wantEq(t, d, "2019-01-01T00:00:00.000Z", "TimeCreated")
	wantEq(t, d, "2020-01-01T00:00:00.000Z", "UpdatedAt")
	wantEq(t, d, "210987654321", "Master", "AccountId")
	wantEq(t, d, "Enabled", "Master", "RelationshipStatus")
	wantEq(t, d, map[string]string{"KeyName1": "Value1"}, "Tags")
}

func TestGuardDutyDetectorMeta(t *testing.T) {
	f := newFake(t)
	guardDutyFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeGuardDutyDetectorMeta}, "us-east-1", "eu-west-1"))
	m := sink.byID(t, "123456789012::AWS.GuardDuty.Detector.Meta")
	wantEq(t, m, "global", "Region")
	wantEq(t, m, []string{"123456789012:eu-west-1:AWS.GuardDuty.Detector"}, "Detectors")
	wantEq(t, m, map[string]string{}, "Tags")
	wantEq(t, m, nil, "TimeCreated")
}
