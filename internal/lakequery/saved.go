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

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// SavedQuery is a named query kept for reuse (the REST API's Query; a panther-analysis
// saved_query or scheduled_query). Names are unique.
type SavedQuery struct {
	ID          string
	Name        string
	Description string
	SQL         string
	Database    string // "" = the default database
	Tags        []string
	// Schedule is set for a scheduled query; nil for a saved one.
	Schedule  *Schedule
	Managed   bool // came with Panther content rather than from a user
	CreatedAt time.Time
	UpdatedAt time.Time
	CreatedBy Actor
	UpdatedBy Actor
}

// Schedule says when a scheduled query runs (Panther's Schedule: a cron expression or a
// rate in minutes, and a timeout).
type Schedule struct {
	CronExpression string `json:"cronExpression,omitempty"`
	RateMinutes    int    `json:"rateMinutes,omitempty"`
	TimeoutMinutes int    `json:"timeoutMinutes,omitempty"`
	Disabled       bool   `json:"disabled,omitempty"`
}

// SavedQueriesInput filters and pages saved queries.
type SavedQueriesInput struct {
	Contains string // in the name, description or SQL, case-insensitive
	Tag      string // has this tag (case-insensitive)
	Cursor   string
	Limit    int // default 100, at most 1000
}

// SavedQueryPage is a page of saved queries, by name.
type SavedQueryPage struct {
	Queries []SavedQuery
	Next    string // the cursor of the next page; "" on the last
}

