package sqlengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// The SQL sandbox: what SQL from the API may do.
//
// Two layers, each enough to stop a file read or write outside the lake:
//  1. The engine (Options.Sandbox): DuckDB's own controls. enable_external_access is off with
//     allowed_directories = the lake and the temp directory, extension autoload and autoinstall
//     are off, and the configuration is locked, with its own memory_limit, threads and
//     temp_directory. Time is capped by the caller's context (cancellation interrupts DuckDB).
//  2. The statement check (Check): DuckDB's parser (json_serialize_sql) turns the statement
//     into its syntax tree, and the check refuses, with a reason:
//     - anything but one SELECT statement (COPY, ATTACH/DETACH, INSTALL/LOAD, SET/RESET,
//       PRAGMA, CREATE/INSERT/UPDATE/DELETE/DROP/ALTER, EXPORT/IMPORT, CALL...);
//     - table functions other than a short list of pure ones (read_csv, read_text, read_json,
//       glob, query, ... are refused; read_parquet and the parquet_* functions only on files
//       inside the lake);
//     - scalar functions that reveal the host or run SQL text (getenv, ...);
//     - tables named by a file path (FROM 'file.csv').
//
// `panther query` on the command line is the machine's administrator and is not sandboxed.

// RefusedError is a statement the sandbox refuses; Reason says why and what to do instead.
type RefusedError struct {
	Reason string
}

func (e *RefusedError) Error() string { return e.Reason }

// allowedTableFunctions are the table functions API queries may call: they compute rows from
// their arguments or describe the catalog, and touch no file.
var allowedTableFunctions = map[string]bool{
	"unnest": true, "range": true, "generate_series": true, "json_each": true, "json_tree": true,
	"pragma_table_info": true, "pragma_show": true,
	"duckdb_columns": true, "duckdb_tables": true, "duckdb_views": true, "duckdb_schemas": true,
	"duckdb_databases": true, "duckdb_functions": true, "duckdb_types": true, "duckdb_keywords": true,
	"duckdb_constraints": true, "duckdb_indexes": true, "sql_auto_complete": true,
}

// lakeFileFunctions read Parquet files: allowed on files of the lake only.
var lakeFileFunctions = map[string]bool{
	"read_parquet": true, "parquet_scan": true, "parquet_metadata": true, "parquet_schema": true,
	"parquet_file_metadata": true, "parquet_kv_metadata": true, "parquet_bloom_probe": true,
}

// deniedFunctions are scalar functions API queries may not call.
var deniedFunctions = map[string]string{
	"getenv":                      "it reads the server's environment",
	"json_execute_serialized_sql": "it runs SQL from a string",
	"query":                       "it runs SQL from a string",
	"query_table":                 "it runs SQL from a string",
}

// statementReasons say why each kind of statement is refused.
var statementReasons = map[string]string{
	"COPY": "queries through the API are read-only", "EXPORT": "queries through the API are read-only",
	"IMPORT": "queries through the API are read-only", "CREATE": "queries through the API are read-only",
	"INSERT": "queries through the API are read-only", "UPDATE": "queries through the API are read-only",
	"DELETE": "queries through the API are read-only", "DROP": "queries through the API are read-only",
	"ALTER": "queries through the API are read-only", "TRUNCATE": "queries through the API are read-only",
	"MERGE": "queries through the API are read-only", "VACUUM": "queries through the API are read-only",
	"CHECKPOINT": "queries through the API are read-only", "ANALYZE": "queries through the API are read-only",
	"COMMENT":    "queries through the API are read-only",
	"ATTACH":     "queries through the API read only the lake's databases",
	"DETACH":     "queries through the API read only the lake's databases",
	"USE":        "name the database in the request (databaseName) or qualify the tables instead",
	"INSTALL":    "extensions cannot be installed or loaded through the API",
	"LOAD":       "extensions cannot be installed or loaded through the API",
	"FORCE":      "extensions cannot be installed or loaded through the API",
	"SET":        "settings cannot be changed through the API",
	"RESET":      "settings cannot be changed through the API",
	"PRAGMA":     "settings cannot be changed through the API; to read metadata use the pragma_* table functions in a SELECT, e.g. SELECT * FROM pragma_table_info('panther_logs.aws_cloudtrail')",
	"CALL":       "use SELECT * FROM function(...) with the allowed table functions",
	"EXPLAIN":    "query plans are not available through the API",
	"PIVOT":      "write the pivot as a SELECT with GROUP BY and FILTER",
	"UNPIVOT":    "write the unpivot as a SELECT with UNNEST",
	"PREPARE":    "send one SELECT statement",
	"EXECUTE":    "send one SELECT statement",
	"DEALLOCATE": "send one SELECT statement",
	"BEGIN":      "send one SELECT statement", "COMMIT": "send one SELECT statement",
	"ROLLBACK": "send one SELECT statement", "ABORT": "send one SELECT statement",
	"START": "send one SELECT statement", "END": "send one SELECT statement",
}

