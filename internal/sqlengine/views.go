package sqlengine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
)

type tableKey struct {
	kind  lake.Kind
	table string
}

// tableState is what the engine knows of one table's view.
type tableState struct {
	stamp    lake.Stamp
	listedAt time.Time
	files    []string
	empty    bool              // no files: the view is a typed empty select
	cols     map[string]string // column -> DuckDB type, as the view has them
	order    []string          // column names in view order
}

// Refresh brings the views up to date with the lake. Query calls it; callers that run SQL
// through DB call it themselves. It is cheap when nothing changed: one stat per table.
func (e *Engine) Refresh(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.refresh(ctx, false)
}

// refresh updates the views; with force it lists every table again.
func (e *Engine) refresh(ctx context.Context, force bool) error {
	for _, kind := range tableKinds {
		tables, err := e.lister.Tables(kind)
		if err != nil {
			return fmt.Errorf("sql: listing %s: %w", kind, err)
		}
		present := make(map[string]bool, len(tables))
		changed := false
		for _, t := range tables {
			present[t] = true
			c, err := e.refreshTable(ctx, kind, t, force)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		// Tables whose directory went away, and known log types without data yet: an empty
		// table of the right shape, so that queries written before the first event work.
		want := make(map[string]*logschema.LogType)
		if types := e.currentTypes(); kind == lake.Logs && types != nil {
			for _, lt := range types.All() {
				if !present[lt.Table] {
					want[lt.Table] = lt.LogType
				}
			}
		}
		for k := range e.tables {
			if k.kind == kind && !present[k.table] {
				if _, ok := want[k.table]; !ok {
					want[k.table] = nil
				}
			}
		}
		names := make([]string, 0, len(want))
		for t := range want {
			names = append(names, t)
		}
		sort.Strings(names)
		for _, t := range names {
			c, err := e.emptyTable(ctx, kind, t, want[t])
			if err != nil {
				return err
			}
			changed = changed || c
		}
		if changed || e.unions[kind] == "" {
			if err := e.unionView(ctx, kind); err != nil {
				return err
			}
		}
	}
	_, err := e.refreshTable(ctx, lake.Quarantine, "", force)
	return err
}

// viewName returns the qualified name of a table's view.
func viewName(kind lake.Kind, table string) string {
	if kind == lake.Quarantine {
		return "panther_system.main.quarantine"
	}
	return kindDatabase[kind] + ".main." + ident(table)
}

// refreshTable rebuilds a table's view if its files changed; it reports whether the view's
// columns changed (the union views then need rebuilding).
func (e *Engine) refreshTable(ctx context.Context, kind lake.Kind, table string, force bool) (bool, error) {
	key := tableKey{kind, table}
	st := e.lister.TableStamp(kind, table)
	old := e.tables[key]
	if !force && old != nil && lake.Unchanged(old.stamp, st, old.listedAt) {
		return false, nil
	}
	at := e.lister.Now()
	files, err := e.lister.Files(kind, table)
	if err != nil {
		return false, fmt.Errorf("sql: listing %s: %w", viewName(kind, table), err)
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.Path
	}
	if old != nil && equalStrings(old.files, paths) && (len(paths) > 0) != old.empty {
		old.stamp, old.listedAt = st, at
		return false, nil
	}
	var body string
	switch {
	case len(paths) > 0:
		body = "SELECT * FROM " + parquetSource(paths)
	case kind == lake.Quarantine:
		body = emptyQuarantine()
	default:
		var lt *logschema.LogType
		if types := e.currentTypes(); kind == lake.Logs && types != nil {
			lt = logTypeOfTable(types, table)
		}
		body = e.emptyBody(kind, lt)
	}
	ts, err := e.createView(ctx, kind, table, body)
	if err != nil {
		return false, err
	}
	ts.stamp, ts.listedAt, ts.files, ts.empty = st, at, paths, len(paths) == 0
	e.tables[key] = ts
	return old == nil || old.empty != ts.empty || !sameColumns(old, ts), nil
}

// emptyTable gives a table without files a typed empty view (of its log type when known);
// it reports whether the table's columns changed.
func (e *Engine) emptyTable(ctx context.Context, kind lake.Kind, table string, lt *logschema.LogType) (bool, error) {
	key := tableKey{kind, table}
	old := e.tables[key]
	if old != nil && old.empty {
		return false, nil
	}
	ts, err := e.createView(ctx, kind, table, e.emptyBody(kind, lt))
	if err != nil {
		return false, err
	}
	ts.empty = true
	e.tables[key] = ts
	return true, nil
}

func (e *Engine) emptyBody(kind lake.Kind, lt *logschema.LogType) string {
	if lt != nil {
		return emptySelect(lt)
	}
	return emptyStandard(kindColumns(kind), "", nil)
}

// createView (re)creates a table's view and its public alias and reads back its columns.
func (e *Engine) createView(ctx context.Context, kind lake.Kind, table, body string) (*tableState, error) {
	name := viewName(kind, table)
	alias := strings.Replace(name, ".main.", ".public.", 1)
	for _, s := range []string{
		"CREATE OR REPLACE VIEW " + name + " AS " + body,
		"CREATE OR REPLACE VIEW " + alias + " AS SELECT * FROM " + name,
	} {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("sql: creating the view %s: %w", name, err)
		}
	}
	rows, err := e.db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+name+")")
	if err != nil {
		return nil, fmt.Errorf("sql: describing %s: %w", name, err)
	}
	defer rows.Close()
	ts := &tableState{cols: make(map[string]string)}
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			return nil, fmt.Errorf("sql: describing %s: %w", name, err)
		}
		ts.cols[c] = t
		ts.order = append(ts.order, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sql: describing %s: %w", name, err)
	}
	return ts, nil
}

