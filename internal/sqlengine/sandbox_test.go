package sqlengine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

func sandbox(t testing.TB, o sqlengine.Options) (*sqlengine.Engine, string) {
	t.Helper()
	_, dir := setup(t)
	o.LakeDir = dir
	o.Sandbox = true
	if o.Threads == 0 {
		o.Threads = 1
	}
	eng, err := sqlengine.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng, dir
}

func untrusted(eng *sqlengine.Engine, q, db string) ([]string, [][]any, error) {
	rows, err := eng.QueryUntrusted(context.Background(), q, sqlengine.QueryOptions{Database: db})
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	all, err := rows.ReadAll(context.Background())
	return rows.Columns, all, err
}

// TestSandboxRefuses runs every escape through the API's entry point and checks each is
// refused with its reason, before DuckDB runs anything.
func TestSandboxRefuses(t *testing.T) {
	eng, dir := sandbox(t, sqlengine.Options{})
	outside := filepath.Join(filepath.Dir(dir), "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var lakeFile string
	_ = filepath.WalkDir(filepath.Join(dir, "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") {
			lakeFile = p
		}
		return nil
	})
	tests := []struct{ q, reason string }{
		{"COPY (SELECT 1) TO '" + dir + "/logs/evil.csv'", "COPY is not allowed: queries through the API are read-only"},
		{"copy panther_logs.custom_rich to '" + outside + "/dump.parquet'", "COPY is not allowed"},
		{"/* hidden */ -- really\n COPY (SELECT 1) TO 'x.csv'", "COPY is not allowed"},
		{"SELECT * FROM read_csv('" + secret + "')", "the table function read_csv is not allowed"},
		{"SELECT * FROM Read_CSV_Auto('" + secret + "')", "the table function read_csv_auto is not allowed"},
		{`SELECT * FROM "read_text"('/etc/passwd')`, "the table function read_text is not allowed"},
		{"SELECT * FROM read_json('/etc/hosts')", "the table function read_json is not allowed"},
		{"SELECT * FROM read_blob('/etc/hosts')", "the table function read_blob is not allowed"},
		{"SELECT * FROM glob('/*')", "the table function glob is not allowed"},
		{"SELECT * FROM range(1) r, LATERAL read_csv('" + secret + "')", "the table function read_csv is not allowed"},
		{"SELECT 1 WHERE EXISTS (SELECT * FROM read_text('/etc/passwd'))", "the table function read_text is not allowed"},
		{"WITH x AS (SELECT * FROM sniff_csv('" + secret + "')) SELECT * FROM x", "the table function sniff_csv is not allowed"},
		{"SELECT * FROM read_parquet('" + outside + "/x.parquet')", "queries through the API read only files of the lake"},
		{"SELECT * FROM read_parquet('" + dir + "/../outside/x.parquet')", "queries through the API read only files of the lake"},
		{"SELECT * FROM read_parquet('" + dir + "/**/*.parquet')", "queries through the API read only files of the lake"},
		{"SELECT * FROM read_parquet(['" + lakeFile + "', '/etc/x.parquet'])", "queries through the API read only files of the lake"},
		{"SELECT * FROM read_parquet(concat('/et', 'c/x.parquet'))", "only with literal paths of lake files"},
		{"SELECT * FROM '" + secret + "'", "reading files is not allowed through the API"},
		{"SELECT * FROM 'data.parquet'", "reading files is not allowed through the API"},
		{"SELECT * FROM query('SELECT 42')", "the table function query is not allowed"},
		{"SELECT * FROM json_execute_serialized_sql('{}')", "is not allowed"},
		{"SELECT getenv('HOME')", "getenv is not allowed through the API: it reads the server's environment"},
		{"ATTACH '" + outside + "/x.db' AS x", "ATTACH is not allowed: queries through the API read only the lake's databases"},
		{"DETACH panther_logs", "DETACH is not allowed"},
		{"INSTALL httpfs", "INSTALL is not allowed: extensions cannot be installed or loaded through the API"},
		{"LOAD httpfs", "LOAD is not allowed"},
		{"FORCE INSTALL httpfs", "FORCE is not allowed"},
		{"SET memory_limit='100GB'", "SET is not allowed: settings cannot be changed through the API"},
		{"SET search_path='memory'", "SET is not allowed"},
		{"RESET memory_limit", "RESET is not allowed"},
		{"PRAGMA enable_profiling", "PRAGMA is not allowed"},
		{"CREATE TABLE t AS SELECT 1", "CREATE is not allowed: queries through the API are read-only"},
		{"CREATE OR REPLACE VIEW panther_logs.custom_rich AS SELECT 1", "CREATE is not allowed"},
		{"CREATE MACRO m(a) AS a", "CREATE is not allowed"},
		{"INSERT INTO panther_system.quarantine SELECT * FROM panther_system.quarantine", "INSERT is not allowed"},
		{"UPDATE panther_logs.custom_rich SET s = 'x'", "UPDATE is not allowed"},
		{"DELETE FROM panther_logs.custom_rich", "DELETE is not allowed"},
		{"DROP VIEW panther_logs.custom_rich", "DROP is not allowed"},
		{"ALTER VIEW panther_logs.custom_rich RENAME TO x", "ALTER is not allowed"},
		{"EXPORT DATABASE '" + outside + "/export'", "EXPORT is not allowed"},
		{"IMPORT DATABASE '" + outside + "/export'", "IMPORT is not allowed"},
		{"CALL pragma_version()", "CALL is not allowed"},
		{"EXPLAIN SELECT 1", "EXPLAIN is not allowed"},
		{"USE panther_system", "USE is not allowed"},
		{"CHECKPOINT", "CHECKPOINT is not allowed"},
		{"BEGIN TRANSACTION", "BEGIN is not allowed"},
		{"SELECT 1; SELECT 2", "send one statement at a time: the query has 2"},
		{"SELECT 1; DROP VIEW panther_logs.custom_rich", "send one statement at a time: the query has 2 (SELECT, DROP)"},
		{"   ", "the query is empty"},
	}
	for _, tt := range tests {
		_, _, err := untrusted(eng, tt.q, "")
		var re *sqlengine.RefusedError
		if !errors.As(err, &re) {
			t.Errorf("%s: got %v (%T), want a refusal", tt.q, err, err)
			continue
		}
		if !strings.Contains(re.Reason, tt.reason) {
			t.Errorf("%s:\n got %q\nwant %q", tt.q, re.Reason, tt.reason)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "logs", "evil.csv")); err == nil {
		t.Error("COPY wrote into the lake")
	}
	// The views are intact.
	if _, rows, err := untrusted(eng, "SELECT count(*) FROM panther_logs.custom_rich", ""); err != nil || rows[0][0].(int64) != 4 {
		t.Errorf("after the refusals: %v %v", rows, err)
	}
}

