package lakequery

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// IndicatorType says which p_any_* columns an indicator search looks in: Panther's
// IndicatorType enum.
type IndicatorType string

// The indicator types besides the p_any_* column names ("p_any_ip_addresses", ...).
const (
	// AutoDetect picks the columns from each value's form: an IP address, a hash, an account
	// id, an ARN, an instance id, an e-mail, a domain; anything else is a username or trace id.
	AutoDetect IndicatorType = "AutoDetectType"
	// SimpleSearch and TextSearch look for each value in every p_any_* column.
	SimpleSearch IndicatorType = "SimpleSearch"
	TextSearch   IndicatorType = "TextSearch"
)

// IndicatorSearch is what an indicator search looks for (Panther's
// ExecuteIndicatorSearchQueryInput).
type IndicatorSearch struct {
	Indicators []string      `json:"indicators"`
	Type       IndicatorType `json:"indicatorName"` // default AutoDetect
	Start      time.Time     `json:"startTime"`
	End        time.Time     `json:"endTime"`
	Databases  []string      `json:"databases,omitempty"` // default: every database with log tables
	Tables     []string      `json:"tables,omitempty"`    // default: every table
}

// IndicatorSearchRequest is an indicator search to run.
type IndicatorSearchRequest struct {
	IndicatorSearch
	IssuedBy Actor
	Limits   Limits
}

// TableMatch is the number of rows an indicator search found in one table
// (Panther's DataLakeDatabaseTable with numMatches).
type TableMatch struct {
	Database string `json:"database"`
	Table    string `json:"table"`
	LogType  string `json:"logType,omitempty"`
	Matches  int64  `json:"matches"`
}

// searchDatabases are the databases an indicator search covers by default.
var searchDatabases = []string{"panther_logs", "panther_rule_matches", "panther_rule_errors", "panther_cloudsecurity"}

// term is one value to look for in some columns.
type term struct {
	value   string
	columns []string
}

// searchTerms normalizes the values the way ingestion does (internal/indicators) and picks
// their columns.
func searchTerms(in IndicatorSearch) ([]term, error) {
	var out []term
	for _, raw := range in.Indicators {
		v := strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		switch in.Type {
		case "", AutoDetect:
			out = append(out, detect(v)...)
		case SimpleSearch, TextSearch:
			cols := make([]string, len(indicators.Kinds))
			for i, k := range indicators.Kinds {
				cols[i] = k.Column()
			}
			out = append(out, term{v, cols})
			if l := strings.ToLower(v); l != v {
				out = append(out, term{l, cols})
			}
		default:
			k, ok := indicators.KindOfColumn(string(in.Type))
			if !ok {
				return nil, inputErrorf("unknown indicator type %q: use AutoDetectType, SimpleSearch or a p_any_* column such as p_any_ip_addresses", in.Type)
			}
			found := normalize(k, v)
			if len(found) == 0 {
				found = []string{v}
			}
			for _, n := range found {
				out = append(out, term{n, []string{k.Column()}})
			}
		}
	}
	if len(out) == 0 {
		return nil, inputErrorf("no indicators to search for")
	}
	return out, nil
}

// scanners try, in order, what a value may be.
var scanners = []indicators.Scanner{indicators.ScanIP, indicators.ScanMD5, indicators.ScanSHA1, indicators.ScanSHA256,
	indicators.ScanAWSAccountID, indicators.ScanAWSARN, indicators.ScanAWSInstanceID, indicators.ScanEmail}

// detect returns the columns a value may be in, by its form.
func detect(v string) []term {
	var set indicators.Set
	for _, sc := range scanners {
		set.Reset()
		sc.Scan(&set, v)
		var out []term
		for _, k := range sc.Kinds() {
			for _, n := range set.Values(k) {
				out = append(out, term{n, []string{k.Column()}})
			}
		}
		if len(out) > 0 {
			if sc == indicators.ScanEmail { // an e-mail is often the user name too
				out = append(out, term{v, []string{indicators.KindUsername.Column()}})
			}
			return out
		}
	}
	if strings.Contains(v, ".") && !strings.ContainsAny(v, " /:@") {
		set.Reset()
		indicators.ScanDomain.Scan(&set, v)
		if d := set.Values(indicators.KindDomainName); len(d) > 0 {
			return []term{{d[0], []string{indicators.KindDomainName.Column()}}}
		}
	}
	return []term{{v, []string{indicators.KindUsername.Column(), indicators.KindTraceID.Column(), indicators.KindAWSTag.Column()}}}
}

