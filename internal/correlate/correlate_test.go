package correlate

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/analysis"
)

func loadRules(t testing.TB) []*analysis.Detection {
	t.Helper()
	col, err := analysis.Load(filepath.Join("testdata", "rules"), analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range col.Invalid {
		t.Fatalf("invalid spec: %v", inv)
	}
	return col.Detections
}

func loadRule(t testing.TB, id string) *Rule {
	t.Helper()
	for _, d := range loadRules(t) {
		if d.ID == id {
			r, err := Compile(d)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}

// TestRuleTests runs the Tests of every fixture rule: each kind of Group and Sequence, with
// joins, counts, time frames and absences.
func TestRuleTests(t *testing.T) {
	dets := loadRules(t)
	if len(dets) < 9 {
		t.Fatalf("%d fixture rules", len(dets))
	}
	for _, d := range dets {
		res, err := RunTests(d, nil)
		if err != nil {
			t.Fatalf("%s: %v", d.ID, err)
		}
		if len(res) != len(d.Tests) {
			t.Fatalf("%s: %d results for %d tests", d.ID, len(res), len(d.Tests))
		}
		for i, r := range res {
			if !r.Passed || r.Error != "" {
				t.Errorf("%s: %q: matched=%v, expected %v %s", d.ID, r.Name, r.Matched, d.Tests[i].ExpectedResult, r.Error)
			}
		}
	}
}

// TestFlippedExpectationFails flips every ExpectedResult: every test must fail.
func TestFlippedExpectationFails(t *testing.T) {
	for _, d := range loadRules(t) {
		flipped := *d
		flipped.Tests = append([]analysis.Test(nil), d.Tests...)
		for i := range flipped.Tests {
			flipped.Tests[i].ExpectedResult = !flipped.Tests[i].ExpectedResult
		}
		res, err := RunTests(&flipped, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Passed {
				t.Errorf("%s: %q passes with its ExpectedResult flipped", d.ID, r.Name)
			}
		}
	}
}

func TestRunTestsByName(t *testing.T) {
	for _, d := range loadRules(t) {
		if d.ID != "Test.Group.Join" {
			continue
		}
		res, err := RunTests(d, []string{"different roles", "nope"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].Name != "different roles" || !res[0].Passed {
			t.Errorf("got %+v", res)
		}
	}
}

func TestTestYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "rules", "group_absence.yml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := TestYAML(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range res {
		if !r.Passed {
			t.Errorf("%s failed", r.Name)
		}
		names = append(names, r.Name)
	}
	if want := "login without mfa|mfa after the login|mfa before the login|mfa of someone else"; strings.Join(names, "|") != want {
		t.Errorf("tests %q, want %q", names, want)
	}
	for in, want := range map[string]string{
		"AnalysisType: rule\nRuleID: X\nEnabled: true\nSeverity: Low\nLogTypes: [A]\nDetection: [{KeyPath: a, Condition: Exists}]\n": "not a correlation rule",
		"AnalysisType: correlation_rule\nRuleID: X\nEnabled: true\nSeverity: Low\nDetection: [{Group: [{RuleID: A}]}]\n":             "Detection[0].Schedule: required key is missing",
		"AnalysisType: correlation_rule\n  bad: [": "invalid YAML",
	} {
		if _, err := TestYAML([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TestYAML(%q) = %v, want an error containing %q", in, err, want)
		}
	}
}

func TestTestErrors(t *testing.T) {
	r := loadRule(t, "Test.Group.Join")
	for _, c := range []struct {
		outputs []analysis.RuleOutput
		want    string
	}{
		{[]analysis.RuleOutput{{ID: "nope", Matches: map[string]any{}}}, `RuleOutputs[0].ID "nope" is not a member of the correlation rule (its members are "create", "attach")`},
		{[]analysis.RuleOutput{{ID: "create", Matches: []any{1}}}, "RuleOutputs[0].Matches: expected a mapping"},
		{[]analysis.RuleOutput{{ID: "create", Matches: map[string]any{"f": []any{1}}}}, "RuleOutputs[0].Matches.f: expected a mapping of values to lists of times"},
		{[]analysis.RuleOutput{{ID: "create", Matches: map[string]any{"f": map[string]any{"v": "x"}}}}, "RuleOutputs[0].Matches.f.v: expected a list of times"},
		{[]analysis.RuleOutput{{ID: "create", Matches: map[string]any{"f": map[string]any{"v": []any{"yesterday"}}}}}, `RuleOutputs[0].Matches.f.v[0]: "yesterday" is not a timestamp`},
	} {
		_, err := r.testWindow(analysis.Test{RuleOutputs: c.outputs})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.outputs, err, c.want)
		}
	}
}

// sig makes a signal at minute m.
func sig(rule string, m int, fields map[string][]string) *Signal {
	return &Signal{RuleID: rule, Time: testBase.Add(time.Duration(m) * time.Minute).UnixNano(),
		Key: fmt.Sprintf("%s@%d:%v", rule, m, fields), Fields: fields}
}

func minute(m int) int64 { return testBase.Add(time.Duration(m) * time.Minute).UnixNano() }

func window(r *Rule, from, to int, complete bool, sigs ...*Signal) *Window {
	w := &Window{Start: minute(from), End: minute(to), Complete: complete, Signals: make([][]*Signal, len(r.Members))}
	for _, s := range sigs {
		for i, m := range r.Members {
			if m.RuleID == s.RuleID {
				w.Signals[i] = append(w.Signals[i], s)
			}
		}
	}
	return w
}

func f(k, v string) map[string][]string { return map[string][]string{k: {v}} }

func TestGroupOccurrence(t *testing.T) {
	r := loadRule(t, "Test.Group.Counts")
	w := window(r, 0, 120, false,
		sig("Test.LoginFailed", 1, f("user", "ann")), sig("Test.LoginFailed", 2, f("user", "ann")),
		sig("Test.LoginFailed", 3, f("user", "ann")), sig("Test.LoginFailed", 4, f("user", "ann")),
		sig("Test.LoginSuccess", 5, f("user", "ann")), sig("Test.LoginSuccess", 50, f("user", "ann")),
		sig("Test.LoginFailed", 6, f("user", "bob")), sig("Test.PasswordReset", 7, f("user", "bob")),
	)
	occ := r.Evaluate(w)
	if len(occ) != 1 {
		t.Fatalf("got %d occurrences: %+v", len(occ), occ)
	}
	o := occ[0]
	if got := o.Dedup(r.ID()); got != "ann" {
		t.Errorf("dedup %q", got)
	}
	// Chronological: the shortest prefix where two members reached their counts: three
	// failures (at 1, 2, 3), the fourth (at 4) and the success at 5.
	if o.First != minute(1) || o.Time != minute(5) {
		t.Errorf("first %v time %v", time.Unix(0, o.First).UTC(), time.Unix(0, o.Time).UTC())
	}
	if len(o.Matches[0]) != 4 || len(o.Matches[1]) != 1 || len(o.Matches[2]) != 0 {
		t.Errorf("matches per member: %d %d %d", len(o.Matches[0]), len(o.Matches[1]), len(o.Matches[2]))
	}
	r.Order = ReverseChronological
	occ = r.Evaluate(w)
	if len(occ) != 1 || occ[0].Time != minute(50) || occ[0].First != minute(2) {
		t.Errorf("reverse: %+v", occ)
	}
}

func TestMultipleCriteria(t *testing.T) {
	d := &analysis.Detection{Header: analysis.Header{Type: analysis.TypeCorrelationRule, ID: "Multi"}, Correlation: &analysis.Correlation{
		Kind: "Group",
		Members: []analysis.CorrelationMember{
			{ID: "a", RuleID: "A", MinMatchCount: 1}, {ID: "b", RuleID: "B", MinMatchCount: 1}, {ID: "c", RuleID: "C", MinMatchCount: 1},
		},
		MatchCriteria: []analysis.MatchCriterion{
			{Name: "user", Fields: []analysis.CriterionField{{GroupID: "a", Match: "user"}, {GroupID: "b", Match: "user"}}},
			{Name: "ip", Fields: []analysis.CriterionField{{GroupID: "b", Match: "ip"}, {GroupID: "c", Match: "src"}}},
		},
		LookbackWindowMinutes: 60,
		Schedule:              analysis.Schedule{RateMinutes: 60, TimeoutMinutes: 1},
	}}
	r, err := Compile(d)
	if err != nil {
		t.Fatal(err)
	}
	occ := r.Evaluate(window(r, 0, 60, false,
		sig("A", 1, f("user", "ann")),
		sig("B", 2, map[string][]string{"user": {"ann"}, "ip": {"1.1.1.1", "2.2.2.2"}}),
		sig("B", 3, map[string][]string{"user": {"bob"}, "ip": {"3.3.3.3"}}),
		sig("C", 4, f("src", "2.2.2.2")),
		sig("C", 5, f("src", "3.3.3.3")),
	))
	if len(occ) != 1 || occ[0].Dedup("Multi") != "user=ann, ip=2.2.2.2" {
		t.Fatalf("got %+v", occ)
	}
}

// TestSequenceWindowDecides checks that an Absence is decided only when its time frame is
// inside the window, unless the window is complete.
func TestSequenceWindowDecides(t *testing.T) {
	r := loadRule(t, "Test.Sequence.NotFollowed")
	key := sig("Test.KeyCreated", 50, f("key_id", "k1"))
	if occ := r.Evaluate(window(r, 0, 60, false, key)); len(occ) != 0 {
		t.Errorf("decided before the time frame ended: %+v", occ)
	}
	if occ := r.Evaluate(window(r, 0, 60, true, key)); len(occ) != 1 {
		t.Errorf("complete window: %+v", occ)
	}
	if occ := r.Evaluate(window(r, 0, 66, false, key)); len(occ) != 1 {
		t.Errorf("time frame inside the window: %+v", occ)
	}
	rot := sig("Test.KeyRotated", 64, f("key_id", "k1"))
	if occ := r.Evaluate(window(r, 0, 66, false, key, rot)); len(occ) != 0 {
		t.Errorf("rotated: %+v", occ)
	}

	r = loadRule(t, "Test.Sequence.NotPreceded")
	login := sig("Test.ConsoleLogin", 2, f("userIdentity.userName", "igor"))
	if occ := r.Evaluate(window(r, 0, 60, false, login)); len(occ) != 0 {
		t.Errorf("decided without the minutes before the login: %+v", occ)
	}
	if occ := r.Evaluate(window(r, -10, 60, false, login)); len(occ) != 1 {
		t.Errorf("not preceded: %+v", occ)
	}
}

// occSummary renders occurrences for comparison.
func occSummary(occ []Occurrence) string {
	var b strings.Builder
	for _, o := range occ {
		fmt.Fprintf(&b, "%d %d %v [", o.Time, o.First, o.Keys)
		for _, list := range o.Matches {
			for _, s := range list {
				b.WriteString(s.Key + " ")
			}
			b.WriteString("|")
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestOrderIndependence evaluates random windows of every fixture rule with the signals in
// many orders: the occurrences must not change.
func TestOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, d := range loadRules(t) {
		r, err := Compile(d)
		if err != nil {
			t.Fatal(err)
		}
		fields := r.Fields()
		for round := 0; round < 30; round++ {
			var sigs []*Signal
			for k := 0; k < 2+rng.Intn(25); k++ {
				m := r.Members[rng.Intn(len(r.Members))]
				fs := map[string][]string{}
				for _, p := range fields[m.RuleID] {
					fs[p] = []string{[]string{"a", "b", "c"}[rng.Intn(3)]}
				}
				s := sig(m.RuleID, rng.Intn(200), fs)
				s.Key = fmt.Sprintf("k%d", k)
				sigs = append(sigs, s)
			}
			want := occSummary(r.Evaluate(window(r, 0, 200, round%2 == 0, sigs...)))
			for p := 0; p < 5; p++ {
				shuffled := append([]*Signal(nil), sigs...)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				if got := occSummary(r.Evaluate(window(r, 0, 200, round%2 == 0, shuffled...))); got != want {
					t.Fatalf("%s: order changed the result:\n%s\nvs\n%s", d.ID, got, want)
				}
			}
		}
	}
}

func TestRuns(t *testing.T) {
	r := loadRule(t, "Test.Group.Join") // every 30 minutes, 60 minutes back
	at := time.Date(2024, 6, 1, 10, 10, 0, 0, time.UTC)
	got := r.RunsCovering(at)
	want := []time.Time{
		time.Date(2024, 6, 1, 10, 30, 0, 0, time.UTC),
		time.Date(2024, 6, 1, 11, 0, 0, 0, time.UTC),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RunsCovering = %v, want %v", got, want)
	}
	if next := r.NextRun(time.Date(2024, 6, 1, 10, 30, 0, 0, time.UTC)); !next.Equal(want[1]) {
		t.Errorf("NextRun = %v", next)
	}
	c := loadRule(t, "Test.Group.NoCriteria") // cron hourly, 60 minutes back
	if got := c.RunsCovering(at); len(got) != 1 || !got[0].Equal(time.Date(2024, 6, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("cron RunsCovering = %v", got)
	}
}

func TestSignalValues(t *testing.T) {
	s := &Signal{Doc: []byte(`{"user":{"Name":"ann","ids":[1,2,{"x":true}],"n":null},"p_alert_context":{"ip":"1.1.1.1"},"flag":false,"list":[{"k":"a"},{"k":"b"},{"k":"a"}]}`)}
	for path, want := range map[string][]string{
		"user.name":          {"ann"},
		"user.ids":           {"1", "2"},
		"user.ids.x":         {"true"},
		"user.n":             nil,
		"p_alert_context.ip": {"1.1.1.1"},
		"flag":               {"false"},
		"list.k":             {"a", "b"},
		"user":               nil,
		"missing.path":       nil,
	} {
		if got := s.Values(path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}

// FuzzEvaluate builds windows from fuzz input for every fixture rule: evaluation must not
// panic and must not depend on the order of the signals.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0, 0, 0, 200, 1, 1, 3, 50, 2})
	rules := []*Rule{}
	for _, d := range loadRules(f) {
		r, err := Compile(d)
		if err != nil {
			f.Fatal(err)
		}
		rules = append(rules, r)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, r := range rules {
			fields := r.Fields()
			var sigs []*Signal
			for i := 0; i+2 < len(data) && len(sigs) < 64; i += 3 {
				m := r.Members[int(data[i])%len(r.Members)]
				fs := map[string][]string{}
				for _, p := range fields[m.RuleID] {
					fs[p] = []string{string('a' + rune(data[i+2]%3))}
				}
				s := sig(m.RuleID, int(data[i+1]), fs)
				s.Key = fmt.Sprintf("k%d", i)
				sigs = append(sigs, s)
			}
			complete := len(data)%2 == 0
			want := occSummary(r.Evaluate(window(r, 0, 256, complete, sigs...)))
			rev := append([]*Signal(nil), sigs...)
			for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
				rev[i], rev[j] = rev[j], rev[i]
			}
			if got := occSummary(r.Evaluate(window(r, 0, 256, complete, rev...))); got != want {
				t.Fatalf("%s: order changed the result", r.ID())
			}
		}
	})
}

// FuzzCompile loads arbitrary specs: every correlation rule the loader accepts must compile,
// and its tests must run without panicking.
func FuzzCompile(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.yml"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		col, err := analysis.LoadBytes("spec.yml", data, analysis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range col.Detections {
			if d.Type != analysis.TypeCorrelationRule {
				continue
			}
			if _, err := Compile(d); err != nil {
				t.Fatalf("a valid correlation rule does not compile: %v", err)
			}
			if _, err := RunTests(d, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}
