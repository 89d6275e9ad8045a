package compliance_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/cloudsec"
	"github.com/pantherlabs/panther/internal/cloudsec/compliance"
	"github.com/pantherlabs/panther/internal/cloudsec/resources"
	"github.com/pantherlabs/panther/internal/pattest"
	"github.com/pantherlabs/panther/internal/pyrun"
	"github.com/pantherlabs/panther/internal/state"
)

// agreement compares, for every unit test of every policy under dir, what `panther test`
// reports the policy returned with the status live evaluation gives when the test's Resource
// is imported: True = PASS, False = FAIL, an exception = ERROR.
type agreement struct {
	Policies, Tests int
	// Compared counts the tests both sides evaluated; Agree those with the same outcome.
	Compared, Agree int
	// Skipped tests: with Mocks (mocks exist only in unit tests), whose Resource is not an
	// object, whose ResourceType is not one of the policy's, or that `panther test` could not run.
	Mocked, NotObject, OtherType, NotRun int
	ByStatus                             map[compliance.Status]int
	Disagreements                        []string
}

func (a *agreement) String() string {
	return fmt.Sprintf("%d policies, %d tests: %d compared, %d agree (PASS %d, FAIL %d, ERROR %d), %d disagree; skipped: %d with mocks, %d resource not an object, %d other resource type, %d not run by panther test",
		a.Policies, a.Tests, a.Compared, a.Agree, a.ByStatus[compliance.Pass], a.ByStatus[compliance.Fail], a.ByStatus[compliance.Error],
		len(a.Disagreements), a.Mocked, a.NotObject, a.OtherType, a.NotRun)
}

type testKey struct{ policy, test string }

func checkAgreement(t *testing.T, dir string) *agreement {
	t.Helper()
	ctx := context.Background()
	// What `panther test` says each policy returned.
	var mu sync.Mutex
	reported := map[testKey]compliance.Status{}
	pattest.Run(ctx, pattest.Options{Path: dir, Filters: []string{"AnalysisType=policy"},
		OnCase: func(id string, res pyrun.TestResult) {
			if res.Warning != "" {
				return
			}
			for _, f := range res.Functions {
				if f.Name != "policy" {
					continue
				}
				st := compliance.Error
				switch f.Text {
				case "true":
					st = compliance.Pass
				case "false":
					st = compliance.Fail
				}
				mu.Lock()
				reported[testKey{id, res.Name}] = st
				mu.Unlock()
			}
		}})

	col, err := analysis.Load(dir, analysis.Options{WalkLikePAT: true})
	if err != nil {
		t.Fatal(err)
	}
	a := &agreement{ByStatus: map[compliance.Status]int{}}
	type imported struct {
		key    testKey
		change cloudsec.Change
	}
	// Tests of different policies often share a resource id: they are imported in rounds, a
	// resource id at most once per round, so that each test's snapshot is what is evaluated.
	var rounds [][]imported
	var roundIDs []map[string]bool
	for _, d := range col.Detections {
		if d.Type != analysis.TypePolicy {
			continue
		}
		d.Enabled = true // panther test tests disabled policies too
		a.Policies++
		for i, tc := range d.Tests {
			a.Tests++
			k := testKey{d.ID, tc.Name}
			if len(tc.Mocks) > 0 {
				a.Mocked++
				continue
			}
			var snap cloudsec.Snapshot
			if err := json.Unmarshal(tc.DataJSON, &snap); err != nil || snap == nil {
				a.NotObject++
				continue
			}
			typ, _ := snap[cloudsec.KeyResourceType].(string)
			if typ == "" {
				typ = tc.ResourceType
			}
			if typ == "" && len(d.ResourceTypes) > 0 {
				typ = d.ResourceTypes[0]
			}
			if len(d.ResourceTypes) > 0 && !contains(d.ResourceTypes, typ) {
				a.OtherType++
				continue
			}
			if _, ok := reported[k]; !ok {
				a.NotRun++
				continue
			}
			id, _ := snap[cloudsec.KeyResourceID].(string)
			if id == "" {
				id = fmt.Sprintf("test:%s:%d", d.ID, i)
			}
			acct, _ := snap[cloudsec.KeyAccountID].(string)
			region, _ := snap[cloudsec.KeyRegion].(string)
			c := cloudsec.Change{AccountID: acct, Region: region, ResourceType: typ, ResourceID: id, Snapshot: snap}
			if rid, ok := snap[cloudsec.KeyResourceID]; ok && rid != id {
				a.NotObject++
				continue
			}
			r := 0
			for r < len(rounds) && roundIDs[r][id] {
				r++
			}
			if r == len(rounds) {
				rounds = append(rounds, nil)
				roundIDs = append(roundIDs, map[string]bool{})
			}
			rounds[r] = append(rounds[r], imported{k, c})
			roundIDs[r][id] = true
		}
	}

	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := resources.Open(ctx, db, resources.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := compliance.New(ctx, compliance.Options{DB: db, Resources: rs, KVPath: filepath.Join(t.TempDir(), "kv.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.SetContent(ctx, col); err != nil {
		t.Fatal(err)
	}
	for _, round := range rounds {
		changes := make([]cloudsec.Change, len(round))
		for i, im := range round {
			changes[i] = im.change
		}
		if _, err := svc.Import(ctx, "agreement", changes); err != nil {
			t.Fatal(err)
		}
		for _, im := range round {
			p, err := svc.List(ctx, compliance.Filter{PolicyIDs: []string{im.key.policy}, ResourceIDs: []string{im.change.ResourceID}})
			if err != nil {
				t.Fatal(err)
			}
			a.Compared++
			want := reported[im.key]
			got := compliance.Status("none")
			msg := ""
			if len(p.Rows) == 1 {
				got, msg = p.Rows[0].Status, p.Rows[0].Error
			}
			if got == want {
				a.Agree++
				a.ByStatus[got]++
				continue
			}
			a.Disagreements = append(a.Disagreements, fmt.Sprintf("%s / %s: panther test %s, evaluation %s %s", im.key.policy, im.key.test, want, got, msg))
		}
	}
	sort.Strings(a.Disagreements)
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestPolicyTestsAgree: our own policy corpus gives, test by test, the same outcome in `panther
// test` and in live evaluation of the imported Resource.
func TestPolicyTestsAgree(t *testing.T) {
	requirePython(t)
	a := checkAgreement(t, "testdata")
	t.Log(a)
	if len(a.Disagreements) > 0 {
		t.Errorf("disagreements:\n%s", strings.Join(a.Disagreements, "\n"))
	}
	if a.Policies != 13 || a.Tests != 42 || a.Compared != 42 || a.ByStatus[compliance.Error] != 3 || a.ByStatus[compliance.Fail] != 17 {
		t.Errorf("corpus figures changed: %s", a)
	}
}

// TestPantherAnalysis runs the agreement over a panther-analysis checkout named by
// PANTHER_ANALYSIS (mage cloudsec:agreement).
func TestPantherAnalysis(t *testing.T) {
	dir := os.Getenv("PANTHER_ANALYSIS")
	if dir == "" {
		t.Skip("PANTHER_ANALYSIS is not set")
	}
	requirePython(t)
	a := checkAgreement(t, dir)
	fmt.Println(a)
	for _, d := range a.Disagreements {
		fmt.Println("  " + d)
	}
}
