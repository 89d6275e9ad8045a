package pydiff

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/synth"
)

func runDir(t *testing.T, dir string, mutations int) *Report {
	t.Helper()
	col, err := analysis.Load(dir, analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Mutations: mutations, Seed: 1, Registry: reg}
	if only := os.Getenv("PANTHER_ONLY"); only != "" {
		// A regular expression of the detection IDs to compare (e.g. to rerun a mismatch).
		re, err := regexp.Compile(only)
		if err != nil {
			t.Fatalf("PANTHER_ONLY: %v", err)
		}
		o.Only = re.MatchString
	}
	rep, err := Run(context.Background(), col, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func logReport(t *testing.T, rep *Report) {
	t.Logf("rules %d: fully compiled %d, rule() compiled %d; functions %d, compiled %d", rep.Rules, rep.FullyCompiled, rep.RuleCompiled, rep.Functions, rep.Compiled)
	t.Logf("events %d, calls compared %d, fallbacks %d, CPython errors %d, guard skips %d, mismatches %d", rep.Events, rep.Calls, rep.Fallbacks, rep.PythonErrors, rep.GuardSkips, len(rep.Mismatches))
	type kv struct {
		k string
		n int
	}
	var reasons []kv
	for k, n := range rep.Reasons {
		reasons = append(reasons, kv{k, n})
	}
	sort.Slice(reasons, func(i, j int) bool { return reasons[i].n > reasons[j].n })
	for i, r := range reasons {
		if i == 40 {
			break
		}
		t.Logf("  %5d  %s", r.n, r.k)
	}
	t.Logf("fallbacks:")
	var fb []kv
	for k, n := range rep.FallbackReasons {
		fb = append(fb, kv{k, n})
	}
	sort.Slice(fb, func(i, j int) bool { return fb[i].n > fb[j].n })
	for i, r := range fb {
		if i == 40 {
			break
		}
		t.Logf("  %5d  %s (%s)", r.n, r.k, rep.FallbackExample[r.k])
	}
}

// TestPantherAnalysis runs the differential test over a panther-analysis checkout named by
// $PANTHER_ANALYSIS (mage detect:diff sets it).
func TestPantherAnalysis(t *testing.T) {
	dir := os.Getenv("PANTHER_ANALYSIS")
	if dir == "" {
		t.Skip("PANTHER_ANALYSIS is not set")
	}
	rep := runDir(t, dir, 8)
	logReport(t, rep)
	for i, m := range rep.Mismatches {
		if i == 50 {
			break
		}
		t.Errorf("mismatch: %s", m)
	}
}

// TestCorpus runs the differential test over our own CloudTrail rule corpus (the pyrun
// benchmark rules, in the panther-analysis style) on generated CloudTrail events and mutated
// variants of them: any mismatch between a compiled function and CPython fails.
func TestCorpus(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on PATH")
	}
	var buf bytes.Buffer
	if err := synth.CloudTrail(&buf, 150, 7); err != nil {
		t.Fatal(err)
	}
	extra := strings.Split(strings.TrimSpace(buf.String()), "\n")
	col, err := analysis.Load("../../pyrun/testdata/bench_rules", analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := logtypes.Managed()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), col, Options{Mutations: 6, Seed: 1, Registry: reg, Extra: extra, ExtraMutations: 2})
	if err != nil {
		t.Fatal(err)
	}
	logReport(t, rep)
	if rep.Calls == 0 || rep.Compiled < rep.Functions/2 {
		t.Fatalf("too little compared: %d calls, %d of %d functions compiled", rep.Calls, rep.Compiled, rep.Functions)
	}
	for i, m := range rep.Mismatches {
		if i == 50 {
			break
		}
		t.Errorf("mismatch: %s", m)
	}
}
