package sqlengine_test

import (
	"context"
	"database/sql/driver"
	"testing"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// FuzzCheck feeds the sandbox's statement check arbitrary SQL: it must not panic, and
// whatever it lets through must be, for DuckDB too, one SELECT statement.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"SELECT 1", "SELECT * FROM panther_logs.custom_rich", "COPY (SELECT 1) TO 'x'", "SELECT 1; DROP TABLE x",
		"WITH a AS (SELECT 1) SELECT * FROM a", "SELECT * FROM read_csv('/etc/passwd')", "ATTACH 'x' AS y",
		"/* c */ SELECT ';'", "SELECT * FROM 'x.csv'", "PRAGMA version", "SELECT getenv('HOME')", "FROM range(3)",
		"SELECT * FROM p_occurs_since('1 d')", "SELECT 1 WHERE p_occurs_since('1 d')", "SET x=1", "(SELECT 1) UNION (SELECT 2)",
	} {
		f.Add(s)
	}
	eng, _ := sandbox(f, sqlengine.Options{})
	conn, err := eng.DB().Conn(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	defer conn.Close()
	f.Fuzz(func(t *testing.T, q string) {
		if err := eng.Check(context.Background(), q); err != nil {
			return
		}
		err := conn.Raw(func(dc any) error {
			st, err := dc.(driver.Conn).Prepare(q)
			if err != nil {
				return nil // DuckDB rejects it at bind time: nothing runs
			}
			defer st.Close()
			typ, err := st.(*duckdb.Stmt).StatementType()
			if err != nil {
				return err
			}
			if typ != duckdb.STATEMENT_TYPE_SELECT {
				t.Errorf("%q passed the check but is a statement of type %d", q, typ)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
