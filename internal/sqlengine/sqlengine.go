// Package sqlengine answers SQL over the lake with an embedded DuckDB. It is the only package
// that links DuckDB.
//
// The engine is in memory and private to the process: it holds views over the lake's Parquet
// files, which any number of processes may read. Databases and tables follow design.md:
// panther_logs.<table>, panther_rule_matches.<table>, panther_rule_errors.<table>,
// panther_cloudsecurity.<table>, the union views panther_views.all_logs, all_rule_matches,
// all_rule_errors, all_cloudsecurity, and panther_system.quarantine plus the system tables
// Go code registers (panther_system.audit). Each database is a DuckDB catalog whose tables are
// also reachable as <database>.public.<table>, the name Panther's own SQL uses.
//
// Views list their files through lake.Lister (the lake's snapshot rule), never through a
// glob, so compaction and retention are invisible to queries; before each query the engine
// checks the tables' change stamps and rebuilds only the views of tables that changed.
//
// Extension downloads are disabled and the configuration is locked, so a query cannot reach
// the network or change the settings. An engine opened with Sandbox also cannot touch files
// outside the lake, and QueryUntrusted checks each statement first (see sandbox.go).
package sqlengine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
)

// Options configure an Engine.
type Options struct {
	LakeDir string
	Types   *logtypes.Registry // known log types: their tables exist even before data
	// LogTypes, when set, gives the known log types at each refresh instead of Types, for a
	// registry that changes while the engine runs (custom schemas added through the API).
	LogTypes    func() *logtypes.Registry
	MemoryLimit string // DuckDB memory_limit, default "1GB"
	Threads     int    // default GOMAXPROCS
	TempDir     string // spill directory, default <LakeDir>/../tmp/duckdb
	// MaxTempDirSize caps what queries may spill to TempDir (DuckDB max_temp_directory_size),
	// for example "10GB"; default DuckDB's (90% of the free space).
	MaxTempDirSize string
	// MaxConns bounds the connections, hence the queries running at once. Default 8.
	MaxConns int
	// Sandbox makes the engine fit for SQL from the API: DuckDB may access no file outside the
	// lake and the temp directory (enable_external_access off, allowed_directories), and
	// QueryUntrusted is allowed.
	Sandbox bool
	// SystemTables are tables of panther_system whose rows Go code provides.
	SystemTables []SystemTable
}

// Engine runs SQL over the lake. It is safe for concurrent use.
type Engine struct {
	opts   Options
	db     *sql.DB
	conn   *duckdb.Connector
	lister *lake.Lister

	mu     sync.Mutex // serializes refreshes; guards the fields below
	types  *logtypes.Registry
	tables map[tableKey]*tableState
	unions map[lake.Kind]string // the SQL of each union view, to skip identical rebuilds

	sysMu sync.Mutex
	sys   map[string]*systemTable
}

// Databases of the lake, in the order they are listed.
var Databases = []string{"panther_logs", "panther_rule_matches", "panther_rule_errors",
	"panther_cloudsecurity", "panther_views", "panther_system"}

// DefaultDatabase is where unqualified table names resolve.
const DefaultDatabase = "panther_logs"

// kindDatabase maps the kinds with one table per log type to their database.
var kindDatabase = map[lake.Kind]string{
	lake.Logs:          "panther_logs",
	lake.RuleMatches:   "panther_rule_matches",
	lake.RuleErrors:    "panther_rule_errors",
	lake.CloudSecurity: "panther_cloudsecurity",
}

// tableKinds are the kinds with one table per log type, in the order views are built.
var tableKinds = []lake.Kind{lake.Logs, lake.RuleMatches, lake.RuleErrors, lake.CloudSecurity}

// Open starts an engine and creates the databases, tables and views of the lake as it is now.
func Open(ctx context.Context, o Options) (*Engine, error) {
	if o.LakeDir == "" {
		return nil, errors.New("sql: no lake directory")
	}
	lakeDir, err := filepath.Abs(o.LakeDir)
	if err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	o.LakeDir = lakeDir
	if o.MemoryLimit == "" {
		o.MemoryLimit = "1GB"
	}
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.TempDir == "" {
		o.TempDir = filepath.Join(filepath.Dir(o.LakeDir), "tmp", "duckdb")
	}
	if o.TempDir, err = filepath.Abs(o.TempDir); err != nil {
		return nil, fmt.Errorf("sql: %w", err)
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 8
	}
	if o.Sandbox {
		// allowed_directories must name existing directories to be useful.
		for _, d := range []string{o.LakeDir, o.TempDir} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("sql: %w", err)
			}
		}
	}
	dsn := "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("sql: starting DuckDB: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	e := &Engine{opts: o, db: db, conn: conn, lister: lake.NewLister(o.LakeDir), types: o.Types,
		tables: make(map[tableKey]*tableState), unions: make(map[lake.Kind]string), sys: make(map[string]*systemTable)}
	setup := []string{
		"SET TimeZone='UTC'",
		fmt.Sprintf("SET memory_limit=%s", quoteString(o.MemoryLimit)),
		fmt.Sprintf("SET threads=%d", o.Threads),
		fmt.Sprintf("SET temp_directory=%s", quoteString(o.TempDir)),
		"SET enable_profiling='no_output'",
		"SET parquet_metadata_cache=true",
		// The lake is on local disk, which the OS caches; without DuckDB's own file cache,
		// memory stays with the queries and bytes read (Stats.BytesScanned) are what each
		// query read.
		"SET enable_external_file_cache=false",
	}
	if o.MaxTempDirSize != "" {
		setup = append(setup, fmt.Sprintf("SET max_temp_directory_size=%s", quoteString(o.MaxTempDirSize)))
	}
	for _, name := range Databases {
		setup = append(setup, fmt.Sprintf("ATTACH ':memory:' AS %s", ident(name)),
			fmt.Sprintf("CREATE SCHEMA %s.public", ident(name)))
	}
	if o.Sandbox {
		setup = append(setup,
			fmt.Sprintf("SET allowed_directories=[%s, %s]", quoteString(o.LakeDir+string(filepath.Separator)), quoteString(o.TempDir+string(filepath.Separator))),
			"SET enable_external_access=false")
	}
	for _, stmt := range setup {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			e.Close()
			return nil, fmt.Errorf("sql: %s: %w", stmt, err)
		}
	}
	for _, t := range o.SystemTables {
		if err := e.AddSystemTable(ctx, t); err != nil {
			e.Close()
			return nil, err
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

// DB returns the database handle, for callers that run trusted SQL themselves. Views are
// refreshed by Query and Refresh, not by statements run through it.
func (e *Engine) DB() *sql.DB { return e.db }

// LakeDir returns the absolute lake directory.
func (e *Engine) LakeDir() string { return e.opts.LakeDir }

// Sandboxed reports whether the engine was opened with Sandbox.
func (e *Engine) Sandboxed() bool { return e.opts.Sandbox }

// SetTypes replaces the registry of known log types (custom schemas changed); the next
// refresh creates the empty tables of new types. Options.LogTypes, when set, takes
// precedence.
func (e *Engine) SetTypes(r *logtypes.Registry) {
	e.mu.Lock()
	e.types = r
	e.mu.Unlock()
}

// Types returns the registry of known log types.
func (e *Engine) Types() *logtypes.Registry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.currentTypes()
}

// currentTypes returns the registry in use; e.mu is held.
func (e *Engine) currentTypes() *logtypes.Registry {
	if e.opts.LogTypes != nil {
		if r := e.opts.LogTypes(); r != nil {
			return r
		}
	}
	return e.types
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
