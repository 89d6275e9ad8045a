package pattest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/pyrun"
)

// Exit codes of a run, as panther_analysis_tool returns them.
const (
	ExitOK     = 0
	ExitFailed = 1
)

// Options configure a run. The zero value tests "." with python3 and
// writes nowhere.
type Options struct {
	// Path is the directory (or .zip) to test; default ".".
	Path string
	// Filters are the --filter arguments: KEY=V1,V2 or KEY!=V1,V2.
	Filters []string
	// MinimumTests is --minimum-tests: fewer tests is a failure, and more
	// than one also requires a true and a false ExpectedResult.
	MinimumTests int
	// TestNames is --test-names: run only the tests with these names.
	TestNames []string
	// SkipDisabledTests is --skip-disabled-tests.
	SkipDisabledTests bool
	// AvailableDestinations is --available-destination; when set, unknown
	// names returned by destinations() fail expected-alert tests.
	AvailableDestinations []string
	// ShowFailuresOnly is --show-failures-only.
	ShowFailuresOnly bool
	// SortTestResults is --sort-test-results.
	SortTestResults bool
	// IgnoreExtraKeys is --ignore-extra-keys.
	IgnoreExtraKeys bool
	// IgnoreFiles is --ignore-files: spec files not to load.
	IgnoreFiles []string
	// Python is the interpreter; default python3 on PATH.
	Python string
	// Workers is the number of Python worker processes; default GOMAXPROCS.
	Workers int
	// CallTimeout bounds one call of a detection function; default 15s.
	CallTimeout time.Duration
	// Color adds PAT's green and red ANSI colors to PASS and FAIL.
	Color bool
	// Cwd is where PAT's extra helper directories are also looked up;
	// default the process's working directory.
	Cwd string
	// Stdout receives the report; Stderr the log lines. Default: discard.
	Stdout io.Writer
	Stderr io.Writer
	// OnCase, when set, receives every test case result as it is reported, with the ID of
	// its detection (for callers that show results themselves, such as the API).
	OnCase func(detectionID string, res pyrun.TestResult)
	// OnSetupError, when set, receives the error of a detection whose module failed to load.
	OnSetupError func(detectionID, msg string)
}

// Summary is the outcome of a run.
type Summary struct {
	// Path is the tested path as given.
	Path string
	// Detections counts the detections and simple detections left after
	// filtering.
	Detections int
	// Passed, Skipped, Failed and Invalid are PAT's per-detection counts;
	// Passed is Detections minus the other three and, as in PAT, can be
	// negative when specs that are not detections are invalid.
	Passed, Skipped, Failed, Invalid int
	// Cases counts the individual test cases.
	Cases Cases
	// FailedTests lists the failed detections in PAT's order.
	FailedTests []FailedDetection
	// InvalidSpecs lists the invalid specs in PAT's order.
	InvalidSpecs []InvalidSpec
	// SkippedSpecs lists the skipped detections.
	SkippedSpecs []SkippedSpec
}

// Cases counts test cases: Skipped are the cases that did not run (their
// detection was skipped, or --test-names left them out); cases of a
// detection that failed to load count as failed.
type Cases struct {
	Passed, Failed, Skipped int
}

// FailedDetection is one entry of the Failed Tests Summary.
type FailedDetection struct {
	ID string
	// Failures are "<test>", "<test>:<function>" and coverage messages.
	Failures []string
}

// InvalidSpec is one entry of the Invalid Tests Summary.
type InvalidSpec struct {
	File  string
	Error string
}

// SkippedSpec is one entry of the Skipped Tests Summary.
type SkippedSpec struct {
	File string
	ID   string
}

