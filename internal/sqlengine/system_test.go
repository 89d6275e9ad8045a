package sqlengine_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

func TestSyncSystemTable(t *testing.T) {
	ctx := context.Background()
	eng, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	t0 := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	var rows [][]any
	scans := 0
	table := sqlengine.SystemTable{
		Name:    "audit",
		Columns: []sqlengine.SystemColumn{{"id", "BIGINT"}, {"time", "TIMESTAMP WITH TIME ZONE"}, {"action", "VARCHAR"}},
		Scan: func(_ context.Context, after int64, fn func([]any) error) error {
			scans++
			for _, r := range rows {
				if r[0].(int64) > after {
					if err := fn(r); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	if err := eng.SyncSystemTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	count := func() (n int64, last string) {
		_, vals, err := eng.QueryAll(ctx, "SELECT count(*), max(action) FROM panther_system.audit")
		if err != nil {
			t.Fatal(err)
		}
		n, _ = vals[0][0].(int64)
		last, _ = vals[0][1].(string)
		return n, last
	}
	if n, _ := count(); n != 0 {
		t.Fatalf("empty source: %d rows", n)
	}
	rows = append(rows, []any{int64(1), t0, "auth.sign_in"}, []any{int64(2), t0.Add(time.Second), "users.create"})
	if err := eng.SyncSystemTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	rows = append(rows, []any{int64(3), t0.Add(2 * time.Second), "users.delete"})
	if err := eng.SyncSystemTable(ctx, table); err != nil {
		t.Fatal(err)
	}
	if n, last := count(); n != 3 || last != "users.delete" {
		t.Fatalf("after two syncs: %d rows, last %q (rows copied twice?)", n, last)
	}
	_, vals, err := eng.QueryAll(ctx, "SELECT time FROM panther_system.audit WHERE id = 2")
	if err != nil || !vals[0][0].(time.Time).Equal(t0.Add(time.Second)) {
		t.Fatalf("time of row 2 = %v, %v", vals, err)
	}
	bad := table
	bad.Columns = []sqlengine.SystemColumn{{"action", "VARCHAR"}}
	if err := eng.SyncSystemTable(ctx, bad); err == nil {
		t.Error("a table without a BIGINT id first was accepted")
	}
}
