package awsscan

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pantherlabs/panther/internal/cloudsec/scan"
)

// Status is the last scan of an aws-scan source.
type Status struct {
	SourceID  string       `json:"sourceId"`
	AccountID string       `json:"accountId"`
	Running   bool         `json:"running"`
	StartedAt time.Time    `json:"startedAt,omitzero"`
	EndedAt   time.Time    `json:"endedAt,omitzero"` // zero while the first scan runs
	Resources int          `json:"resources"`        // resources seen by the last complete scan
	Errors    []scan.Error `json:"errors"`           // its failed (type, region) listings
	// Error is why the last scan could not run at all (credentials, no sink...).
	Error string `json:"error,omitempty"`
}

const schema = `CREATE TABLE IF NOT EXISTS cloud_scans (
	source_id  TEXT PRIMARY KEY,
	account_id TEXT NOT NULL,
	running    INTEGER NOT NULL DEFAULT 0,
	started_at TEXT NOT NULL DEFAULT '',
	ended_at   TEXT NOT NULL DEFAULT '',
	resources  INTEGER NOT NULL DEFAULT 0,
	errors     TEXT NOT NULL DEFAULT '[]',
	error      TEXT NOT NULL DEFAULT ''
)`

// StatusStore keeps scan status in the state database.
type StatusStore struct{ db *sql.DB }

// OpenStatus creates the status table if needed.
func OpenStatus(ctx context.Context, db *sql.DB) (*StatusStore, error) {
	if db == nil {
		return nil, errors.New("awsscan: no state database")
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("awsscan: creating cloud_scans: %w", err)
	}
	return &StatusStore{db: db}, nil
}

const tfmt = "2006-01-02T15:04:05.000000000Z"

func ft(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(tfmt)
}

func pt(s string) time.Time {
	t, _ := time.Parse(tfmt, s)
	return t
}

// Started records that a scan of source id began.
func (s *StatusStore) Started(ctx context.Context, id, account string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO cloud_scans (source_id, account_id, running, started_at) VALUES (?, ?, 1, ?)
		ON CONFLICT (source_id) DO UPDATE SET account_id = excluded.account_id, running = 1, started_at = excluded.started_at`,
		id, account, ft(at))
	if err != nil {
		return fmt.Errorf("awsscan: status of %s: %w", id, err)
	}
	return nil
}

// Ended records the end of a scan: its result, or the error that stopped it.
func (s *StatusStore) Ended(ctx context.Context, id string, at time.Time, res *scan.Result, scanErr error) error {
	var err error
	if res != nil {
		errs := res.Errors
		if errs == nil {
			errs = []scan.Error{}
		}
		b, _ := json.Marshal(errs)
		_, err = s.db.ExecContext(ctx, `UPDATE cloud_scans SET running = 0, ended_at = ?, resources = ?, errors = ?, error = '' WHERE source_id = ?`,
			ft(at), res.Resources, string(b), id)
	} else {
		msg := "scan failed"
		if scanErr != nil {
			msg = scanErr.Error()
		}
		_, err = s.db.ExecContext(ctx, `UPDATE cloud_scans SET running = 0, ended_at = ?, error = ? WHERE source_id = ?`, ft(at), msg, id)
	}
	if err != nil {
		return fmt.Errorf("awsscan: status of %s: %w", id, err)
	}
	return nil
}

// Get returns the status of source id; ok is false when it was never scanned.
func (s *StatusStore) Get(ctx context.Context, id string) (st Status, ok bool, err error) {
	var started, ended, errs string
	var running int
	err = s.db.QueryRowContext(ctx, `SELECT source_id, account_id, running, started_at, ended_at, resources, errors, error FROM cloud_scans WHERE source_id = ?`, id).
		Scan(&st.SourceID, &st.AccountID, &running, &started, &ended, &st.Resources, &errs, &st.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return Status{SourceID: id, Errors: []scan.Error{}}, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("awsscan: status of %s: %w", id, err)
	}
	st.Running = running != 0
	st.StartedAt, st.EndedAt = pt(started), pt(ended)
	if err := json.Unmarshal([]byte(errs), &st.Errors); err != nil || st.Errors == nil {
		st.Errors = []scan.Error{}
	}
	return st, true, nil
}

// Remove forgets the status of source id.
func (s *StatusStore) Remove(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM cloud_scans WHERE source_id = ?`, id)
	return err
}
