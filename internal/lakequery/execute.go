package lakequery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// job runs a query, writing its rows to w and filling q's Columns, Stats, Truncated and
// TableMatches.
type job func(ctx context.Context, q *Query, w *resultWriter) error

// Execute starts a SQL query and returns its id at once; Get, Wait and Results follow it. A
// statement the sandbox refuses, or one DuckDB rejects, becomes a failed query whose message
// says why. Execute itself fails only on a request that cannot be a query: an empty SQL, an
// unknown database, a limit over the maximum (an *InputError).
func (s *Service) Execute(ctx context.Context, req ExecuteRequest) (string, error) {
	if strings.TrimSpace(req.SQL) == "" {
		return "", inputErrorf("the sql is empty")
	}
	db, err := sqlengine.NormalizeDatabase(req.Database)
	if err != nil {
		return "", &InputError{Msg: err.Error()}
	}
	limits, err := s.limits(req.Limits)
	if err != nil {
		return "", err
	}
	q := &Query{Kind: KindSQL, Name: req.Name, SQL: req.SQL, Database: db, IssuedBy: req.IssuedBy,
		IsScheduled: req.IsScheduled, Limits: limits}
	return s.start(ctx, q, s.sqlJob)
}

func (s *Service) limits(l Limits) (Limits, error) {
	if l.Timeout < 0 || l.MaxRows < 0 {
		return l, inputErrorf("limits must not be negative")
	}
	if l.Timeout == 0 {
		l.Timeout = s.opts.DefaultTimeout
	}
	if l.Timeout > s.opts.MaxTimeout {
		return l, inputErrorf("a time limit of %s is over the maximum of %s", l.Timeout, s.opts.MaxTimeout)
	}
	if l.MaxRows == 0 {
		l.MaxRows = s.opts.DefaultMaxRows
	}
	if l.MaxRows > s.opts.MaxRows {
		return l, inputErrorf("a row limit of %d is over the maximum of %d", l.MaxRows, s.opts.MaxRows)
	}
	return l, nil
}

// start records a query as running and runs it in the background.
func (s *Service) start(ctx context.Context, q *Query, j job) (string, error) {
	if err := s.Sweep(ctx); err != nil {
		s.opts.Logger.Warn("lakequery: sweeping results", "err", err)
	}
	q.ID = uuid.NewString()
	q.Status = StatusRunning
	q.StartedAt = s.opts.Now().UTC().Truncate(time.Millisecond)
	// The query outlives the request but keeps its values: the principal, which gated system
	// tables (panther_system.audit) check before they are read.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &run{cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		return "", ErrClosed
	}
	s.running[q.ID] = r
	s.wg.Add(1)
	s.mu.Unlock()
	// Take a slot now if one is free, so that queries start in the order they came.
	slot := false
	select {
	case s.slots <- struct{}{}:
		slot = true
	default:
		q.Message = fmt.Sprintf("waiting for a free slot: %d queries are running", cap(s.slots))
	}
	if err := s.insertQuery(ctx, q); err != nil {
		if slot {
			<-s.slots
		}
		s.mu.Lock()
		delete(s.running, q.ID)
		s.mu.Unlock()
		s.wg.Done()
		cancel()
		return "", err
	}
	go s.execute(runCtx, r, q, j, slot)
	return q.ID, nil
}

