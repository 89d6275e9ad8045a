package scan

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// TypeLogGroup is a CloudWatch Logs log group.
const TypeLogGroup = "AWS.CloudWatch.LogGroup"

func init() {
	register(&resourceType{name: TypeLogGroup, list: listLogGroups, one: oneLogGroup})
}

func listLogGroups(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	return logGroups(ctx, e, region, "")
}

func logGroups(ctx context.Context, e *env, region, prefix string) ([]cloudsec.Snapshot, error) {
	c := e.logs(region)
	in := &cloudwatchlogs.DescribeLogGroupsInput{}
	if prefix != "" {
		in.LogGroupNamePrefix = aws.String(prefix)
	}
	var snaps []cloudsec.Snapshot
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.LogGroups {
			// the log group ARN without its ":*" suffix
			arn := strings.TrimSuffix(str(g.Arn), ":*")
			var created *time.Time
			if g.CreationTime != nil {
				t := time.UnixMilli(*g.CreationTime)
				created = &t
			}
			sn := snapshot(g, TypeLogGroup, arn, arn, str(g.LogGroupName), e.account, region, nil, created)
			// Name and TimeCreated say these
			delete(sn, "LogGroupName")
			delete(sn, "CreationTime")
			tags, err := c.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
			if err != nil {
				return nil, err
			}
			tm := map[string]any{}
			for k, v := range tags.Tags {
				tm[k] = v
			}
			sn[cloudsec.KeyTags] = tm
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}

func oneLogGroup(ctx context.Context, e *env, region, id string) (cloudsec.Snapshot, error) {
	name := id[strings.Index(id, ":log-group:")+len(":log-group:"):]
	snaps, err := logGroups(ctx, e, region, name)
	if err != nil {
		return nil, err
	}
	for _, sn := range snaps {
		if sn[cloudsec.KeyName] == name {
			return sn, nil
		}
	}
	return nil, errNotFound
}
