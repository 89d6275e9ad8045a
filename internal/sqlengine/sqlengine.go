// Package sqlengine answers SQL over the lake with an embedded DuckDB. It is the only package
// that links DuckDB.
//
// The engine is in memory and private to the process: it holds views over the lake's Parquet
// files, which any number of processes may read. Databases and tables follow design.md:
// panther_logs.<table>, panther_rule_matches.<table>, panther_rule_errors.<table>,
// panther_cloudsecurity.<table>, the union views panther_views.all_logs, all_rule_matches,
// all_rule_errors, and panther_system.quarantine. Extension downloads are disabled and the
// configuration is locked, so a query cannot reach the network or change the settings.
package sqlengine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// Options configure an Engine.
type Options struct {
	LakeDir     string
	Types       *logtypes.Registry // known log types: their tables exist even before data
	MemoryLimit string             // DuckDB memory_limit, default "1GB"
	Threads     int                // default GOMAXPROCS
	TempDir     string             // spill directory, default <LakeDir>/../tmp/duckdb
}

// Engine runs SQL over the lake.
type Engine struct {
	opts Options
	db   *sql.DB
	conn *duckdb.Connector
}

// Databases of the lake, in the order they are listed.
var Databases = []string{"panther_logs", "panther_rule_matches", "panther_rule_errors",
	"panther_cloudsecurity", "panther_views", "panther_system"}

var kindDatabase = map[lake.Kind]string{
	lake.Logs:        "panther_logs",
	lake.RuleMatches: "panther_rule_matches",
	lake.RuleErrors:  "panther_rule_errors",
}

// Open starts an engine and creates the databases, tables and views of the lake as it is now.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.MemoryLimit == "" {
		o.MemoryLimit = "1GB"
	}
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.TempDir == "" {
		o.TempDir = filepath.Join(filepath.Dir(filepath.Clean(o.LakeDir)), "tmp", "duckdb")
	}
	dsn := "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("sql: starting DuckDB: %w", err)
	}
	db := sql.OpenDB(conn)
	// One connection: settings and views are per database, but keeping a single connection
	// makes SET statements and temporary objects behave predictably.
	db.SetMaxOpenConns(1)
	e := &Engine{opts: o, db: db, conn: conn}
	setup := []string{
		"SET TimeZone='UTC'",
		fmt.Sprintf("SET memory_limit='%s'", o.MemoryLimit),
		fmt.Sprintf("SET threads=%d", o.Threads),
		fmt.Sprintf("SET temp_directory=%s", quoteString(o.TempDir)),
	}
	for _, db := range Databases {
		setup = append(setup, "CREATE SCHEMA IF NOT EXISTS "+db)
	}
	for _, stmt := range setup {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			e.Close()
			return nil, fmt.Errorf("sql: %s: %w", stmt, err)
		}
	}
	if err := e.Refresh(ctx); err != nil {
		e.Close()
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "SET lock_configuration=true"); err != nil {
		e.Close()
		return nil, fmt.Errorf("sql: locking configuration: %w", err)
	}
	return e, nil
}

// Close releases the engine.
func (e *Engine) Close() error {
	return errors.Join(e.db.Close(), e.conn.Close())
}

// DB returns the database handle, for callers that stream results themselves.
func (e *Engine) DB() *sql.DB { return e.db }

// tablesOnDisk lists the tables that have a directory under kind.
func (e *Engine) tablesOnDisk(kind lake.Kind) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(e.opts.LakeDir, string(kind)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ent := range entries {
		if ent.IsDir() && !strings.HasPrefix(ent.Name(), ".") && hasParquet(filepath.Join(e.opts.LakeDir, string(kind), ent.Name())) {
			out = append(out, ent.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// hasParquet reports whether dir holds a committed Parquet file at any depth.
func hasParquet(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".parquet") && !strings.HasPrefix(d.Name(), ".") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

func (e *Engine) parquetSource(kind lake.Kind, table string) string {
	glob := filepath.Join(e.opts.LakeDir, string(kind), table, "**", "*.parquet")
	if table == "" {
		glob = filepath.Join(e.opts.LakeDir, string(kind), "**", "*.parquet")
	}
	return fmt.Sprintf("read_parquet(%s, hive_partitioning=true, union_by_name=true, hive_types={'year': BIGINT, 'month': BIGINT, 'day': BIGINT, 'hour': BIGINT})", quoteString(glob))
}

// Refresh (re)creates the tables and views for the files in the lake now. Call it after new
// tables appear; new files of existing tables are seen without it.
func (e *Engine) Refresh(ctx context.Context) error {
	var stmts []string
	withData := make(map[lake.Kind][]string)
	for _, kind := range []lake.Kind{lake.Logs, lake.RuleMatches, lake.RuleErrors} {
		tables, err := e.tablesOnDisk(kind)
		if err != nil {
			return fmt.Errorf("sql: listing %s: %w", kind, err)
		}
		withData[kind] = tables
		have := make(map[string]bool)
		for _, t := range tables {
			have[t] = true
			stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS SELECT * FROM %s",
				kindDatabase[kind], ident(t), e.parquetSource(kind, t)))
		}
		// Known log types without data yet get an empty table of the right shape, so that
		// queries written before the first event arrives work.
		if kind == lake.Logs && e.opts.Types != nil {
			for _, lt := range e.opts.Types.All() {
				if !have[lt.Table] {
					stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s.%s AS %s",
						kindDatabase[kind], ident(lt.Table), emptySelect(lt.LogType)))
				}
			}
		}
	}
	for _, kind := range []lake.Kind{lake.Logs, lake.RuleMatches, lake.RuleErrors} {
		cols := append([]string(nil), lake.StandardColumns...)
		if kind != lake.Logs {
			cols = append(cols, lake.MatchColumns...)
		}
		if kind == lake.RuleErrors {
			cols = append(cols, "p_rule_error")
		}
		view := "panther_views.all_" + string(kind)
		if kind == lake.Logs {
			view = "panther_views.all_logs"
		}
		var parts []string
		for _, t := range withData[kind] {
			parts = append(parts, fmt.Sprintf("SELECT %s, year, month, day, hour, '%s' AS p_db_name FROM %s.%s",
				strings.Join(quoteAll(cols), ", "), kindDatabase[kind], kindDatabase[kind], ident(t)))
		}
		if len(parts) == 0 {
			parts = append(parts, emptyStandard(cols, kindDatabase[kind]))
		}
		stmts = append(stmts, fmt.Sprintf("CREATE OR REPLACE VIEW %s AS %s", view, strings.Join(parts, " UNION ALL BY NAME ")))
	}
	qdir := filepath.Join(e.opts.LakeDir, string(lake.Quarantine))
	if hasParquet(qdir) {
		stmts = append(stmts, "CREATE OR REPLACE VIEW panther_system.quarantine AS SELECT * FROM "+e.parquetSource(lake.Quarantine, ""))
	} else {
		stmts = append(stmts, "CREATE OR REPLACE VIEW panther_system.quarantine AS "+emptyQuarantine())
	}
	for _, s := range stmts {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sql: creating the lake views: %s: %w", s, err)
		}
	}
	return nil
}

