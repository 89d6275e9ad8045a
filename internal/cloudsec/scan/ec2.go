package scan

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// EC2 resource types.
const (
	TypeEC2AMI           = "AWS.EC2.AMI"
	TypeEC2Instance      = "AWS.EC2.Instance"
	TypeEC2NetworkACL    = "AWS.EC2.NetworkACL"
	TypeEC2SecurityGroup = "AWS.EC2.SecurityGroup"
	TypeEC2Volume        = "AWS.EC2.Volume"
	TypeEC2VPC           = "AWS.EC2.VPC"
)

func init() {
	register(&resourceType{name: TypeEC2AMI, list: listEC2AMIs})
	register(&resourceType{name: TypeEC2Instance, list: listEC2Instances, one: oneEC2Instance})
	register(&resourceType{name: TypeEC2NetworkACL, list: listEC2NetworkACLs})
	register(&resourceType{name: TypeEC2SecurityGroup, list: listEC2SecurityGroups, one: oneEC2SecurityGroup})
	register(&resourceType{name: TypeEC2Volume, list: listEC2Volumes})
	register(&resourceType{name: TypeEC2VPC, list: listEC2VPCs})
}

func ec2Tags(ts []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[str(t.Key)] = str(t.Value)
	}
	return m
}

func ec2Name(ts []ec2types.Tag) string {
	for _, t := range ts {
		if str(t.Key) == "Name" {
			return str(t.Value)
		}
	}
	return ""
}

// lastID is the id after the last "/" of an ARN.
func lastID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

func listEC2AMIs(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	out, err := e.ec2(region).DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		return nil, err
	}
	var snaps []cloudsec.Snapshot
	for _, im := range out.Images {
		arn := arnOf("ec2", region, "", "image/"+str(im.ImageId))
		var created *time.Time
		if t, err := time.Parse(time.RFC3339, str(im.CreationDate)); err == nil {
			created = &t
		}
		sn := snapshot(im, TypeEC2AMI, arn, arn, str(im.Name), e.account, region, ec2Tags(im.Tags), created)
		sn["Id"] = str(im.ImageId)
		snaps = append(snaps, sn)
	}
	return snaps, nil
}

func ec2Instance(e *env, region string, in ec2types.Instance) cloudsec.Snapshot {
	arn := arnOf("ec2", region, e.account, "instance/"+str(in.InstanceId))
	sn := snapshot(in, TypeEC2Instance, arn, arn, ec2Name(in.Tags), e.account, region, ec2Tags(in.Tags), in.LaunchTime)
	sn["Id"] = str(in.InstanceId)
	return sn
}

func listEC2Instances(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	return ec2Instances(ctx, e, region, nil)
}

func ec2Instances(ctx context.Context, e *env, region string, ids []string) ([]cloudsec.Snapshot, error) {
	var snaps []cloudsec.Snapshot
	p := ec2.NewDescribeInstancesPaginator(e.ec2(region), &ec2.DescribeInstancesInput{InstanceIds: ids})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				snaps = append(snaps, ec2Instance(e, region, in))
			}
		}
	}
	return snaps, nil
}

