package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/sqlengine"
)

// quarantineSummarySQL groups panther_system.quarantine by (source, closest type, reason).
// The closest type is the first of the reasons (the type that got furthest into the record);
// the reason is its message with the parts that differ between records made uniform: the
// quoted values of the record (after got, found, value, parsing) become "…" and numbers N.
const quarantineSummarySQL = `SELECT source, closest_type, reason, count(*) AS records,
  min(quarantine_time) AS first_seen, max(quarantine_time) AS last_seen,
  arg_min(example, quarantine_time) AS example, arg_min(file || ':' || line, quarantine_time) AS example_at
FROM (
  SELECT coalesce(nullif(source_label, ''), nullif(source_id, ''), '-') AS source,
    coalesce(nullif(reasons[1].log_type, ''), '-') AS closest_type,
    regexp_replace(regexp_replace(coalesce(reasons[1].error, reason), '\b(got|found|value|parsing) "(?:[^"\\]|\\.)*"(\.\.\.)?', '\1 "…"', 'g'), '\b\d+\b', 'N', 'g') AS reason,
    CASE WHEN length(raw) > %d THEN left(raw, %d) || '…' ELSE raw END AS example,
    quarantine_time, file, line
  FROM panther_system.quarantine
  WHERE %s
)
GROUP BY source, closest_type, reason
ORDER BY records DESC, source, closest_type, reason
LIMIT %d`

// exampleChars bounds the example record shown per group.
const exampleChars = 200

func runQuarantineSummary(ctx context.Context, env *Env, args []string) int {
	f := newFlags(env, "quarantine summary", "quarantine summary [--data-dir D] [--since DURATION|TIME] [--source LABEL] [--limit N] [--format table|json|csv]").withDataDir()
	since := f.String("since", "", "only records quarantined since then: a duration back from now (24h, 7d) or a time (2024-06-10, 2024-06-10T14:00:00Z)")
	source := f.String("source", "", "only records of the source with this label (or id)")
	limit := f.Int("limit", 50, "at most this many groups, the largest first")
	format := f.String("format", "table", "output format: table, json (one object per line) or csv")
	pos, code, ok := f.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(env.Stderr, "panther quarantine summary: unexpected argument %q\n", pos[0])
		f.Usage()
		return ExitUsage
	}
	switch *format {
	case "table", "json", "csv":
	default:
		fmt.Fprintf(env.Stderr, "panther quarantine summary: unknown --format %q (expected table, json or csv)\n", *format)
		return ExitUsage
	}
	if *limit < 1 {
		fmt.Fprintf(env.Stderr, "panther quarantine summary: --limit must be at least 1, got %d\n", *limit)
		return ExitUsage
	}
	where := []string{"true"}
	if *since != "" {
		t, err := parseSince(*since, time.Now())
		if err != nil {
			fmt.Fprintf(env.Stderr, "panther quarantine summary: --since: %v\n", err)
			return ExitUsage
		}
		where = append(where, fmt.Sprintf("quarantine_time >= TIMESTAMPTZ '%s'", t.UTC().Format("2006-01-02 15:04:05.999999Z07:00")))
	}
	if *source != "" {
		q := "'" + strings.ReplaceAll(*source, "'", "''") + "'"
		where = append(where, fmt.Sprintf("(source_label = %s OR source_id = %s)", q, q))
	}
	query := fmt.Sprintf(quarantineSummarySQL, exampleChars, exampleChars, strings.Join(where, " AND "), *limit)
	eng, err := openEngine(ctx, f.DataDir())
	if err != nil {
		return errorf(env, "quarantine summary: %v", err)
	}
	defer eng.Close()
	if err := writeQuery(ctx, eng, query, *format, env.Stdout); err != nil {
		var qe *sqlengine.QueryError
		if errors.As(err, &qe) {
			return errorf(env, "quarantine summary: %s", qe.Msg)
		}
		return errorf(env, "quarantine summary: %v", err)
	}
	return ExitOK
}

// parseSince reads a duration back from now (Go durations plus days, "7d") or a time (a
// date, or RFC 3339).
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && fmt.Sprint(n) == days && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("expected a duration (24h, 7d) or a time (2024-06-10, 2024-06-10T14:00:00Z), got %q", s)
}