// Run tests the detections under o.Path like `panther_analysis_tool test`
// and returns the summary and the exit code: 1 when a test failed or a
// spec is invalid (or nothing could be tested), else 0.
func Run(ctx context.Context, o Options) (Summary, int) {
	if o.Path == "" {
		o.Path = "."
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	r := &runner{o: o, log: logger{w: o.Stderr}}
	r.rep = newReport(o.Stdout, o.Color, o.SortTestResults || o.ShowFailuresOnly, o.ShowFailuresOnly)
	return r.run(ctx)
}

// logger writes PAT's log lines, "LEVEL: message".
type logger struct{ w io.Writer }

func (l logger) info(format string, args ...any) { l.line("INFO", format, args...) }
func (l logger) warn(format string, args ...any) { l.line("WARNING", format, args...) }
func (l logger) err(format string, args ...any)  { l.line("ERROR", format, args...) }

func (l logger) line(level, format string, args ...any) {
	fmt.Fprintf(l.w, "%s: %s\n", level, fmt.Sprintf(format, args...))
}

type runner struct {
	o   Options
	log logger
	rep *report
	sum Summary
}

func (r *runner) run(ctx context.Context) (Summary, int) {
	r.sum.Path = r.o.Path
	filters, err := parseFilters(r.o.Filters)
	if err != nil {
		r.log.err("%v", err)
		return r.sum, ExitFailed
	}
	r.log.info("Testing analysis items in %s", r.o.Path)
	col, err := analysis.Load(r.o.Path, analysis.Options{
		WalkLikePAT: true, IgnoreExtraKeys: r.o.IgnoreExtraKeys, IgnoreFiles: r.o.IgnoreFiles, Cwd: r.o.Cwd,
	})
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// PAT walks a missing path silently and finds nothing.
		col = &analysis.Collection{Root: r.o.Path}
	case err != nil:
		r.log.err("%v", err)
		return r.sum, ExitFailed
	}
	for _, w := range col.Warnings {
		if w.Path == "DedupPeriodMinutes" {
			r.log.warn("%s", w.Msg)
		} else {
			r.log.warn("%s", w.Error())
		}
	}
	for _, inv := range col.Invalid {
		r.addInvalid(r.specFile(inv.File, inv.AbsFile), invalidText(inv))
	}
	if len(col.Specs) == 0 {
		if len(col.Invalid) > 0 {
			return r.finish()
		}
		// PAT logs "<file> <error>" with an empty file name here.
		r.log.err(" Nothing to test in %s", r.o.Path)
		return r.sum, ExitFailed
	}
	kept := filters.all().Apply(col)
	if len(kept) == 0 {
		r.log.err(" No analysis in %s matched filters %s", r.o.Path, filters)
		return r.sum, ExitFailed
	}
	p := r.plan(kept)
	r.sum.Detections = len(p.items)
	if err := r.execute(ctx, p); err != nil {
		r.log.err("%v", err)
		return r.sum, ExitFailed
	}
	r.validatePacks(kept)
	r.rep.flushSorted()
	r.tally()
	r.rep.summary(&r.sum)
	return r.finish()
}

// finish computes the exit code and logs the error line PAT logs on exit 1:
// the last invalid spec, or the (empty) list of them when only tests failed.
func (r *runner) finish() (Summary, int) {
	r.tally()
	if r.rep.err != nil {
		r.log.err("write report: %v", r.rep.err)
		return r.sum, ExitFailed
	}
	if n := len(r.sum.InvalidSpecs); n > 0 {
		last := r.sum.InvalidSpecs[n-1]
		r.log.err("%s %s", last.File, strings.ReplaceAll(last.Error, "\n", " "))
		return r.sum, ExitFailed
	}
	if r.sum.Failed > 0 {
		r.log.err("[]")
		return r.sum, ExitFailed
	}
	return r.sum, ExitOK
}

// tally computes PAT's per-detection counts.
func (r *runner) tally() {
	r.sum.Invalid = len(r.sum.InvalidSpecs)
	r.sum.Skipped = len(r.sum.SkippedSpecs)
	r.sum.FailedTests = r.rep.failed.list()
	r.sum.Failed = len(r.sum.FailedTests)
	r.sum.Passed = r.sum.Detections - (r.sum.Failed + r.sum.Invalid + r.sum.Skipped)
}

func (r *runner) addInvalid(file, msg string) {
	r.sum.InvalidSpecs = append(r.sum.InvalidSpecs, InvalidSpec{File: file, Error: msg})
}

// specFile names a spec file as PAT does: the walked path joined with the
// file ("./rules/a.yml" for path "."), or the absolute path for files
// found in the extra helper and data model directories.
func (r *runner) specFile(rel, abs string) string {
	if strings.HasPrefix(rel, "../") && abs != "" {
		return abs
	}
	root := strings.TrimRight(r.o.Path, "/")
	if root == "" {
		return "/" + rel
	}
	if strings.EqualFold(pathExt(root), ".zip") {
		return rel
	}
	return root + "/" + rel
}

func pathExt(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 && !strings.ContainsRune(p[i:], '/') {
		return p[i:]
	}
	return ""
}

// invalidText renders every problem of an invalid spec, one per line.
func invalidText(inv *analysis.InvalidSpec) string {
	parts := make([]string, len(inv.Problems))
	for i, p := range inv.Problems {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "\n")
}

