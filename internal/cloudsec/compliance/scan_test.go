package compliance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/pantherlabs/panther/internal/cloudsec/awsfake"
	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/cloudsec/scan"
)

const scanAccount = "123456789012"

// securityGroups answers DescribeSecurityGroups in a region with groups open to the world on
// port 22 (open) or only to an office range.
func securityGroups(f *awsfake.Server, region string, groups map[string]bool) {
	var b strings.Builder
	b.WriteString(`<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><securityGroupInfo>`)
	for id, open := range groups {
		cidr := "203.0.113.0/24"
		if open {
			cidr = "0.0.0.0/0"
		}
		b.WriteString(`<item><ownerId>` + scanAccount + `</ownerId><groupId>` + id + `</groupId><groupName>` + id + `-name</groupName>` +
			`<groupDescription>test</groupDescription><vpcId>vpc-1</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol>` +
			`<fromPort>22</fromPort><toPort>22</toPort><groups/><ipRanges><item><cidrIp>` + cidr + `</cidrIp></item></ipRanges>` +
			`<ipv6Ranges/><prefixListIds/></item></ipPermissions><ipPermissionsEgress/><tagSet><item><key>team</key><value>web</value></item></tagSet></item>`)
	}
	b.WriteString(`</securityGroupInfo></DescribeSecurityGroupsResponse>`)
	f.Add(awsfake.Response{Service: "ec2", Action: "DescribeSecurityGroups", Region: region, Body: b.String()})
}

// TestScanMultiRegionAccount: a scan of a fake account in two regions goes through the
// compliance service into resources, one status per (policy, resource) and one POLICY alert
// per newly failing pair; scanning again raises nothing; a group deleted in AWS loses its
// status; the history tables are written.
func TestScanMultiRegionAccount(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.SetContent(ctx, loadCorpus(t, nil)); err != nil {
		t.Fatal(err)
	}
	f := awsfake.New()
	defer f.Close()
	securityGroups(f, "us-east-1", map[string]bool{"sg-e1": true, "sg-e2": false})
	securityGroups(f, "eu-west-1", map[string]bool{"sg-w1": true, "sg-w2": false})
	newScan := func() *scan.Scanner {
		s, err := scan.New(scan.Options{SourceID: "acct-src", AccountID: scanAccount, Regions: []string{"us-east-1", "eu-west-1"},
			Types: []string{scan.TypeEC2SecurityGroup}, Sink: e.svc, Endpoint: f.URL,
			AWS: aws.Config{Region: "us-east-1", Credentials: f.Credentials()}, ThrottleWait: time.Millisecond, MaxBackoff: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	scanOnce := func() {
		t.Helper()
		e.clock.now = e.clock.now.Add(time.Minute)
		res, err := newScan().Scan(ctx)
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("scan: %v %+v", err, res)
		}
	}
	scanOnce()
	n, err := e.res.Count(ctx, resources.Filter{Types: []string{"AWS.EC2.SecurityGroup"}})
	if err != nil || n != 4 {
		t.Fatalf("resources: %v %d", err, n)
	}
	p, err := e.svc.List(ctx, compliance.Filter{PolicyIDs: []string{"Test.EC2.SecurityGroup.OpenSSH"}})
	if err != nil || len(p.Rows) != 4 {
		t.Fatalf("rows: %v %+v", err, p)
	}
	var failing []string
	for _, r := range p.Rows {
		if r.Status == compliance.Fail {
			failing = append(failing, r.Region+" "+r.ResourceID[strings.LastIndex(r.ResourceID, "/")+1:])
		}
	}
	if strings.Join(failing, ",") != "eu-west-1 sg-w1,us-east-1 sg-e1" {
		t.Fatalf("failing: %v", failing)
	}
	if strings.Join(e.raised, ",") != "Test.EC2.SecurityGroup.OpenSSH arn:aws:ec2:eu-west-1:123456789012:security-group/sg-w1,"+
		"Test.EC2.SecurityGroup.OpenSSH arn:aws:ec2:us-east-1:123456789012:security-group/sg-e1" &&
		strings.Join(e.raised, ",") != "Test.EC2.SecurityGroup.OpenSSH arn:aws:ec2:us-east-1:123456789012:security-group/sg-e1,"+
			"Test.EC2.SecurityGroup.OpenSSH arn:aws:ec2:eu-west-1:123456789012:security-group/sg-w1" {
		t.Fatalf("one alert per newly failing pair: %v", e.raised)
	}
	// The same account again: nothing changed, nothing raised.
	scanOnce()
	if len(e.raised) != 2 {
		t.Fatalf("a rescan raised: %v", e.raised)
	}
	// sg-w1 is deleted in AWS: the next complete listing of eu-west-1 marks it deleted.
	f.Close()
	f = awsfake.New()
	defer f.Close()
	securityGroups(f, "us-east-1", map[string]bool{"sg-e1": true, "sg-e2": false})
	securityGroups(f, "eu-west-1", map[string]bool{"sg-w2": false})
	scanOnce()
	p, _ = e.svc.List(ctx, compliance.Filter{PolicyIDs: []string{"Test.EC2.SecurityGroup.OpenSSH"}})
	if len(p.Rows) != 3 {
		t.Fatalf("after the deletion: %+v", p.Rows)
	}
	r, err := e.res.Get(ctx, "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-w1")
	if err != nil || !r.Deleted {
		t.Fatalf("deleted group: %v %+v", err, r)
	}
	sum, err := e.svc.Summary(ctx, 10)
	if err != nil || sum.Policies["HIGH"].Fail != 1 || sum.Resources.Fail != 1 || sum.Resources.Pass != 2 {
		t.Fatalf("summary: %v %+v", err, sum)
	}
}
