package pattest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// requirePython skips tests that need CPython when python3 is missing.
func requirePython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skipf("skipping: python3 is not on PATH: %v", err)
	}
}

// result is one run captured for comparison.
type result struct {
	sum    Summary
	code   int
	stdout string
	stderr string
}

// run runs o from dir ("" = the package directory) and replaces the
// absolute path of testdata by <TESTDATA> so golden files are portable.
func run(t testing.TB, dir string, o Options) result {
	t.Helper()
	td := filepath.Dir(goldenDir)
	if dir != "" {
		if tt, ok := t.(*testing.T); ok {
			tt.Chdir(dir)
		} else {
			t.Fatal("run with a directory needs a *testing.T")
		}
	}
	var out, errOut bytes.Buffer
	o.Stdout, o.Stderr = &out, &errOut
	if o.Workers == 0 {
		o.Workers = 1
	}
	sum, code := Run(context.Background(), o)
	py := pythonExecutable(t)
	clean := func(s string) string {
		s = strings.ReplaceAll(s, td, "<TESTDATA>")
		if py != "" {
			s = strings.ReplaceAll(s, py, "<PYTHON>")
		}
		return s
	}
	return result{sum: sum, code: code, stdout: clean(out.String()), stderr: clean(errOut.String())}
}

// pythonExecutable is the interpreter the workers run (sys.executable of python3), which
// missing-module messages name.
func pythonExecutable(t testing.TB) string {
	pythonExeOnce.Do(func() {
		out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
		if err == nil {
			pythonExe = strings.TrimSpace(string(out))
		}
	})
	return pythonExe
}

var (
	pythonExeOnce sync.Once
	pythonExe     string
)

func (r result) golden(args string) string {
	var b strings.Builder
	b.WriteString("$ panther test " + args + "\n")
	b.WriteString("exit: " + strconv.Itoa(r.code) + "\n")
	b.WriteString("--- stdout ---\n")
	b.WriteString(r.stdout)
	b.WriteString("--- stderr ---\n")
	b.WriteString(r.stderr)
	return b.String()
}

// goldenDir is the absolute path of testdata/golden, resolved before any
// test changes directory.
var goldenDir = func() string {
	d, err := filepath.Abs(filepath.Join("testdata", "golden"))
	if err != nil {
		panic(err)
	}
	return d
}()

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run go test -update after checking):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + strings.ReplaceAll(w, "\x1b", `\x1b`) + "\n  got: " + strings.ReplaceAll(g, "\x1b", `\x1b`)
		}
	}
	return "(no line differs)"
}