// validatePacks is PAT's validate_packs: after the tests, every ID of a
// pack must name one of the specs left after filtering.
func (r *runner) validatePacks(kept []analysis.Spec) {
	ids := make(map[string]bool, len(kept))
	for _, s := range kept {
		ids[s.Meta().ID] = true
	}
	for _, s := range kept {
		pk, ok := s.(*analysis.Pack)
		if !ok {
			continue
		}
		var missing []string
		for _, id := range pk.IDs {
			if !ids[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			r.addInvalid(r.specFile(pk.File, pk.AbsFile),
				fmt.Sprintf("pack (%s) definition includes item(s) that do no exist (%s)", pk.ID, strings.Join(missing, ", ")))
		}
	}
}

// execute runs every planned detection's tests, Python ones in parallel on
// the worker pool, and reports them in plan order.
func (r *runner) execute(ctx context.Context, p *plan) error {
	var pool *pyrun.Pool
	if p.needPython() {
		var err error
		pool, err = pyrun.New(ctx, pyrun.Options{
			Python: r.o.Python, Workers: r.o.Workers, CallTimeout: r.o.CallTimeout, Stderr: r.o.Stderr,
		}, p.content)
		if err != nil {
			return fmt.Errorf("start Python workers: %w", err)
		}
		defer pool.Close()
		for _, dm := range p.dataModels {
			if se := pool.SetupError(dm.ID); se != nil {
				r.addInvalid(r.specFile(dm.File, dm.AbsFile), se.Error())
			}
		}
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, it := range p.items {
		if it.state != statePython {
			close(it.done)
		}
	}
	// Start the Python detections in report order, a bounded number at a
	// time, so the report can be written while later ones run.
	sem := make(chan struct{}, 2*workerCount(r.o.Workers))
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, it := range p.items {
			if it.state != statePython {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				it.err = context.Cause(ctx)
				close(it.done)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(it.done)
				defer func() { <-sem }()
				r.runPython(ctx, pool, it)
			}()
		}
	}()
	for _, it := range p.items {
		select {
		case <-it.done:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
		if it.err != nil {
			return fmt.Errorf("%s: %w", it.d.ID, it.err)
		}
		r.report(it)
	}
	return nil
}

func workerCount(n int) int {
	if n > 0 {
		return n
	}
	return max(1, runtime.GOMAXPROCS(0))
}

// runPython runs the cases of one Python detection that its InlineFilters
// let through and merges them with the ones decided in Go.
func (r *runner) runPython(ctx context.Context, pool *pyrun.Pool, it *item) {
	if se := pool.SetupError(it.eff.ID); se != nil {
		it.setupErr = se
		return
	}
	var cases []pyrun.TestCase
	var slots []int
	for i, c := range it.cases {
		if c.decided {
			continue
		}
		cases = append(cases, c.pyCase)
		slots = append(slots, i)
	}
	if len(cases) == 0 {
		return
	}
	res, err := pool.RunTests(ctx, it.eff.ID, cases, pyrun.TestOptions{AvailableDestinations: r.o.AvailableDestinations})
	var se *pyrun.SetupError
	switch {
	case errors.As(err, &se):
		it.setupErr = se
		return
	case err != nil:
		it.err = err
		return
	case len(res) != len(cases):
		it.err = fmt.Errorf("the Python workers returned %d results for %d tests", len(res), len(cases))
		return
	}
	for j, slot := range slots {
		it.cases[slot].result = res[j]
	}
}

// report prints one detection's run-phase output and records its outcome,
// following PAT's setup_run_tests and run_tests step by step.
func (r *runner) report(it *item) {
	rep := r.rep
	file := r.specFile(it.d.File, it.d.AbsFile)
	switch it.state {
	case stateDisabled:
		r.skip(file, it)
		return
	case stateNoTestName:
		rep.println(it.d.ID)
		rep.println("\tNo tests match the provided test names: " + pyList(r.o.TestNames) + "\n")
		r.skip(file, it)
		return
	case stateBaseMissing:
		r.log.warn("Skipping Derived Detection '%s', could not lookup base detection '%s'", it.d.ID, it.d.BaseDetection)
		r.sum.Cases.Skipped += len(it.tests)
		return
	}
	if !rep.sortMode {
		rep.println(it.d.ID)
	}
	if it.setupErr != nil {
		if r.o.OnSetupError != nil {
			r.o.OnSetupError(it.d.ID, it.setupErr.Error())
		}
		r.addInvalid(file, it.setupErr.Error())
		rep.println("\n")
		r.sum.Cases.Failed += len(it.cases)
		return
	}
	if len(it.tests) < r.o.MinimumTests {
		rep.failed.add(it.d.ID, fmt.Sprintf("Insufficient test coverage: %d tests required but only %d found", r.o.MinimumTests, len(it.tests)))
	}
	if !it.hasTests {
		rep.println("\tNo tests configured for " + it.d.ID)
	} else {
		r.sum.Cases.Skipped += len(it.tests) - len(it.cases)
		for _, c := range it.cases {
			r.reportCase(it, c.result)
		}
		if r.o.MinimumTests > 1 && !hasBothOutcomes(it.tests) {
			rep.failed.add(it.d.ID, "Insufficient test coverage: expected at least one positive and one negative test")
		}
	}
	if !rep.sortMode {
		rep.println("")
	}
}

func (r *runner) reportCase(it *item, res pyrun.TestResult) {
	if r.o.OnCase != nil {
		r.o.OnCase(it.d.ID, res)
	}
	if res.Passed {
		r.sum.Cases.Passed++
	} else {
		r.sum.Cases.Failed++
	}
	if res.Warning != "" {
		r.log.warn("%s", res.Warning)
		r.rep.failed.add(it.d.ID, res.Name)
		return
	}
	r.rep.result(it.d.ID, res)
}

func (r *runner) skip(file string, it *item) {
	r.sum.SkippedSpecs = append(r.sum.SkippedSpecs, SkippedSpec{File: file, ID: it.d.ID})
	r.sum.Cases.Skipped += len(it.tests)
}

func hasBothOutcomes(tests []analysis.Test) bool {
	var pos, neg bool
	for _, t := range tests {
		if t.ExpectedResult {
			pos = true
		} else {
			neg = true
		}
	}
	return pos && neg
}
