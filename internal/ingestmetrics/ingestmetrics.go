// Package ingestmetrics keeps the time series behind the console's ingestion charts: events,
// bytes and quarantined records per minute, source and log type, in the state database
// (table ingest_metrics). The server adds to it at each checkpoint, in the checkpoint's
// transaction, so the series count every event exactly once; Series reads them back in
// steps, grouped by source or by log type.
package ingestmetrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

const schema = `
CREATE TABLE IF NOT EXISTS ingest_metrics (
	minute      INTEGER NOT NULL,
	source_id   TEXT NOT NULL,
	log_type    TEXT NOT NULL,
	events      INTEGER NOT NULL DEFAULT 0,
	bytes       INTEGER NOT NULL DEFAULT 0,
	quarantined INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (minute, source_id, log_type)
) WITHOUT ROWID;`

// Point is what one source received in one log type ("" for quarantined records) in the
// minute that starts at Minute.
type Point struct {
	Minute      time.Time
	SourceID    string
	LogType     string
	Events      int64
	Bytes       int64
	Quarantined int64
}

// Store reads and writes the series.
type Store struct{ db *sql.DB }

// Open creates the table if needed.
func Open(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("ingestmetrics: create table: %w", err)
	}
	return &Store{db: db}, nil
}

// Execer is a *sql.DB or *sql.Tx.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Add adds points (several points of one minute, source and log type add up).
func (s *Store) Add(ctx context.Context, ex Execer, points []Point) error {
	for _, p := range points {
		_, err := ex.ExecContext(ctx, `INSERT INTO ingest_metrics (minute, source_id, log_type, events, bytes, quarantined)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (minute, source_id, log_type) DO UPDATE SET
			events = events + excluded.events, bytes = bytes + excluded.bytes, quarantined = quarantined + excluded.quarantined`,
			p.Minute.UTC().Truncate(time.Minute).Unix(), p.SourceID, p.LogType, p.Events, p.Bytes, p.Quarantined)
		if err != nil {
			return fmt.Errorf("ingestmetrics: %w", err)
		}
	}
	return nil
}

// Grouping of a query.
const (
	BySource  = "source"
	ByLogType = "log_type"
)

// Query selects series.
type Query struct {
	From, To time.Time     // [From, To); To defaults to now
	Step     time.Duration // a whole number of minutes; default: about 60 steps over the range
	GroupBy  string        // BySource, ByLogType, or "" for one total series
	// Filters; empty means all.
	SourceIDs []string
	LogTypes  []string
}

// Value is one step of a series.
type Value struct {
	Time        time.Time `json:"time"`
	Events      int64     `json:"events"`
	Bytes       int64     `json:"bytes"`
	Quarantined int64     `json:"quarantined"`
}

// Series is the values of one source or log type, one per step (zero where nothing came).
type Series struct {
	Key    string  `json:"key"` // source id or log type; "" for the total
	Values []Value `json:"values"`
}

// Series answers q.
func (s *Store) Series(ctx context.Context, q Query) ([]Series, error) {
	if q.To.IsZero() {
		q.To = time.Now()
	}
	from, to := q.From.UTC().Truncate(time.Minute), q.To.UTC()
	if !to.After(from) {
		return nil, errors.New("ingestmetrics: the range is empty (to must be after from)")
	}
	if q.Step == 0 {
		q.Step = max(time.Minute, (to.Sub(from) / 60).Truncate(time.Minute))
	}
	if q.Step%time.Minute != 0 || q.Step <= 0 {
		return nil, fmt.Errorf("ingestmetrics: step %s is not a whole number of minutes", q.Step)
	}
	steps := int((to.Sub(from) + q.Step - 1) / q.Step)
	if steps > 10000 {
		return nil, fmt.Errorf("ingestmetrics: %d steps; use a larger step", steps)
	}
	key := "''"
	switch q.GroupBy {
	case BySource:
		key = "source_id"
	case ByLogType:
		key = "log_type"
	case "":
	default:
		return nil, fmt.Errorf("ingestmetrics: group by %q (want source or log_type)", q.GroupBy)
	}
	stepSec := int64(q.Step / time.Second)
	sqlText := fmt.Sprintf(`SELECT %s, (minute - ?) / ?, sum(events), sum(bytes), sum(quarantined) FROM ingest_metrics
		WHERE minute >= ? AND minute < ?`, key)
	args := []any{from.Unix(), stepSec, from.Unix(), to.Unix()}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		sqlText += " AND " + col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",") + ")"
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("source_id", q.SourceIDs)
	in("log_type", q.LogTypes)
	sqlText += " GROUP BY 1, 2"
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("ingestmetrics: %w", err)
	}
	defer rows.Close()
	byKey := map[string]*Series{}
	for rows.Next() {
		var k string
		var step int
		var v Value
		if err := rows.Scan(&k, &step, &v.Events, &v.Bytes, &v.Quarantined); err != nil {
			return nil, fmt.Errorf("ingestmetrics: %w", err)
		}
		sr := byKey[k]
		if sr == nil {
			sr = &Series{Key: k, Values: make([]Value, steps)}
			for i := range sr.Values {
				sr.Values[i].Time = from.Add(time.Duration(i) * q.Step)
			}
			byKey[k] = sr
		}
		if step >= 0 && step < steps {
			v.Time = sr.Values[step].Time
			sr.Values[step] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ingestmetrics: %w", err)
	}
	out := make([]Series, 0, len(byKey))
	for _, sr := range byKey {
		out = append(out, *sr)
	}
	slices.SortFunc(out, func(a, b Series) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Prune deletes the minutes before t and returns how many rows went.
func (s *Store) Prune(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM ingest_metrics WHERE minute < ?`, before.UTC().Unix())
	if err != nil {
		return 0, fmt.Errorf("ingestmetrics: prune: %w", err)
	}
	return res.RowsAffected()
}
