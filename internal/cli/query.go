package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pantherlabs/panther/internal/auth/auditsql"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

func runQuery(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "query", "query [--data-dir D] [--format table|json|csv] SQL").withDataDir()
	format := f.String("format", "table", "output format: table, json (one object per line) or csv")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fmt.Fprintln(env.Stderr, "panther query: no SQL given")
		f.Usage()
		return ExitUsage
	}
	switch *format {
	case "table", "json", "csv":
	default:
		fmt.Fprintf(env.Stderr, "panther query: unknown --format %q (expected table, json or csv)\n", *format)
		return ExitUsage
	}
	query := strings.Join(pos, " ")
	eng, err := openEngine(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "query: %v", err)
	}
	defer eng.Close()
	if err := writeQuery(ctx, eng, query, *format, env.Stdout); err != nil {
		var qe *sqlengine.QueryError
		if errors.As(err, &qe) {
			fmt.Fprintf(env.Stderr, "panther: query: SQL error:\n%s\n", qe.Msg)
			return ExitError
		}
		return errorf(env, "query: %v", err)
	}
	return ExitOK
}

func openEngine(ctx context.Context, dataDir string) (*sqlengine.Engine, error) {
	reg, err := registry(dataDir)
	if err != nil {
		return nil, err
	}
	return sqlengine.Open(ctx, sqlengine.Options{LakeDir: filepath.Join(dataDir, "lake"), Types: reg,
		SystemTables: []sqlengine.SystemTable{auditsql.Table(dataDirAudit(dataDir))}})
}

// writeQuery runs query and writes its result in format.
func writeQuery(ctx context.Context, eng *sqlengine.Engine, query, format string, w io.Writer) error {
	rows, err := eng.Query(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(rows.Columns))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	encs := sqlengine.Encoders(rows.Types)
	next := func() (bool, error) {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return false, &sqlengine.QueryError{Msg: err.Error()}
			}
			return false, nil
		}
		return true, rows.Scan(ptrs...)
	}
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for {
			ok, err := next()
			if err != nil || !ok {
				return err
			}
			obj := make(sqlengine.Object, len(vals))
			for i, v := range vals {
				obj[i] = sqlengine.Field{Key: rows.Columns[i], Value: encs[i](v)}
			}
			if err := enc.Encode(obj); err != nil {
				return err
			}
		}
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(rows.Columns); err != nil {
			return err
		}
		rec := make([]string, len(vals))
		for {
			ok, err := next()
			if err != nil {
				return err
			}
			if !ok {
				cw.Flush()
				return cw.Error()
			}
			for i, v := range vals {
				rec[i] = text(v, rows.Types[i], encs[i])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	// Table: buffer to align columns; wide cells are cut at maxCell runes.
	var table [][]string
	for {
		ok, err := next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		rec := make([]string, len(vals))
		for i, v := range vals {
			rec[i] = cut(strings.ReplaceAll(text(v, rows.Types[i], encs[i]), "\n", `\n`), maxCell)
		}
		table = append(table, rec)
	}
	writeTable(w, rows.Columns, table)
	return nil
}

const maxCell = 80

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func writeTable(w io.Writer, cols []string, rows [][]string) {
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = utf8.RuneCountInString(c)
	}
	for _, r := range rows {
		for i, c := range r {
			if n := utf8.RuneCountInString(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(cols)
	sep := make([]string, len(cols))
	for i := range cols {
		sep[i] = strings.Repeat("-", widths[i])
	}
	fmt.Fprintln(w, strings.Join(sep, "-+-"))
	for _, r := range rows {
		line(r)
	}
	fmt.Fprintf(w, "(%d rows)\n", len(rows))
}

// text renders a value of a column of type typ for table and CSV output: scalars plainly,
// nested values as JSON.
func text(v any, typ string, enc sqlengine.Encoder) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		if strings.HasPrefix(typ, "TIMESTAMP") {
			return x.UTC().Format("2006-01-02 15:04:05.999999Z07:00")
		}
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	}
	ev := enc(v)
	switch x := ev.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	}
	b, err := sqlengine.MarshalJSON(ev)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
