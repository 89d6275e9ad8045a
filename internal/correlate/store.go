package correlate

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

const storeSchema = `
CREATE TABLE IF NOT EXISTS correlation_signals (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	rule_id TEXT NOT NULL,
	event_time INTEGER NOT NULL,
	event_key TEXT NOT NULL,
	row_id TEXT NOT NULL DEFAULT '',
	alert_id TEXT NOT NULL DEFAULT '',
	log_type TEXT NOT NULL DEFAULT '',
	doc BLOB,
	fields TEXT,
	recorded_at INTEGER NOT NULL,
	UNIQUE (rule_id, event_key)
);
CREATE INDEX IF NOT EXISTS correlation_signals_by_rule ON correlation_signals(rule_id, event_time);
CREATE INDEX IF NOT EXISTS correlation_signals_by_recording ON correlation_signals(recorded_at);
CREATE TABLE IF NOT EXISTS correlation_state (
	rule_id TEXT PRIMARY KEY,
	seen_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS correlation_runs (
	rule_id TEXT NOT NULL,
	run_at INTEGER NOT NULL,
	pending INTEGER NOT NULL,
	evaluated_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (rule_id, run_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS correlation_runs_pending ON correlation_runs(pending, run_at);
`

// Store keeps signals, and what the correlator evaluated, in the state database. Signals are
// kept in the order they arrive (Seq); the same event matched by the same rule is kept once.
type Store struct {
	db *sql.DB
}

// OpenStore creates the correlation tables if needed.
func OpenStore(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		return nil, fmt.Errorf("correlate: creating tables: %w", err)
	}
	return &Store{db: db}, nil
}

