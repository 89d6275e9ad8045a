package sqlengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// benchLake copies setup's lake into files tables*hours partitions, as a lake of many small
// files of many tables (stamped like the writer stamps them).
func benchLake(b *testing.B, tables, hours int) string {
	b.Helper()
	_, src := setup(b)
	dir := b.TempDir()
	files, err := lake.NewLister(src).Files(lake.Logs, "custom_rich")
	if err != nil || len(files) == 0 {
		b.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: src, Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for tb := 0; tb < tables; tb++ {
		table := fmt.Sprintf("custom_t%03d", tb)
		for h := 0; h < hours; h++ {
			p := lake.PartitionDir(dir, lake.Logs, table, start.Add(time.Duration(h)*time.Hour))
			copyFile(b, files[h%len(files)].Path, filepath.Join(p, "f.parquet"))
		}
		if err := lake.MarkChanged(dir, lake.Logs, table); err != nil {
			b.Fatal(err)
		}
		// Stamped an hour ago: a quiet lake, whose listings the engine may trust.
		old := time.Now().Add(-time.Hour)
		if err := os.Chtimes(filepath.Join(dir, "logs", table, ".changed"), old, old); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

func copyFile(b *testing.B, from, to string) {
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(to), 0o755)
	}
	if err == nil {
		err = os.WriteFile(to, data, 0o644)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRefreshUnchanged is what every query pays to notice that nothing changed in a
// lake of 100 tables of 48 files each.
func BenchmarkRefreshUnchanged(b *testing.B) {
	dir := benchLake(b, 100, 48)
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := eng.Refresh(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer() // closing the engine is not part of it
}

// BenchmarkQuerySandbox runs queries over the lake directly (Query, trusted) and through the
// sandbox (QueryUntrusted: parse, check, refresh, run), alternating the two so that both see
// the same machine load; direct-ns/op and sandbox-ns/op are their times and ratio their
// quotient, the sandbox's cost.
func BenchmarkQuerySandbox(b *testing.B) {
	dir := benchLake(b, 4, 48)
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1, Sandbox: true})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	for name, q := range map[string]string{
		"point": "SELECT count(*) FROM panther_logs.custom_t000 WHERE p_event_time >= TIMESTAMPTZ '2024-01-01 05:00:00Z' AND hour = 5 AND day = 1",
		"scan":  "SELECT p_log_type, count(*), count(DISTINCT p_any_ip_addresses) FROM panther_views.all_logs GROUP BY 1",
	} {
		b.Run(name, func(b *testing.B) {
			var direct, sandboxed time.Duration
			for i := 0; i < b.N; i++ {
				for j := 0; j < 2; j++ {
					untrusted := (i+j)%2 == 1 // alternate which goes first
					start := time.Now()
					var rows *sqlengine.Rows
					if untrusted {
						rows, err = eng.QueryUntrusted(context.Background(), q, sqlengine.QueryOptions{})
					} else {
						rows, err = eng.Query(context.Background(), q)
					}
					if err != nil {
						b.Fatal(err)
					}
					if _, err := rows.ReadAll(context.Background()); err != nil {
						b.Fatal(err)
					}
					rows.Close()
					if untrusted {
						sandboxed += time.Since(start)
					} else {
						direct += time.Since(start)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(direct.Nanoseconds())/float64(b.N), "direct-ns/op")
			b.ReportMetric(float64(sandboxed.Nanoseconds())/float64(b.N), "sandbox-ns/op")
			b.ReportMetric(float64(sandboxed)/float64(direct), "ratio")
		})
	}
}

// BenchmarkCheck is the statement check alone: DuckDB's parser and the walk of its tree.
func BenchmarkCheck(b *testing.B) {
	eng, _ := sandbox(b, sqlengine.Options{})
	const q = `WITH x AS (SELECT s, unnest(tags) AS tag FROM panther_logs.custom_rich WHERE p_event_time >= TIMESTAMPTZ '2024-01-01')
SELECT tag, count(*) FROM x JOIN panther_views.all_logs l ON true WHERE l.p_log_type = 'Custom.Rich' GROUP BY 1 ORDER BY 2 DESC`
	for i := 0; i < b.N; i++ {
		if err := eng.Check(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}
