package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLakeCommands(t *testing.T) {
	data := t.TempDir()
	for i := 0; i < 3; i++ {
		mustRun(t, "", "ingest", "--data-dir", data, "--no-detections", "../demo/samples/mixed-with-garbage.log")
	}
	status := func() map[string][3]int {
		t.Helper()
		var st []struct {
			Kind             string
			Table            string
			Files, Compacted int
			Partitions       int
		}
		if err := json.Unmarshal([]byte(mustRun(t, "", "lake", "status", "--data-dir", data, "--format", "json")), &st); err != nil {
			t.Fatal(err)
		}
		out := map[string][3]int{}
		for _, s := range st {
			out[s.Kind+"/"+s.Table] = [3]int{s.Partitions, s.Files, s.Compacted}
		}
		return out
	}
	if got := status(); got["logs/aws_cloudtrail"] != [3]int{1, 3, 0} || got["quarantine/"][1] != 3 {
		t.Fatalf("status after three ingests: %v", got)
	}
	count := func(sql string) string {
		t.Helper()
		return strings.TrimSpace(mustRun(t, "", "query", "--data-dir", data, "--format", "csv", sql))
	}
	before := count("SELECT count(*), count(DISTINCT p_row_id) FROM panther_logs.aws_cloudtrail")
	out := mustRun(t, "", "lake", "compact", "--data-dir", data, "--delete-delay", "0")
	// The events' hour is long closed; the quarantine's (partitioned by when the lines were
	// quarantined: now) is not.
	if !strings.Contains(out, "compacted 3 files") || !strings.Contains(out, "into 1") || !strings.Contains(out, "deleted 3 files") {
		t.Errorf("compact: %s", out)
	}
	if got := status(); got["logs/aws_cloudtrail"] != [3]int{1, 1, 1} || got["quarantine/"][1] != 3 {
		t.Errorf("status after compaction: %v", got)
	}
	if after := count("SELECT count(*), count(DISTINCT p_row_id) FROM panther_logs.aws_cloudtrail"); after != before {
		t.Errorf("rows before %q, after %q", before, after)
	}
	out = mustRun(t, "", "lake", "expire", "--data-dir", data, "--older-than", "1d", "--kind", "logs", "--delete-delay", "0")
	if !strings.Contains(out, "expired 1 partitions") {
		t.Errorf("expire: %s", out)
	}
	if got := count("SELECT count(*) FROM panther_logs.aws_cloudtrail"); got != "count_star()\n0" {
		t.Errorf("after expiry: %q", got)
	}
	if got := status(); got["logs/aws_cloudtrail"] != [3]int{} || got["quarantine/"][1] != 3 {
		t.Errorf("status after expiry: %v", got)
	}
	for _, args := range [][]string{
		{"lake", "expire", "--data-dir", data},
		{"lake", "expire", "--data-dir", data, "--older-than", "soon"},
		{"lake", "expire", "--data-dir", data, "--older-than", "1d", "--kind", "nope"},
		{"lake", "compact", "--data-dir", data, "--target-size", "big"},
	} {
		if _, errs, code := run(t, "", args...); code != 1 || errs == "" {
			t.Errorf("%v: exit %d, %s", args, code, errs)
		}
	}
	if _, _, code := run(t, "", "lake", "nope"); code != 2 {
		t.Errorf("unknown subcommand: exit %d", code)
	}
}
