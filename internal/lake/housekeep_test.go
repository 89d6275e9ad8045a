package lake_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Two versions of one log type: v2 adds a column, as a custom schema update does.
const evoV1 = `version: 0
schema: Custom.Evo
fields:
  - {name: t, type: timestamp, timeFormat: rfc3339, isEventTime: true}
  - {name: n, type: bigint}
  - {name: ip, type: string, indicators: [ip]}
`

const evoV2 = evoV1 + `  - {name: extra, type: string}
`

func logType(t *testing.T, src string) *logschema.LogType {
	t.Helper()
	s, err := logschema.Parse("evo.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	lt, err := logtypes.NewRegistry().Add(s, false)
	if err != nil {
		t.Fatal(err)
	}
	return lt.LogType
}

// testLake writes a lake of small files: for each of two hours, several files of events (of
// both schema versions) plus rule matches and quarantined records. It returns the row ids of
// the events.
func testLake(t *testing.T, dir string) map[lake.Kind][]string {
	t.Helper()
	v1, v2 := logType(t, evoV1), logType(t, evoV2)
	ids := make(map[lake.Kind][]string)
	n := 0
	for file := 0; file < 4; file++ {
		w := lake.NewWriter(lake.Options{Dir: dir})
		lt := v1
		if file%2 == 1 {
			lt = v2
		}
		arena := &event.Arena{}
		dec := &decode.Decoder{Arena: arena}
		var evs []*event.Event
		var matches []*lake.Match
		for i := 0; i < 50; i++ {
			hour := 10 + i%2
			rec := fmt.Sprintf(`{"t":"2024-03-01T%02d:%02d:00Z","n":%d,"ip":"10.0.0.%d","extra":"x%d"}`, hour, i%60, n, i%250, n)
			v, err := dec.JSON(lt.Root, []byte(rec))
			if err != nil {
				t.Fatal(err)
			}
			ev := &event.Event{LogType: lt, Root: v, RowID: fmt.Sprintf("r%05d", n), ParseTime: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).UnixNano()}
			ev.EventTime, _ = decode.EventTime(lt, &ev.Root)
			ev.Indicators[0] = append([]string(nil), dec.Indicators.Values(0)...)
			evs = append(evs, ev)
			ids[lake.Logs] = append(ids[lake.Logs], ev.RowID)
			if i%5 == 0 {
				matches = append(matches, &lake.Match{RuleID: "R", Severity: "HIGH", Title: "t", Dedup: "d"})
				ids[lake.RuleMatches] = append(ids[lake.RuleMatches], ev.RowID)
			}
			n++
		}
		if err := w.WriteEvents(lake.Logs, evs, nil); err != nil {
			t.Fatal(err)
		}
		var mevs []*event.Event
		for i := 0; i < len(evs); i += 5 {
			mevs = append(mevs, evs[i])
		}
		if err := w.WriteEvents(lake.RuleMatches, mevs, matches); err != nil {
			t.Fatal(err)
		}
		var qs []lake.Quarantined
		for i := 0; i < 3; i++ {
			id := fmt.Sprintf("q%d-%d", file, i)
			qs = append(qs, lake.Quarantined{Raw: []byte("junk " + id), Size: 9, Time: time.Date(2024, 3, 1, 10, 30, 0, 0, time.UTC).UnixNano(), RowID: id})
			ids[lake.Quarantine] = append(ids[lake.Quarantine], id)
		}
		if err := w.WriteQuarantine(qs); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range ids {
		sort.Strings(v)
	}
	return ids
}

var tablesOf = map[lake.Kind]string{
	lake.Logs:        "panther_logs.custom_evo",
	lake.RuleMatches: "panther_rule_matches.custom_evo",
	lake.Quarantine:  "panther_system.quarantine",
}

// rowIDs returns the sorted p_row_id of a table as eng sees it.
func rowIDs(t *testing.T, eng *sqlengine.Engine, table string) []string {
	t.Helper()
	_, rows, err := eng.QueryAll(context.Background(), "SELECT p_row_id FROM "+table+" ORDER BY 1")
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0].(string)
	}
	return out
}

// checkRows checks that every table holds exactly the rows written (no loss, no duplicate),
// through a long-lived engine and a fresh one, and that the columns of both schema versions
// survive.
func checkRows(t *testing.T, dir string, live *sqlengine.Engine, want map[lake.Kind][]string, when string) {
	t.Helper()
	fresh, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	for _, eng := range []*sqlengine.Engine{live, fresh} {
		for kind, table := range tablesOf {
			if got := rowIDs(t, eng, table); !reflect.DeepEqual(got, want[kind]) {
				t.Fatalf("%s: %s has %d rows, want %d (%d distinct)", when, table, len(got), len(want[kind]), len(dedup(got)))
			}
		}
		_, rows, err := eng.QueryAll(context.Background(), "SELECT count(extra), count(n), count(DISTINCT p_any_ip_addresses) FROM panther_logs.custom_evo")
		if err != nil {
			t.Fatal(err)
		}
		// Half the events have the column of v2; 50 distinct addresses.
		if got := fmt.Sprint(rows[0]); got != "[100 200 50]" {
			t.Fatalf("%s: columns: %v", when, got)
		}
	}
}

