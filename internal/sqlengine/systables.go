package sqlengine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/duckdb/duckdb-go/v2"
)

// A SystemTable is a table of panther_system whose rows Go code provides, such as
// panther_system.audit from the state database (DuckDB here cannot read SQLite). The engine
// loads the rows into DuckDB when a query names the table, if they changed since the last
// load.
type SystemTable struct {
	Name        string // the table's name in panther_system, e.g. "audit"
	Description string
	Columns     []Column
	// Rows calls emit once per row, with one value per column in order: string, int64,
	// float64, bool, time.Time, []string, or nil for NULL. For an AppendOnly table it gives
	// only the rows after the cursor since ("" for all) and returns the cursor of the last
	// row it gave (since itself when there is none); otherwise since is always "" and the
	// returned cursor is ignored.
	Rows func(ctx context.Context, since string, emit func(row []any) error) (string, error)
	// AppendOnly tables only ever gain rows (an audit log): before each query that names the
	// table the engine asks for the rows after its cursor and appends them.
	AppendOnly bool
	// Version returns a token that changes whenever the rows change (a row count plus the
	// last id, say); the table is reloaded when it differs from the last load. It is called
	// before each query that names the table, so keep it cheap. Unused for AppendOnly tables.
	Version func(ctx context.Context) (string, error)
	// Allow, when set, decides whether an untrusted query (QueryUntrusted) may read the
	// table: it is called with the query's context before a query that names the table runs,
	// and a non-nil error refuses the query with the error's text as the reason. A table
	// counts as named when any table name of the statement ends in its name, however
	// qualified. Trusted queries (Query) are not asked.
	Allow func(ctx context.Context) error
}

// Column is a column of a table: its name, DuckDB type and what it holds.
type Column struct {
	Name        string
	Type        string // a DuckDB type: VARCHAR, BIGINT, TIMESTAMP WITH TIME ZONE, VARCHAR[], JSON...
	Description string
}

type systemTable struct {
	def     SystemTable
	mu      sync.Mutex // serializes loads
	version string
	loaded  bool
}

var tableNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// AddSystemTable registers a system table; it exists (empty) from now on and is loaded the
// first time a query names it.
func (e *Engine) AddSystemTable(ctx context.Context, t SystemTable) error {
	if !tableNameRE.MatchString(t.Name) || t.Name == "quarantine" {
		return fmt.Errorf("sql: system table %q: the name must be lower-case letters, digits and _, and not quarantine", t.Name)
	}
	if len(t.Columns) == 0 || t.Rows == nil || (t.Version == nil && !t.AppendOnly) {
		return fmt.Errorf("sql: system table %s: columns and Rows are required, and Version unless it is AppendOnly", t.Name)
	}
	e.sysMu.Lock()
	defer e.sysMu.Unlock()
	if _, dup := e.sys[t.Name]; dup {
		return fmt.Errorf("sql: system table %s is already registered", t.Name)
	}
	if _, err := e.db.ExecContext(ctx, "CREATE TABLE "+systemName(t.Name)+" ("+columnDefs(t.Columns)+")"); err != nil {
		return fmt.Errorf("sql: creating the system table %s: %w", t.Name, err)
	}
	if _, err := e.db.ExecContext(ctx, fmt.Sprintf("CREATE VIEW panther_system.public.%s AS SELECT * FROM %s", ident(t.Name), systemName(t.Name))); err != nil {
		return fmt.Errorf("sql: creating the system table %s: %w", t.Name, err)
	}
	e.sys[t.Name] = &systemTable{def: t}
	return nil
}

// SystemTables returns the registered system tables.
func (e *Engine) SystemTables() []SystemTable {
	e.sysMu.Lock()
	defer e.sysMu.Unlock()
	out := make([]SystemTable, 0, len(e.sys))
	for _, s := range e.sys {
		out = append(out, s.def)
	}
	return out
}

func systemName(name string) string { return "panther_system.main." + ident(name) }

func columnDefs(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = ident(c.Name) + " " + c.Type
	}
	return strings.Join(parts, ", ")
}

// loadSystemTables loads the system tables query names whose version changed.
func (e *Engine) loadSystemTables(ctx context.Context, query string) error {
	e.sysMu.Lock()
	if len(e.sys) == 0 {
		e.sysMu.Unlock()
		return nil
	}
	e.sysMu.Unlock()
	names, err := e.tableNames(ctx, query)
	if err != nil {
		return nil // the query itself reports the syntax error
	}
	return e.loadNamed(ctx, names)
}

