package scan

import (
	"testing"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
)

// configFixture: a recorder of everything (global types included) in us-east-1, one of a few
// types in eu-west-1 that fails to deliver, none in ap-south-1.
func configFixture(f *awsfake.Server) {
	f.Add(
		awsfake.Response{Service: "config", Action: "DescribeConfigurationRecorders", Region: "us-east-1", Body: `{"ConfigurationRecorders":[{"name":"default","roleARN":"arn:aws:iam::123456789012:role/config","recordingGroup":{"allSupported":true,"includeGlobalResourceTypes":true,"resourceTypes":[]}}]}`},
		awsfake.Response{Service: "config", Action: "DescribeConfigurationRecorders", Region: "eu-west-1", Body: `{"ConfigurationRecorders":[{"name":"eu","roleARN":"arn:aws:iam::123456789012:role/config","recordingGroup":{"allSupported":false,"includeGlobalResourceTypes":false,"resourceTypes":["AWS::EC2::Instance"]}}]}`},
		awsfake.Response{Service: "config", Action: "DescribeConfigurationRecorders", Region: "ap-south-1", Body: `{"ConfigurationRecorders":[]}`},
		awsfake.Response{Service: "config", Action: "DescribeConfigurationRecorderStatus", Region: "us-east-1", Body: `{"ConfigurationRecordersStatus":[{"name":"default","lastStartTime":1.6e9,"recording":true,"lastStatus":"SUCCESS","lastStatusChangeTime":1.7e9}]}`},
		awsfake.Response{Service: "config", Action: "DescribeConfigurationRecorderStatus", Region: "eu-west-1", Body: `{"ConfigurationRecordersStatus":[{"name":"eu","recording":true,"lastStatus":"FAILURE","lastErrorCode":"NoSuchBucket","lastErrorMessage":"Failed to deliver"}]}`},
	)
}

func TestConfigRecorder(t *testing.T) {
	f := newFake(t)
	configFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeConfigRecorder}, "us-east-1", "eu-west-1", "ap-south-1"))
	if n := len(sink.state); n != 2 {
		t.Errorf("%d recorders, want 2", n)
	}
	r := sink.byID(t, "123456789012:us-east-1:AWS.Config.Recorder")
	wantEq(t, r, "AWS.Config.Recorder", "ResourceType")
	wantEq(t, r, "default", "Name")
	wantEq(t, r, "us-east-1", "Region")
	wantEq(t, r, nil, "Arn")
	wantEq(t, r, "arn:aws:iam::123456789012:role/config", "RoleARN")
	wantEq(t, r, true, "RecordingGroup", "IncludeGlobalResourceTypes")
	wantEq(t, r, true, "Status", "Recording")
	wantEq(t, r, nil, "Status", "LastErrorCode")
	wantEq(t, r, "2020-09-13T12:26:40Z", "Status", "LastStartTime")
	eu := sink.byID(t, "123456789012:eu-west-1:AWS.Config.Recorder")
	wantEq(t, eu, "NoSuchBucket", "Status", "LastErrorCode")
	wantEq(t, eu, []string{"AWS::EC2::Instance"}, "RecordingGroup", "ResourceTypes")
}

func TestConfigRecorderMeta(t *testing.T) {
	f := newFake(t)
	configFixture(f)
	sink := &memSink{}
	scanOK(t, newScanner(t, f, sink, []string{TypeConfigRecorderMeta}, "us-east-1", "eu-west-1", "ap-south-1"))
	m := sink.byID(t, "123456789012::AWS.Config.Recorder.Meta")
	wantEq(t, m, "global", "Region")
	wantEq(t, m, []string{"123456789012:us-east-1:AWS.Config.Recorder", "123456789012:eu-west-1:AWS.Config.Recorder"}, "Recorders")
	wantEq(t, m, 1, "GlobalRecorderCount")
	if n := len(sink.state); n != 1 {
		t.Errorf("%d resources, want the Meta only", n)
	}
}
