package cli_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestParseWarningsQueryable ingests records with malformed optional values: the events are
// kept, and their p_parse_warnings can be queried in their table and in panther_views.all_logs.
func TestParseWarningsQueryable(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	in := filepath.Join(dir, "ct.json")
	writeFiles(t, dir, map[string]string{"ct.json": `{"eventVersion":"1.08","eventID":"e-1","eventTime":"2024-10-15T14:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","readOnly":"maybe"}
{"eventVersion":"1.08","eventID":"e-2","eventTime":"2024-10-15T14:00:01Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1","readOnly":false}
`})
	mustRun(t, "", "ingest", "--data-dir", data, "--no-detections", "--log-type", "AWS.CloudTrail", in)
	out := mustRun(t, "", "query", "--data-dir", data, "--format", "csv",
		`SELECT eventID, w.field, w.value, w.error FROM panther_logs.aws_cloudtrail, unnest(p_parse_warnings) AS u(w) ORDER BY eventID`)
	want := "eventID,field,value,error\ne-1,readOnly,maybe,expected a boolean\n"
	if out != want {
		t.Errorf("warnings:\n%s\nwant\n%s", out, want)
	}
	out = mustRun(t, "", "query", "--data-dir", data, "--format", "csv",
		`SELECT p_row_id IS NOT NULL, len(p_parse_warnings) FROM panther_views.all_logs ORDER BY p_event_time`)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.HasSuffix(lines[1], ",1") || !strings.HasSuffix(lines[2], ",") {
		t.Errorf("all_logs:\n%s", out)
	}
}
