package sqlengine

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// SystemColumn is a column of a SystemTable, with its DuckDB type.
type SystemColumn struct {
	Name string
	Type string
}

// SystemTable is a panther_system table whose rows live outside the lake, such as the audit
// log in the state database (panther_system.audit). Rows are only ever appended, with growing
// ids, so the engine copies only the rows it does not have yet.
type SystemTable struct {
	// Name is the table's name in panther_system.
	Name string
	// Columns are the table's columns; the first is the row id, a BIGINT.
	Columns []SystemColumn
	// Scan calls fn with the values (in the order of Columns) of every row whose id is above
	// after, in id order.
	Scan func(ctx context.Context, after int64, fn func(row []any) error) error
}

// SyncSystemTable creates panther_system.<t.Name> if needed and appends the rows the source
// has beyond the table's last id. Call it before queries that should see recent rows; it costs
// one look-up when nothing is new.
func (e *Engine) SyncSystemTable(ctx context.Context, t SystemTable) error {
	if len(t.Columns) == 0 || !strings.EqualFold(t.Columns[0].Type, "BIGINT") {
		return fmt.Errorf("sql: system table %s: the first column must be its BIGINT row id", t.Name)
	}
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = ident(c.Name) + " " + c.Type
	}
	table := "panther_system." + ident(t.Name)
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sql: system table %s: %w", t.Name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", table, strings.Join(cols, ", "))); err != nil {
		return fmt.Errorf("sql: system table %s: %w", t.Name, err)
	}
	var last int64
	if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT coalesce(max(%s), 0) FROM %s", ident(t.Columns[0].Name), table)).Scan(&last); err != nil {
		return fmt.Errorf("sql: system table %s: %w", t.Name, err)
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "panther_system", t.Name)
		if err != nil {
			return fmt.Errorf("sql: system table %s: %w", t.Name, err)
		}
		vals := make([]driver.Value, len(t.Columns))
		err = t.Scan(ctx, last, func(row []any) error {
			if len(row) != len(vals) {
				return fmt.Errorf("sql: system table %s: a row of %d values for %d columns", t.Name, len(row), len(vals))
			}
			for i, v := range row {
				vals[i] = v
			}
			return app.AppendRow(vals...)
		})
		if cerr := app.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("sql: system table %s: %w", t.Name, cerr)
		}
		return err
	})
}