func dedup(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	return out
}

func parquetFiles(t *testing.T, dir string) (data, compacted int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".parquet") && !strings.HasPrefix(d.Name(), ".") {
			data++
			if strings.HasPrefix(d.Name(), "compact-") {
				compacted++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return data, compacted
}

func merger(t testing.TB) *sqlengine.Merger {
	t.Helper()
	m, err := sqlengine.NewMerger(sqlengine.MergerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

var errCrash = errors.New("simulated crash")

// TestCompactionCrashes compacts a lake, crashing at each step in turn, and checks after
// the crash, after a recovery run and after the delayed deletes that every query sees each
// row exactly once.
func TestCompactionCrashes(t *testing.T) {
	base := t.TempDir()
	want := testLake(t, base)
	before, _ := parquetFiles(t, base)
	m := merger(t)
	now := time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)
	for _, crashAt := range []lake.Step{"", lake.StepMerged, lake.StepSidecar, lake.StepCommitted, lake.StepDeleted} {
		t.Run("crash at "+string(crashAt), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lake")
			copyDir(t, base, dir)
			live, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			checkRows(t, dir, live, want, "before")
			hook := func(s lake.Step, path string) error {
				if s == crashAt {
					return errCrash
				}
				return nil
			}
			opts := lake.HousekeepingOptions{Dir: dir, Merger: m, Hook: hook}
			h, err := lake.NewHousekeeper(opts)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := h.Run(context.Background(), now)
			if crashAt != "" && crashAt != lake.StepDeleted && !errors.Is(err, errCrash) {
				t.Fatalf("run: %v, want the crash", err)
			}
			if crashAt == "" && (err != nil || rep.Compacted == 0 || rep.FilesReplaced < 2*rep.Compacted) {
				t.Fatalf("run: %+v %v", rep, err)
			}
			checkRows(t, dir, live, want, "after the first run")
			// Recovery: a new process runs again, then once more after the delete delay.
			opts.Hook = nil
			h, _ = lake.NewHousekeeper(opts)
			if _, err := h.Run(context.Background(), now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			checkRows(t, dir, live, want, "after the recovery run")
			opts.Hook = hook
			h, _ = lake.NewHousekeeper(opts)
			_, err = h.Run(context.Background(), now.Add(time.Hour))
			if crashAt == lake.StepDeleted && !errors.Is(err, errCrash) {
				t.Fatalf("delete run: %v, want the crash", err)
			}
			checkRows(t, dir, live, want, "after the delete run")
			opts.Hook = nil
			h, _ = lake.NewHousekeeper(opts)
			if _, err := h.Run(context.Background(), now.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			checkRows(t, dir, live, want, "at the end")
			after, compacted := parquetFiles(t, dir)
			// Logs, rule matches and quarantine: one compacted file per partition, nothing else.
			if compacted == 0 || after != compacted || after >= before {
				t.Errorf("%d files before, %d after (%d compacted)", before, after, compacted)
			}
			// No temporaries or orphan sidecars are left.
			_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				name := d.Name()
				if strings.HasSuffix(name, ".tmp") || (strings.HasSuffix(name, ".replaces") && !exists(strings.TrimSuffix(path, ".replaces"))) {
					t.Errorf("left behind: %s", path)
				}
				return nil
			})
		})
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestOpenHoursAreNotCompacted(t *testing.T) {
	dir := t.TempDir()
	testLake(t, dir)
	before, _ := parquetFiles(t, dir)
	h, err := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: dir, Merger: merger(t), Grace: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// 11:00-12:00 ends at 12:00; with 30 minutes of grace it is still open at 12:20, while
	// 10:00-11:00 is closed.
	rep, err := h.Run(context.Background(), time.Date(2024, 3, 1, 12, 20, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Compacted != 3 { // logs, rule matches and quarantine of hour 10
		t.Errorf("compacted %d files, want 3: %+v", rep.Compacted, rep)
	}
	after, compacted := parquetFiles(t, dir)
	if compacted != 3 || after != before+3 {
		t.Errorf("%d files before, %d after, %d compacted", before, after, compacted)
	}
}

func TestRetention(t *testing.T) {
	for _, crashAt := range []lake.Step{"", lake.StepExpired, lake.StepDeleted} {
		t.Run("crash at "+string(crashAt), func(t *testing.T) {
			dir := t.TempDir()
			want := testLake(t, dir)
			live, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: dir, Threads: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer live.Close()
			hook := func(s lake.Step, path string) error {
				if s == crashAt {
					return errCrash
				}
				return nil
			}
			opts := lake.HousekeepingOptions{Dir: dir, Retention: map[lake.Kind]time.Duration{lake.Logs: 48 * time.Hour}, Hook: hook, DeleteDelay: 15 * time.Minute}
			h, err := lake.NewHousekeeper(opts)
			if err != nil {
				t.Fatal(err)
			}
			// At 2024-03-03 10:30 the 10:00 hour of March 1 is more than 48 hours old, 11:00 not.
			now := time.Date(2024, 3, 3, 11, 30, 0, 0, time.UTC)
			if _, err := h.Run(context.Background(), now); crashAt == lake.StepExpired && !errors.Is(err, errCrash) {
				t.Fatalf("run: %v", err)
			}
			got := rowIDs(t, live, "panther_logs.custom_evo")
			switch {
			case crashAt == lake.StepExpired && len(got) != 100:
				// The crash came right after the first marker: that hour is gone, atomically.
				t.Fatalf("after a crash at the first expiry: %d rows", len(got))
			case crashAt != lake.StepExpired && len(got) != 100:
				t.Fatalf("after expiry: %d rows, want the 100 of hour 11", len(got))
			}
			if q := rowIDs(t, live, "panther_system.quarantine"); !reflect.DeepEqual(q, want[lake.Quarantine]) {
				t.Fatalf("quarantine has no retention, but has %d rows", len(q))
			}
			opts.Hook = nil
			h, _ = lake.NewHousekeeper(opts)
			if _, err := h.Run(context.Background(), now.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			opts.Hook = hook
			h, _ = lake.NewHousekeeper(opts)
			// Past the delete delay (15 minutes), before hour 11 expires at 12:00.
			if _, err := h.Run(context.Background(), now.Add(20*time.Minute)); crashAt == lake.StepDeleted && !errors.Is(err, errCrash) {
				t.Fatalf("delete run: %v", err)
			}
			if n := len(rowIDs(t, live, "panther_logs.custom_evo")); n != 100 {
				t.Fatalf("during deletion: %d rows", n)
			}
			opts.Hook = nil
			h, _ = lake.NewHousekeeper(opts)
			if _, err := h.Run(context.Background(), now.Add(25*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n := len(rowIDs(t, live, "panther_logs.custom_evo")); n != 100 {
				t.Fatalf("at the end: %d rows", n)
			}
			gone := lake.PartitionDir(dir, lake.Logs, "custom_evo", time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC))
			if exists(gone) {
				t.Errorf("the expired partition %s is still there", gone)
			}
			if !exists(lake.PartitionDir(dir, lake.Logs, "custom_evo", time.Date(2024, 3, 1, 11, 0, 0, 0, time.UTC))) {
				t.Error("the live partition was removed")
			}
		})
	}
}

func TestHousekeepingLock(t *testing.T) {
	dir := t.TempDir()
	testLake(t, dir)
	var inner lake.Report
	var innerErr error
	h1, _ := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: dir, Merger: merger(t), Hook: func(s lake.Step, _ string) error {
		if s == lake.StepCommitted && !inner.Skipped {
			h2, _ := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: dir, Merger: merger(t)})
			inner, innerErr = h2.Run(context.Background(), time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC))
		}
		return nil
	}})
	if _, err := h1.Run(context.Background(), time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if !inner.Skipped || innerErr != nil {
		t.Errorf("a second housekeeper ran while the first held the lock: %+v %v", inner, innerErr)
	}
}

func TestHousekeepingOptions(t *testing.T) {
	for _, o := range []lake.HousekeepingOptions{
		{},
		{Dir: "x", Grace: -time.Second},
		{Dir: "x", Retention: map[lake.Kind]time.Duration{lake.Logs: time.Minute}},
	} {
		if _, err := lake.NewHousekeeper(o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHousekeepReports(t *testing.T) {
	dir := t.TempDir()
	testLake(t, dir)
	var reps []lake.Report
	h, err := lake.NewHousekeeper(lake.HousekeepingOptions{Dir: dir, Merger: merger(t), OnReport: func(r lake.Report) { reps = append(reps, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Housekeep(context.Background(), time.Date(2024, 3, 1, 13, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	// Logs and rule matches of hours 10 and 11, quarantine of hour 10.
	if len(reps) != 1 || reps[0].Compacted != 5 || reps[0].RowsCompacted != 200+40+12 {
		t.Errorf("reports %+v", reps)
	}
}
