package runtime

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
)

// The checkpoint of the queue consumer, in the state database. A checkpoint covers every
// payload up to Seq: their lake files are committed (or listed in Pending, to rename), their
// source counts added. It names the stream it belongs to, so that a new stream (the queue
// store was deleted, or queue.url now points elsewhere) starts from its beginning.
const checkpointSchema = `
CREATE TABLE IF NOT EXISTS ingest_checkpoint (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	stream     TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	pending    TEXT NOT NULL,
	updated_at TEXT NOT NULL
);`

type checkpoint struct {
	Stream  string
	Seq     uint64
	Pending []lake.Pending
}

type checkpoints struct {
	db  *sql.DB
	now func() time.Time
}

func openCheckpoints(ctx context.Context, db *sql.DB, now func() time.Time) (*checkpoints, error) {
	if _, err := db.ExecContext(ctx, checkpointSchema); err != nil {
		return nil, fmt.Errorf("checkpoint: create table: %w", err)
	}
	return &checkpoints{db: db, now: now}, nil
}

// load returns the recorded checkpoint (zero when there is none).
func (c *checkpoints) load(ctx context.Context) (checkpoint, error) {
	var ck checkpoint
	var pending string
	err := c.db.QueryRowContext(ctx, `SELECT stream, seq, pending FROM ingest_checkpoint WHERE id = 1`).Scan(&ck.Stream, &ck.Seq, &pending)
	if errors.Is(err, sql.ErrNoRows) {
		return checkpoint{}, nil
	}
	if err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	if err := json.Unmarshal([]byte(pending), &ck.Pending); err != nil {
		return checkpoint{}, fmt.Errorf("checkpoint: pending files: %w", err)
	}
	return ck, nil
}

// save records ck in tx (the transaction that also records what the checkpoint counted).
func (c *checkpoints) save(ctx context.Context, tx *sql.Tx, ck checkpoint) error {
	pending, err := json.Marshal(ck.Pending)
	if err != nil {
		return err
	}
	if ck.Pending == nil {
		pending = []byte("[]")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO ingest_checkpoint (id, stream, seq, pending, updated_at) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET stream = excluded.stream, seq = excluded.seq, pending = excluded.pending,
		updated_at = excluded.updated_at`, ck.Stream, ck.Seq, string(pending), c.now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// done records that the pending files of the checkpoint at seq are renamed.
func (c *checkpoints) done(ctx context.Context, seq uint64) error {
	_, err := c.db.ExecContext(ctx, `UPDATE ingest_checkpoint SET pending = '[]', updated_at = ? WHERE id = 1 AND seq = ?`,
		c.now().UTC().Format(time.RFC3339Nano), seq)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// recover finishes the checkpoint a crash interrupted (renames its files, idempotently) and,
// with removeTemps, removes the unfinished lake files of the work after it, which the queue
// will replay (only at start: while the server runs, compaction has temporary files too).
func (c *checkpoints) recover(ctx context.Context, lakeDir string, removeTemps bool) (checkpoint, int, error) {
	ck, err := c.load(ctx)
	if err != nil {
		return checkpoint{}, 0, err
	}
	if len(ck.Pending) > 0 {
		if err := lake.Commit(ck.Pending); err != nil {
			return checkpoint{}, 0, err
		}
		if err := c.done(ctx, ck.Seq); err != nil {
			return checkpoint{}, 0, err
		}
		ck.Pending = nil
	}
	if !removeTemps {
		return ck, 0, nil
	}
	n, err := lake.RemoveTemps(lakeDir)
	return ck, n, err
}
