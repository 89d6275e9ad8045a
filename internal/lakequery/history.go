package lakequery

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const schema = `
CREATE TABLE IF NOT EXISTS lake_queries (
	id              TEXT PRIMARY KEY,
	kind            TEXT NOT NULL,
	name            TEXT NOT NULL DEFAULT '',
	sql             TEXT NOT NULL,
	database_name   TEXT NOT NULL,
	status          TEXT NOT NULL,
	message         TEXT NOT NULL DEFAULT '',
	actor_type      TEXT NOT NULL DEFAULT '',
	actor_id        TEXT NOT NULL DEFAULT '',
	actor_email     TEXT NOT NULL DEFAULT '',
	actor_name      TEXT NOT NULL DEFAULT '',
	is_scheduled    INTEGER NOT NULL DEFAULT 0,
	started_at      INTEGER NOT NULL,
	completed_at    INTEGER,
	timeout_ms      INTEGER NOT NULL DEFAULT 0,
	max_rows        INTEGER NOT NULL DEFAULT 0,
	execution_ms    INTEGER NOT NULL DEFAULT 0,
	bytes_scanned   INTEGER NOT NULL DEFAULT 0,
	row_count       INTEGER NOT NULL DEFAULT 0,
	truncated       INTEGER NOT NULL DEFAULT 0,
	columns         TEXT NOT NULL DEFAULT '[]',
	result_bytes    INTEGER NOT NULL DEFAULT 0,
	results_expired INTEGER NOT NULL DEFAULT 0,
	search          TEXT NOT NULL DEFAULT '',
	table_matches   TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS lake_queries_started ON lake_queries(started_at, id);
CREATE TABLE IF NOT EXISTS lake_saved_queries (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,
	description   TEXT NOT NULL DEFAULT '',
	sql           TEXT NOT NULL,
	database_name TEXT NOT NULL DEFAULT '',
	tags          TEXT NOT NULL DEFAULT '[]',
	schedule      TEXT NOT NULL DEFAULT '',
	managed       INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	created_by    TEXT NOT NULL DEFAULT '{}',
	updated_by    TEXT NOT NULL DEFAULT '{}'
);
`

func (s *Service) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("lakequery: creating the state tables: %w", err)
	}
	return nil
}

const queryColumns = `id, kind, name, sql, database_name, status, message, actor_type, actor_id, actor_email,
actor_name, is_scheduled, started_at, completed_at, timeout_ms, max_rows, execution_ms, bytes_scanned, row_count,
truncated, columns, results_expired, search, table_matches`

func (s *Service) insertQuery(ctx context.Context, q *Query) error {
	search := ""
	if q.Search != nil {
		b, err := json.Marshal(q.Search)
		if err != nil {
			return err
		}
		search = string(b)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO lake_queries (id, kind, name, sql, database_name, status, message,
actor_type, actor_id, actor_email, actor_name, is_scheduled, started_at, timeout_ms, max_rows, search)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.Kind, q.Name, q.SQL, q.Database, q.Status, q.Message, q.IssuedBy.Type, q.IssuedBy.ID,
		q.IssuedBy.Email, q.IssuedBy.Name, q.IsScheduled, q.StartedAt.UnixMilli(), q.Limits.Timeout.Milliseconds(),
		q.Limits.MaxRows, search)
	if err != nil {
		return fmt.Errorf("lakequery: recording the query: %w", err)
	}
	return nil
}

