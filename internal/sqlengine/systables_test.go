package sqlengine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// auditRows is a fake audit log: rows live in Go, as in the state database.
type auditRows struct {
	rows     [][]any
	versions atomic.Int32
	loads    atomic.Int32
}

func (a *auditRows) table() sqlengine.SystemTable {
	return sqlengine.SystemTable{
		Name: "audit",
		Columns: []sqlengine.Column{
			{Name: "time", Type: "TIMESTAMP WITH TIME ZONE"}, {Name: "actor", Type: "VARCHAR"},
			{Name: "action", Type: "VARCHAR"}, {Name: "n", Type: "BIGINT"}, {Name: "tags", Type: "VARCHAR[]"},
		},
		Version: func(context.Context) (string, error) {
			a.versions.Add(1)
			return fmt.Sprint(len(a.rows)), nil
		},
		Rows: func(ctx context.Context, since string, emit func([]any) error) (string, error) {
			a.loads.Add(1)
			start := 0
			if since != "" {
				fmt.Sscan(since, &start)
			}
			for _, r := range a.rows[start:] {
				if err := emit(r); err != nil {
					return "", err
				}
			}
			return fmt.Sprint(len(a.rows)), nil
		},
	}
}

func TestSystemTables(t *testing.T) {
	a := &auditRows{rows: [][]any{{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "alice@example.com", "signIn", int64(1), []string{"a"}}}}
	_, dir := setup(t)
	for _, mode := range []struct{ sandboxed, appendOnly bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		sandboxed := mode.sandboxed
		a.loads.Store(0)
		a.versions.Store(0)
		def := a.table()
		def.AppendOnly = mode.appendOnly
		eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1, Sandbox: sandboxed, SystemTables: []sqlengine.SystemTable{def}})
		if err != nil {
			t.Fatal(err)
		}
		q := func(sql string) string {
			t.Helper()
			var rows [][]any
			if sandboxed {
				_, rows, err = untrusted(eng, sql, "")
			} else {
				_, rows, err = eng.QueryAll(context.Background(), sql)
			}
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			var lines []string
			for _, r := range rows {
				lines = append(lines, fmt.Sprint(r...))
			}
			return strings.Join(lines, "\n")
		}
		// A query that does not name the table does not consult it.
		q("SELECT count(*) FROM panther_logs.custom_rich")
		if a.versions.Load() != 0 || a.loads.Load() != 0 {
			t.Errorf("sandbox=%v: the audit table was consulted by an unrelated query", sandboxed)
		}
		if got := q("SELECT actor, action, n, tags FROM panther_system.audit"); got != "alice@example.comsignIn1 [a]" {
			t.Errorf("sandbox=%v: got %q", sandboxed, got)
		}
		q("SELECT count(*) FROM panther_system.public.audit")
		if !mode.appendOnly && a.loads.Load() != 1 {
			t.Errorf("sandbox=%v: %d loads for an unchanged table", sandboxed, a.loads.Load())
		}
		if mode.appendOnly && a.versions.Load() != 0 {
			t.Errorf("append-only: Version was called")
		}
		a.rows = append(a.rows, []any{time.Now(), "bob@example.com", "updateRule", int64(2), nil})
		if got := q("SELECT count(*), count(DISTINCT actor) FROM panther_system.audit"); got != "2 2" {
			t.Errorf("%+v: after a change: %q", mode, got)
		}
		if sandboxed {
			if _, rows, err := untrusted(eng, "SELECT count(*) FROM audit", "panther_system"); err != nil || fmt.Sprint(rows[0][0]) != "2" {
				t.Errorf("unqualified in panther_system: %v %v", rows, err)
			}
		}
		eng.Close()
		a.rows = a.rows[:1]
	}
	// Registration is checked.
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, bad := range []sqlengine.SystemTable{{Name: "Bad Name"}, {Name: "quarantine"}, {Name: "x"}} {
		if err := eng.AddSystemTable(context.Background(), bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if err := eng.AddSystemTable(context.Background(), a.table()); err != nil {
		t.Fatal(err)
	}
	if err := eng.AddSystemTable(context.Background(), a.table()); err == nil {
		t.Error("duplicate system table: no error")
	}
}

type mayReadKey struct{}

// TestSystemTableAllow: a gated system table refuses the untrusted queries whose context its
// Allow rejects, however the table is named, even once its rows are loaded; trusted queries
// are not asked.
func TestSystemTableAllow(t *testing.T) {
	a := &auditRows{rows: [][]any{{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "alice@example.com", "signIn", int64(1), []string{"a"}}}}
	_, dir := setup(t)
	def := a.table()
	def.AppendOnly = true
	var asked atomic.Int32
	def.Allow = func(ctx context.Context) error {
		asked.Add(1)
		if ctx.Value(mayReadKey{}) == nil {
			return fmt.Errorf("the audit log needs audit:read")
		}
		return nil
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1, Sandbox: true, SystemTables: []sqlengine.SystemTable{def}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	may := context.WithValue(context.Background(), mayReadKey{}, true)
	read := func(ctx context.Context, sql, db string) ([][]any, error) {
		rows, err := eng.QueryUntrusted(ctx, sql, sqlengine.QueryOptions{Database: db})
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return rows.ReadAll(ctx)
	}
	// Allowed: the rows load and are read.
	if rows, err := read(may, "SELECT actor FROM panther_system.audit", ""); err != nil || len(rows) != 1 {
		t.Fatalf("allowed: %v %v", rows, err)
	}
	// The trusted engine path never asks.
	before := asked.Load()
	if _, _, err := eng.QueryAll(context.Background(), "SELECT count(*) FROM panther_system.audit"); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != before {
		t.Error("a trusted query asked Allow")
	}
	// Refused, with the rows already in DuckDB, whatever the name.
	for _, c := range []struct{ sql, db string }{
		{"SELECT * FROM panther_system.audit", ""},
		{"FROM panther_system.audit", ""},
		{"SELECT * FROM panther_system.public.audit", ""},
		{"SELECT * FROM panther_system.main.audit", ""},
		{"SELECT * FROM audit", "panther_system"},
		{"SELECT * FROM main.audit", "panther_system"},
		{"SELECT * FROM public.audit", "panther_system"},
		{"SELECT * FROM PANTHER_SYSTEM.AUDIT", ""},
		{`SELECT * FROM "panther_system"."audit"`, ""},
		{"SELECT count(*) FROM panther_logs.custom_rich WHERE EXISTS (SELECT 1 FROM panther_system.audit)", ""},
		{"WITH x AS (SELECT actor FROM panther_system.audit) SELECT * FROM x", ""},
		{"SELECT * FROM panther_logs.custom_rich r JOIN panther_system.audit a ON true", ""},
	} {
		rows, err := read(context.Background(), c.sql, c.db)
		var refused *sqlengine.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "audit:read") {
			t.Errorf("%s (db %q): %v %v, want refused for audit:read", c.sql, c.db, rows, err)
		}
	}
	// Other statement forms that read a table: refused, for that reason or another.
	for _, sql := range []string{
		"SUMMARIZE panther_system.audit",
		"SELECT * FROM (SUMMARIZE panther_system.audit)",
		"SELECT * FROM unnest((SELECT list(actor) FROM panther_system.audit))",
		"SELECT * FROM (FROM panther_system.audit)",
		"SELECT * FROM panther_logs.custom_rich UNION ALL BY NAME SELECT * FROM panther_system.audit",
	} {
		if rows, err := read(context.Background(), sql, ""); err == nil {
			t.Errorf("%s: %v, want refused", sql, rows)
		}
	}
	// A query that names no gated table is not asked.
	before = asked.Load()
	if _, err := read(context.Background(), "SELECT count(*) FROM panther_logs.custom_rich", ""); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != before {
		t.Error("an unrelated query asked Allow")
	}
}