// TestSandboxEngine checks the engine's own layer: even SQL that skips the statement check
// cannot touch a file outside the lake.
func TestSandboxEngine(t *testing.T) {
	eng, dir := sandbox(t, sqlengine.Options{})
	outside := filepath.Join(filepath.Dir(dir), "outside2")
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "s.csv"), []byte("a\n1\n"), 0o644)
	for _, q := range []string{
		"SELECT * FROM read_csv('" + outside + "/s.csv')",
		"COPY (SELECT 1) TO '" + outside + "/w.csv'",
		"ATTACH '" + outside + "/x.db' AS x",
		"INSTALL httpfs",
		"SET enable_external_access=true",
		"SET allowed_directories=['/']",
	} {
		if _, err := eng.DB().ExecContext(context.Background(), q); err == nil {
			t.Errorf("%s: DuckDB allowed it", q)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "w.csv")); err == nil {
		t.Error("COPY wrote outside the lake")
	}
	// An engine without Sandbox does not take SQL from the API.
	plain, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.QueryUntrusted(context.Background(), "SELECT 1", sqlengine.QueryOptions{}); !errors.Is(err, sqlengine.ErrNotSandboxed) {
		t.Errorf("plain engine: %v", err)
	}
}

func TestSandboxAllows(t *testing.T) {
	eng, dir := sandbox(t, sqlengine.Options{})
	var lakeFile string
	_ = filepath.WalkDir(filepath.Join(dir, "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parquet") && lakeFile == "" {
			lakeFile = p
		}
		return nil
	})
	tests := []struct{ q, db, want string }{
		{"SELECT count(*) FROM panther_logs.custom_rich", "", "4"},
		{"SELECT count(*) FROM panther_logs.public.custom_rich", "", "4"},
		{"SELECT count(*) FROM custom_rich", "panther_logs.public", "4"},
		{"SELECT count(*) FROM custom_rich", "PANTHER_LOGS", "4"},
		{"SELECT count(*) FROM all_logs", "panther_views", "4"},
		{"SELECT count(*) FROM quarantine", "panther_system", "2"},
		{"WITH x AS (SELECT s FROM panther_logs.custom_rich) SELECT count(*) FROM x", "", "4"},
		{"SELECT count(*) FROM (SELECT unnest(tags) FROM panther_logs.custom_rich)", "", "4"},
		{"SELECT count(*) FROM range(10)", "", "10"},
		{"SELECT count(*) FROM read_parquet('" + lakeFile + "')", "", "3"}, // the file of hour 10
		{"SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'panther_logs' AND table_name = 'custom_rich' AND table_schema = 'main'", "", "1"},
		{"SELECT column_name FROM (DESCRIBE panther_logs.custom_rich) WHERE column_name = 'detail-type'", "", "detail-type"},
		{"FROM panther_logs.custom_rich SELECT count(*)", "", "4"},
		{"-- a comment first\nSELECT 'copy' AS word", "", "copy"},
		{"SELECT ';' AS \"a;b\" /* ; */ -- ;\n;", "", ";"},
	}
	for _, tt := range tests {
		_, rows, err := untrusted(eng, tt.q, tt.db)
		if err != nil {
			t.Errorf("%s: %v", tt.q, err)
			continue
		}
		if len(rows) != 1 || len(rows[0]) != 1 {
			t.Errorf("%s: %v", tt.q, rows)
			continue
		}
		if got := fmt.Sprint(rows[0][0]); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.q, got, tt.want)
		}
	}
	// Syntax errors keep DuckDB's message; unknown databases are named.
	if _, _, err := untrusted(eng, "SELEC 1", ""); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("syntax error: %v", err)
	}
	var qe *sqlengine.QueryError
	if _, _, err := untrusted(eng, "SELECT nope FROM panther_logs.custom_rich", ""); !errors.As(err, &qe) || !strings.Contains(qe.Msg, "nope") {
		t.Errorf("binder error: %v", err)
	}
	if _, _, err := untrusted(eng, "SELECT 1", "secret_db"); err == nil || !strings.Contains(err.Error(), `unknown database "secret_db"`) {
		t.Errorf("unknown database: %v", err)
	}
}

// TestSandboxCaps checks the time and memory caps.
func TestSandboxCaps(t *testing.T) {
	eng, _ := sandbox(t, sqlengine.Options{MemoryLimit: "64MB"})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	rows, err := eng.QueryUntrusted(ctx, "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3", sqlengine.QueryOptions{})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) && (err == nil || !strings.Contains(err.Error(), "nterrupt")) {
		t.Errorf("time cap: %v", err)
	}
	_, _, err = untrusted(eng, "SELECT length(string_agg(repeat('x', 1000), ',')) FROM range(1000000)", "")
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "memory") {
		t.Errorf("memory cap: %v", err)
	}
	// The engine still answers afterwards.
	if _, rows, err := untrusted(eng, "SELECT count(*) FROM panther_logs.custom_rich", ""); err != nil || rows[0][0].(int64) != 4 {
		t.Errorf("after the caps: %v %v", rows, err)
	}
}