// TestGolden runs the corpora with each flag and compares the whole
// output, standard error included, with testdata/golden.
func TestGolden(t *testing.T) {
	requirePython(t)
	corpus := filepath.Join("testdata", "corpus")
	cases := []struct {
		name string
		args string
		dir  string // run from here with Path "."
		o    Options
		code int
	}{
		{name: "default", args: ".", dir: corpus, o: Options{}, code: 1},
		{name: "explicit_path", args: "testdata/corpus", o: Options{Path: "testdata/corpus"}, code: 1},
		{name: "sort_test_results", args: ". --sort-test-results", dir: corpus, o: Options{SortTestResults: true}, code: 1},
		{name: "show_failures_only", args: ". --show-failures-only", dir: corpus, o: Options{ShowFailuresOnly: true}, code: 1},
		{name: "minimum_tests", args: ". --minimum-tests 2 --filter RuleID=Test.Helper,Test.Signal,Test.NoTests,Test.Simple",
			dir: corpus, o: Options{MinimumTests: 2, Filters: []string{"RuleID=Test.Helper,Test.Signal,Test.NoTests,Test.Simple"}}, code: 1},
		{name: "test_names", args: ". --test-names 'Third Sighting Alerts' --test-names 'Failed Login' --filter 'RuleID=Test.Stateful,Test.Derived,Test.Simple'",
			dir: corpus, o: Options{TestNames: []string{"Third Sighting Alerts", "Failed Login"}, Filters: []string{"RuleID=Test.Stateful,Test.Derived,Test.Simple"}}, code: 1},
		{name: "skip_disabled_tests", args: ". --skip-disabled-tests --filter RuleID=Test.Disabled,Test.Derived,Test.Helper",
			dir: corpus, o: Options{SkipDisabledTests: true, Filters: []string{"RuleID=Test.Disabled,Test.Derived,Test.Helper"}}, code: 1},
		{name: "filter_status", args: ". --filter Status=deprecated", dir: corpus, o: Options{Filters: []string{"Status=deprecated"}}, code: 1},
		{name: "filter_negated", args: ". --filter 'RuleID!=Test.AuxError,Test.BadData,Test.Mock' --filter Enabled=true",
			dir: corpus, o: Options{Filters: []string{"RuleID!=Test.AuxError,Test.BadData,Test.Mock", "Enabled=true"}}, code: 1},
		{name: "available_destination", args: ". --available-destination slack-ops --filter RuleID=Test.Destinations",
			dir: corpus, o: Options{AvailableDestinations: []string{"slack-ops"}, Filters: []string{"RuleID=Test.Destinations"}}, code: 1},
		{name: "available_destination_known", args: ". --available-destination slack-sec --filter RuleID=Test.Destinations",
			dir: corpus, o: Options{AvailableDestinations: []string{"slack-sec"}, Filters: []string{"RuleID=Test.Destinations"}}, code: 1},
		{name: "color", args: ". --filter RuleID=Test.AuxError (on a terminal)", dir: corpus,
			o: Options{Color: true, Filters: []string{"RuleID=Test.AuxError"}}, code: 1},
		{name: "ignore_files", args: ". --ignore-files ./rules/invalid_spec.yml --ignore-files ./packs/pack.yml --ignore-files ./rules/import_error_rule.yml --filter RuleID=Test.Helper",
			dir: corpus, o: Options{IgnoreFiles: []string{"./rules/invalid_spec.yml", "./packs/pack.yml", "./rules/import_error_rule.yml"}, Filters: []string{"RuleID=Test.Helper"}}, code: 0},
		{name: "edge", args: ".", dir: filepath.Join("testdata", "edge"), o: Options{}, code: 1},
		{name: "ignore_extra_keys", args: ". --ignore-extra-keys --filter RuleID=Edge.ExtraKey", dir: filepath.Join("testdata", "edge"),
			o: Options{IgnoreExtraKeys: true, Filters: []string{"RuleID=Edge.ExtraKey"}}, code: 1},
		{name: "passing", args: "testdata/passing", o: Options{Path: "testdata/passing"}, code: 0},
		{name: "passing_sorted_failures_only", args: "testdata/passing --sort-test-results --show-failures-only",
			o: Options{Path: "testdata/passing", SortTestResults: true, ShowFailuresOnly: true}, code: 0},
		{name: "no_match", args: "testdata/passing --filter RuleID=Nope", o: Options{Path: "testdata/passing", Filters: []string{"RuleID=Nope"}}, code: 1},
		{name: "nothing_to_test", args: "testdata/empty", o: Options{Path: "testdata/empty"}, code: 1},
		{name: "missing_path", args: "testdata/missing", o: Options{Path: "testdata/missing"}, code: 1},
		{name: "only_invalid", args: "testdata/onlyinvalid", o: Options{Path: "testdata/onlyinvalid"}, code: 1},
		{name: "bad_filter", args: "testdata/passing --filter Nope=1", o: Options{Path: "testdata/passing", Filters: []string{"Nope=1"}}, code: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := run(t, c.dir, c.o)
			if res.code != c.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", res.code, c.code, res.stdout, res.stderr)
			}
			checkGolden(t, c.name, res.golden(c.args))
		})
	}
}

