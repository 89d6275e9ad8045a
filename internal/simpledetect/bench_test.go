package simpledetect

import (
	"testing"
)

// cloudTrailEvent is shaped like an AWS CloudTrail record.
func cloudTrailEvent() map[string]any {
	return map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{
			"type":        "AssumedRole",
			"principalId": "AROAEXAMPLE:alice",
			"arn":         "arn:aws:sts::123456789012:assumed-role/Admin/alice",
			"accountId":   "123456789012",
			"sessionContext": map[string]any{
				"sessionIssuer": map[string]any{"type": "Role", "userName": "Admin"},
				"attributes":    map[string]any{"mfaAuthenticated": "false", "creationDate": "2024-05-01T10:00:00Z"},
			},
		},
		"eventTime":         "2024-05-01T10:05:00Z",
		"eventSource":       "iam.amazonaws.com",
		"eventName":         "CreateAccessKey",
		"awsRegion":         "us-east-1",
		"sourceIPAddress":   "198.51.100.23",
		"userAgent":         "aws-cli/2.15.0 Python/3.11.6",
		"requestParameters": map[string]any{"userName": "bob"},
		"responseElements": map[string]any{
			"accessKey": map[string]any{"userName": "bob", "status": "Active", "accessKeyId": "AKIAEXAMPLE"},
		},
		"readOnly":           false,
		"eventType":          "AwsApiCall",
		"recipientAccountId": "123456789012",
		"resources": []any{
			map[string]any{"ARN": "arn:aws:iam::123456789012:user/bob", "type": "AWS::IAM::User"},
		},
		"p_log_type": "AWS.CloudTrail",
	}
}

const tenConditions = `
- KeyPath: eventSource
  Condition: Equals
  Value: iam.amazonaws.com
- KeyPath: eventName
  Condition: IsIn
  Values: [CreateAccessKey, CreateLoginProfile, UpdateLoginProfile]
- KeyPath: errorCode
  Condition: IsNull
- KeyPath: userIdentity.type
  Condition: DoesNotEqual
  Value: AWSService
- KeyPath: sourceIPAddress
  Condition: IsIPAddressPublic
- KeyPath: userAgent
  Condition: IStartsWith
  Value: AWS-CLI
- KeyPath: userIdentity.sessionContext.attributes.mfaAuthenticated
  Condition: Equals
  Value: "false"
- KeyPath: readOnly
  Condition: Equals
  Value: false
- KeyPath: resources[*].type
  Condition: Equals
  Value: AWS::IAM::User
- Condition: DoesNotEqual
  Values:
    - KeyPath: requestParameters.userName
    - KeyPath: userIdentity.sessionContext.sessionIssuer.userName
`

func BenchmarkMatchCloudTrail10(b *testing.B) {
	d := mustCompile(b, tenConditions)
	ev := cloudTrailEvent()
	if !d.Match(ev) {
		b.Fatal("benchmark detection does not match its event")
	}
	b.ReportAllocs()
	for b.Loop() {
		if !d.Match(ev) {
			b.Fatal("no match")
		}
	}
}

func BenchmarkTitleAndDedup(b *testing.B) {
	d := mustCompile(b, tenConditions,
		WithAlertTitle("{userIdentity.arn} created an access key for {requestParameters.userName}"),
		WithGroupBy(parseYAML(b, "- KeyPath: userIdentity.arn\n- KeyPath: requestParameters.userName")))
	ev := cloudTrailEvent()
	b.ReportAllocs()
	for b.Loop() {
		d.Title(ev)
		d.Dedup(ev)
	}
}
