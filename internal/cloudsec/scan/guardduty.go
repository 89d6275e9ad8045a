package scan

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// GuardDuty resource types: a region's detector, and the account's summary.
const (
	TypeGuardDutyDetector     = "AWS.GuardDuty.Detector"
	TypeGuardDutyDetectorMeta = "AWS.GuardDuty.Detector.Meta"
)

func init() {
	register(&resourceType{name: TypeGuardDutyDetector, list: listGuardDuty})
	register(&resourceType{name: TypeGuardDutyDetectorMeta, global: true, meta: true, list: listGuardDutyMeta})
}

func listGuardDuty(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.guardduty(region)
	var snaps []cloudsec.Snapshot
	p := guardduty.NewListDetectorsPaginator(c, &guardduty.ListDetectorsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range page.DetectorIds {
			det, err := c.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String(d)})
			if err != nil {
				return nil, err
			}
			// one detector per region: its id is the region's
			id := cloudsec.ResourceID(e.account, region, TypeGuardDutyDetector)
			tags := det.Tags
			sn := snapshot(nil, TypeGuardDutyDetector, id, "", "", e.account, region, tags, nil)
			sn["Id"] = d
			sn["FindingPublishingFrequency"] = string(det.FindingPublishingFrequency)
			sn["ServiceRole"] = str(det.ServiceRole)
			sn["Status"] = string(det.Status)
			sn["UpdatedAt"] = str(det.UpdatedAt)
			if det.CreatedAt != nil {
				sn[cloudsec.KeyTimeCreated] = *det.CreatedAt
			}
			sn["Master"] = nil
			// Panther's snapshot calls the administrator account "Master" (GuardDuty's
			// former name for it): AccountId, InvitationId, InvitedAt, RelationshipStatus.
			m, err := c.GetAdministratorAccount(ctx, &guardduty.GetAdministratorAccountInput{DetectorId: aws.String(d)})
			if err != nil {
				return nil, err
			}
			if m.Administrator != nil {
				sn["Master"] = toJSON(m.Administrator)
			}
			snaps = append(snaps, sn)
		}
	}
	return snaps, nil
}

func listGuardDutyMeta(ctx context.Context, e *env, _ string) ([]cloudsec.Snapshot, error) {
	id := cloudsec.ResourceID(e.account, "", TypeGuardDutyDetectorMeta)
	sn := snapshot(nil, TypeGuardDutyDetectorMeta, id, "", TypeGuardDutyDetectorMeta, e.account, cloudsec.GlobalRegion, nil, nil)
	detectors := []any{}
	for _, r := range e.regions {
		out, err := e.guardduty(r).ListDetectors(ctx, &guardduty.ListDetectorsInput{})
		if err != nil {
			return nil, err
		}
		if len(out.DetectorIds) > 0 {
			detectors = append(detectors, cloudsec.ResourceID(e.account, r, TypeGuardDutyDetector))
		}
	}
	sn["Detectors"] = detectors
	return []cloudsec.Snapshot{sn}, nil
}