// TestSummary checks the counts Run returns, per detection and per case.
func TestSummary(t *testing.T) {
	requirePython(t)
	res := run(t, filepath.Join("testdata", "corpus"), Options{})
	s := res.sum
	// 20 Python, derived and correlation rules plus 1 simple detection; the
	// deprecated rule is tested too (specs/detections.md 2.4).
	if s.Detections != 21 {
		t.Errorf("Detections = %d, want 21", s.Detections)
	}
	if s.Skipped != 0 || s.Failed != 5 || s.Invalid != 3 || s.Passed != 13 {
		t.Errorf("Passed/Skipped/Failed/Invalid = %d/%d/%d/%d, want 13/0/5/3", s.Passed, s.Skipped, s.Failed, s.Invalid)
	}
	if s.Cases != (Cases{Passed: 35, Failed: 8, Skipped: 1}) {
		t.Errorf("Cases = %+v, want 35 passed, 8 failed, 1 skipped", s.Cases)
	}
	wantFailed := []FailedDetection{
		{ID: "Test.Correlation", Failures: []string{"Flipped Expectation Fails:rule", "Unknown Member:rule"}},
		{ID: "Test.AuxError", Failures: []string{"Alert With Broken Title:title"}},
		{ID: "Test.BadData", Failures: []string{"Log Is A String", "Rule Raises:rule"}},
		{ID: "Test.Deprecated", Failures: []string{"Deprecated Rule Fails:rule"}},
		{ID: "Test.Mock", Failures: []string{"Mock Of Missing Name"}},
	}
	if len(s.FailedTests) != len(wantFailed) {
		t.Fatalf("FailedTests = %+v, want %+v", s.FailedTests, wantFailed)
	}
	for i, w := range wantFailed {
		g := s.FailedTests[i]
		if g.ID != w.ID || strings.Join(g.Failures, "|") != strings.Join(w.Failures, "|") {
			t.Errorf("FailedTests[%d] = %+v, want %+v", i, g, w)
		}
	}
	wantInvalid := []string{"./packs/pack.yml", "./rules/invalid_spec.yml", "./rules/import_error_rule.yml"}
	for i, inv := range s.InvalidSpecs {
		if i >= len(wantInvalid) || inv.File != wantInvalid[i] {
			t.Errorf("InvalidSpecs[%d].File = %q, want %q", i, inv.File, wantInvalid[min(i, len(wantInvalid)-1)])
		}
	}
	if len(s.SkippedSpecs) != 0 {
		t.Errorf("SkippedSpecs = %+v, want none (correlation rules are tested)", s.SkippedSpecs)
	}
}

// TestParallelOrder checks that running detections on several workers
// prints exactly what one worker prints.
func TestParallelOrder(t *testing.T) {
	requirePython(t)
	one := run(t, "", Options{Path: "testdata/corpus", Workers: 1})
	four := run(t, "", Options{Path: "testdata/corpus", Workers: 4})
	if one.stdout != four.stdout || one.stderr != four.stderr || one.code != four.code {
		t.Errorf("1 and 4 workers differ:\n%s", lineDiff(one.stdout+one.stderr, four.stdout+four.stderr))
	}
}

// TestCanceled checks that a canceled context stops the run with exit 1.
func TestCanceled(t *testing.T) {
	requirePython(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errOut bytes.Buffer
	_, code := Run(ctx, Options{Path: "testdata/passing", Stderr: &errOut})
	if code != ExitFailed {
		t.Errorf("exit code %d, want %d", code, ExitFailed)
	}
	if !strings.Contains(errOut.String(), "ERROR: ") {
		t.Errorf("stderr has no ERROR line: %q", errOut.String())
	}
}

// TestNoPythonNeeded checks that simple detections run without CPython.
func TestNoPythonNeeded(t *testing.T) {
	var out bytes.Buffer
	sum, code := Run(context.Background(), Options{
		Path: "testdata/passing", Python: "/nonexistent/python3", Filters: []string{"RuleID=Pass.Simple"}, Stdout: &out,
	})
	if code != ExitOK || sum.Cases.Passed != 2 {
		t.Errorf("exit %d, cases %+v; want exit 0 and 2 passed\n%s", code, sum.Cases, out.String())
	}
	_, code = Run(context.Background(), Options{Path: "testdata/passing", Python: "/nonexistent/python3"})
	if code != ExitFailed {
		t.Errorf("exit %d with a missing interpreter and Python rules, want %d", code, ExitFailed)
	}
}
