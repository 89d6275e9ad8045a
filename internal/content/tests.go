package content

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pattest"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Tester runs the unit tests of stored (or draft) detections with `panther test`'s engine.
type Tester struct {
	// Python is the interpreter; empty means python3 on PATH.
	Python string
	// Workers bounds the Python processes of one run (default 1: runs are small).
	Workers int
	// Timeout bounds one call of a detection function (default 15s).
	Timeout time.Duration
}

// TestFunction is one function line of a test (rule, title, dedup, ...).
type TestFunction struct {
	Name   string
	Passed bool
	Output string
}

// TestResult is one test case.
type TestResult struct {
	Name      string
	Passed    bool
	Errored   bool
	Error     string
	Functions []TestFunction
	Output    string
}

// DetectionTests are the results of one detection's tests.
type DetectionTests struct {
	ID string
	// Problems kept the detection from running (its module failed to load).
	Problems []string
	Results  []TestResult
}

// Passed reports whether every test passed and nothing kept the detection from running.
func (d DetectionTests) Passed() bool {
	if len(d.Problems) > 0 {
		return false
	}
	for _, r := range d.Results {
		if !r.Passed {
			return false
		}
	}
	return true
}

// Run tests the detections ids of snap. The detections run with every global helper and data
// model of snap, and the base of a derived rule; disabled detections run too.
func (t *Tester) Run(ctx context.Context, snap *Snapshot, ids []string) ([]DetectionTests, error) {
	dir, err := os.MkdirTemp("", "panther-tests-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	keep := map[string]bool{}
	for id := range want {
		keep[id] = true
		if d, ok := snap.Detection(id); ok && d.BaseDetection != "" {
			keep[d.BaseDetection] = true
		}
	}
	for file, it := range snap.byFile {
		if !keep[it.ID] && it.Type != analysis.TypeGlobal && it.Type != analysis.TypeDataModel {
			continue
		}
		if err := writeItem(dir, file, it); err != nil {
			return nil, err
		}
	}
	results := map[string]*DetectionTests{}
	get := func(id string) *DetectionTests {
		if results[id] == nil {
			results[id] = &DetectionTests{ID: id}
		}
		return results[id]
	}
	workers := t.Workers
	if workers <= 0 {
		workers = 1
	}
	var logs strings.Builder
	sum, _ := pattest.Run(ctx, pattest.Options{
		Path: dir, Python: t.Python, Workers: workers, CallTimeout: t.Timeout, Stderr: &logs,
		OnCase: func(id string, res pyrun.TestResult) {
			if want[id] {
				get(id).Results = append(get(id).Results, testResult(res))
			}
		},
		OnSetupError: func(id, msg string) {
			if want[id] {
				get(id).Problems = append(get(id).Problems, msg)
			}
		},
	})
	for _, inv := range sum.InvalidSpecs {
		if it, ok := snap.byFile[strings.TrimPrefix(filepath.ToSlash(inv.File), filepath.ToSlash(dir)+"/")]; ok && want[it.ID] {
			if !containsStr(get(it.ID).Problems, inv.Error) {
				get(it.ID).Problems = append(get(it.ID).Problems, inv.Error)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []DetectionTests
	for _, id := range sortedKeysOf(want) {
		out = append(out, *get(id))
	}
	if len(out) == 0 && logs.Len() > 0 {
		return nil, fmt.Errorf("running the tests: %s", strings.TrimSpace(logs.String()))
	}
	return out, nil
}

func writeItem(dir, file string, it *Item) error {
	p := filepath.Join(dir, filepath.FromSlash(file))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, it.Spec, 0o644); err != nil {
		return err
	}
	if it.AttachName == "" {
		return nil
	}
	ap := path.Join(path.Dir(file), it.AttachName)
	if !strings.HasPrefix(ap, path.Dir(file)+"/") {
		return nil
	}
	full := filepath.Join(dir, filepath.FromSlash(ap))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	return os.WriteFile(full, it.Attach, 0o644)
}

func testResult(res pyrun.TestResult) TestResult {
	tr := TestResult{Name: res.Name, Passed: res.Passed, Output: res.Output}
	if res.Warning != "" {
		tr.Errored, tr.Error, tr.Passed = true, res.Warning, false
	}
	for _, f := range res.Functions {
		tr.Functions = append(tr.Functions, TestFunction{Name: f.Name, Passed: f.Passed, Output: f.Text})
	}
	return tr
}

// TryDraft returns a snapshot with a draft item added (or replacing the stored one), for
// testing a detection before saving it; the store is not changed. Problems of the draft are
// returned as a *ValidationError.
func (s *Store) TryDraft(ctx context.Context, it *Item) (*Snapshot, error) {
	res, err := s.Apply(ctx, Change{Put: []*Item{it}, DryRun: true}, "")
	if err != nil {
		return nil, err
	}
	base := res.Snapshot
	items := make([]*Item, 0, len(base.Items)+1)
	for _, old := range base.Items {
		if old.ID != it.ID {
			items = append(items, old)
		}
	}
	items = append(items, it)
	sortItems(items)
	return newSnapshot(base.Version, items)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