// loadNamed loads the system tables among qualified table names.
func (e *Engine) loadNamed(ctx context.Context, names []string) error {
	for _, n := range names {
		parts := strings.Split(strings.ToLower(n), ".")
		table := parts[len(parts)-1]
		if len(parts) > 1 && parts[0] != "panther_system" {
			continue
		}
		e.sysMu.Lock()
		st := e.sys[table]
		e.sysMu.Unlock()
		if st == nil {
			continue
		}
		if err := e.loadSystemTable(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// allowNamed asks the Allow of each gated system table among the table names of an untrusted
// statement. A name counts when its last part is the table's name, whatever precedes it, so
// no qualification (main.audit, panther_system.public.audit) reaches a gated table's rows.
func (e *Engine) allowNamed(ctx context.Context, names []string) error {
	e.sysMu.Lock()
	gated := make(map[string]func(context.Context) error)
	for name, st := range e.sys {
		if st.def.Allow != nil {
			gated[name] = st.def.Allow
		}
	}
	e.sysMu.Unlock()
	if len(gated) == 0 {
		return nil
	}
	for _, n := range names {
		parts := strings.Split(strings.ToLower(n), ".")
		allow := gated[parts[len(parts)-1]]
		if allow == nil {
			continue
		}
		if err := allow(ctx); err != nil {
			var refused *RefusedError
			if errors.As(err, &refused) {
				return err
			}
			return &RefusedError{Reason: err.Error()}
		}
	}
	return nil
}

// tableNames returns the qualified names of the tables a statement names, from DuckDB's
// parser.
func (e *Engine) tableNames(ctx context.Context, query string) ([]string, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return duckdb.GetTableNames(conn, query, true)
}

func (e *Engine) loadSystemTable(ctx context.Context, st *systemTable) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if st.def.AppendOnly {
		cursor, err := e.appendRows(ctx, conn, st, st.def.Name, st.version)
		if err != nil {
			return fmt.Errorf("sql: loading the system table %s: %w", st.def.Name, err)
		}
		st.version, st.loaded = cursor, true
		return nil
	}
	v, err := st.def.Version(ctx)
	if err != nil {
		return fmt.Errorf("sql: system table %s: %w", st.def.Name, err)
	}
	if st.loaded && v == st.version {
		return nil
	}
	// Load into a new table, then swap it in within one transaction: a query running
	// meanwhile keeps reading the old rows.
	staging := "__load_" + st.def.Name
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TABLE "+systemName(staging)+" ("+columnDefs(st.def.Columns)+")"); err != nil {
		return fmt.Errorf("sql: system table %s: %w", st.def.Name, err)
	}
	if _, err := e.appendRows(ctx, conn, st, staging, ""); err != nil {
		return fmt.Errorf("sql: loading the system table %s: %w", st.def.Name, err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range []string{
		"DROP VIEW IF EXISTS panther_system.public." + ident(st.def.Name),
		"DROP TABLE " + systemName(st.def.Name),
		"ALTER TABLE " + systemName(staging) + " RENAME TO " + ident(st.def.Name),
		fmt.Sprintf("CREATE VIEW panther_system.public.%s AS SELECT * FROM %s", ident(st.def.Name), systemName(st.def.Name)),
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("sql: system table %s: %w", st.def.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sql: system table %s: %w", st.def.Name, err)
	}
	st.version, st.loaded = v, true
	return nil
}

// appendRows appends the rows Rows gives after since to table, and returns its cursor.
func (e *Engine) appendRows(ctx context.Context, conn *sql.Conn, st *systemTable, table, since string) (string, error) {
	var cursor string
	err := conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "panther_system", "main", table)
		if err != nil {
			return err
		}
		n := len(st.def.Columns)
		vals := make([]driver.Value, n)
		cursor, err = st.def.Rows(ctx, since, func(row []any) error {
			if len(row) != n {
				return fmt.Errorf("a row has %d values, the table %d columns", len(row), n)
			}
			for i, v := range row {
				vals[i] = v
			}
			return app.AppendRow(vals...)
		})
		if err != nil {
			return errors.Join(err, app.Close())
		}
		return app.Close()
	})
	return cursor, err
}
