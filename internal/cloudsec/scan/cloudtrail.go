package scan

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// CloudTrail resource types: trails (in their home region) and the account's summary.
const (
	TypeCloudTrail     = "AWS.CloudTrail"
	TypeCloudTrailMeta = "AWS.CloudTrail.Meta"
)

func init() {
	register(&resourceType{name: TypeCloudTrail, list: listCloudTrails})
	register(&resourceType{name: TypeCloudTrailMeta, global: true, meta: true, list: listCloudTrailMeta})
}

// listCloudTrails reads the trails whose home region is region (shadow trails are skipped),
// with their status, event selectors and tags.
func listCloudTrails(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.cloudtrail(region)
	out, err := c.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return nil, err
	}
	var snaps []cloudsec.Snapshot
	for _, t := range out.TrailList {
		if str(t.HomeRegion) != region {
			continue
		}
		arn := str(t.TrailARN)
		sn := snapshot(t, TypeCloudTrail, arn, arn, str(t.Name), e.account, region, nil, nil)
		delete(sn, "TrailARN")
		st, err := c.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: t.TrailARN})
		if err != nil {
			return nil, err
		}
		sn["Status"] = toMap(st)
		sel, err := c.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: t.TrailARN})
		if err != nil {
			return nil, err
		}
		sn["EventSelectors"] = toJSON(sel.EventSelectors)
		sn["AdvancedEventSelectors"] = toJSON(sel.AdvancedEventSelectors)
		tags, err := c.ListTags(ctx, &cloudtrail.ListTagsInput{ResourceIdList: []string{arn}})
		if err != nil {
			return nil, err
		}
		tm := map[string]any{}
		for _, rt := range tags.ResourceTagList {
			for _, tg := range rt.TagsList {
				tm[str(tg.Key)] = str(tg.Value)
			}
		}
		sn[cloudsec.KeyTags] = tm
		snaps = append(snaps, sn)
	}
	return snaps, nil
}

// listCloudTrailMeta sums up the trails of every region: their ARNs and the (advanced) event
// selectors of the multi-region trails that are logging.
func listCloudTrailMeta(ctx context.Context, e *env, _ string) ([]cloudsec.Snapshot, error) {
	id := cloudsec.ResourceID(e.account, "", TypeCloudTrailMeta)
	sn := snapshot(nil, TypeCloudTrailMeta, id, "", TypeCloudTrailMeta, e.account, cloudsec.GlobalRegion, nil, nil)
	trails := []any{}
	selectors := []any{}
	advanced := []any{}
	for _, r := range e.regions {
		snaps, err := listCloudTrails(ctx, e, r)
		if err != nil {
			return nil, err
		}
		for _, t := range snaps {
			trails = append(trails, t[cloudsec.KeyResourceID])
			multi, _ := t["IsMultiRegionTrail"].(bool)
			logging, _ := path(t, "Status", "IsLogging").(bool)
			if multi && logging {
				if l, ok := t["EventSelectors"].([]any); ok {
					selectors = append(selectors, l...)
				}
				if l, ok := t["AdvancedEventSelectors"].([]any); ok {
					advanced = append(advanced, l...)
				}
			}
		}
	}
	sn["Trails"] = trails
	sn["GlobalEventSelectors"] = selectors
	sn["GlobalAdvancedEventSelectors"] = advanced
	return []cloudsec.Snapshot{sn}, nil
}

// path reads a value of nested JSON objects and arrays by keys and indexes.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			switch m := v.(type) {
			case map[string]any:
				v = m[k]
			case cloudsec.Snapshot:
				v = m[k]
			default:
				return nil
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}
