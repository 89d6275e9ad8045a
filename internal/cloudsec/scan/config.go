package scan

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/pantherlabs/panther/internal/cloudsec"
)

// AWS Config resource types: a region's configuration recorder with its status, and the
// account's summary.
const (
	TypeConfigRecorder     = "AWS.Config.Recorder"
	TypeConfigRecorderMeta = "AWS.Config.Recorder.Meta"
)

func init() {
	register(&resourceType{name: TypeConfigRecorder, list: listConfigRecorders})
	register(&resourceType{name: TypeConfigRecorderMeta, global: true, meta: true, list: listConfigMeta})
}

func listConfigRecorders(ctx context.Context, e *env, region string) ([]cloudsec.Snapshot, error) {
	c := e.config(region)
	out, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		return nil, err
	}
	var snaps []cloudsec.Snapshot
	for _, r := range out.ConfigurationRecorders {
		// one recorder per region: its id is the region's
		id := cloudsec.ResourceID(e.account, region, TypeConfigRecorder)
		sn := snapshot(r, TypeConfigRecorder, id, "", str(r.Name), e.account, region, nil, nil)
		delete(sn, "Arn")
		sn["RoleARN"] = str(r.RoleARN)
		st, err := c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{str(r.Name)}})
		if err != nil {
			return nil, err
		}
		sn["Status"] = nil
		if len(st.ConfigurationRecordersStatus) > 0 {
			sn["Status"] = toJSON(st.ConfigurationRecordersStatus[0])
		}
		snaps = append(snaps, sn)
	}
	return snaps, nil
}

// listConfigMeta sums up the recorders of every region and counts those that record every
// supported resource type including the global ones (IAM).
func listConfigMeta(ctx context.Context, e *env, _ string) ([]cloudsec.Snapshot, error) {
	id := cloudsec.ResourceID(e.account, "", TypeConfigRecorderMeta)
	sn := snapshot(nil, TypeConfigRecorderMeta, id, "", TypeConfigRecorderMeta, e.account, cloudsec.GlobalRegion, nil, nil)
	recorders := []any{}
	global := 0
	for _, r := range e.regions {
		out, err := e.config(r).DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
		if err != nil {
			return nil, err
		}
		for _, rec := range out.ConfigurationRecorders {
			recorders = append(recorders, cloudsec.ResourceID(e.account, r, TypeConfigRecorder))
			if g := rec.RecordingGroup; g != nil && g.AllSupported && g.IncludeGlobalResourceTypes {
				global++
			}
		}
	}
	sn["Recorders"] = recorders
	sn["GlobalRecorderCount"] = global
	return []cloudsec.Snapshot{sn}, nil
}