func (s *Service) validSaved(q *SavedQuery) error {
	q.Name = strings.TrimSpace(q.Name)
	if q.Name == "" {
		return inputErrorf("a saved query needs a name")
	}
	if len(q.Name) > 256 {
		return inputErrorf("the name %.40q... is longer than 256 characters", q.Name)
	}
	if strings.TrimSpace(q.SQL) == "" {
		return inputErrorf("the saved query %q has no sql", q.Name)
	}
	if q.Database != "" {
		db, err := sqlengine.NormalizeDatabase(q.Database)
		if err != nil {
			return &InputError{Msg: err.Error()}
		}
		q.Database = db
	}
	if sc := q.Schedule; sc != nil {
		if (sc.CronExpression == "") == (sc.RateMinutes == 0) {
			return inputErrorf("the schedule of %q needs exactly one of a cron expression and a rate in minutes", q.Name)
		}
		if sc.RateMinutes < 0 || sc.TimeoutMinutes < 0 {
			return inputErrorf("the schedule of %q has a negative rate or timeout", q.Name)
		}
	}
	tags := q.Tags[:0]
	for _, t := range q.Tags {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	q.Tags = tags
	return nil
}

// CreateSavedQuery stores a new saved query; ErrExists if the name is taken.
func (s *Service) CreateSavedQuery(ctx context.Context, q SavedQuery, by Actor) (SavedQuery, error) {
	if err := s.validSaved(&q); err != nil {
		return SavedQuery{}, err
	}
	now := s.opts.Now().UTC().Truncate(time.Millisecond)
	q.ID, q.CreatedAt, q.UpdatedAt, q.CreatedBy, q.UpdatedBy = uuid.NewString(), now, now, by, by
	tags, sched, cb, ub := savedJSON(&q)
	_, err := s.db.ExecContext(ctx, `INSERT INTO lake_saved_queries (id, name, description, sql, database_name, tags,
schedule, managed, created_at, updated_at, created_by, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.Name, q.Description, q.SQL, q.Database, tags, sched, q.Managed, now.UnixMilli(), now.UnixMilli(), cb, ub)
	if isUnique(err) {
		return SavedQuery{}, fmt.Errorf("%w: %q", ErrExists, q.Name)
	}
	if err != nil {
		return SavedQuery{}, fmt.Errorf("lakequery: saving query %q: %w", q.Name, err)
	}
	return q, nil
}

// UpdateSavedQuery replaces a saved query's fields (all but its id and creation).
func (s *Service) UpdateSavedQuery(ctx context.Context, id string, q SavedQuery, by Actor) (SavedQuery, error) {
	old, err := s.GetSavedQuery(ctx, id)
	if err != nil {
		return SavedQuery{}, err
	}
	if err := s.validSaved(&q); err != nil {
		return SavedQuery{}, err
	}
	q.ID, q.CreatedAt, q.CreatedBy = old.ID, old.CreatedAt, old.CreatedBy
	q.UpdatedAt, q.UpdatedBy = s.opts.Now().UTC().Truncate(time.Millisecond), by
	tags, sched, _, ub := savedJSON(&q)
	_, err = s.db.ExecContext(ctx, `UPDATE lake_saved_queries SET name = ?, description = ?, sql = ?, database_name = ?,
tags = ?, schedule = ?, managed = ?, updated_at = ?, updated_by = ? WHERE id = ?`,
		q.Name, q.Description, q.SQL, q.Database, tags, sched, q.Managed, q.UpdatedAt.UnixMilli(), ub, id)
	if isUnique(err) {
		return SavedQuery{}, fmt.Errorf("%w: %q", ErrExists, q.Name)
	}
	if err != nil {
		return SavedQuery{}, fmt.Errorf("lakequery: saving query %q: %w", q.Name, err)
	}
	return q, nil
}

// PutSavedQuery creates or replaces the saved query of q.Name (bulk uploads of content).
func (s *Service) PutSavedQuery(ctx context.Context, q SavedQuery, by Actor) (SavedQuery, error) {
	old, err := s.SavedQueryByName(ctx, strings.TrimSpace(q.Name))
	if errors.Is(err, ErrNotFound) {
		return s.CreateSavedQuery(ctx, q, by)
	}
	if err != nil {
		return SavedQuery{}, err
	}
	return s.UpdateSavedQuery(ctx, old.ID, q, by)
}

func savedJSON(q *SavedQuery) (tags, sched, createdBy, updatedBy string) {
	if q.Tags == nil {
		q.Tags = []string{}
	}
	b, _ := json.Marshal(q.Tags)
	tags = string(b)
	if q.Schedule != nil {
		b, _ = json.Marshal(q.Schedule)
		sched = string(b)
	}
	b, _ = json.Marshal(q.CreatedBy)
	createdBy = string(b)
	b, _ = json.Marshal(q.UpdatedBy)
	updatedBy = string(b)
	return
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

const savedColumns = `id, name, description, sql, database_name, tags, schedule, managed, created_at, updated_at, created_by, updated_by`

func scanSaved(r scanner) (SavedQuery, error) {
	var q SavedQuery
	var tags, sched, cb, ub string
	var created, updated int64
	if err := r.Scan(&q.ID, &q.Name, &q.Description, &q.SQL, &q.Database, &tags, &sched, &q.Managed, &created, &updated, &cb, &ub); err != nil {
		return q, err
	}
	q.CreatedAt, q.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if err := json.Unmarshal([]byte(tags), &q.Tags); err != nil {
		return q, err
	}
	if sched != "" {
		q.Schedule = new(Schedule)
		if err := json.Unmarshal([]byte(sched), q.Schedule); err != nil {
			return q, err
		}
	}
	_ = json.Unmarshal([]byte(cb), &q.CreatedBy)
	_ = json.Unmarshal([]byte(ub), &q.UpdatedBy)
	return q, nil
}

// GetSavedQuery returns a saved query by id.
func (s *Service) GetSavedQuery(ctx context.Context, id string) (SavedQuery, error) {
	return s.savedWhere(ctx, "id = ?", id)
}

// SavedQueryByName returns a saved query by name.
func (s *Service) SavedQueryByName(ctx context.Context, name string) (SavedQuery, error) {
	return s.savedWhere(ctx, "name = ?", name)
}

func (s *Service) savedWhere(ctx context.Context, where string, arg any) (SavedQuery, error) {
	q, err := scanSaved(s.db.QueryRowContext(ctx, `SELECT `+savedColumns+` FROM lake_saved_queries WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return SavedQuery{}, ErrNotFound
	}
	if err != nil {
		return SavedQuery{}, fmt.Errorf("lakequery: reading a saved query: %w", err)
	}
	return q, nil
}

// ListSavedQueries returns a page of saved queries, by name.
func (s *Service) ListSavedQueries(ctx context.Context, in SavedQueriesInput) (SavedQueryPage, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		return SavedQueryPage{}, inputErrorf("limit %d is over the maximum of 1000", limit)
	}
	var where []string
	var args []any
	if in.Contains != "" {
		where = append(where, `(instr(lower(name), lower(?)) > 0 OR instr(lower(description), lower(?)) > 0 OR instr(lower(sql), lower(?)) > 0)`)
		args = append(args, in.Contains, in.Contains, in.Contains)
	}
	if in.Tag != "" {
		where = append(where, `EXISTS (SELECT 1 FROM json_each(tags) WHERE lower(value) = lower(?))`)
		args = append(args, in.Tag)
	}
	if in.Cursor != "" {
		where = append(where, "name > ?")
		args = append(args, in.Cursor)
	}
	q := `SELECT ` + savedColumns + ` FROM lake_saved_queries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY name LIMIT " + strconv.Itoa(limit+1)
	var page SavedQueryPage
	var err error
	if page.Queries, err = selectAll(ctx, s.db, q, args, scanSaved); err != nil {
		return SavedQueryPage{}, fmt.Errorf("lakequery: listing saved queries: %w", err)
	}
	if len(page.Queries) > limit {
		page.Queries = page.Queries[:limit]
		page.Next = page.Queries[limit-1].Name
	}
	return page, nil
}

// DeleteSavedQuery deletes a saved query by id.
func (s *Service) DeleteSavedQuery(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM lake_saved_queries WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("lakequery: deleting a saved query: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteSavedQueriesByName deletes the named saved queries (Panther's
// deleteSavedQueriesByName); with dryRun it only says which exist. It returns the names it
// deleted (or would delete); names that do not exist are skipped.
func (s *Service) DeleteSavedQueriesByName(ctx context.Context, names []string, dryRun bool) ([]string, error) {
	var out []string
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("lakequery: deleting saved queries: %w", err)
	}
	defer tx.Rollback()
	for _, n := range names {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM lake_saved_queries WHERE name = ?`, n).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("lakequery: deleting saved queries: %w", err)
		}
		if !dryRun {
			if _, err := tx.ExecContext(ctx, `DELETE FROM lake_saved_queries WHERE id = ?`, id); err != nil {
				return nil, fmt.Errorf("lakequery: deleting saved queries: %w", err)
			}
		}
		out = append(out, n)
	}
	if dryRun {
		return out, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("lakequery: deleting saved queries: %w", err)
	}
	return out, nil
}

// RunSavedQuery executes a saved query under its name.
func (s *Service) RunSavedQuery(ctx context.Context, id string, by Actor, limits Limits) (string, error) {
	sq, err := s.GetSavedQuery(ctx, id)
	if err != nil {
		return "", err
	}
	return s.Execute(ctx, ExecuteRequest{SQL: sq.SQL, Database: sq.Database, Name: sq.Name, IssuedBy: by, Limits: limits})
}
