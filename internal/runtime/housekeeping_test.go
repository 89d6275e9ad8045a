package runtime

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/config"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/sources"
)

// cloudTrailAt is a CloudTrail event of event time at.
func cloudTrailAt(i int, at time.Time) string {
	return fmt.Sprintf(`{"eventVersion":"1.08","eventTime":"%s","eventSource":"iam.amazonaws.com","eventName":"GetUser","awsRegion":"us-east-1","sourceIPAddress":"192.0.2.1","eventID":"h-%d"}`,
		at.UTC().Format(time.RFC3339), i)
}

// TestServerHousekeeping: the server compacts a closed hour's small files into one (a query
// sees every event once, before and after) and expires the hours past lake.retention_days.
func TestServerHousekeeping(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := OpenState(ctx, data, StateOptions{NoDispatcher: true})
	if err != nil {
		t.Fatal(err)
	}
	src, creds, err := st.Sources.Add(ctx, sources.Config{Label: "edge", Type: "http", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	c := testConfig(t, data)
	c.Lake.RetentionDays = 1
	c.Lake.HousekeepingInterval = config.Duration(time.Second)
	ts := startServer(t, c)

	// Three checkpoints of events of one closed hour (two hours ago, past the grace period):
	// three small files in its partition; one of events three days old.
	recent := time.Now().Add(-2 * time.Hour).Truncate(time.Hour).Add(5 * time.Minute)
	n := 0
	for round := 0; round < 3; round++ {
		var body strings.Builder
		for i := 0; i < 10; i++ {
			body.WriteString(cloudTrailAt(n, recent.Add(time.Duration(n)*time.Second)) + "\n")
			n++
		}
		before := ts.Status(ctx).Checkpoint
		if code, out := ts.push(src.ID, creds.Token, []byte(body.String())); code != 200 {
			t.Fatalf("push: %d %v", code, out)
		}
		eventually(t, "the checkpoint", 20*time.Second, func() bool { return ts.Status(ctx).Checkpoint > before })
	}
	old := time.Now().Add(-72 * time.Hour)
	if code, out := ts.push(src.ID, creds.Token, []byte(cloudTrailAt(1000, old)+"\n"+cloudTrailAt(1001, old)+"\n")); code != 200 {
		t.Fatalf("push: %d %v", code, out)
	}

	lister := lake.NewLister(ts.lakeDir)
	eventually(t, "the hour compacted and the old one expired", 30*time.Second, func() bool {
		_, m := ts.get("/metrics")
		parts, err := lister.Partitions(lake.Logs, "aws_cloudtrail")
		if err != nil || len(parts) != 1 || !parts[0].Hour.Equal(recent.Truncate(time.Hour)) || len(parts[0].Files) != 1 {
			return false
		}
		return metricValue(m, "panther_lake_compactions_total") >= 1 && metricValue(m, "panther_lake_partitions_expired_total") >= 1
	})
	rows := query(t, data, "SELECT count(*), count(DISTINCT eventID), min(p_event_time) FROM panther_logs.aws_cloudtrail")
	if rows[0][0] != int64(30) || rows[0][1] != int64(30) {
		t.Fatalf("after housekeeping: %v; want the 30 recent events, each once", rows)
	}
	parts, _ := lister.Partitions(lake.Logs, "aws_cloudtrail")
	if name := parts[0].Files[0].Path; !strings.Contains(name, "compact-") {
		t.Errorf("the visible file of the hour is %s, not a compacted one", name)
	}
}