func oneEC2Instance(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	snaps, err := ec2Instances(ctx, e, region, []string{lastID(id)})
	if errCode(err) == "InvalidInstanceID.NotFound" || err == nil && len(snaps) == 0 {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return snaps[0], nil
}

func listEC2NetworkACLs(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	var snaps []cloudsec.Snapshot
	p := ec2.NewDescribeNetworkAclsPaginator(e.ec2(region), &ec2.DescribeNetworkAclsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.NetworkAcls {
			arn := arnOf("ec2", region, e.account, "network-acl/"+str(a.NetworkAclId))
			sn := snapshot(a, TypeEC2NetworkACL, arn, arn, ec2Name(a.Tags), e.account, region, ec2Tags(a.Tags), nil)
			sn["Id"] = str(a.NetworkAclId)
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}

func ec2SecurityGroups(ctx context.Context, e *env, region string, ids []string) ([]cloudsec.Snapshot, error) {
	var snaps []cloudsec.Snapshot
	p := ec2.NewDescribeSecurityGroupsPaginator(e.ec2(region), &ec2.DescribeSecurityGroupsInput{GroupIds: ids})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.SecurityGroups {
			arn := arnOf("ec2", region, e.account, "security-group/"+str(g.GroupId))
			sn := snapshot(g, TypeEC2SecurityGroup, arn, arn, str(g.GroupName), e.account, region, ec2Tags(g.Tags), nil)
			sn["Id"] = str(g.GroupId)
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}

func listEC2SecurityGroups(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	return ec2SecurityGroups(ctx, e, region, nil)
}

func oneEC2SecurityGroup(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	snaps, err := ec2SecurityGroups(ctx, e, region, []string{lastID(id)})
	if errCode(err) == "InvalidGroup.NotFound" || err == nil && len(snaps) == 0 {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return snaps[0], nil
}

func listEC2Volumes(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.ec2(region)
	// the account's snapshots with their create-volume permissions, by volume
	byVolume := map[string][]any{}
	sp := ec2.NewDescribeSnapshotsPaginator(c, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Snapshots {
			attr, err := c.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: s.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
			if err != nil {
				return nil, err
			}
			m := toMap(s)
			m["CreateVolumePermissions"] = toJSON(attr.CreateVolumePermissions)
			byVolume[str(s.VolumeId)] = append(byVolume[str(s.VolumeId)], m)
		}
	}
	var snaps []cloudsec.Snapshot
	p := ec2.NewDescribeVolumesPaginator(c, &ec2.DescribeVolumesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Volumes {
			arn := arnOf("ec2", region, e.account, "volume/"+str(v.VolumeId))
			sn := snapshot(v, TypeEC2Volume, arn, arn, ec2Name(v.Tags), e.account, region, ec2Tags(v.Tags), v.CreateTime)
			sn["Id"] = str(v.VolumeId)
			sn["Snapshots"] = byVolume[str(v.VolumeId)]
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}

func listEC2VPCs(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.ec2(region)
	var snaps []cloudsec.Snapshot
	p := ec2.NewDescribeVpcsPaginator(c, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Vpcs {
			id := str(v.VpcId)
			filter := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{id}}}
			arn := arnOf("ec2", region, e.account, "vpc/"+id)
			sn := snapshot(v, TypeEC2VPC, arn, arn, ec2Name(v.Tags), e.account, region, ec2Tags(v.Tags), nil)
			sn["Id"] = id
			fl, err := c.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
			if err != nil {
				return nil, err
			}
			sn["FlowLogs"] = toJSON(fl.FlowLogs)
			rt, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: filter})
			if err != nil {
				return nil, err
			}
			sn["RouteTables"] = toJSON(rt.RouteTables)
			sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter})
			if err != nil {
				return nil, err
			}
			var groups []any
			sn["DefaultSecurityGroupId"] = nil
			for _, g := range sgs.SecurityGroups {
				groups = append(groups, str(g.GroupId))
				if str(g.GroupName) == "default" {
					sn["DefaultSecurityGroupId"] = str(g.GroupId)
				}
			}
			sn["SecurityGroups"] = groups
			acls, err := c.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: filter})
			if err != nil {
				return nil, err
			}
			var nacls []any
			sn["DefaultNetworkAclId"] = nil
			for _, a := range acls.NetworkAcls {
				nacls = append(nacls, str(a.NetworkAclId))
				if a.IsDefault != nil && *a.IsDefault {
					sn["DefaultNetworkAclId"] = str(a.NetworkAclId)
				}
			}
			sn["NetworkAcls"] = nacls
			stale, err := c.DescribeStaleSecurityGroups(ctx, &ec2.DescribeStaleSecurityGroupsInput{VpcId: v.VpcId})
			if err != nil {
				return nil, err
			}
			var st []any
			for _, g := range stale.StaleSecurityGroupSet {
				st = append(st, str(g.GroupId))
			}
			sn["StaleSecurityGroups"] = st
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}
