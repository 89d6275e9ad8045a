package sqlengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

func count(t *testing.T, eng *sqlengine.Engine, q string) string {
	t.Helper()
	_, rows, err := eng.QueryAll(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return fmt.Sprint(rows[0]...)
}

// TestViewsFollowTheLake checks that a long-lived engine sees what changes in the lake
// without being reopened: new files, new tables, new columns, deleted files.
func TestViewsFollowTheLake(t *testing.T) {
	_, src := setup(t)
	s, err := logschema.Parse("rich.yml", []byte(rich))
	if err != nil {
		t.Fatal(err)
	}
	reg := logtypes.NewRegistry()
	if _, err := reg.Add(s, false); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lake")
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Types: reg, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if got := count(t, eng, "SELECT count(*) FROM panther_logs.custom_rich"); got != "0" {
		t.Fatalf("empty lake: %s", got)
	}
	// Files written by another process (here: copied in, then stamped as a writer does).
	copyTree(t, filepath.Join(src, "logs"), filepath.Join(dir, "logs"))
	if got := count(t, eng, "SELECT count(*), count(s) FROM panther_logs.custom_rich"); got != "4 2" {
		t.Fatalf("after the first files: %s", got)
	}
	if got := count(t, eng, "SELECT count(*) FROM panther_views.all_logs"); got != "4" {
		t.Fatalf("all_logs: %s", got)
	}
	// A file with a column the others lack (as a new p_ field gives), written with DuckDB.
	part := lake.PartitionDir(dir, lake.Logs, "custom_rich", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
	newFile := filepath.Join(part, "extra.parquet")
	if _, err := eng.DB().ExecContext(context.Background(), fmt.Sprintf(
		"COPY (SELECT * EXCLUDE (year, month, day, hour), 'new' AS p_new_column FROM panther_logs.custom_rich) TO '%s' (FORMAT parquet)", newFile)); err != nil {
		t.Fatal(err)
	}
	// Stamped as lake.Writer does after each file.
	if err := lake.MarkChanged(dir, lake.Logs, "custom_rich"); err != nil {
		t.Fatal(err)
	}
	if got := count(t, eng, "SELECT count(*), count(p_new_column) FROM panther_logs.custom_rich"); got != "8 4" {
		t.Fatalf("after a file with a new column: %s", got)
	}
	if got := count(t, eng, "SELECT count(*), count(DISTINCT p_row_id), count(p_source_address) FROM panther_views.all_logs"); got != "8 4 0" {
		t.Fatalf("all_logs after a file with a new column: %s", got)
	}
	// A new table of a new kind of data.
	copyTree(t, filepath.Join(src, "rule_matches"), filepath.Join(dir, "rule_matches"))
	if got := count(t, eng, "SELECT count(*) FROM panther_views.all_rule_matches"); got != "1" {
		t.Fatalf("all_rule_matches: %s", got)
	}
	// A file deleted without a stamp (a reader that missed a switch): the query is retried
	// on a fresh listing instead of failing.
	if err := os.Remove(newFile); err != nil {
		t.Fatal(err)
	}
	if got := count(t, eng, "SELECT count(*) FROM panther_logs.custom_rich"); got != "4" {
		t.Fatalf("after a file vanished: %s", got)
	}
}

// copyTree copies a lake subtree and stamps its tables, as the writer does.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	kind := lake.Kind(filepath.Base(dst))
	lakeDir := filepath.Dir(dst)
	tables := map[string]bool{}
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		tables[strings.Split(rel, string(filepath.Separator))[0]] = true
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for table := range tables {
		if err := lake.MarkChanged(lakeDir, kind, table); err != nil {
			t.Fatal(err)
		}
	}
}
