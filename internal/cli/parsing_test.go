package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/cli"
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

// TestQuarantineSummary quarantines near misses of two types and junk, then summarizes them:
// one group per (source, closest type, reason with values made uniform), largest first, with
// an example and where it was.
func TestQuarantineSummary(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	writeFiles(t, dir, map[string]string{
		"mixed.log": `198.51.100.7 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 512 "-" "curl/8.5.0"
198.51.100.8 - - [10/Octember/2024:13:55:37 +0000] "GET /a HTTP/1.1" 200 13
198.51.100.9 - - [11/Octember/2024:13:55:38 +0000] "GET /b HTTP/1.1" 404 99
{"eventVersion":"1.08","eventTime":"2024-10-15T14:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1"}
{"eventVersion":"1.09","eventTime":"2024-10-15T14:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-2"}
{"eventVersion":"1.09","eventTime":"2024-10-15T14:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-2"}
{"eventVersion":"1.09","eventTime":"2024-10-15T14:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-2"}
`})
	mustRun(t, "", "ingest", "--data-dir", data, "--no-detections", "--source", "edge", "--log-type", "Nginx.Access,AWS.CloudTrail", filepath.Join(dir, "mixed.log"))
	out := mustRun(t, "", "quarantine", "summary", "--data-dir", data, "--format", "json")
	var groups []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var g map[string]any
		if err := json.Unmarshal([]byte(line), &g); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		groups = append(groups, g)
	}
	if len(groups) != 2 {
		t.Fatalf("%d groups:\n%s", len(groups), out)
	}
	ct, web := groups[0], groups[1]
	if ct["source"] != "edge" || ct["closest_type"] != "AWS.CloudTrail" || ct["records"] != float64(4) ||
		ct["reason"] != "field eventID: required field is missing" || !strings.HasSuffix(ct["example_at"].(string), "mixed.log:4") {
		t.Errorf("CloudTrail group: %v", ct)
	}
	if web["closest_type"] != "Nginx.Access" || web["records"] != float64(2) ||
		!strings.Contains(web["reason"].(string), "at offset N") || !strings.Contains(web["example"].(string), "Octember") {
		t.Errorf("nginx group: %v", web)
	}
	// Filters.
	if out := mustRun(t, "", "quarantine", "summary", "--data-dir", data, "--source", "other", "--format", "csv"); strings.Count(out, "\n") != 1 {
		t.Errorf("--source other:\n%s", out)
	}
	if out := mustRun(t, "", "quarantine", "summary", "--data-dir", data, "--since", "1h", "--limit", "1"); !strings.Contains(out, "AWS.CloudTrail") || strings.Contains(out, "Nginx.Access") || !strings.Contains(out, "(1 rows)") {
		t.Errorf("--since 1h --limit 1:\n%s", out)
	}
	if _, errs, code := run(t, "", "quarantine", "summary", "--data-dir", data, "--since", "yesterday"); code != 2 || !strings.Contains(errs, "expected a duration") {
		t.Errorf("bad --since: %d %s", code, errs)
	}
	if _, _, code := run(t, "", "quarantine"); code != 2 {
		t.Errorf("no subcommand: exit %d", code)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{"90m": "2024-06-10T10:30:00Z", "7d": "2024-06-03T12:00:00Z",
		"2024-06-01": "2024-06-01T00:00:00Z", "2024-06-01T08:00:00+02:00": "2024-06-01T06:00:00Z"} {
		got, err := cli.ParseSince(in, now)
		if err != nil || got.UTC().Format(time.RFC3339) != want {
			t.Errorf("%s: %v %v, want %s", in, got, err, want)
		}
	}
}