// Record keeps signals; fields gives, for a rule, the field paths whose values are extracted
// now (the rest are read from the stored event when needed). A signal already kept (same rule
// and event key) is ignored.
func (s *Store) Record(ctx context.Context, sigs []Signal, fields func(ruleID string) []string, now time.Time) error {
	if len(sigs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("correlate: recording signals: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO correlation_signals
		(rule_id, event_time, event_key, row_id, alert_id, log_type, doc, fields, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("correlate: recording signals: %w", err)
	}
	defer stmt.Close()
	for i := range sigs {
		sig := &sigs[i]
		extracted := map[string][]string{}
		for k, v := range sig.Fields {
			extracted[k] = v
		}
		if fields != nil {
			for _, f := range fields(sig.RuleID) {
				if _, ok := extracted[f]; !ok {
					extracted[f] = sig.Values(f)
				}
			}
		}
		var fj any
		if len(extracted) > 0 {
			b, err := json.Marshal(extracted)
			if err != nil {
				return fmt.Errorf("correlate: %w", err)
			}
			fj = string(b)
		}
		var doc any
		if len(sig.Doc) > 0 {
			doc = sig.Doc
		}
		if _, err := stmt.ExecContext(ctx, sig.RuleID, sig.Time, sig.Key, sig.RowID, sig.AlertID, sig.LogType, doc, fj, now.UnixNano()); err != nil {
			return fmt.Errorf("correlate: recording a signal of %s: %w", sig.RuleID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("correlate: recording signals: %w", err)
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func ruleArgs(ruleIDs []string, rest ...any) []any {
	args := make([]any, 0, len(ruleIDs)+len(rest))
	for _, id := range ruleIDs {
		args = append(args, id)
	}
	return append(args, rest...)
}

// signalsIn returns the signals of the rules with start <= event time < end, by rule.
func (s *Store) signalsIn(ctx context.Context, ruleIDs []string, start, end int64) (map[string][]*Signal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, rule_id, event_time, event_key, row_id, alert_id, log_type, doc, fields
		FROM correlation_signals WHERE rule_id IN (`+placeholders(len(ruleIDs))+`) AND event_time >= ? AND event_time < ?
		ORDER BY event_time, seq`, ruleArgs(ruleIDs, start, end)...)
	if err != nil {
		return nil, fmt.Errorf("correlate: reading signals: %w", err)
	}
	defer rows.Close()
	out := map[string][]*Signal{}
	for rows.Next() {
		sig := &Signal{}
		var fields sql.NullString
		if err := rows.Scan(&sig.Seq, &sig.RuleID, &sig.Time, &sig.Key, &sig.RowID, &sig.AlertID, &sig.LogType, &sig.Doc, &fields); err != nil {
			return nil, fmt.Errorf("correlate: reading signals: %w", err)
		}
		if fields.Valid {
			if err := json.Unmarshal([]byte(fields.String), &sig.Fields); err != nil {
				return nil, fmt.Errorf("correlate: signal %d: %w", sig.Seq, err)
			}
		}
		out[sig.RuleID] = append(out[sig.RuleID], sig)
	}
	return out, rows.Err()
}

// newTimes returns the event times of the signals of the rules recorded after seq, and the
// highest seq of the store.
func (s *Store) newTimes(ctx context.Context, ruleIDs []string, seq int64) ([]int64, int64, error) {
	var maxSeq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(seq) FROM correlation_signals`).Scan(&maxSeq); err != nil {
		return nil, 0, fmt.Errorf("correlate: %w", err)
	}
	if !maxSeq.Valid || maxSeq.Int64 <= seq {
		return nil, seq, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT event_time FROM correlation_signals
		WHERE rule_id IN (`+placeholders(len(ruleIDs))+`) AND seq > ? AND seq <= ? ORDER BY event_time`, ruleArgs(ruleIDs, seq, maxSeq.Int64)...)
	if err != nil {
		return nil, 0, fmt.Errorf("correlate: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return nil, 0, fmt.Errorf("correlate: %w", err)
		}
		out = append(out, t)
	}
	return out, maxSeq.Int64, rows.Err()
}

func (s *Store) seenSeq(ctx context.Context, ruleID string) (int64, error) {
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT seen_seq FROM correlation_state WHERE rule_id = ?`, ruleID).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("correlate: %w", err)
	}
	return seq, nil
}

// markPending records the runs to evaluate and the signals seen.
func (s *Store) markPending(ctx context.Context, ruleID string, runs []int64, seen int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("correlate: %w", err)
	}
	defer tx.Rollback()
	for _, r := range runs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_runs (rule_id, run_at, pending) VALUES (?, ?, 1)
			ON CONFLICT (rule_id, run_at) DO UPDATE SET pending = 1`, ruleID, r); err != nil {
			return fmt.Errorf("correlate: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO correlation_state (rule_id, seen_seq) VALUES (?, ?)
		ON CONFLICT (rule_id) DO UPDATE SET seen_seq = excluded.seen_seq`, ruleID, seen); err != nil {
		return fmt.Errorf("correlate: %w", err)
	}
	return tx.Commit()
}

// pendingRuns returns the pending runs of a rule at or before until, oldest first.
func (s *Store) pendingRuns(ctx context.Context, ruleID string, until int64) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT run_at FROM correlation_runs WHERE rule_id = ? AND pending = 1 AND run_at <= ?
		ORDER BY run_at`, ruleID, until)
	if err != nil {
		return nil, fmt.Errorf("correlate: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("correlate: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// runDone marks a run evaluated; keepPending leaves it to be evaluated again (a run
// evaluated before its time).
func (s *Store) runDone(ctx context.Context, ruleID string, run int64, keepPending bool, now time.Time) error {
	pending := 0
	if keepPending {
		pending = 1
	}
	_, err := s.db.ExecContext(ctx, `UPDATE correlation_runs SET pending = ?, evaluated_at = ? WHERE rule_id = ? AND run_at = ?`,
		pending, now.UnixNano(), ruleID, run)
	if err != nil {
		return fmt.Errorf("correlate: %w", err)
	}
	return nil
}

// prune forgets signals recorded before a time, and the evaluated runs whose windows ended
// before it.
func (s *Store) prune(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM correlation_signals WHERE recorded_at < ?`, before.UnixNano()); err != nil {
		return fmt.Errorf("correlate: pruning signals: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM correlation_runs WHERE pending = 0 AND evaluated_at < ?`, before.UnixNano()); err != nil {
		return fmt.Errorf("correlate: pruning runs: %w", err)
	}
	return nil
}
