package correlate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/analysis"
	"github.com/pantherlabs/panther/internal/state"
)

// liveRules is the content of the live tests: a Group, a Sequence with a "not followed by",
// a signal-only Group (CreateAlert: false) and a correlation rule made of it.
var liveRules = fstest.MapFS{
	"group.yml": {Data: []byte(`AnalysisType: correlation_rule
RuleID: Live.Group
DisplayName: Role created and made admin
Enabled: true
Severity: High
Description: A role was created and given admin rights.
Tags: [IAM]
Detection:
  - Group:
      - ID: create
        RuleID: R.Create
      - ID: attach
        RuleID: R.Attach
    MatchCriteria:
      role:
        - GroupID: create
          Match: p_alert_context.role
        - GroupID: attach
          Match: requestParameters.roleName
    LookbackWindowMinutes: 90
    Schedule: {RateMinutes: 60, TimeoutMinutes: 5}
`)},
	"sequence.yml": {Data: []byte(`AnalysisType: correlation_rule
RuleID: Live.NotRotated
Enabled: true
Severity: Medium
Detection:
  - Sequence:
      - ID: key
        RuleID: R.Key
      - ID: rotated
        RuleID: R.Rotate
        Absence: true
    Transitions:
      - From: key
        To: rotated
        WithinTimeFrameMinutes: 20
        Match:
          - On: key_id
    LookbackWindowMinutes: 120
    Schedule: {RateMinutes: 60, TimeoutMinutes: 5}
`)},
	"signal.yml": {Data: []byte(`AnalysisType: correlation_rule
RuleID: Live.Signal
Enabled: true
CreateAlert: false
Severity: Low
Detection:
  - Group:
      - ID: a
        RuleID: R.A
      - ID: b
        RuleID: R.B
    MatchCriteria:
      user:
        - GroupID: a
          Match: user
        - GroupID: b
          Match: user
    LookbackWindowMinutes: 60
    Schedule: {RateMinutes: 30, TimeoutMinutes: 5}
`)},
	"nested.yml": {Data: []byte(`AnalysisType: correlation_rule
RuleID: Live.Nested
Enabled: true
Severity: Critical
Detection:
  - Group:
      - ID: signal
        RuleID: Live.Signal
      - ID: c
        RuleID: R.C
    MatchCriteria:
      user:
        - GroupID: signal
          Match: user
        - GroupID: c
          Match: actor
    LookbackWindowMinutes: 60
    Schedule: {RateMinutes: 30, TimeoutMinutes: 5}
`)},
}

var t0 = time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)

