package sqlengine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Panther's time macros, which Panther's own SQL (and mcp-panther's advice) uses to filter on
// p_event_time:
//
//	p_occurs_since(offset [, alias [, column]])        column >= now() - offset
//	p_occurs_between(start, end [, alias [, column]])  start <= column <= end
//	p_occurs_around(time, offset [, alias [, column]]) time - offset <= column <= time + offset
//	p_occurs_after(time [, alias [, column]])          column > time
//	p_occurs_before(time [, alias [, column]])         column < time
//
// An offset is a number of seconds or a string such as '30 s', '15 m', '6 h', '2 d', '1 w',
// '2 weeks', '1 day'; a time is a timestamp string; the column defaults to p_event_time.
// DuckDB has no such functions: the engine expands each call in the SQL text before it runs
// the statement, using the positions DuckDB's parser reports.

var macroArity = map[string]int{ // the number of leading time arguments
	"p_occurs_since": 1, "p_occurs_between": 2, "p_occurs_around": 2, "p_occurs_after": 1, "p_occurs_before": 1,
}

// hasMacro reports whether query may call a time macro: a cheap test before parsing.
func hasMacro(query string) bool { return strings.Contains(strings.ToLower(query), "p_occurs_") }

// expandMacros returns query with its time macro calls expanded; it parses the statement
// with DuckDB only when the text mentions a macro.
func (e *Engine) expandMacros(ctx context.Context, query string) (string, error) {
	if !hasMacro(query) {
		return query, nil
	}
	var out string
	if err := e.db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql($1::VARCHAR) AS VARCHAR)", query).Scan(&out); err != nil {
		return "", queryError(ctx, err)
	}
	var tree struct {
		Error      bool  `json:"error"`
		Statements []any `json:"statements"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return "", fmt.Errorf("sql: reading the parse tree: %w", err)
	}
	if tree.Error {
		return query, nil // not a SELECT, or a syntax error: reported where it is run or checked
	}
	var calls []map[string]any
	var find func(v any)
	find = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				find(e)
			}
		case map[string]any:
			if x["class"] == "FUNCTION" {
				if name, _ := x["function_name"].(string); macroArity[strings.ToLower(name)] > 0 {
					calls = append(calls, x)
					return // a macro's arguments are constants: nothing nested to expand
				}
			}
			for _, e := range x {
				find(e)
			}
		}
	}
	find(tree.Statements)
	if len(calls) == 0 {
		return query, nil
	}
	type edit struct {
		start, end int
		text       string
	}
	var edits []edit
	for _, c := range calls {
		name := strings.ToLower(c["function_name"].(string))
		loc, ok := c["query_location"].(float64)
		start := int(loc)
		if !ok || start < 0 || start+len(name) > len(query) || !strings.EqualFold(query[start:start+len(name)], name) {
			return "", &RefusedError{Reason: fmt.Sprintf("%s: could not find the call in the query text; write the condition on p_event_time instead", name)}
		}
		end, ok := closingParen(query, start+len(name))
		if !ok {
			return "", &RefusedError{Reason: fmt.Sprintf("%s: unbalanced parentheses", name)}
		}
		text, err := expandMacro(name, c["children"])
		if err != nil {
			return "", err
		}
		edits = append(edits, edit{start, end, text})
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start > edits[j].start })
	for _, ed := range edits {
		query = query[:ed.start] + ed.text + query[ed.end:]
	}
	return query, nil
}

// closingParen returns the index after the parenthesis that closes the one at or after i
// (skipping white space), honouring quotes.
func closingParen(q string, i int) (int, bool) {
	for i < len(q) && unicode.IsSpace(rune(q[i])) {
		i++
	}
	if i >= len(q) || q[i] != '(' {
		return 0, false
	}
	depth := 0
	for ; i < len(q); i++ {
		switch c := q[i]; c {
		case '\'', '"':
			i = closingQuote(q, i)
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return 0, false
}

// expandMacro returns the condition a macro call stands for.
func expandMacro(name string, children any) (string, error) {
	args, _ := children.([]any)
	n := macroArity[name]
	if len(args) < n || len(args) > n+2 {
		return "", &RefusedError{Reason: fmt.Sprintf("%s takes %d time argument(s), then optionally a table alias and a column", name, n)}
	}
	column := ident("p_event_time")
	if len(args) == n+2 {
		c, err := macroName(name, args[n+1])
		if err != nil {
			return "", err
		}
		column = ident(c)
	}
	if len(args) >= n+1 {
		a, err := macroName(name, args[n])
		if err != nil {
			return "", err
		}
		if a != "" {
			column = ident(a) + "." + column
		}
	}
	switch name {
	case "p_occurs_since":
		secs, err := macroOffset(name, args[0])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s >= now() - to_seconds(%d))", column, secs), nil
	case "p_occurs_between":
		a, err := macroTime(name, args[0])
		if err != nil {
			return "", err
		}
		b, err := macroTime(name, args[1])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s >= %s AND %s <= %s)", column, a, column, b), nil
	case "p_occurs_around":
		t, err := macroTime(name, args[0])
		if err != nil {
			return "", err
		}
		secs, err := macroOffset(name, args[1])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s >= %s - to_seconds(%d) AND %s <= %s + to_seconds(%d))", column, t, secs, column, t, secs), nil
	case "p_occurs_after", "p_occurs_before":
		t, err := macroTime(name, args[0])
		if err != nil {
			return "", err
		}
		op := ">"
		if name == "p_occurs_before" {
			op = "<"
		}
		return fmt.Sprintf("(%s %s %s)", column, op, t), nil
	}
	return "", fmt.Errorf("sql: unknown macro %s", name)
}

// constant returns the value of a constant argument.
func constant(arg any) (any, bool) {
	m, _ := arg.(map[string]any)
	if m["class"] != "CONSTANT" {
		return nil, false
	}
	v, _ := m["value"].(map[string]any)
	if isNull, _ := v["is_null"].(bool); isNull {
		return nil, false
	}
	return v["value"], true
}

// macroName reads an alias or column argument: a bare name or a string.
func macroName(macro string, arg any) (string, error) {
	m, _ := arg.(map[string]any)
	if m["class"] == "COLUMN_REF" {
		if names, _ := m["column_names"].([]any); len(names) == 1 {
			if s, ok := names[0].(string); ok {
				return s, nil
			}
		}
	}
	if v, ok := constant(arg); ok {
		if s, ok := v.(string); ok {
			return s, nil
		}
	}
	return "", &RefusedError{Reason: fmt.Sprintf("%s: the table alias and the column must be names", macro)}
}

// macroOffset reads an offset: seconds, or a string "N unit".
func macroOffset(macro string, arg any) (int64, error) {
	v, ok := constant(arg)
	if !ok {
		return 0, &RefusedError{Reason: fmt.Sprintf("%s: the offset must be a constant such as '6 h' or 3600", macro)}
	}
	switch x := v.(type) {
	case float64:
		if x < 0 || x > math.MaxInt32*100 {
			break
		}
		return int64(x), nil
	case string:
		if d, ok := parseOffset(x); ok {
			return d, nil
		}
		// Integers come as strings for some types.
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, &RefusedError{Reason: fmt.Sprintf("%s: %v is not an offset; write seconds (3600) or a count and a unit ('30 s', '15 m', '6 h', '2 d', '1 w')", macro, v)}
}

var offsetUnits = map[string]int64{
	"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
	"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
	"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
	"d": 86400, "day": 86400, "days": 86400,
	"w": 604800, "week": 604800, "weeks": 604800,
}

func parseOffset(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if i <= 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	unit, ok := offsetUnits[strings.TrimSpace(s[i:])]
	if err != nil || !ok || n > math.MaxInt64/unit {
		return 0, false
	}
	return n * unit, true
}

// macroTime reads a time argument and returns it as a SQL timestamp literal.
func macroTime(macro string, arg any) (string, error) {
	v, ok := constant(arg)
	s, isString := v.(string)
	if !ok || !isString {
		return "", &RefusedError{Reason: fmt.Sprintf("%s: times must be strings such as '2024-03-20T00:00:00Z'", macro)}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return "TIMESTAMPTZ " + quoteString(t.UTC().Format("2006-01-02 15:04:05.999999Z07:00")), nil
		}
	}
	return "", &RefusedError{Reason: fmt.Sprintf("%s: %q is not a time; write it as 2024-03-20T00:00:00Z or 2024-03-20", macro, s)}
}
