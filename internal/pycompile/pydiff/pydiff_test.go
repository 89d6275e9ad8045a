package pydiff

import (
	"context"
	"os"
	"sort"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/logtypes"
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
	rep, err := Run(context.Background(), col, Options{Mutations: mutations, Seed: 1, Registry: reg})
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