// DuckDBType returns the DuckDB type of a schema type.
func DuckDBType(t *logschema.Type) string {
	switch t.Kind {
	case logschema.KindString:
		return "VARCHAR"
	case logschema.KindInt:
		return "INTEGER"
	case logschema.KindSmallInt:
		return "SMALLINT"
	case logschema.KindBigInt:
		return "BIGINT"
	case logschema.KindFloat:
		return "DOUBLE"
	case logschema.KindBool:
		return "BOOLEAN"
	case logschema.KindTimestamp:
		return "TIMESTAMP WITH TIME ZONE"
	case logschema.KindJSON:
		return "JSON"
	case logschema.KindObject:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = ident(f.Column) + " " + DuckDBType(f.Type)
		}
		return "STRUCT(" + strings.Join(parts, ", ") + ")"
	case logschema.KindArray:
		return DuckDBType(t.Elem) + "[]"
	}
	return "VARCHAR"
}

var standardTypes = map[string]string{
	"p_log_type": "VARCHAR", "p_row_id": "VARCHAR", "p_event_time": "TIMESTAMP WITH TIME ZONE",
	"p_parse_time": "TIMESTAMP WITH TIME ZONE", "p_source_id": "VARCHAR", "p_source_label": "VARCHAR", "p_source_address": "VARCHAR",
	"p_rule_id": "VARCHAR", "p_alert_id": "VARCHAR", "p_alert_context": "JSON",
	"p_alert_creation_time": "TIMESTAMP WITH TIME ZONE", "p_alert_update_time": "TIMESTAMP WITH TIME ZONE",
	"p_rule_tags": "VARCHAR[]", "p_rule_reports": "MAP(VARCHAR, VARCHAR[])", "p_rule_severity": "VARCHAR",
	"p_alert_title": "VARCHAR", "p_alert_dedup": "VARCHAR", "p_rule_error": "VARCHAR",
	"p_parse_warnings": "STRUCT(field VARCHAR, value VARCHAR, error VARCHAR)[]",
}

func standardType(col string) string {
	if t, ok := standardTypes[col]; ok {
		return t
	}
	return "VARCHAR[]" // p_any_*
}

func emptySelect(lt *logschema.LogType) string {
	var parts []string
	for _, f := range lt.Root.Fields {
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", DuckDBType(f.Type), ident(f.Column)))
	}
	for _, c := range lake.StandardColumns {
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", standardType(c), c))
	}
	parts = append(parts, "CAST(NULL AS BIGINT) AS year", "CAST(NULL AS BIGINT) AS month",
		"CAST(NULL AS BIGINT) AS day", "CAST(NULL AS BIGINT) AS hour")
	return "SELECT " + strings.Join(parts, ", ") + " WHERE false"
}

func emptyStandard(cols []string, db string) string {
	var parts []string
	for _, c := range cols {
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", standardType(c), c))
	}
	parts = append(parts, "CAST(NULL AS BIGINT) AS year", "CAST(NULL AS BIGINT) AS month",
		"CAST(NULL AS BIGINT) AS day", "CAST(NULL AS BIGINT) AS hour", fmt.Sprintf("'%s' AS p_db_name", db))
	return "SELECT " + strings.Join(parts, ", ") + " WHERE false"
}

func emptyQuarantine() string {
	return `SELECT CAST(NULL AS VARCHAR) AS raw, CAST(NULL AS VARCHAR) AS raw_base64, CAST(NULL AS BIGINT) AS raw_size,
CAST(NULL AS BOOLEAN) AS truncated, CAST(NULL AS VARCHAR) AS file, CAST(NULL AS BIGINT) AS line,
CAST(NULL AS BIGINT) AS byte_offset, CAST(NULL AS VARCHAR) AS source_id, CAST(NULL AS VARCHAR) AS source_label,
CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS STRUCT(log_type VARCHAR, error VARCHAR)[]) AS reasons,
CAST(NULL AS TIMESTAMP WITH TIME ZONE) AS quarantine_time, CAST(NULL AS VARCHAR) AS p_row_id,
CAST(NULL AS BIGINT) AS year, CAST(NULL AS BIGINT) AS month, CAST(NULL AS BIGINT) AS day, CAST(NULL AS BIGINT) AS hour
WHERE false`
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteAll(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = ident(c)
	}
	return out
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
