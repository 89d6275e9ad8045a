package awsfake

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func cfg(s *Server, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(s.URL),
		RetryMaxAttempts: 1}
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// A request signed with a wrong secret gets each protocol's signature error; a good one its response.
func TestSignatureChecked(t *testing.T) {
	s := New()
	defer s.Close()
	s.Add(
		Response{Service: "ec2", Action: "DescribeRegions", Body: `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><regionInfo><item><regionName>us-east-1</regionName><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item></regionInfo></DescribeRegionsResponse>`},
		Response{Service: "kms", Action: "ListKeys", Body: `{"Keys":[{"KeyArn":"arn:aws:kms:us-east-1:123456789012:key/k1","KeyId":"k1"}],"Truncated":false}`},
		Response{Service: "s3", Action: "ListBuckets", Body: `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets></Buckets></ListAllMyBucketsResult>`},
	)
	ctx := context.Background()
	bad := credentials.NewStaticCredentialsProvider(AccessKey, "wrong-secret", "")
	if _, err := ec2.NewFromConfig(cfg(s, bad)).DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("ec2 with a bad signature: %v", err)
	}
	if _, err := kms.NewFromConfig(cfg(s, bad)).ListKeys(ctx, &kms.ListKeysInput{}); code(err) != "InvalidSignatureException" {
		t.Errorf("kms with a bad signature: %v", err)
	}
	if _, err := s3.NewFromConfig(cfg(s, bad), func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{}); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("s3 with a bad signature: %v", err)
	}
	unknown := credentials.NewStaticCredentialsProvider("AKIAUNKNOWN", SecretKey, "")
	if _, err := kms.NewFromConfig(cfg(s, unknown)).ListKeys(ctx, &kms.ListKeysInput{}); code(err) != "InvalidSignatureException" {
		t.Errorf("kms with an unknown key: %v", err)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("badly signed requests were recorded: %v", s.Requests())
	}
	out, err := ec2.NewFromConfig(cfg(s, s.Credentials())).DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil || len(out.Regions) != 1 || aws.ToString(out.Regions[0].RegionName) != "us-east-1" {
		t.Fatalf("ec2: %+v %v", out, err)
	}
	keys, err := kms.NewFromConfig(cfg(s, s.Credentials())).ListKeys(ctx, &kms.ListKeysInput{})
	if err != nil || len(keys.Keys) != 1 {
		t.Fatalf("kms: %+v %v", keys, err)
	}
	if _, err := s3.NewFromConfig(cfg(s, s.Credentials()), func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("s3: %v", err)
	}
	s.Throttle("kms", "ListKeys", 1)
	if _, err := kms.NewFromConfig(cfg(s, s.Credentials())).ListKeys(ctx, &kms.ListKeysInput{}); code(err) != "ThrottlingException" {
		t.Errorf("throttled kms: %v", err)
	}
}

// Keys issued by AssumeRole sign requests the server accepts.
func TestAssumeRoleKeys(t *testing.T) {
	s := New()
	defer s.Close()
	s.Add(
		Response{Service: "sts", Action: "AssumeRole", Match: map[string]string{"ExternalId": "ext-1"}, Body: AssumeRoleBody("arn:aws:iam::123456789012:role/PantherAuditRole")},
		Response{Service: "sts", Action: "AssumeRole", Error: "AccessDenied", Message: "not authorized to perform sts:AssumeRole", Status: 403},
		Response{Service: "kms", Action: "ListKeys", Body: `{"Keys":[],"Truncated":false}`},
	)
	ctx := context.Background()
	c := sts.NewFromConfig(cfg(s, s.Credentials()))
	if _, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/PantherAuditRole"), RoleSessionName: aws.String("x"), ExternalId: aws.String("wrong")}); code(err) != "AccessDenied" {
		t.Errorf("wrong external id: %v", err)
	}
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/PantherAuditRole"), RoleSessionName: aws.String("x"), ExternalId: aws.String("ext-1")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	assumed := credentials.NewStaticCredentialsProvider(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	if _, err := kms.NewFromConfig(cfg(s, assumed)).ListKeys(ctx, &kms.ListKeysInput{}); err != nil {
		t.Fatalf("assumed keys refused: %v", err)
	}
}
