package lakequery

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Database is a database of the lake (Panther's DataLakeDatabase).
type Database struct {
	Name        string
	Description string
}

// Table is a table or view of a database (Panther's DataLakeDatabaseTable).
type Table struct {
	Database    string
	Name        string
	DisplayName string // the log type's name for a log table, else the table name
	Description string
	LogType     string        // the log type stored in it; "" for views and system tables
	Columns     []TableColumn // filled by Table, not by Tables
}

// TableColumn is a column of a table (Panther's DataLakeDatabaseTableColumn).
type TableColumn struct {
	Name        string
	Type        string // DuckDB's type, e.g. VARCHAR, TIMESTAMP WITH TIME ZONE, STRUCT(...)
	Description string
}

// TablesInput pages the tables of a database (Panther's DataLakeDatabaseTablesInput).
type TablesInput struct {
	Database string
	Cursor   string
	PageSize int // default 25, at most 999
}

// TablePage is a page of tables, by name.
type TablePage struct {
	Tables      []Table
	EndCursor   string // "" on the last page
	HasNextPage bool
}

var databaseDescriptions = map[string]string{
	"panther_logs":          "Parsed log events, one table per log type, partitioned by event hour",
	"panther_rule_matches":  "Events that matched a rule, with the rule and alert they belong to (p_rule_*, p_alert_*)",
	"panther_rule_errors":   "Events on which a rule raised an error, with the error (p_rule_error)",
	"panther_cloudsecurity": "Cloud resource snapshots and compliance history",
	"panther_views":         "Views across the tables of each database: the p_ columns of every table, with p_db_name",
	"panther_system":        "Records no log type accepted (quarantine), and system tables such as the audit log",
}

// Databases lists the databases of the lake.
func (s *Service) Databases(context.Context) ([]Database, error) {
	out := make([]Database, len(sqlengine.Databases))
	for i, d := range sqlengine.Databases {
		out[i] = Database{Name: d, Description: databaseDescriptions[d]}
	}
	return out, nil
}

// Tables returns a page of the tables and views of a database, by name.
func (s *Service) Tables(ctx context.Context, in TablesInput) (TablePage, error) {
	db, err := sqlengine.NormalizeDatabase(in.Database)
	if err != nil || strings.TrimSpace(in.Database) == "" {
		return TablePage{}, inputErrorf("unknown database %q: the lake's databases are %s", in.Database, strings.Join(sqlengine.Databases, ", "))
	}
	size := in.PageSize
	if size <= 0 {
		size = 25
	}
	if size > 999 {
		return TablePage{}, inputErrorf("pageSize %d is over the maximum of 999", size)
	}
	names, err := s.tableNames(ctx, db)
	if err != nil {
		return TablePage{}, err
	}
	var page TablePage
	for _, n := range names {
		if in.Cursor != "" && n <= in.Cursor {
			continue
		}
		if len(page.Tables) == size {
			page.HasNextPage = true
			page.EndCursor = page.Tables[size-1].Name
			break
		}
		page.Tables = append(page.Tables, s.describeTable(db, n))
	}
	return page, nil
}

// Table describes one table with its columns; ErrNotFound if there is no such table.
func (s *Service) Table(ctx context.Context, database, table string) (*Table, error) {
	db, err := sqlengine.NormalizeDatabase(database)
	if err != nil {
		return nil, &InputError{Msg: err.Error()}
	}
	_, rows, err := s.eng.QueryAll(ctx, `SELECT column_name, data_type FROM duckdb_columns()
WHERE database_name = ? AND schema_name = 'main' AND table_name = ? ORDER BY column_index`, db, table)
	if err != nil {
		return nil, fmt.Errorf("lakequery: describing %s.%s: %w", db, table, err)
	}
	if len(rows) == 0 || strings.HasPrefix(table, "__") {
		return nil, fmt.Errorf("%w: no table %s.%s", ErrNotFound, db, table)
	}
	t := s.describeTable(db, table)
	var fields map[string]string
	if lt := s.logType(db, table); lt != nil {
		fields = make(map[string]string, len(lt.Root.Fields))
		for _, f := range lt.Root.Fields {
			fields[f.Column] = f.Description
		}
	}
	sysCols := map[string]string{}
	if db == "panther_system" {
		for _, st := range s.eng.SystemTables() {
			if st.Name == table {
				for _, c := range st.Columns {
					sysCols[c.Name] = c.Description
				}
			}
		}
		if table == "quarantine" {
			sysCols = quarantineDescriptions
		}
	}
	for _, r := range rows {
		name, typ := r[0].(string), r[1].(string)
		desc := fields[name]
		if desc == "" {
			desc = sysCols[name]
		}
		if desc == "" {
			desc = columnDescription(name)
		}
		t.Columns = append(t.Columns, TableColumn{Name: name, Type: typ, Description: desc})
	}
	return &t, nil
}

// tableNames lists the tables and views of a database.
func (s *Service) tableNames(ctx context.Context, db string) ([]string, error) {
	_, rows, err := s.eng.QueryAll(ctx, `SELECT DISTINCT table_name FROM duckdb_columns()
WHERE database_name = ? AND schema_name = 'main' AND NOT starts_with(table_name, '__') ORDER BY 1`, db)
	if err != nil {
		return nil, fmt.Errorf("lakequery: listing the tables of %s: %w", db, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0].(string)
	}
	sort.Strings(out)
	return out, nil
}

func (s *Service) logType(db, table string) *logschema.LogType {
	switch db {
	case "panther_logs", "panther_rule_matches", "panther_rule_errors":
	default:
		return nil
	}
	reg := s.eng.Types()
	if reg == nil {
		return nil
	}
	for _, lt := range reg.All() {
		if lt.Table == table {
			return lt.LogType
		}
	}
	return nil
}

func (s *Service) describeTable(db, name string) Table {
	t := Table{Database: db, Name: name, DisplayName: name}
	if lt := s.logType(db, name); lt != nil {
		t.LogType, t.DisplayName = lt.Name, lt.Name
		t.Description = lt.Schema.Description
	}
	switch {
	case db == "panther_views":
		t.Description = "The p_ columns of every table of panther_" + strings.TrimPrefix(name, "all_") + ", with p_db_name"
	case db == "panther_system" && name == "quarantine":
		t.Description = "Records no log type accepted: the raw text, where it came from and why each type refused it"
	case db == "panther_system":
		for _, st := range s.eng.SystemTables() {
			if st.Name == name {
				t.Description = st.Description
			}
		}
	}
	if t.Description == "" && t.LogType != "" {
		switch db {
		case "panther_rule_matches":
			t.Description = t.LogType + " events that matched a rule"
		case "panther_rule_errors":
			t.Description = t.LogType + " events on which a rule raised an error"
		default:
			t.Description = t.LogType + " events"
		}
	}
	return t
}

var standardDescriptions = map[string]string{
	"p_log_type":            "The log type of the event",
	"p_row_id":              "A unique id of the event",
	"p_event_time":          "When the event happened (UTC), from the event's own time field, else when it was parsed",
	"p_parse_time":          "When the event was parsed (UTC)",
	"p_source_id":           "The id of the source the event came from",
	"p_source_label":        "The label of the source the event came from",
	"p_source_address":      "The address of the sender (syslog, HTTP), when there is one",
	"p_parse_warnings":      "Values that did not fit the schema and were dropped, with why",
	"p_rule_id":             "The rule that matched",
	"p_alert_id":            "The alert the match belongs to",
	"p_alert_context":       "The rule's alert_context, as JSON",
	"p_alert_creation_time": "When the alert was created",
	"p_alert_update_time":   "When the alert last got a match",
	"p_rule_tags":           "The rule's tags",
	"p_rule_reports":        "The rule's reports (framework to ids)",
	"p_rule_severity":       "The severity of the match",
	"p_alert_title":         "The title of the alert",
	"p_alert_dedup":         "The dedup string of the alert",
	"p_rule_error":          "The error the rule raised",
	"p_db_name":             "The database the row comes from",
	"year":                  "Partition: the UTC year of p_event_time",
	"month":                 "Partition: the UTC month of p_event_time",
	"day":                   "Partition: the UTC day of p_event_time",
	"hour":                  "Partition: the UTC hour of p_event_time",
}

var quarantineDescriptions = map[string]string{
	"raw":             "The record's text (invalid UTF-8 replaced)",
	"raw_base64":      "The record's exact bytes, base64, when raw had to replace some",
	"raw_size":        "The record's size in bytes",
	"truncated":       "Whether raw holds only the first bytes of an oversized record",
	"file":            "Where the record came from: a file, an object key, or the source",
	"line":            "The record's line number in the file",
	"byte_offset":     "The record's byte offset in the file",
	"source_id":       "The id of the source",
	"source_label":    "The label of the source",
	"reason":          "Why no log type accepted it, all reasons in one line",
	"reasons":         "Why each log type refused it",
	"quarantine_time": "When it was quarantined",
	"p_row_id":        "A unique id of the record",
	"year":            "Partition: the UTC year of quarantine_time",
	"month":           "Partition: the UTC month of quarantine_time",
	"day":             "Partition: the UTC day of quarantine_time",
	"hour":            "Partition: the UTC hour of quarantine_time",
}

func columnDescription(name string) string {
	if d, ok := standardDescriptions[name]; ok {
		return d
	}
	for _, k := range indicators.Kinds {
		if k.Column() == name {
			return "Indicators of the event: " + strings.ReplaceAll(strings.TrimPrefix(name, "p_any_"), "_", " ")
		}
	}
	return ""
}
