package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// lakeCompact is `panther lake compact`: one housekeeping pass of compaction, as
// `panther server` runs on its own.
func lakeCompact(ctx context.Context, env *Env, args []string) int {
	return lakeHousekeep(ctx, env, "compact", args)
}

// lakeExpire is `panther lake expire`: one pass of retention.
func lakeExpire(ctx context.Context, env *Env, args []string) int {
	return lakeHousekeep(ctx, env, "expire", args)
}

type tableStatus struct {
	Kind       lake.Kind `json:"kind"`
	Table      string    `json:"table,omitempty"`
	Partitions int       `json:"partitions"`
	Files      int       `json:"files"`
	Compacted  int       `json:"compacted"`
	Bytes      int64     `json:"bytes"`
	Oldest     time.Time `json:"oldest"`
	Newest     time.Time `json:"newest"`
}

func lakeStatus(env *Env, args []string) int {
	f := newFlags(env, "lake status", "lake status [--data-dir D] [--format table|json]").withDataDir()
	format := f.String("format", "table", "table or json")
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	l := lake.NewLister(filepath.Join(f.DataDir(), "lake"))
	var out []tableStatus
	for _, kind := range lake.Kinds {
		tables := []string{""}
		if kind != lake.Quarantine {
			var err error
			if tables, err = l.Tables(kind); err != nil {
				return errorf(env, "lake status: %v", err)
			}
		}
		for _, t := range tables {
			parts, err := l.Partitions(kind, t)
			if err != nil {
				return errorf(env, "lake status: %v", err)
			}
			if len(parts) == 0 {
				continue
			}
			st := tableStatus{Kind: kind, Table: t, Partitions: len(parts), Oldest: parts[0].Hour, Newest: parts[len(parts)-1].Hour}
			for _, p := range parts {
				for _, file := range p.Files {
					st.Files++
					st.Bytes += file.Size
					if strings.HasPrefix(filepath.Base(file.Path), "compact-") {
						st.Compacted++
					}
				}
			}
			out = append(out, st)
		}
	}
	if *format == "json" {
		if out == nil {
			out = []tableStatus{}
		}
		return printJSON(env, "lake status", out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tTABLE\tPARTITIONS\tFILES\tCOMPACTED\tBYTES\tOLDEST HOUR\tNEWEST HOUR")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Kind, s.Table, s.Partitions, s.Files, s.Compacted, s.Bytes,
			s.Oldest.Format("2006-01-02 15h"), s.Newest.Format("2006-01-02 15h"))
	}
	tw.Flush()
	return ExitOK
}

func lakeHousekeep(ctx context.Context, env *Env, sub string, args []string) int {
	usage := "lake compact [--data-dir D] [--grace 10m] [--target-size 256MiB] [--delete-delay 30m] [--format table|json]"
	if sub == "expire" {
		usage = "lake expire [--data-dir D] --older-than 90d [--kind logs|rule_matches|rule_errors|cloudsecurity|quarantine]... [--delete-delay 30m] [--format table|json]"
	}
	f := newFlags(env, "lake "+sub, usage).withDataDir()
	format := f.String("format", "table", "table or json")
	deleteDelay := f.Duration("delete-delay", 30*time.Minute, "how long replaced or expired files stay for queries that may read them; 0 deletes them at once (no query may be running)")
	grace, target, olderThan := new(time.Duration), new(string), new(string)
	var kinds listFlag
	if sub == "compact" {
		grace = f.Duration("grace", 10*time.Minute, "leave an hour alone for this long after it ends, for late events")
		target = f.String("target-size", "256MiB", "the size compacted files aim for (bytes, or with KiB, MiB, GiB)")
	} else {
		olderThan = f.String("older-than", "", "delete the partitions whose hour ended longer ago than this (90d, 36h)")
		f.Var(&kinds, "kind", "the kinds of data to expire (default all)")
	}
	if _, code, ok := f.parse(args); !ok {
		return code
	}
	dir := filepath.Join(f.DataDir(), "lake")
	o := lake.HousekeepingOptions{Dir: dir, Grace: *grace, DeleteDelay: *deleteDelay}
	if *deleteDelay <= 0 {
		o.DeleteDelay = time.Nanosecond
	}
	if sub == "compact" {
		n, err := parseSize(*target)
		if err != nil {
			return errorf(env, "lake compact: --target-size: %v", err)
		}
		o.TargetFileBytes = n
		m, err := sqlengine.NewMerger(sqlengine.MergerOptions{TempDir: filepath.Join(f.DataDir(), "tmp", "duckdb")})
		if err != nil {
			return errorf(env, "lake compact: %v", err)
		}
		defer m.Close()
		o.Merger = m
	} else {
		age, err := parseAge(*olderThan)
		if err != nil {
			return errorf(env, "lake expire: --older-than: %v", err)
		}
		if len(kinds) == 0 {
			for _, k := range lake.Kinds {
				kinds = append(kinds, string(k))
			}
		}
		o.Retention = map[lake.Kind]time.Duration{}
		for _, k := range kinds {
			known := false
			for _, kk := range lake.Kinds {
				known = known || string(kk) == k
			}
			if !known {
				return errorf(env, "lake expire: unknown --kind %q (expected logs, rule_matches, rule_errors, cloudsecurity or quarantine)", k)
			}
			o.Retention[lake.Kind(k)] = age
		}
	}
	h, err := lake.NewHousekeeper(o)
	if err != nil {
		return errorf(env, "lake %s: %v", sub, err)
	}
	now := time.Now()
	rep, err := h.Run(ctx, now)
	if err == nil && *deleteDelay <= 0 && !rep.Skipped {
		// A second pass deletes at once what the first replaced or expired.
		var again lake.Report
		again, err = h.Run(ctx, now.Add(time.Millisecond))
		rep.Deleted += again.Deleted
	}
	if err != nil {
		return errorf(env, "lake %s: %v", sub, err)
	}
	if *format == "json" {
		return printJSON(env, "lake "+sub, rep)
	}
	switch {
	case rep.Skipped:
		fmt.Fprintln(env.Stdout, "another process is doing the lake's housekeeping; nothing done")
	case sub == "compact":
		fmt.Fprintf(env.Stdout, "compacted %d files (%d rows, %d bytes) into %d (%d bytes); deleted %d files\n",
			rep.FilesReplaced, rep.RowsCompacted, rep.BytesIn, rep.Compacted, rep.BytesOut, rep.Deleted)
	default:
		fmt.Fprintf(env.Stdout, "expired %d partitions; deleted %d files\n", rep.Expired, rep.Deleted)
	}
	return ExitOK
}

// parseAge reads a duration that may be given in days ("90d").
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("required")
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("expected a number of days such as 90d, got %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	age, err := time.ParseDuration(s)
	if err != nil || age <= 0 {
		return 0, fmt.Errorf("expected a duration such as 90d or 36h, got %q", s)
	}
	return age, nil
}

// parseSize reads a byte size: 1000, 64KiB, 256MiB, 1GiB (also KB, MB, GB as the same powers
// of two).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("expected a size such as 256MiB, got %q", s)
	}
	return n * mult, nil
}