// finish records the end of a query.
func (s *Service) finish(ctx context.Context, q *Query, resultBytes int64) error {
	cols, err := json.Marshal(q.Columns)
	if err != nil {
		return err
	}
	if q.Columns == nil {
		cols = []byte("[]")
	}
	tm, err := json.Marshal(q.TableMatches)
	if err != nil {
		return err
	}
	if q.TableMatches == nil {
		tm = []byte("[]")
	}
	_, err = s.db.ExecContext(ctx, `UPDATE lake_queries SET status = ?, message = ?, completed_at = ?, execution_ms = ?,
bytes_scanned = ?, row_count = ?, truncated = ?, columns = ?, result_bytes = ?, table_matches = ? WHERE id = ?`,
		q.Status, q.Message, q.CompletedAt.UnixMilli(), q.Stats.ExecutionTime.Milliseconds(), q.Stats.BytesScanned,
		q.Stats.RowCount, q.Truncated, string(cols), resultBytes, string(tm), q.ID)
	if err != nil {
		return fmt.Errorf("lakequery: recording the end of the query: %w", err)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scanQuery(r scanner) (Query, error) {
	var q Query
	var started int64
	var completed sql.NullInt64
	var timeoutMS, execMS int64
	var cols, search, tm string
	err := r.Scan(&q.ID, &q.Kind, &q.Name, &q.SQL, &q.Database, &q.Status, &q.Message, &q.IssuedBy.Type,
		&q.IssuedBy.ID, &q.IssuedBy.Email, &q.IssuedBy.Name, &q.IsScheduled, &started, &completed, &timeoutMS,
		&q.Limits.MaxRows, &execMS, &q.Stats.BytesScanned, &q.Stats.RowCount, &q.Truncated, &cols,
		&q.ResultsExpired, &search, &tm)
	if err != nil {
		return q, err
	}
	q.StartedAt = time.UnixMilli(started).UTC()
	if completed.Valid {
		q.CompletedAt = time.UnixMilli(completed.Int64).UTC()
	}
	q.Limits.Timeout = time.Duration(timeoutMS) * time.Millisecond
	q.Stats.ExecutionTime = time.Duration(execMS) * time.Millisecond
	if err := json.Unmarshal([]byte(cols), &q.Columns); err != nil {
		return q, fmt.Errorf("columns: %w", err)
	}
	if len(q.Columns) == 0 {
		q.Columns = nil
	}
	if search != "" {
		q.Search = new(IndicatorSearch)
		if err := json.Unmarshal([]byte(search), q.Search); err != nil {
			return q, fmt.Errorf("search: %w", err)
		}
	}
	if err := json.Unmarshal([]byte(tm), &q.TableMatches); err != nil {
		return q, fmt.Errorf("table matches: %w", err)
	}
	if len(q.TableMatches) == 0 {
		q.TableMatches = nil
	}
	return q, nil
}

// Get returns a query of the history.
func (s *Service) Get(ctx context.Context, id string) (*Query, error) {
	q, err := scanQuery(s.db.QueryRowContext(ctx, `SELECT `+queryColumns+` FROM lake_queries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("lakequery: reading query %s: %w", id, err)
	}
	return &q, nil
}

// List returns a page of the history, newest first unless in.Ascending.
func (s *Service) List(ctx context.Context, in ListInput) (QueryPage, error) {
	size := in.PageSize
	if size <= 0 {
		size = 25
	}
	if size > 999 {
		return QueryPage{}, inputErrorf("pageSize %d is over the maximum of 999", size)
	}
	var where []string
	var args []any
	if in.Contains != "" {
		where = append(where, `(instr(lower(name), lower(?)) > 0 OR instr(lower(sql), lower(?)) > 0)`)
		args = append(args, in.Contains, in.Contains)
	}
	if len(in.Status) > 0 {
		where = append(where, "status IN ("+placeholders(len(in.Status))+")")
		for _, st := range in.Status {
			args = append(args, st)
		}
	}
	if len(in.IssuedBy) > 0 {
		where = append(where, "actor_id IN ("+placeholders(len(in.IssuedBy))+")")
		for _, id := range in.IssuedBy {
			args = append(args, id)
		}
	}
	if in.IsScheduled != nil {
		where = append(where, "is_scheduled = ?")
		args = append(args, *in.IsScheduled)
	}
	if in.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, in.Kind)
	}
	if !in.StartedAfter.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, in.StartedAfter.UnixMilli())
	}
	if !in.StartedBefore.IsZero() {
		where = append(where, "started_at < ?")
		args = append(args, in.StartedBefore.UnixMilli())
	}
	dir, cmp := "DESC", "<"
	if in.Ascending {
		dir, cmp = "ASC", ">"
	}
	if in.Cursor != "" {
		at, id, ok := strings.Cut(in.Cursor, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return QueryPage{}, inputErrorf("invalid cursor %q: pass the endCursor of the previous page", in.Cursor)
		}
		where = append(where, fmt.Sprintf("(started_at %s ? OR (started_at = ? AND id %s ?))", cmp, cmp))
		args = append(args, ms, ms, id)
	}
	q := `SELECT ` + queryColumns + ` FROM lake_queries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY started_at %s, id %s LIMIT %d", dir, dir, size+1)
	var page QueryPage
	var err error
	if page.Queries, err = selectAll(ctx, s.db, q, args, scanQuery); err != nil {
		return QueryPage{}, fmt.Errorf("lakequery: listing queries: %w", err)
	}
	if len(page.Queries) > size {
		page.Queries = page.Queries[:size]
		last := page.Queries[size-1]
		page.HasNextPage = true
		page.EndCursor = fmt.Sprintf("%d:%s", last.StartedAt.UnixMilli(), last.ID)
	}
	return page, nil
}

// selectAll runs a query and scans every row with scan.
func selectAll[T any](ctx context.Context, db *sql.DB, q string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
