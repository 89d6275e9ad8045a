package sqlengine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/pantherlabs/panther/internal/lake"
)

// MergerOptions configure a Merger.
type MergerOptions struct {
	Threads     int    // default 1, to leave the CPU to ingestion
	MemoryLimit string // default "512MB"
	TempDir     string // spill directory; default DuckDB's
}

// Merger writes compacted lake files with a DuckDB of its own; it implements lake.Merger.
type Merger struct {
	db   *sql.DB
	conn *duckdb.Connector
}

var _ lake.Merger = (*Merger)(nil)

// NewMerger starts a merger.
func NewMerger(o MergerOptions) (*Merger, error) {
	if o.Threads <= 0 {
		o.Threads = 1
	}
	if o.MemoryLimit == "" {
		o.MemoryLimit = "512MB"
	}
	dsn := "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("sql: starting DuckDB: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	m := &Merger{db: db, conn: conn}
	setup := []string{
		"SET TimeZone='UTC'",
		fmt.Sprintf("SET memory_limit=%s", quoteString(o.MemoryLimit)),
		fmt.Sprintf("SET threads=%d", o.Threads),
		"SET preserve_insertion_order=false",
	}
	if o.TempDir != "" {
		setup = append(setup, fmt.Sprintf("SET temp_directory=%s", quoteString(o.TempDir)))
	}
	for _, s := range append(setup, "SET lock_configuration=true") {
		if _, err := db.Exec(s); err != nil {
			m.Close()
			return nil, fmt.Errorf("sql: %s: %w", s, err)
		}
	}
	return m, nil
}

// Merge writes the rows of inputs into output (zstd Parquet), with the union of their
// columns by name.
func (m *Merger) Merge(ctx context.Context, inputs []string, output string) error {
	if len(inputs) == 0 {
		return errors.New("sql: merge: no input files")
	}
	q := make([]string, len(inputs))
	for i, p := range inputs {
		q[i] = quoteString(filepath.Clean(p))
	}
	stmt := fmt.Sprintf("COPY (SELECT * FROM read_parquet([%s], union_by_name=true, hive_partitioning=false)) TO %s (FORMAT parquet, COMPRESSION zstd)",
		strings.Join(q, ", "), quoteString(output))
	if _, err := m.db.ExecContext(ctx, stmt); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("sql: merging %d files: %s", len(inputs), cleanError(err))
	}
	return nil
}

// Close releases the merger.
func (m *Merger) Close() error { return errors.Join(m.db.Close(), m.conn.Close()) }
