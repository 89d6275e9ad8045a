package logtypes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/ingest"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/logtypes"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenNow is the parse time of golden runs.
var goldenNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func init() {
	logtypes.Now = func() time.Time { return goldenNow }
}

// Golden samples live in testdata/golden/<LogType>/. Every file there that does not end in
// .golden and is not README.md (where each sample's sources are recorded) is a sample; <sample>.golden holds one line per record: the event as rules see it
// (without p_row_id), or "QUARANTINE line N: reason". Samples whose name contains "invalid"
// may quarantine lines; all others must parse completely.
func goldenDirs(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("testdata", "golden"))
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string)
	for _, e := range entries {
		if e.IsDir() {
			out[e.Name()] = filepath.Join("testdata", "golden", e.Name())
		}
	}
	return out
}

func samples(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".golden") && e.Name() != "README.md" {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// run parses one file with types and returns its output lines ordered by input line, and the
// log type of each event.
func run(t *testing.T, types []*logtypes.LogType, path string) (lines []string, got []string, quarantined int) {
	t.Helper()
	type item struct {
		line int64
		text string
		typ  string
	}
	var (
		mu    sync.Mutex
		items []item
	)
	sink := ingest.SinkFunc(func(b *ingest.Batch) error {
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range b.Events {
			items = append(items, item{ev.Line, canonical(t, event.AppendJSON(nil, ev)), ev.LogType.Name})
		}
		for _, q := range b.Quarantine {
			items = append(items, item{q.Line, fmt.Sprintf("QUARANTINE line %d: %s", q.Line, lake.Summary(q.Reasons)), ""})
		}
		return nil
	})
	p, err := ingest.New(ingest.Options{Types: types, Sinks: []ingest.Sink{sink}, Workers: 1,
		Now: func() time.Time { return goldenNow }})
	if err != nil {
		t.Fatal(err)
	}
	stats, err := p.Run(context.Background(), []string{path})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.FileErrors) > 0 {
		t.Fatalf("%s: %v", path, stats.FileErrors)
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].line < items[j].line })
	for _, it := range items {
		lines = append(lines, it.text)
		if it.typ == "" {
			quarantined++
		} else {
			got = append(got, it.typ)
		}
	}
	return lines, got, quarantined
}

// canonical drops p_row_id, which differs on every run.
func canonical(t *testing.T, js []byte) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatalf("event JSON is invalid: %v\n%s", err, js)
	}
	delete(m, "p_row_id")
	out, err := json.Marshal(m) // sorted keys: stable
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestGolden parses every sample with only its own log type enabled and compares the events
// with the golden files.
func TestGolden(t *testing.T) {
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	for name, dir := range goldenDirs(t) {
		t.Run(name, func(t *testing.T) {
			lt := reg.Get(name)
			if lt == nil {
				t.Fatalf("testdata/golden/%s: no managed log type %s", name, name)
			}
			files := samples(t, dir)
			if len(files) == 0 {
				t.Fatalf("%s: no samples", dir)
			}
			for _, path := range files {
				lines, _, quarantined := run(t, []*logtypes.LogType{lt}, path)
				if quarantined > 0 && !strings.Contains(filepath.Base(path), "invalid") {
					t.Errorf("%s: %d lines quarantined:\n%s", path, quarantined, grep(lines, "QUARANTINE"))
				}
				got := strings.Join(lines, "\n") + "\n"
				golden := path + ".golden"
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(want, []byte(got)) {
					t.Errorf("%s: output differs from %s (run with -update after checking):\n%s", path, golden, diff(string(want), got))
				}
			}
		})
	}
}

func grep(lines []string, s string) string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, a, c)
		}
	}
	return b.String()
}