// normalize returns v as ingestion stores it in kind's column.
func normalize(k indicators.Kind, v string) []string {
	var set indicators.Set
	for _, sc := range []indicators.Scanner{indicators.ScanIP, indicators.ScanDomain, indicators.ScanMD5, indicators.ScanSHA1,
		indicators.ScanSHA256, indicators.ScanAWSAccountID, indicators.ScanAWSARN, indicators.ScanAWSInstanceID,
		indicators.ScanEmail, indicators.ScanTraceID, indicators.ScanUsername, indicators.ScanAWSTag} {
		for _, sk := range sc.Kinds() {
			if sk == k {
				set.Reset()
				sc.Scan(&set, v)
				if vals := set.Values(k); len(vals) > 0 {
					return append([]string(nil), vals...)
				}
			}
		}
	}
	return nil
}

// ExecuteIndicatorSearch starts an indicator search: every table of the chosen databases
// that has the columns is searched over [Start, End), reading only the partitions of that
// range. The rows say where they were found (p_db_name, p_table_name), with the matched
// values and the whole event; TableMatches counts the hits per table.
func (s *Service) ExecuteIndicatorSearch(ctx context.Context, req IndicatorSearchRequest) (string, error) {
	in := req.IndicatorSearch
	if in.Start.IsZero() || in.End.IsZero() || !in.End.After(in.Start) {
		return "", inputErrorf("an indicator search needs a startTime before its endTime")
	}
	terms, err := searchTerms(in)
	if err != nil {
		return "", err
	}
	dbs := searchDatabases
	if len(in.Databases) > 0 {
		dbs = nil
		for _, d := range in.Databases {
			n, err := sqlengine.NormalizeDatabase(d)
			if err != nil {
				return "", &InputError{Msg: err.Error()}
			}
			dbs = append(dbs, n)
		}
	}
	limits, err := s.limits(req.Limits)
	if err != nil {
		return "", err
	}
	targets, err := s.searchTargets(ctx, dbs, in.Tables)
	if err != nil {
		return "", err
	}
	q := &Query{Kind: KindIndicatorSearch, Database: sqlengine.DefaultDatabase, IssuedBy: req.IssuedBy,
		Limits: limits, Search: &in, SQL: searchSQL(targets, terms, in.Start, in.End)}
	if q.Name = "Indicator search: " + strings.Join(in.Indicators, ", "); len(q.Name) > 200 {
		q.Name = q.Name[:200] + "..."
	}
	return s.start(ctx, q, func(ctx context.Context, q *Query, w *resultWriter) error {
		return s.searchJob(ctx, q, w, targets)
	})
}

// searchTarget is a table to search and the p_any_* columns it has.
type searchTarget struct {
	db, table, logType string
	columns            map[string]bool
}

func (s *Service) searchTargets(ctx context.Context, dbs, tables []string) ([]searchTarget, error) {
	want := make(map[string]bool, len(tables))
	for _, t := range tables {
		want[strings.ToLower(t)] = true
	}
	var out []searchTarget
	for _, db := range dbs {
		_, rows, err := s.eng.QueryAll(ctx, `SELECT table_name, column_name FROM duckdb_columns()
WHERE database_name = ? AND schema_name = 'main' AND (starts_with(column_name, 'p_any_') OR column_name IN ('hour', 'p_event_time'))
ORDER BY table_name, column_index`, db)
		if err != nil {
			return nil, fmt.Errorf("lakequery: listing the tables of %s: %w", db, err)
		}
		byTable := map[string]*searchTarget{}
		var order []string
		for _, r := range rows {
			table, col := r[0].(string), r[1].(string)
			if len(want) > 0 && !want[table] && !want[db+"."+table] {
				continue
			}
			t := byTable[table]
			if t == nil {
				t = &searchTarget{db: db, table: table, columns: map[string]bool{}}
				if lt := s.logType(db, table); lt != nil {
					t.logType = lt.Name
				}
				byTable[table] = t
				order = append(order, table)
			}
			t.columns[col] = true
		}
		for _, name := range order {
			if t := byTable[name]; t.columns["hour"] && t.columns["p_event_time"] {
				out = append(out, *t)
			}
		}
	}
	return out, nil
}