// logTypeOfTable returns the log type stored in a table, or nil.
func logTypeOfTable(r *logtypes.Registry, table string) *logschema.LogType {
	if r == nil {
		return nil
	}
	for _, lt := range r.All() {
		if lt.Table == table {
			return lt.LogType
		}
	}
	return nil
}

func parquetSource(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = quoteString(p)
	}
	return "read_parquet([" + strings.Join(q, ", ") + "], hive_partitioning=true, union_by_name=true, " +
		"hive_types={'year': BIGINT, 'month': BIGINT, 'day': BIGINT, 'hour': BIGINT})"
}

// kindColumns are the p_ columns the union view of a kind selects.
func kindColumns(kind lake.Kind) []string {
	cols := append([]string(nil), lake.StandardColumns...)
	if kind == lake.RuleMatches || kind == lake.RuleErrors {
		cols = append(cols, lake.MatchColumns...)
	}
	if kind == lake.RuleErrors {
		cols = append(cols, "p_rule_error")
	}
	return cols
}

// unionView rebuilds panther_views.all_<kind>: the p_ columns of every table of the kind.
// A table lacking a column (files written before the column existed) gives NULL for it;
// the first part, typed and empty, fixes every column's name and type.
func (e *Engine) unionView(ctx context.Context, kind lake.Kind) error {
	cols := kindColumns(kind)
	db := kindDatabase[kind]
	seen := make(map[string]string)
	var keys []tableKey
	for k := range e.tables {
		if k.kind == kind {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].table < keys[j].table })
	for _, k := range keys {
		for _, c := range cols {
			if t, ok := e.tables[k].cols[c]; ok && seen[c] == "" {
				seen[c] = t
			}
		}
	}
	parts := []string{emptyStandard(cols, db, seen)}
	for _, k := range keys {
		ts := e.tables[k]
		if ts.empty {
			continue
		}
		var have []string
		for _, c := range cols {
			if _, ok := ts.cols[c]; ok {
				have = append(have, ident(c))
			}
		}
		if len(have) == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("SELECT %s, year, month, day, hour, '%s' AS p_db_name FROM %s",
			strings.Join(have, ", "), db, viewName(kind, k.table)))
	}
	name := "panther_views.main.all_" + string(kind)
	body := strings.Join(parts, " UNION ALL BY NAME ")
	if e.unions[kind] == body {
		return nil
	}
	for _, s := range []string{
		"CREATE OR REPLACE VIEW " + name + " AS " + body,
		"CREATE OR REPLACE VIEW " + strings.Replace(name, ".main.", ".public.", 1) + " AS SELECT * FROM " + name,
	} {
		if _, err := e.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sql: creating the view %s: %w", name, err)
		}
	}
	e.unions[kind] = body
	return nil
}

func sameColumns(a, b *tableState) bool {
	if len(a.cols) != len(b.cols) {
		return false
	}
	for c, t := range a.cols {
		if b.cols[c] != t {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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
	"p_parse_time": "TIMESTAMP WITH TIME ZONE", "p_source_id": "VARCHAR", "p_source_label": "VARCHAR",
	"p_source_address": "VARCHAR", "p_parse_warnings": "STRUCT(field VARCHAR, value VARCHAR, error VARCHAR)[]",
	"p_rule_id": "VARCHAR", "p_alert_id": "VARCHAR", "p_alert_context": "JSON",
	"p_alert_creation_time": "TIMESTAMP WITH TIME ZONE", "p_alert_update_time": "TIMESTAMP WITH TIME ZONE",
	"p_rule_tags": "VARCHAR[]", "p_rule_reports": "MAP(VARCHAR, VARCHAR[])", "p_rule_severity": "VARCHAR",
	"p_alert_title": "VARCHAR", "p_alert_dedup": "VARCHAR", "p_rule_error": "VARCHAR",
}

// StandardType returns the DuckDB type of a p_ column.
func StandardType(col string) string {
	if t, ok := standardTypes[col]; ok {
		return t
	}
	if strings.HasPrefix(col, "p_any_") {
		return "VARCHAR[]"
	}
	return "VARCHAR"
}

func emptySelect(lt *logschema.LogType) string {
	var parts []string
	for _, f := range lt.Root.Fields {
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", DuckDBType(f.Type), ident(f.Column)))
	}
	for _, c := range lake.StandardColumns {
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", StandardType(c), ident(c)))
	}
	parts = append(parts, "CAST(NULL AS BIGINT) AS year", "CAST(NULL AS BIGINT) AS month",
		"CAST(NULL AS BIGINT) AS day", "CAST(NULL AS BIGINT) AS hour")
	return "SELECT " + strings.Join(parts, ", ") + " WHERE false"
}

// emptyStandard selects no rows with the given p_ columns (types from seen, else the
// standard ones), the partition columns, and p_db_name when db is set.
func emptyStandard(cols []string, db string, seen map[string]string) string {
	var parts []string
	for _, c := range cols {
		t := seen[c]
		if t == "" {
			t = StandardType(c)
		}
		parts = append(parts, fmt.Sprintf("CAST(NULL AS %s) AS %s", t, ident(c)))
	}
	parts = append(parts, "CAST(NULL AS BIGINT) AS year", "CAST(NULL AS BIGINT) AS month",
		"CAST(NULL AS BIGINT) AS day", "CAST(NULL AS BIGINT) AS hour")
	if db != "" {
		parts = append(parts, fmt.Sprintf("'%s' AS p_db_name", db))
	}
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