// execute runs a job in a slot (waiting for one unless it has it) and records how it ended.
func (s *Service) execute(ctx context.Context, r *run, q *Query, j job, slot bool) {
	defer s.wg.Done()
	defer close(r.done)
	defer r.cancel()
	var err error
	var resultBytes int64
	if !slot {
		select {
		case s.slots <- struct{}{}:
			slot = true
			q.Message = ""
			s.setMessage(q.ID, "")
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	started := time.Now()
	if slot {
		tctx, cancel := context.WithTimeout(ctx, q.Limits.Timeout)
		resultBytes, err = s.runJob(tctx, q, j)
		cancel()
		<-s.slots
	}
	q.Stats.ExecutionTime = time.Since(started)
	q.CompletedAt = s.opts.Now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	cancelBy := r.cancelBy
	closing := s.closed
	s.mu.Unlock()
	// The query leaves the running set only once its end is recorded, so that Wait, which
	// reads the record when the query is no longer running, never reads it still running.
	defer func() {
		s.mu.Lock()
		delete(s.running, q.ID)
		s.mu.Unlock()
	}()
	var refused *sqlengine.RefusedError
	var qe *sqlengine.QueryError
	switch {
	case err == nil:
		q.Status = StatusSucceeded
		if q.Truncated {
			q.Message = fmt.Sprintf("the results stop at %d rows, the query's row limit or size cap; narrow the query to see the rest", q.Stats.RowCount)
		}
	case cancelBy != nil:
		q.Status, q.Message = StatusCancelled, "cancelled by "+describe(*cancelBy)
	case closing && errors.Is(err, context.Canceled):
		q.Status, q.Message = StatusCancelled, "the server shut down while the query ran; run it again"
	case errors.Is(err, context.DeadlineExceeded):
		q.Status = StatusFailed
		q.Message = fmt.Sprintf("the query ran for longer than its time limit of %s and was stopped; narrow it (a p_event_time range, fewer tables) or raise the limit", q.Limits.Timeout)
	case errors.As(err, &refused):
		q.Status, q.Message = StatusFailed, refused.Reason
	case errors.As(err, &qe):
		q.Status, q.Message = StatusFailed, qe.Msg
	default:
		q.Status, q.Message = StatusFailed, "the query could not run: "+err.Error()
		s.opts.Logger.Error("lakequery: query failed", "id", q.ID, "err", err)
	}
	if q.Status != StatusSucceeded {
		q.Columns, q.Truncated, resultBytes = nil, false, 0
	}
	if err := s.finish(context.Background(), q, resultBytes); err != nil {
		s.opts.Logger.Error("lakequery: recording a query", "id", q.ID, "err", err)
	}
}

func (s *Service) runJob(ctx context.Context, q *Query, j job) (int64, error) {
	w, err := s.newResultWriter(q.ID)
	if err != nil {
		return 0, err
	}
	if err := j(ctx, q, w); err != nil {
		w.abort()
		return 0, err
	}
	return w.commit()
}

func describe(a Actor) string {
	switch {
	case a.Email != "":
		return a.Email
	case a.Name != "":
		return a.Name
	}
	return string(a.Type) + " " + a.ID
}

// sqlJob runs a SQL query through the sandbox.
func (s *Service) sqlJob(ctx context.Context, q *Query, w *resultWriter) error {
	bytes, err := s.spillQuery(ctx, q, w, q.SQL, q.Database)
	q.Stats.BytesScanned = bytes
	return err
}

// spillQuery runs sql through the sandbox and writes its rows to w, setting q's columns; it
// returns the bytes the query read.
func (s *Service) spillQuery(ctx context.Context, q *Query, w *resultWriter, sql, db string) (int64, error) {
	rows, err := s.eng.QueryUntrusted(ctx, sql, sqlengine.QueryOptions{Database: db})
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	q.Columns = resultColumns(rows.Columns, rows.Types)
	if err := spill(ctx, rows, q, w); err != nil {
		return 0, err
	}
	if err := rows.Close(); err != nil && ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return rows.Stats().BytesScanned, nil
}

// spill writes rows to w up to the row limit.
func spill(ctx context.Context, rows *sqlengine.Rows, q *Query, w *resultWriter) error {
	vals := make([]any, len(rows.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	obj := make(sqlengine.Object, len(vals))
	encs := sqlengine.Encoders(rows.Types)
	for rows.Next() {
		if q.Stats.RowCount >= q.Limits.MaxRows {
			q.Truncated = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return &sqlengine.QueryError{Msg: err.Error()}
		}
		for i, v := range vals {
			obj[i] = sqlengine.Field{Key: q.Columns[i].Name, Value: encs[i](v)}
		}
		b, err := obj.MarshalJSON()
		if err != nil {
			return fmt.Errorf("encoding a row: %w", err)
		}
		ok, err := w.add(b)
		if err != nil {
			return err
		}
		if !ok {
			q.Truncated = true
			break
		}
		q.Stats.RowCount++
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &sqlengine.QueryError{Msg: strings.TrimPrefix(err.Error(), "duckdb: ")}
	}
	return nil
}

// resultColumns names the columns of a result; a repeated name gets a suffix (_2, _3...) so
// that every key of a row object is distinct.
func resultColumns(names, types []string) []Column {
	cols := make([]Column, len(names))
	seen := make(map[string]int, len(names))
	for i, n := range names {
		seen[n]++
		if k := seen[n]; k > 1 {
			n = fmt.Sprintf("%s_%d", n, k)
		}
		cols[i] = Column{Name: n, Type: types[i]}
	}
	return cols
}

// Cancel stops a running query; it returns once the query is recorded as cancelled, or
// ErrNotRunning for a query that already ended.
func (s *Service) Cancel(ctx context.Context, id string, by Actor) error {
	s.mu.Lock()
	r := s.running[id]
	if r != nil {
		r.cancelBy = &by
		r.cancel()
	}
	s.mu.Unlock()
	if r == nil {
		if _, err := s.Get(ctx, id); err != nil {
			return err
		}
		return ErrNotRunning
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait blocks until a query ends (or ctx is done) and returns it.
func (s *Service) Wait(ctx context.Context, id string) (*Query, error) {
	s.mu.Lock()
	r := s.running[id]
	s.mu.Unlock()
	if r != nil {
		select {
		case <-r.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Get(ctx, id)
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms) }

// setMessage updates the message of a running query.
func (s *Service) setMessage(id, msg string) {
	if _, err := s.db.Exec(`UPDATE lake_queries SET message = ? WHERE id = ? AND status = ?`, msg, id, StatusRunning); err != nil {
		s.opts.Logger.Warn("lakequery: updating a query", "id", id, "err", err)
	}
}