// hourKey is the number year*1000000 + month*10000 + day*100 + hour of t's UTC hour: a
// predicate on it uses only partition columns, so DuckDB skips the files of other hours.
func hourKey(t time.Time) int64 {
	t = t.UTC()
	return int64(t.Year())*1000000 + int64(t.Month())*10000 + int64(t.Day())*100 + int64(t.Hour())
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func sqlTime(t time.Time) string {
	return "TIMESTAMPTZ " + sqlString(t.UTC().Format("2006-01-02 15:04:05.999999Z07:00"))
}

// searchParts returns, per target, the SELECT of its matching rows, or nil when the table
// has none of the terms' columns.
func searchParts(targets []searchTarget, terms []term, start, end time.Time) []string {
	var parts []string
	for _, t := range targets {
		byCol := map[string][]string{}
		var cols []string
		for _, tm := range terms {
			for _, c := range tm.columns {
				if !t.columns[c] {
					continue
				}
				if _, ok := byCol[c]; !ok {
					cols = append(cols, c)
				}
				byCol[c] = append(byCol[c], sqlString(tm.value))
			}
		}
		if len(cols) == 0 {
			continue
		}
		sort.Strings(cols)
		var conds, matched []string
		for _, c := range cols {
			list := "[" + strings.Join(byCol[c], ", ") + "]"
			conds = append(conds, fmt.Sprintf("list_has_any(%s, %s)", ident(c), list))
			matched = append(matched, fmt.Sprintf("coalesce(list_intersect(%s, %s), [])", ident(c), list))
		}
		matchedExpr := matched[0]
		if len(matched) > 1 {
			matchedExpr = "flatten([" + strings.Join(matched, ", ") + "])"
		}
		parts = append(parts, fmt.Sprintf(`SELECT %s AS p_db_name, %s AS p_table_name, p_log_type, p_event_time, p_row_id,
  list_distinct(%s) AS p_matched, to_json(e) AS event
FROM (SELECT * EXCLUDE (year, month, day, hour) FROM %s.%s
  WHERE year * 1000000 + month * 10000 + day * 100 + hour BETWEEN %d AND %d
    AND p_event_time >= %s AND p_event_time < %s
    AND (%s)) e`,
			sqlString(t.db), sqlString(t.table), matchedExpr, ident(t.db), ident(t.table),
			hourKey(start), hourKey(end.Add(-time.Microsecond)), sqlTime(start), sqlTime(end), strings.Join(conds, " OR ")))
	}
	return parts
}

// searchSQL is the query an indicator search runs, as the history shows it.
func searchSQL(targets []searchTarget, terms []term, start, end time.Time) string {
	parts := searchParts(targets, terms, start, end)
	if len(parts) == 0 {
		return "-- no table has the columns of these indicators"
	}
	return strings.Join(parts, "\nUNION ALL\n") + "\nORDER BY p_event_time DESC"
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// searchJob counts the matches per table, then writes the newest rows up to the row limit.
func (s *Service) searchJob(ctx context.Context, q *Query, w *resultWriter, targets []searchTarget) error {
	if strings.HasPrefix(q.SQL, "--") {
		q.Columns = searchColumns
		return nil
	}
	counts := "SELECT p_db_name, p_table_name, count(*) FROM (" + strings.TrimSuffix(q.SQL, "\nORDER BY p_event_time DESC") +
		") GROUP BY ALL ORDER BY 3 DESC, 1, 2"
	rows, err := s.eng.QueryUntrusted(ctx, counts, sqlengine.QueryOptions{})
	if err != nil {
		return err
	}
	logTypes := map[string]string{}
	for _, t := range targets {
		logTypes[t.db+"."+t.table] = t.logType
	}
	var bytes int64
	for rows.Next() {
		var m TableMatch
		if err := rows.Scan(&m.Database, &m.Table, &m.Matches); err != nil {
			rows.Close()
			return &sqlengine.QueryError{Msg: err.Error()}
		}
		m.LogType = logTypes[m.Database+"."+m.Table]
		q.TableMatches = append(q.TableMatches, m)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &sqlengine.QueryError{Msg: err.Error()}
	}
	bytes += rows.Stats().BytesScanned
	q.Columns = searchColumns
	if len(q.TableMatches) > 0 {
		n, err := s.spillQuery(ctx, q, w, q.SQL, "")
		if err != nil {
			return err
		}
		bytes += n
	}
	q.Stats.BytesScanned = bytes
	return nil
}

// searchColumns are the columns of an indicator search's results.
var searchColumns = []Column{{"p_db_name", "VARCHAR"}, {"p_table_name", "VARCHAR"}, {"p_log_type", "VARCHAR"},
	{"p_event_time", "TIMESTAMPTZ"}, {"p_row_id", "VARCHAR"}, {"p_matched", "VARCHAR[]"}, {"event", "JSON"}}