// Check applies the sandbox's statement rules to query. It returns a *RefusedError for a
// statement the sandbox refuses, a *QueryError for one DuckDB cannot parse, and nil for an
// allowed statement.
func (e *Engine) Check(ctx context.Context, query string) error {
	_, err := e.check(ctx, query)
	return err
}

// check returns the qualified names of the tables query names, once it passed.
func (e *Engine) check(ctx context.Context, query string) ([]string, error) {
	if strings.TrimSpace(stripComments(query)) == "" {
		return nil, &RefusedError{Reason: "the query is empty"}
	}
	if stmts := splitStatements(query); len(stmts) > 1 {
		kws := make([]string, len(stmts))
		for i, st := range stmts {
			kws[i] = firstKeyword(st)
		}
		return nil, &RefusedError{Reason: fmt.Sprintf("send one statement at a time: the query has %d (%s)", len(stmts), strings.Join(kws, ", "))}
	}
	var out string
	if err := e.db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql($1::VARCHAR) AS VARCHAR)", query).Scan(&out); err != nil {
		return nil, queryError(ctx, err)
	}
	var tree struct {
		Error        bool   `json:"error"`
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		Statements   []any  `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return nil, fmt.Errorf("sql: reading the parse tree: %w", err)
	}
	if tree.Error {
		if tree.ErrorType == "not implemented" {
			return nil, refuseStatement(query)
		}
		// A parser error: let DuckDB report it with its position marker.
		if _, err := e.tableNames(ctx, query); err != nil {
			return nil, &QueryError{Msg: cleanError(err)}
		}
		return nil, &QueryError{Msg: "Parser Error: " + tree.ErrorMessage}
	}
	if len(tree.Statements) != 1 {
		return nil, &RefusedError{Reason: fmt.Sprintf("send one statement at a time: the query has %d", len(tree.Statements))}
	}
	c := checker{lakeDir: e.opts.LakeDir, ctes: make(map[string]bool)}
	c.walk(tree.Statements[0])
	if c.err != nil {
		return nil, c.err
	}
	return c.tables, nil
}

// refuseStatement explains why a statement that is not a SELECT is refused, from its first
// keyword.
func refuseStatement(query string) error {
	kw := firstKeyword(query)
	if reason, ok := statementReasons[kw]; ok {
		return &RefusedError{Reason: fmt.Sprintf("%s is not allowed: %s", kw, reason)}
	}
	if kw == "WITH" {
		return &RefusedError{Reason: "only SELECT statements are allowed through the API: queries are read-only"}
	}
	return &RefusedError{Reason: fmt.Sprintf("only SELECT statements are allowed through the API (this one starts with %s)", kw)}
}

// firstKeyword returns the first word of a statement, upper-cased, skipping comments and
// opening parentheses.
func firstKeyword(query string) string {
	s := strings.TrimLeftFunc(stripComments(query), func(r rune) bool { return unicode.IsSpace(r) || r == '(' })
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '_' })
	if end < 0 {
		end = len(s)
	}
	return strings.ToUpper(s[:end])
}

// stripComments removes leading -- and /* */ comments and white space.
func stripComments(s string) string {
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// splitStatements splits SQL at the semicolons outside quotes and comments and drops empty
// statements. It only words messages: DuckDB's parser decides what runs.
func splitStatements(q string) []string {
	var out []string
	start := 0
	emit := func(end int) {
		if s := strings.TrimSpace(stripComments(q[start:end])); s != "" {
			out = append(out, q[start:end])
		}
	}
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			i = closingQuote(q, i)
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				i = len(q)
			} else {
				i += end + 3
			}
		case c == ';':
			emit(i)
			start = i + 1
		}
	}
	emit(len(q))
	return out
}

// closingQuote returns the index of the quote that closes the one at i (a doubled quote is
// part of the text), or len(q).
func closingQuote(q string, i int) int {
	c := q[i]
	for i++; i < len(q); i++ {
		if q[i] == c {
			if i+1 < len(q) && q[i+1] == c {
				i++
				continue
			}
			return i
		}
	}
	return len(q)
}

// checker walks a statement's syntax tree (DuckDB's JSON form).
type checker struct {
	lakeDir string
	ctes    map[string]bool
	tables  []string
	err     error
}

func (c *checker) refuse(format string, args ...any) {
	if c.err == nil {
		c.err = &RefusedError{Reason: fmt.Sprintf(format, args...)}
	}
}

func (c *checker) walk(v any) {
	if c.err != nil {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			c.walk(e)
		}
	case map[string]any:
		if cm, ok := x["cte_map"].(map[string]any); ok {
			if entries, ok := cm["map"].([]any); ok {
				for _, en := range entries {
					if m, ok := en.(map[string]any); ok {
						if k, ok := m["key"].(string); ok {
							c.ctes[strings.ToLower(k)] = true
						}
					}
				}
			}
		}
		switch x["type"] {
		case "TABLE_FUNCTION":
			c.tableFunction(x)
		case "BASE_TABLE":
			c.baseTable(x)
		}
		if x["class"] == "FUNCTION" {
			if name, ok := x["function_name"].(string); ok {
				if why, denied := deniedFunctions[strings.ToLower(name)]; denied {
					c.refuse("%s is not allowed through the API: %s", name, why)
				}
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic: the first refusal is always the same one
		for _, k := range keys {
			c.walk(x[k])
		}
	}
}

func (c *checker) tableFunction(x map[string]any) {
	fn, _ := x["function"].(map[string]any)
	name, _ := fn["function_name"].(string)
	lname := strings.ToLower(name)
	switch {
	case allowedTableFunctions[lname]:
	case lakeFileFunctions[lname]:
		var paths []string
		if !constantStrings(fn["children"], &paths, true) || len(paths) == 0 {
			c.refuse("%s is allowed through the API only with literal paths of lake files; query the lake's tables instead (panther_logs.<table>)", name)
			return
		}
		for _, p := range paths {
			if !c.inLake(p) {
				c.refuse("%s cannot read %q: queries through the API read only files of the lake; query the lake's tables instead (panther_logs.<table>)", name, p)
				return
			}
		}
	default:
		c.refuse("the table function %s is not allowed: queries through the API read only the lake's tables and views (see the databases and tables the API lists)", name)
	}
}

// constantStrings collects the string constants of a function's positional arguments (a
// string or a list of strings); it reports false when the first argument is not constant.
func constantStrings(v any, out *[]string, first bool) bool {
	children, _ := v.([]any)
	if len(children) == 0 {
		return false
	}
	if first {
		children = children[:1]
	}
	for _, ch := range children {
		m, _ := ch.(map[string]any)
		switch m["class"] {
		case "CONSTANT":
			val, _ := m["value"].(map[string]any)
			s, ok := val["value"].(string)
			if !ok {
				return false
			}
			*out = append(*out, s)
		case "FUNCTION":
			if name, _ := m["function_name"].(string); name != "list_value" {
				return false
			}
			if !constantStrings(m["children"], out, false) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (c *checker) inLake(p string) bool {
	if strings.ContainsAny(p, "*?[{") || !filepath.IsAbs(p) {
		return false
	}
	p = filepath.Clean(p)
	return strings.HasPrefix(p, c.lakeDir+string(filepath.Separator))
}

func (c *checker) baseTable(x map[string]any) {
	catalog, _ := x["catalog_name"].(string)
	schema, _ := x["schema_name"].(string)
	table, _ := x["table_name"].(string)
	if strings.ContainsAny(table, `/\*?`) || hasFileExtension(table) {
		c.refuse("reading files is not allowed through the API (%q): query the lake's tables instead (panther_logs.<table>)", table)
		return
	}
	if catalog == "" && schema == "" && c.ctes[strings.ToLower(table)] {
		return
	}
	var parts []string
	for _, p := range []string{catalog, schema, table} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	c.tables = append(c.tables, strings.Join(parts, "."))
}

func hasFileExtension(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	switch strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(ext, ".gz"), ".zst"), ".bz2") {
	case ".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson", ".txt", ".db", ".duckdb", ".sqlite", ".xlsx", ".arrow", ".log":
		return true
	}
	return ext == ".gz" || ext == ".zst" || ext == ".bz2"
}

// QueryOptions configure an untrusted query.
type QueryOptions struct {
	// Database is where unqualified table names resolve; default panther_logs. Panther's
	// Snowflake-style names ("panther_logs.public") are accepted.
	Database string
}

// ErrNotSandboxed is returned by QueryUntrusted on an engine opened without Sandbox.
var ErrNotSandboxed = errors.New("sql: SQL from the API needs an engine opened with Sandbox")

// QueryUntrusted checks query with the sandbox rules and runs it. It returns a *RefusedError
// for a refused statement and a *QueryError for one DuckDB rejects. Cancel ctx to stop it.
func (e *Engine) QueryUntrusted(ctx context.Context, query string, o QueryOptions) (*Rows, error) {
	if !e.opts.Sandbox {
		return nil, ErrNotSandboxed
	}
	db, err := NormalizeDatabase(o.Database)
	if err != nil {
		return nil, err
	}
	query, err = e.expandMacros(ctx, query)
	if err != nil {
		return nil, err
	}
	tables, err := e.check(ctx, query)
	if err != nil {
		return nil, err
	}
	if err := e.allowNamed(ctx, tables); err != nil {
		return nil, err
	}
	if err := e.Refresh(ctx); err != nil {
		return nil, err
	}
	if err := e.loadNamed(ctx, qualify(tables, db)); err != nil {
		return nil, err
	}
	return e.run(ctx, query, db, nil)
}

// qualify prefixes unqualified table names with the default database.
func qualify(names []string, db string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if !strings.Contains(n, ".") {
			n = db + "." + n
		}
		out[i] = n
	}
	return out
}

// NormalizeDatabase returns the database a request names: one of Databases, given plainly or
// Snowflake-style with a .public suffix, any case; "" is the default database.
func NormalizeDatabase(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimSuffix(n, ".public")
	if n == "" {
		return DefaultDatabase, nil
	}
	for _, d := range Databases {
		if d == n {
			return d, nil
		}
	}
	return "", &RefusedError{Reason: fmt.Sprintf("unknown database %q: the lake's databases are %s", name, strings.Join(Databases, ", "))}
}
