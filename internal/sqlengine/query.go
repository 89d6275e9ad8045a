package sqlengine

import (
	"context"
	"database/sql"
	"strings"
)

// QueryError is an error from DuckDB about a query: a syntax error, an unknown table or
// column, a type mismatch. Its message carries DuckDB's position marker (LINE n: ... ^).
type QueryError struct {
	Msg string
}

func (e *QueryError) Error() string { return e.Msg }

// Rows is a streaming query result.
type Rows struct {
	*sql.Rows
	Columns []string
	Types   []string
}

// Query runs one SQL statement and returns its rows for streaming. The caller closes them.
func (e *Engine) Query(ctx context.Context, query string) (*Rows, error) {
	rows, err := e.db.QueryContext(ctx, query)
	if err != nil {
		return nil, &QueryError{Msg: cleanError(err)}
	}
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, &QueryError{Msg: cleanError(err)}
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, &QueryError{Msg: cleanError(err)}
	}
	types := make([]string, len(cts))
	for i, ct := range cts {
		types[i] = ct.DatabaseTypeName()
	}
	return &Rows{Rows: rows, Columns: cols, Types: types}, nil
}

// QueryAll runs a query and returns all rows. For small results (tests, the API).
func (e *Engine) QueryAll(ctx context.Context, query string) ([]string, [][]any, error) {
	rows, err := e.Query(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(rows.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, &QueryError{Msg: cleanError(err)}
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, &QueryError{Msg: cleanError(err)}
	}
	return rows.Columns, out, nil
}

// cleanError keeps DuckDB's message and position marker and drops driver noise.
func cleanError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "duckdb: ")
	return strings.TrimRight(msg, "\n")
}
