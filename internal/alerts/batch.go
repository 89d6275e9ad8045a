package alerts

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Batch reads serve a page of alerts with one query per kind of related row, whatever the
// page size (Comments and History read one alert's).

// placeholders returns "?,?,..." for n values and the values as arguments.
func placeholders(ids []string) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","), args
}

// CommentsOf returns the comments of each of the alerts ids, oldest first; an alert without
// comments has no key.
func (s *Store) CommentsOf(ctx context.Context, ids []string) (map[string][]Comment, error) {
	out := map[string][]Comment{}
	if len(ids) == 0 {
		return out, nil
	}
	ph, args := placeholders(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT alert_id, id, at, author, body FROM alert_comments WHERE alert_id IN (`+ph+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		var at int64
		if err := rows.Scan(&c.AlertID, &c.ID, &at, &c.Author, &c.Body); err != nil {
			return nil, fmt.Errorf("alerts: comments: %w", err)
		}
		c.At = time.Unix(0, at).UTC()
		out[c.AlertID] = append(out[c.AlertID], c)
	}
	return out, rows.Err()
}

// HistoryOf returns the changes of each of the alerts ids, oldest first; an alert never
// changed has no key.
func (s *Store) HistoryOf(ctx context.Context, ids []string) (map[string][]Change, error) {
	out := map[string][]Change{}
	if len(ids) == 0 {
		return out, nil
	}
	ph, args := placeholders(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT alert_id, at, actor, action, old_value, new_value FROM alert_history WHERE alert_id IN (`+ph+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Change
		var id string
		var at int64
		if err := rows.Scan(&id, &at, &c.Actor, &c.Action, &c.Old, &c.New); err != nil {
			return nil, fmt.Errorf("alerts: history: %w", err)
		}
		c.At = time.Unix(0, at).UTC()
		out[id] = append(out[id], c)
	}
	return out, rows.Err()
}

// GetMany returns the raised alerts ids in their order, in one query; an ID of no raised alert
// is an error wrapping ErrNotFound.
func (s *Store) GetMany(ctx context.Context, ids []string) ([]*Alert, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph, args := placeholders(ids)
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertColumns+` FROM alerts WHERE raised = 1 AND id IN (`+ph+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	defer rows.Close()
	byID := map[string]*Alert{}
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		byID[a.ID] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	out := make([]*Alert, len(ids))
	for i, id := range ids {
		if out[i] = byID[id]; out[i] == nil {
			return nil, fmt.Errorf("alerts: %s: %w", id, ErrNotFound)
		}
	}
	return out, nil
}
