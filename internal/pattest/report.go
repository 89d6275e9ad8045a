package pattest

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pantherlabs/panther/internal/pyrun"
)

// ANSI codes of colorama's Fore.GREEN, Fore.RED and Style.RESET_ALL.
const (
	ansiGreen = "\x1b[32m"
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

const rule = "--------------------------"

// report writes PAT's output and keeps the Failed Tests Summary, whose
// entries PAT adds partly while running tests and partly while printing
// them.
type report struct {
	w            io.Writer
	color        bool
	sortMode     bool
	failuresOnly bool
	failed       *failureLog
	// passed and errored hold the results printed at the end in sort mode.
	passed, errored map[string][]pyrun.TestResult
	err             error
}

func newReport(w io.Writer, color, sortMode, failuresOnly bool) *report {
	return &report{
		w: w, color: color, sortMode: sortMode, failuresOnly: failuresOnly,
		failed: &failureLog{index: map[string]int{}},
		passed: map[string][]pyrun.TestResult{}, errored: map[string][]pyrun.TestResult{},
	}
}

// println is Python's print(s).
func (r *report) println(s string) {
	if r.err != nil {
		return
	}
	_, r.err = io.WriteString(r.w, s+"\n")
}

func (r *report) status(passed bool) string {
	word, code := "FAIL", ansiRed
	if passed {
		word, code = "PASS", ansiGreen
	}
	if !r.color {
		return word
	}
	return code + word + ansiReset
}

// result prints one test's outcome, or keeps it for the sorted listing.
func (r *report) result(id string, res pyrun.TestResult) {
	if r.sortMode {
		if res.Passed {
			r.passed[id] = append(r.passed[id], res)
		} else {
			r.errored[id] = append(r.errored[id], res)
		}
		return
	}
	if res.Output != "" {
		r.println(res.Output)
	}
	r.printResult(id, res)
}

// printResult is PAT's _print_test_result: the test line, then one line
// per function that produced output or failed.
func (r *report) printResult(id string, res pyrun.TestResult) {
	r.println("\t[" + r.status(res.Passed) + "] " + res.Name)
	for _, f := range res.Functions {
		if !f.Passed {
			r.failed.add(id, res.Name+":"+f.Name)
		}
		r.println("\t\t[" + r.status(f.Passed) + "] [" + f.Name + "] " + f.Text)
	}
}

// flushSorted prints the kept results in sort mode: passed tests, then
// failed ones, each grouped by detection ID in sorted order, with a blank
// line after every test. --show-failures-only leaves the passed ones out.
func (r *report) flushSorted() {
	if !r.sortMode {
		return
	}
	groups := []struct {
		passed  bool
		results map[string][]pyrun.TestResult
	}{{true, r.passed}, {false, r.errored}}
	for _, g := range groups {
		if r.failuresOnly && g.passed {
			continue
		}
		group := g.results
		ids := make([]string, 0, len(group))
		for id := range group {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			r.println(id)
			for _, res := range group[id] {
				if res.Output != "" {
					r.println(res.Output)
				}
				r.printResult(id, res)
				r.println("")
			}
		}
	}
}

// summary prints PAT's summary sections and our count of test cases.
func (r *report) summary(s *Summary) {
	if len(s.SkippedSpecs) > 0 {
		r.println(rule)
		r.println("Skipped Tests Summary")
		for _, sk := range s.SkippedSpecs {
			r.println("\t" + sk.File + "\n\t\t" + sk.ID + "\n")
		}
	}
	if len(s.FailedTests) > 0 {
		r.println(rule)
		r.println("Failed Tests Summary")
		for _, f := range s.FailedTests {
			r.println("\t" + f.ID + "\n\t\t" + pyList(f.Failures) + "\n")
		}
	}
	if len(s.InvalidSpecs) > 0 {
		r.println(rule)
		r.println("Invalid Tests Summary")
		for _, inv := range s.InvalidSpecs {
			r.println("\t" + inv.File + "\n\t\t" + strings.ReplaceAll(inv.Error, "\n", "\n\t\t") + "\n")
		}
	}
	r.println(rule)
	r.println("Test Summary")
	r.println("\tPath: " + s.Path)
	r.println(fmt.Sprintf("\tPassed: %d", s.Passed))
	r.println(fmt.Sprintf("\tSkipped: %d", s.Skipped))
	r.println(fmt.Sprintf("\tFailed: %d", s.Failed))
	r.println(fmt.Sprintf("\tInvalid: %d\n", s.Invalid))
	r.println(fmt.Sprintf("Test cases: %d passed, %d failed, %d skipped", s.Cases.Passed, s.Cases.Failed, s.Cases.Skipped))
}

// failureLog is PAT's failed_tests: detection IDs in the order of their
// first failure, each with its entries in order.
type failureLog struct {
	index   map[string]int
	entries []FailedDetection
}

func (l *failureLog) add(id, entry string) {
	i, ok := l.index[id]
	if !ok {
		i = len(l.entries)
		l.index[id] = i
		l.entries = append(l.entries, FailedDetection{ID: id})
	}
	l.entries[i].Failures = append(l.entries[i].Failures, entry)
}

func (l *failureLog) list() []FailedDetection {
	return append([]FailedDetection(nil), l.entries...)
}