type harness struct {
	c   *Correlator
	al  *alerts.Store
	now time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	col, err := analysis.LoadFS(liveRules, "", analysis.Options{})
	if err != nil || len(col.Invalid) > 0 {
		t.Fatalf("%v %v", err, col.Problems())
	}
	h := &harness{now: t0.Add(24 * time.Hour)}
	ctx := context.Background()
	h.al, err = alerts.Open(ctx, db, alerts.Options{Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	h.c, err = New(ctx, db, col, h.al, Options{Now: func() time.Time { return h.now }})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// feed records signals and evaluates the runs due at now.
func (h *harness) feed(t *testing.T, now time.Time, sigs ...Signal) Result {
	t.Helper()
	ctx := context.Background()
	if err := h.c.Record(ctx, sigs); err != nil {
		t.Fatal(err)
	}
	res, err := h.c.Evaluate(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// live makes a signal at minute m of t0 whose event carries the given JSON fields.
func live(rule string, m int, doc string) Signal {
	return Signal{RuleID: rule, Time: t0.Add(time.Duration(m) * time.Minute).UnixNano(), Doc: []byte(doc),
		Key: fmt.Sprintf("%s/%d/%s", rule, m, doc), RowID: fmt.Sprintf("row-%s-%d", rule, m), LogType: "AWS.CloudTrail"}
}

// liveSignals is a day of member matches for every live rule.
func liveSignals() []Signal {
	var out []Signal
	for i, role := range []string{"ops", "dev", "qa"} {
		out = append(out, live("R.Create", 10+i*200, `{"p_alert_context":{"role":"`+role+`"}}`))
		if role != "qa" {
			out = append(out, live("R.Attach", 40+i*200, `{"requestParameters":{"roleName":"`+role+`"}}`))
		}
	}
	out = append(out, live("R.Attach", 700, `{"requestParameters":{"roleName":"qa"}}`)) // too late for qa
	for i, k := range []string{"k1", "k2", "k3"} {
		out = append(out, live("R.Key", 100+i*300, `{"key_id":"`+k+`"}`))
	}
	out = append(out, live("R.Rotate", 410, `{"key_id":"k2"}`)) // k2 is rotated in time
	for i, u := range []string{"ann", "bob"} {
		out = append(out, live("R.A", 300+i*100, `{"user":"`+u+`"}`), live("R.B", 310+i*100, `{"user":"`+u+`"}`))
	}
	out = append(out, live("R.C", 320, `{"actor":"ann"}`))
	return out
}

// alertSummary lists the raised alerts with their counts and keys.
func alertSummary(t *testing.T, h *harness) string {
	t.Helper()
	page, err := h.al.List(context.Background(), alerts.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, a := range page.Alerts {
		lines = append(lines, fmt.Sprintf("%s %s %q %s n=%d first=%s", a.DetectionID, a.ID, a.Dedup, a.Severity, a.EventCount, a.FirstEventTime.Format("15:04")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestLiveAlerts(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := h.feed(t, h.now, liveSignals()...)
	got := alertSummary(t, h)
	for _, want := range []string{`Live.Group`, `"ops" HIGH n=1 first=10:40`, `"dev" HIGH n=1 first=14:00`,
		`Live.NotRotated`, `"k1" MEDIUM n=1 first=11:40`, `"k3" MEDIUM n=1 first=21:40`, `Live.Nested`, `"ann" CRITICAL`} {
		if !strings.Contains(got, want) {
			t.Errorf("alerts lack %s:\n%s", want, got)
		}
	}
	for _, not := range []string{`"qa"`, `"k2"`, `Live.Signal`, `"bob"`} {
		if strings.Contains(got, not) {
			t.Errorf("alerts have %s:\n%s", not, got)
		}
	}
	if len(res.Raised) != 5 || res.Runs == 0 {
		t.Errorf("result: %d raised, %d runs", len(res.Raised), res.Runs)
	}
	// The alert carries the rule's metadata and links to the member matches.
	for _, a := range res.Raised {
		if a.DetectionID != "Live.Group" || a.Dedup != "ops" {
			continue
		}
		if a.Title != "Role created and made admin" || a.Description != "A role was created and given admin rights." ||
			strings.Join(a.Tags, ",") != "IAM" || strings.Join(a.LogTypes, ",") != "AWS.CloudTrail" {
			t.Errorf("alert: %+v", a)
		}
		var ctxDoc struct {
			Correlation struct {
				Kind    string            `json:"kind"`
				Keys    map[string]string `json:"keys"`
				Members []struct {
					ID     string   `json:"id"`
					RowIDs []string `json:"p_row_ids"`
				} `json:"members"`
			} `json:"correlation"`
		}
		if err := json.Unmarshal(a.Context, &ctxDoc); err != nil {
			t.Fatal(err)
		}
		c := ctxDoc.Correlation
		if c.Kind != "Group" || c.Keys["role"] != "ops" || len(c.Members) != 2 ||
			strings.Join(c.Members[0].RowIDs, ",") != "row-R.Create-10" || strings.Join(c.Members[1].RowIDs, ",") != "row-R.Attach-40" {
			t.Errorf("context: %s", a.Context)
		}
	}
	// Nothing new: evaluating again raises nothing and evaluates nothing.
	res, err := h.c.Evaluate(ctx, h.now.Add(time.Hour))
	if err != nil || len(res.Raised) != 0 || res.Runs != 0 {
		t.Errorf("second evaluation: %+v %v", res, err)
	}
}

// TestArrivalOrderIndependence records the same signals in random batches, evaluating between
// batches at random times: the alerts are those of recording everything at once. An Absence
// is the exception: a run that decided a key was not rotated raises its alert, and a rotation
// that arrives after that run cannot take it back, so the runs of the Absence rule here are
// evaluated once every match has arrived (as when matches arrive before their runs are due).
func TestArrivalOrderIndependence(t *testing.T) {
	ref := newHarness(t)
	ctx := context.Background()
	ref.feed(t, ref.now, liveSignals()...)
	want := alertSummary(t, ref)
	rng := rand.New(rand.NewSource(7))
	for round := 0; round < 6; round++ {
		h := newHarness(t)
		sigs := liveSignals()
		rng.Shuffle(len(sigs), func(i, j int) { sigs[i], sigs[j] = sigs[j], sigs[i] })
		for len(sigs) > 0 {
			n := 1 + rng.Intn(4)
			if n > len(sigs) {
				n = len(sigs)
			}
			if err := h.c.Record(ctx, sigs[:n]); err != nil {
				t.Fatal(err)
			}
			sigs = sigs[n:]
			if rng.Intn(2) == 0 {
				if err := h.evaluateExcept(ctx, t0.Add(time.Duration(rng.Intn(24*60))*time.Minute), "Live.NotRotated"); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Duplicates of signals already kept change nothing either.
		if err := h.c.Record(ctx, liveSignals()[:4]); err != nil {
			t.Fatal(err)
		}
		if _, err := h.c.Evaluate(ctx, h.now); err != nil {
			t.Fatal(err)
		}
		if got := alertSummary(t, h); got != want {
			t.Fatalf("round %d: alerts differ from one batch:\n%s\nwant\n%s", round, got, want)
		}
	}
}

// evaluateExcept evaluates the due runs of every rule but one.
func (h *harness) evaluateExcept(ctx context.Context, now time.Time, skip string) error {
	all := h.c.rules
	defer func() { h.c.rules = all }()
	var some []*Rule
	for _, r := range all {
		if r.ID() != skip {
			some = append(some, r)
		}
	}
	h.c.rules = some
	_, err := h.c.Evaluate(ctx, now)
	return err
}

// TestLateAbsence documents the exception: a match of an Absence member that arrives after
// the run that decided its absence does not take the alert back.
func TestLateAbsence(t *testing.T) {
	h := newHarness(t)
	if res := h.feed(t, h.now, live("R.Key", 100, `{"key_id":"k2"}`)); len(res.Raised) != 1 {
		t.Fatalf("%+v", res)
	}
	if res := h.feed(t, h.now, live("R.Rotate", 110, `{"key_id":"k2"}`)); len(res.Raised) != 0 || res.Occurrences != 0 {
		t.Fatalf("after the rotation: %+v", res)
	}
	if got := alertSummary(t, h); strings.Count(got, "\n") != 0 || !strings.Contains(got, `"k2"`) {
		t.Errorf("alerts:\n%s", got)
	}
}

// TestLateMatch: a member match that arrives after its window was evaluated makes the window
// evaluated again and raises the alert it completes.
func TestLateMatch(t *testing.T) {
	h := newHarness(t)
	if res := h.feed(t, h.now, live("R.Create", 10, `{"p_alert_context":{"role":"ops"}}`)); len(res.Raised) != 0 || res.Runs != 1 {
		t.Fatalf("before the late match: %+v", res)
	}
	if res := h.feed(t, h.now, live("R.Attach", 50, `{"requestParameters":{"roleName":"ops"}}`)); len(res.Raised) != 1 || res.Raised[0].Dedup != "ops" {
		t.Fatalf("after the late match: %+v", res)
	}
}

// TestRunsWaitForTheirTime: Evaluate leaves runs that are not due yet; Flush evaluates them
// early but keeps them pending, and an Absence whose time frame is not over is not decided.
func TestRunsWaitForTheirTime(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if err := h.c.Record(ctx, []Signal{
		live("R.Create", 10, `{"p_alert_context":{"role":"ops"}}`),
		live("R.Attach", 20, `{"requestParameters":{"roleName":"ops"}}`),
		live("R.Key", 50, `{"key_id":"k9"}`),
	}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(30 * time.Minute) // before the 11:00 run
	if res, err := h.c.Evaluate(ctx, now); err != nil || res.Runs != 0 {
		t.Fatalf("runs before their time: %+v %v", res, err)
	}
	res, err := h.c.Flush(ctx, now)
	if err != nil || len(res.Raised) != 1 || res.Raised[0].DetectionID != "Live.Group" {
		t.Fatalf("flush: %+v %v", res, err)
	}
	// k9 at 10:50 is not rotated by 11:10; the 11:00 window cannot tell, the 12:00 one can.
	res, err = h.c.Evaluate(ctx, t0.Add(3*time.Hour))
	if err != nil || len(res.Raised) != 1 || res.Raised[0].Dedup != "k9" {
		t.Fatalf("later: %+v %v", res, err)
	}
}

func TestPrune(t *testing.T) {
	h := newHarness(t)
	h.feed(t, h.now, liveSignals()...)
	h.now = h.now.Add(8 * 24 * time.Hour)
	h.feed(t, h.now)
	var n int
	if err := h.c.store.db.QueryRow(`SELECT count(*) FROM correlation_signals WHERE rule_id NOT LIKE 'Live.%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d signals left after their retention (%v)", n, err)
	}
}

func TestWantsAndMembers(t *testing.T) {
	h := newHarness(t)
	if !h.c.Wants("R.Create") || !h.c.Wants("Live.Signal") || h.c.Wants("R.Other") {
		t.Error("Wants")
	}
	if got := h.c.Fields("R.Create"); len(got) != 1 || got[0] != "p_alert_context.role" {
		t.Errorf("Fields = %v", got)
	}
	ids := []string{}
	for _, r := range h.c.Rules() {
		ids = append(ids, r.ID())
	}
	if strings.Join(ids, ",") != "Live.Group,Live.Signal,Live.Nested,Live.NotRotated" {
		t.Errorf("rule order %v (inner rules first)", ids)
	}
	missing := h.c.MissingMembers(map[string]bool{"R.Create": true, "R.Attach": true, "R.A": true, "R.B": true, "R.C": true, "R.Key": true, "Live.Signal": true})
	if len(missing) != 1 || !strings.Contains(missing[0], "Live.NotRotated: its member rule R.Rotate is not loaded") {
		t.Errorf("MissingMembers = %q", missing)
	}
}
