// Package synth generates realistic, varied synthetic logs for benchmarks and load tests.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"
)

type apiCall struct {
	source, name string
	readOnly     bool
	params       func(r *rand.Rand) string
	response     func(r *rand.Rand) string
}

var accounts = []string{"123456789012", "210987654321", "555566667777", "111122223333"}
var regions = []string{"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"}
var users = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
var roles = []string{"Admin", "ReadOnly", "DeployRole", "LambdaExec", "DataEngineer", "SecurityAudit"}
var agents = []string{
	"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.164.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/s3.cp",
	"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"console.amazonaws.com",
	"aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.6",
	"terraform-provider-aws/5.45.0 (+https://registry.terraform.io/providers/hashicorp/aws)",
}

func hex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func upper(r *rand.Rand, n int) string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return string(b)
}

func uuid(r *rand.Rand) string {
	return hex(r, 8) + "-" + hex(r, 4) + "-4" + hex(r, 3) + "-a" + hex(r, 3) + "-" + hex(r, 12)
}

func ip(r *rand.Rand) string {
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
	case 1:
		return fmt.Sprintf("2600:1f18:%x:%x::%x", r.IntN(65536), r.IntN(65536), 1+r.IntN(65535))
	}
	return fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

var calls = []apiCall{
	{"s3.amazonaws.com", "GetObject", true, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"bucketName":"data-%s","Host":"data-%s.s3.amazonaws.com","key":"logs/%d/%s.json.gz"}`, hex(r, 6), hex(r, 6), 2024, hex(r, 16))
	}, nil},
	{"s3.amazonaws.com", "PutObject", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"bucketName":"uploads-%s","Host":"uploads.s3.us-east-1.amazonaws.com","key":"incoming/%s.csv","x-amz-server-side-encryption":"aws:kms"}`, hex(r, 4), hex(r, 12))
	}, func(r *rand.Rand) string {
		return `{"x-amz-server-side-encryption":"aws:kms","x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:123456789012:key/` + uuid(r) + `"}`
	}},
	{"s3.amazonaws.com", "PutBucketPolicy", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"bucketName":"reports-%s","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports-%s/*"}]},"policy":[""]}`, hex(r, 4), hex(r, 4))
	}, nil},
	{"ec2.amazonaws.com", "DescribeInstances", true, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"instancesSet":{"items":[{"instanceId":"i-%s"}]},"filterSet":{"items":[{"name":"tag:Env","valueSet":{"items":[{"value":"prod"}]}}]}}`, hex(r, 17))
	}, nil},
	{"ec2.amazonaws.com", "RunInstances", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"instancesSet":{"items":[{"imageId":"ami-%s","minCount":1,"maxCount":%d}]},"instanceType":"%s","blockDeviceMapping":{},"monitoring":{"enabled":false},"disableApiTermination":false,"clientToken":"%s"}`, hex(r, 17), 1+r.IntN(4), pick(r, []string{"t3.micro", "m5.large", "c6i.2xlarge", "p4d.24xlarge"}), uuid(r))
	}, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"requestId":"%s","reservationId":"r-%s","ownerId":"123456789012","instancesSet":{"items":[{"instanceId":"i-%s","imageId":"ami-%s","instanceState":{"code":0,"name":"pending"},"privateDnsName":"ip-10-0-1-2.ec2.internal","privateIpAddress":"%s","subnetId":"subnet-%s","vpcId":"vpc-%s"}]}}`, uuid(r), hex(r, 17), hex(r, 17), hex(r, 17), ip(r), hex(r, 17), hex(r, 17))
	}},
	{"ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"groupId":"sg-%s","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`, hex(r, 17))
	}, nil},
	{"iam.amazonaws.com", "CreateAccessKey", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"userName":"%s"}`, pick(r, users))
	}, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"accessKey":{"userName":"%s","accessKeyId":"AKIA%s","status":"Active","createDate":"Oct 15, 2024 12:00:00 PM"}}`, pick(r, users), upper(r, 16))
	}},
	{"iam.amazonaws.com", "AttachRolePolicy", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"roleName":"%s","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`, pick(r, roles))
	}, nil},
	{"sts.amazonaws.com", "AssumeRole", true, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"roleArn":"arn:aws:iam::%s:role/%s","roleSessionName":"%s-%d","durationSeconds":3600}`, pick(r, accounts), pick(r, roles), pick(r, users), r.IntN(100000))
	}, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"credentials":{"accessKeyId":"ASIA%s","sessionToken":"%s","expiration":"Oct 15, 2024, 1:00:00 PM"},"assumedRoleUser":{"assumedRoleId":"AROA%s:%s","arn":"arn:aws:sts::%s:assumed-role/%s/%s"}}`, upper(r, 16), hex(r, 64), upper(r, 17), pick(r, users), pick(r, accounts), pick(r, roles), pick(r, users))
	}},
	{"kms.amazonaws.com", "Decrypt", true, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:lambda:FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:fn-%s"}}`, hex(r, 6))
	}, nil},
	{"lambda.amazonaws.com", "Invoke", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"functionName":"arn:aws:lambda:us-east-1:123456789012:function:worker-%s","invocationType":"Event"}`, hex(r, 4))
	}, nil},
	{"signin.amazonaws.com", "ConsoleLogin", false, nil, func(r *rand.Rand) string {
		return pick(r, []string{`{"ConsoleLogin":"Success"}`, `{"ConsoleLogin":"Failure"}`})
	}},
	{"cloudtrail.amazonaws.com", "StopLogging", false, func(r *rand.Rand) string {
		return `{"name":"arn:aws:cloudtrail:us-east-1:123456789012:trail/management-events"}`
	}, nil},
	{"guardduty.amazonaws.com", "ListDetectors", true, nil, nil},
	{"logs.amazonaws.com", "CreateLogStream", false, func(r *rand.Rand) string {
		return fmt.Sprintf(`{"logGroupName":"/aws/lambda/fn-%s","logStreamName":"2024/10/15/[$LATEST]%s"}`, hex(r, 6), hex(r, 32))
	}, nil},
}

// routine are the indexes of calls that make up most of real CloudTrail traffic: reads and
// service-to-service calls.
var routine = func() (idx []int) {
	for i, c := range calls {
		switch c.name {
		case "GetObject", "DescribeInstances", "AssumeRole", "Decrypt", "Invoke", "ListDetectors", "CreateLogStream", "PutObject":
			idx = append(idx, i)
		}
	}
	return idx
}()

// pickCall picks a call: 9 in 10 are routine, the rest any call (including the sensitive ones
// detections look for), as in an account's real trail.
func pickCall(r *rand.Rand) apiCall {
	if r.IntN(10) > 0 {
		return calls[routine[r.IntN(len(routine))]]
	}
	return pick(r, calls)
}

// CloudTrail writes n CloudTrail events, one JSON object per line, to w. Events vary in
// service, action, identity type, region, parameters and errors; their size averages about
// 1.5 KB like real management events.
func CloudTrail(w io.Writer, n int, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Date(2024, 10, 15, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.Reset()
		c := pickCall(r)
		acct := pick(r, accounts)
		t := start.Add(time.Duration(i)*37*time.Millisecond + time.Duration(r.IntN(1000))*time.Millisecond)
		b.WriteString(`{"eventVersion":"1.09","userIdentity":`)
		user := pick(r, users)
		switch r.IntN(5) {
		case 0:
			fmt.Fprintf(&b, `{"type":"IAMUser","principalId":"AIDA%s","arn":"arn:aws:iam::%s:user/%s","accountId":"%s","accessKeyId":"AKIA%s","userName":"%s"}`, upper(r, 17), acct, user, acct, upper(r, 16), user)
		case 1, 2:
			role := pick(r, roles)
			fmt.Fprintf(&b, `{"type":"AssumedRole","principalId":"AROA%s:%s","arn":"arn:aws:sts::%s:assumed-role/%s/%s","accountId":"%s","accessKeyId":"ASIA%s","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA%s","arn":"arn:aws:iam::%s:role/%s","accountId":"%s","userName":"%s"},"webIdFederationData":{},"attributes":{"creationDate":"%s","mfaAuthenticated":"%t"}}}`,
				upper(r, 17), user, acct, role, user, acct, upper(r, 16), upper(r, 17), acct, role, acct, role, t.Add(-time.Duration(r.IntN(3600))*time.Second).Format(time.RFC3339), r.IntN(2) == 0)
		case 3:
			fmt.Fprintf(&b, `{"type":"AWSService","invokedBy":"%s"}`, pick(r, []string{"lambda.amazonaws.com", "ec2.amazonaws.com", "cloudformation.amazonaws.com"}))
		default:
			fmt.Fprintf(&b, `{"type":"Root","principalId":"%s","arn":"arn:aws:iam::%s:root","accountId":"%s","accessKeyId":"ASIA%s"}`, acct, acct, acct, upper(r, 16))
		}
		fmt.Fprintf(&b, `,"eventTime":"%s","eventSource":"%s","eventName":"%s","awsRegion":"%s","sourceIPAddress":"%s","userAgent":"%s"`,
			t.Format(time.RFC3339), c.source, c.name, pick(r, regions), ip(r), pick(r, agents))
		failed := r.IntN(40) == 0
		if failed {
			b.WriteString(`,"errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation because no identity-based policy allows the action"`)
		}
		if c.params != nil {
			b.WriteString(`,"requestParameters":`)
			b.WriteString(c.params(r))
		} else {
			b.WriteString(`,"requestParameters":null`)
		}
		if c.response != nil && !failed {
			b.WriteString(`,"responseElements":`)
			b.WriteString(c.response(r))
		} else {
			b.WriteString(`,"responseElements":null`)
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, `,"additionalEventData":{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":%d,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"%s","bytesTransferredOut":%d}`, r.IntN(10000), hex(r, 40), r.IntN(1<<20))
		}
		fmt.Fprintf(&b, `,"requestID":"%s","eventID":"%s","readOnly":%t`, upper(r, 16), uuid(r), c.readOnly)
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"resources":[{"accountId":"%s","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::bucket-%s"}]`, acct, hex(r, 6))
		}
		fmt.Fprintf(&b, `,"eventType":"AwsApiCall","managementEvent":%t,"recipientAccountId":"%s","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%s.%s.amazonaws.com"}}`,
			c.source != "s3.amazonaws.com", acct, strings.TrimSuffix(c.source, ".amazonaws.com"), pick(r, regions))
		b.WriteByte('\n')
		if _, err := bw.WriteString(b.String()); err != nil {
			return err
		}
	}
	return bw.Flush()
}
