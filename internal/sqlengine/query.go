package sqlengine

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// QueryError is an error from DuckDB about a query: a syntax error, an unknown table or
// column, a type mismatch. Its message carries DuckDB's position marker (LINE n: ... ^).
type QueryError struct {
	Msg string
}

func (e *QueryError) Error() string { return e.Msg }

// Rows is a streaming query result. Close it; Stats is complete after Close.
type Rows struct {
	*sql.Rows
	Columns []string
	Types   []string

	conn    *sql.Conn
	started time.Time
	stats   Stats
	closed  bool
}

// Stats describe a finished query.
type Stats struct {
	Elapsed      time.Duration // from the start of the query to Close
	BytesScanned int64         // bytes DuckDB read from files
	RowsScanned  int64         // rows DuckDB read from tables
}

// Close ends the query, collects its statistics and gives the connection back.
func (r *Rows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	err := r.Rows.Close()
	r.stats.Elapsed = time.Since(r.started)
	if info, perr := duckdb.GetProfilingInfo(r.conn); perr == nil {
		r.stats.BytesScanned = metricInt(info.Metrics["TOTAL_BYTES_READ"])
		r.stats.RowsScanned = metricInt(info.Metrics["CUMULATIVE_ROWS_SCANNED"])
	}
	if cerr := r.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// Stats returns the statistics of the query; complete once Close returned.
func (r *Rows) Stats() Stats { return r.stats }

func metricInt(s string) int64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return int64(f)
}

// Query runs one trusted SQL statement (the CLI, internal callers) in the default database,
// with optional arguments for its placeholders, and returns its rows for streaming. The
// caller closes them.
func (e *Engine) Query(ctx context.Context, query string, args ...any) (*Rows, error) {
	query, err := e.expandMacros(ctx, query)
	if err != nil {
		return nil, err
	}
	if err := e.Refresh(ctx); err != nil {
		return nil, err
	}
	if err := e.loadSystemTables(ctx, query); err != nil {
		return nil, err
	}
	return e.run(ctx, query, DefaultDatabase, args)
}

// run runs a statement on a connection of its own in database db. A query that fails because
// a file it listed was deleted meanwhile (a compaction's delayed delete) is run once more
// after a full refresh.
func (e *Engine) run(ctx context.Context, query, db string, args []any) (*Rows, error) {
	rows, err := e.runOnce(ctx, query, db, args)
	if err != nil && isMissingFile(err) && ctx.Err() == nil {
		e.mu.Lock()
		rerr := e.refresh(ctx, true)
		e.mu.Unlock()
		if rerr != nil {
			return nil, rerr
		}
		rows, err = e.runOnce(ctx, query, db, args)
	}
	return rows, err
}

func (e *Engine) runOnce(ctx context.Context, query, db string, args []any) (*Rows, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SET search_path="+quoteString(db)); err != nil {
		conn.Close()
		return nil, err
	}
	started := time.Now()
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		conn.Close()
		return nil, queryError(ctx, err)
	}
	cols, err := rows.Columns()
	if err == nil {
		var cts []*sql.ColumnType
		if cts, err = rows.ColumnTypes(); err == nil {
			types := make([]string, len(cts))
			for i, ct := range cts {
				types[i] = ct.DatabaseTypeName()
			}
			return &Rows{Rows: rows, Columns: cols, Types: types, conn: conn, started: started}, nil
		}
	}
	rows.Close()
	conn.Close()
	return nil, queryError(ctx, err)
}

// queryError turns a driver error into a QueryError; cancellation stays what it is.
func queryError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &QueryError{Msg: cleanError(err)}
}

func isMissingFile(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "No such file or directory") || strings.Contains(msg, "No files found that match")
}

// QueryAll runs a trusted query and returns all rows. For small results (tests, the API).
func (e *Engine) QueryAll(ctx context.Context, query string, args ...any) ([]string, [][]any, error) {
	rows, err := e.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	all, err := rows.ReadAll(ctx)
	return rows.Columns, all, err
}

// ReadAll reads the remaining rows; for small results. ctx is the query's, to tell
// cancellation from a query error.
func (r *Rows) ReadAll(ctx context.Context) ([][]any, error) {
	var out [][]any
	for r.Next() {
		vals := make([]any, len(r.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			return nil, queryError(ctx, err)
		}
		out = append(out, vals)
	}
	if err := r.Err(); err != nil {
		return nil, queryError(ctx, err)
	}
	return out, nil
}

// cleanError keeps DuckDB's message and position marker and drops driver noise.
func cleanError(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "duckdb: ")
	return strings.TrimRight(msg, "\n")
}
