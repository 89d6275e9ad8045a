package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

const goldenRoot = "../logtypes/testdata/golden"

// TestEveryTypeThroughTheLake ingests the valid golden samples of every managed log type with
// `panther ingest` and reads them back with SQL: every event is in its table, nothing is
// quarantined, and every value read from Parquet equals the value in the golden file.
func TestEveryTypeThroughTheLake(t *testing.T) {
	entries, err := os.ReadDir(goldenRoot)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	// The golden files infer syslog years from this day.
	defer func(now func() time.Time) { logtypes.Now = now }(logtypes.Now)
	logtypes.Now = func() time.Time { return time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC) }
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			lt := reg.Get(name)
			if lt == nil {
				t.Fatalf("no managed type %s", name)
			}
			dir := filepath.Join(goldenRoot, name)
			files, _ := os.ReadDir(dir)
			var samples []string
			var want []map[string]any
			for _, f := range files {
				if f.IsDir() || strings.HasSuffix(f.Name(), ".golden") || f.Name() == "README.md" || strings.Contains(f.Name(), "invalid") {
					continue
				}
				samples = append(samples, filepath.Join(dir, f.Name()))
				want = append(want, goldenEvents(t, filepath.Join(dir, f.Name()+".golden"))...)
			}
			if len(samples) == 0 {
				t.Skip("no valid samples")
			}
			data := t.TempDir()
			args := append([]string{"ingest", "--data-dir", data, "--no-detections", "--log-type", name}, samples...)
			mustRun(t, "", args...)
			eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: filepath.Join(data, "lake"), Types: reg})
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			if _, rows, err := eng.QueryAll(context.Background(), "SELECT count(*) FROM panther_system.quarantine"); err != nil || rows[0][0].(int64) != 0 {
				t.Errorf("quarantined: %v %v", rows, err)
			}
			cols, rows, err := eng.QueryAll(context.Background(), fmt.Sprintf("SELECT * EXCLUDE (year, month, day, hour, p_row_id) FROM panther_logs.%s", lt.Table))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(want) {
				t.Fatalf("%d rows in panther_logs.%s, %d events in the golden files", len(rows), lt.Table, len(want))
			}
			got := make([]string, len(rows))
			for i, r := range rows {
				m := map[string]any{}
				for j, c := range cols {
					if v := lakeValue(r[j], typeOf(lt.LogType, c)); v != nil {
						m[c] = v
					}
				}
				got[i] = canonical(t, m)
			}
			// The lake keeps microseconds; an event without a time of its own gets the parse
			// time as its event time, which differs between the runs.
			wantS := make([]string, len(want))
			for i, w := range want {
				if w["p_event_time"] == w["p_parse_time"] {
					// No time of its own; or, for types whose time comes from the clock the
					// test fixes (syslog-style years), a time that happens to equal it.
					delete(w, "p_event_time")
				}
				delete(w, "p_parse_time")
				wantS[i] = micros(canonical(t, w))
			}
			for i := range got {
				var m map[string]any
				json.Unmarshal([]byte(got[i]), &m)
				if m["p_event_time"] == m["p_parse_time"] || m["p_event_time"] == "2025-01-02 03:04:05.000000000" {
					delete(m, "p_event_time")
				}
				delete(m, "p_parse_time")
				got[i] = canonical(t, m)
			}
			sort.Strings(got)
			sort.Strings(wantS)
			for i := range got {
				if got[i] != wantS[i] {
					t.Errorf("row %d differs:\nlake:   %s\ngolden: %s", i, got[i], wantS[i])
					break
				}
			}
		})
	}
}

var nanosRE = regexp.MustCompile(`("\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6})\d{3}"`)

// micros truncates the Panther-format timestamps of a JSON text to microseconds.
func micros(s string) string { return nanosRE.ReplaceAllString(s, `${1}000"`) }

func goldenEvents(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "QUARANTINE") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// typeOf returns the schema type of a top-level column, nil for p_ columns.
func typeOf(lt *logschema.LogType, col string) *logschema.Type {
	for _, f := range lt.Root.Fields {
		if f.Column == col {
			return f.Type
		}
	}
	return nil
}

// lakeValue converts a value read from DuckDB to the JSON value rules see, nil when absent.
func lakeValue(v any, t *logschema.Type) any {
	if t != nil && t.Kind == logschema.KindJSON {
		return v // the driver decodes JSON columns itself
	}
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.000000000")
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			var ft *logschema.Type
			if t != nil {
				for _, f := range t.Fields {
					if f.Column == k {
						ft = f.Type
					}
				}
			}
			if c := lakeValue(e, ft); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return map[string]any{}
		}
		return out
	case []any:
		out := make([]any, len(x))
		var et *logschema.Type
		if t != nil {
			et = t.Elem
		}
		for i, e := range x {
			out[i] = lakeValue(e, et)
		}
		return out
	}
	return v
}

func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	x = dropEmptyObjects(x)
	out, _ := json.Marshal(x)
	return string(out)
}

// dropEmptyObjects removes empty objects: an object whose fields are all absent is written to
// Parquet as a struct of nulls, which reads back as {}.
func dropEmptyObjects(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			c := dropEmptyObjects(e)
			if m, ok := c.(map[string]any); ok && len(m) == 0 {
				delete(x, k)
				continue
			}
			x[k] = c
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = dropEmptyObjects(e)
		}
	}
	return v
}
