package alerts_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/state"
)

var t0 = time.Date(2024, 10, 15, 12, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func open(t testing.TB, raised *[]string) (*alerts.Store, *clock) {
	t.Helper()
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := alerts.Open(context.Background(), db, alerts.Options{Now: c.Now,
		OnRaise: func(_ context.Context, _ *sql.Tx, a *alerts.Alert) error {
			if raised != nil {
				*raised = append(*raised, a.ID)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

var keys int

func match(det, dedup string, at time.Time) alerts.Match {
	keys++
	return alerts.Match{Type: alerts.TypeRule, DetectionID: det, Dedup: dedup, EventTime: at, LogType: "AWS.CloudTrail", EventKey: fmt.Sprint(keys),
		Title: "title " + dedup + " " + at.Format(time.RFC3339), Severity: "HIGH", DedupPeriod: time.Hour, Threshold: 1}
}

func record(t *testing.T, s *alerts.Store, ms ...alerts.Match) []alerts.Assignment {
	t.Helper()
	as, _, err := s.Record(context.Background(), ms)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func list(t *testing.T, s *alerts.Store, f alerts.Filter) []*alerts.Alert {
	t.Helper()
	f.Limit = 1000
	p, err := s.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return p.Alerts
}

func TestWindowsAreOnEventTime(t *testing.T) {
	s, _ := open(t, nil)
	as := record(t, s,
		match("R", "a", t0.Add(5*time.Minute)),
		match("R", "a", t0.Add(59*time.Minute)),
		match("R", "a", t0.Add(61*time.Minute)), // next UTC hour: another window
		match("R", "b", t0.Add(5*time.Minute)),  // another dedup string
		match("Q", "a", t0.Add(5*time.Minute)),  // another detection
	)
	if as[0].AlertID != as[1].AlertID {
		t.Error("same hour, same dedup: different alerts")
	}
	ids := map[string]bool{}
	for _, a := range as {
		ids[a.AlertID] = true
	}
	if len(ids) != 4 {
		t.Errorf("%d alerts, want 4", len(ids))
	}
	got := list(t, s, alerts.Filter{})
	if len(got) != 4 {
		t.Fatalf("listed %d alerts", len(got))
	}
	a, err := s.Get(context.Background(), as[0].AlertID)
	if err != nil {
		t.Fatal(err)
	}
	if a.EventCount != 2 || !a.WindowStart.Equal(t0) || !a.WindowEnd.Equal(t0.Add(time.Hour)) ||
		!a.FirstEventTime.Equal(t0.Add(5*time.Minute)) || !a.LastEventTime.Equal(t0.Add(59*time.Minute)) {
		t.Errorf("alert = %+v", a)
	}
	// A day-long dedup period makes one window per UTC day.
	m1, m2 := match("D", "x", t0.Add(-11*time.Hour)), match("D", "x", t0.Add(11*time.Hour))
	m1.DedupPeriod, m2.DedupPeriod = 24*time.Hour, 24*time.Hour
	as = record(t, s, m1, m2)
	if as[0].AlertID != as[1].AlertID {
		t.Error("same UTC day: different alerts")
	}
	m3 := match("D", "x", t0.Add(12*time.Hour)) // 2024-10-16 00:00
	m3.DedupPeriod = 24 * time.Hour
	if as2 := record(t, s, m3); as2[0].AlertID == as[0].AlertID {
		t.Error("next UTC day joined the previous day's alert")
	}
}

func TestLateEventJoinsItsWindow(t *testing.T) {
	var raised []string
	s, c := open(t, &raised)
	first := record(t, s, match("R", "a", t0.Add(10*time.Minute)))
	c.now = c.now.Add(3 * time.Hour)
	record(t, s, match("R", "a", t0.Add(2*time.Hour))) // a newer window
	c.now = c.now.Add(3 * time.Hour)
	late := record(t, s, match("R", "a", t0.Add(1*time.Minute))) // arrives hours later
	if late[0].AlertID != first[0].AlertID {
		t.Fatal("late event started a new alert")
	}
	a, _ := s.Get(context.Background(), first[0].AlertID)
	if a.EventCount != 2 || !a.FirstEventTime.Equal(t0.Add(time.Minute)) {
		t.Errorf("alert = %+v", a)
	}
	// The late event is the earliest: it becomes the representative.
	if a.Title != "title a "+t0.Add(time.Minute).Format(time.RFC3339) {
		t.Errorf("title = %q", a.Title)
	}
	if len(raised) != 2 {
		t.Errorf("raised %d alerts, want 2 (no re-notification for the late event)", len(raised))
	}
	if !late[0].CreatedAt.Equal(first[0].CreatedAt) {
		t.Errorf("creation time changed: %v %v", first[0].CreatedAt, late[0].CreatedAt)
	}
}

func TestThreshold(t *testing.T) {
	var raised []string
	s, _ := open(t, &raised)
	mk := func(min int) alerts.Match {
		m := match("T", "d", t0.Add(time.Duration(min)*time.Minute))
		m.Threshold = 3
		return m
	}
	as := record(t, s, mk(1), mk(2))
	if len(list(t, s, alerts.Filter{})) != 0 || len(raised) != 0 {
		t.Fatal("alert raised below the threshold")
	}
	if !as[0].CreatedAt.IsZero() {
		t.Error("unraised alert has a creation time")
	}
	if _, err := s.Get(context.Background(), as[0].AlertID); err == nil {
		t.Error("unraised alert is visible")
	}
	as = record(t, s, mk(3))
	got := list(t, s, alerts.Filter{})
	if len(got) != 1 || got[0].EventCount != 3 || len(raised) != 1 || as[0].CreatedAt.IsZero() {
		t.Fatalf("after the third match: %d alerts, raised %v", len(got), raised)
	}
	record(t, s, mk(4))
	got = list(t, s, alerts.Filter{})
	if got[0].EventCount != 4 || len(raised) != 1 {
		t.Errorf("after the fourth: count %d, raised %d times", got[0].EventCount, len(raised))
	}
	// The window resets the count: the next hour needs 3 matches again.
	record(t, s, mk(61), mk(62))
	if len(list(t, s, alerts.Filter{})) != 1 {
		t.Error("the next window inherited the count")
	}
}

func TestThresholdCountsUniqueValues(t *testing.T) {
	s, _ := open(t, nil)
	mk := func(min int, user string) alerts.Match {
		m := match("U", "d", t0.Add(time.Duration(min)*time.Minute))
		m.Threshold, m.HasUnique, m.Unique = 3, true, user
		return m
	}
	record(t, s, mk(1, "alice"), mk(2, "alice"), mk(3, "bob"), mk(4, "bob"), mk(5, "alice"))
	if n := len(list(t, s, alerts.Filter{})); n != 0 {
		t.Fatalf("raised with 2 distinct values")
	}
	record(t, s, mk(6, "carol"))
	got := list(t, s, alerts.Filter{})
	if len(got) != 1 || got[0].EventCount != 6 || got[0].UniqueCount != 3 {
		t.Fatalf("got %+v", got)
	}
}

func TestRuleErrorsHaveNoThreshold(t *testing.T) {
	s, _ := open(t, nil)
	m := match("R", "ZeroDivisionError", t0)
	m.Type, m.Threshold, m.ErrorMessage = alerts.TypeRuleError, 100, "rule.py:3: ZeroDivisionError: division by zero"
	ok := match("R", "ZeroDivisionError", t0) // a RULE match with the same dedup string
	ok.Threshold = 100
	as := record(t, s, m, ok)
	if as[0].AlertID == as[1].AlertID {
		t.Error("a rule error and a match share an alert")
	}
	got := list(t, s, alerts.Filter{Types: []alerts.Type{alerts.TypeRuleError}})
	if len(got) != 1 || got[0].ErrorMessage == "" || got[0].Type != alerts.TypeRuleError {
		t.Errorf("got %+v", got)
	}
}

// TestReplayGivesTheSameAlerts records the same matches in several orders and batchings,
// into fresh stores: the alerts are the same.
func TestReplayGivesTheSameAlerts(t *testing.T) {
	var ms []alerts.Match
	for i := 0; i < 200; i++ {
		m := match(fmt.Sprintf("R%d", i%3), fmt.Sprintf("d%d", i%5), t0.Add(time.Duration(i*2)*time.Minute))
		m.Threshold = 2
		m.Severity = []string{"LOW", "HIGH"}[i%2]
		ms = append(ms, m)
	}
	summary := func(s *alerts.Store) string {
		var lines []string
		for _, a := range list(t, s, alerts.Filter{}) {
			lines = append(lines, fmt.Sprintf("%s %s %s %d %s %s %v", a.ID, a.DetectionID, a.Dedup, a.EventCount, a.Title, a.Severity, a.FirstEventTime))
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	s1, _ := open(t, nil)
	record(t, s1, ms...)
	want := summary(s1)
	if want == "" {
		t.Fatal("no alerts")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for run := 0; run < 3; run++ {
		shuffled := append([]alerts.Match(nil), ms...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s2, _ := open(t, nil)
		for len(shuffled) > 0 {
			n := min(1+rng.IntN(40), len(shuffled))
			record(t, s2, shuffled[:n]...)
			shuffled = shuffled[n:]
		}
		if got := summary(s2); got != want {
			t.Fatalf("run %d: alerts differ:\n%s\nwant\n%s", run, got, want)
		}
	}
	// Replaying into the same store raises nothing new.
	var raised []string
	s3, _ := open(t, &raised)
	record(t, s3, ms...)
	n := len(raised)
	record(t, s3, ms...)
	if len(raised) != n {
		t.Errorf("replay raised %d more alerts", len(raised)-n)
	}
}

func TestLifecycle(t *testing.T) {
	s, c := open(t, nil)
	ctx := context.Background()
	as := record(t, s, match("R", "a", t0), match("R", "b", t0))
	id := as[0].AlertID
	c.now = c.now.Add(time.Minute)
	if err := s.SetStatus(ctx, []string{id}, alerts.StatusTriaged, "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := s.Assign(ctx, []string{id}, "bob@example.com", "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddComment(ctx, id, "bob@example.com", "looking into it"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, []string{id}, alerts.StatusResolved, "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetStatus(ctx, []string{id}, "DONE", "bob"); err == nil {
		t.Error("invalid status accepted")
	}
	if err := s.SetStatus(ctx, []string{"nope"}, alerts.StatusClosed, "bob"); err == nil {
		t.Error("unknown alert accepted")
	}
	a, _ := s.Get(ctx, id)
	if a.Status != alerts.StatusResolved || a.Assignee != "bob@example.com" {
		t.Errorf("alert = %+v", a)
	}
	h, err := s.History(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range h {
		got = append(got, ch.Actor+" "+ch.Action+" "+ch.Old+"->"+ch.New)
	}
	want := []string{"panther raised ->1 matches", "alice@example.com status OPEN->TRIAGED",
		"alice@example.com assignee ->bob@example.com", "bob@example.com comment ->looking into it",
		"bob@example.com status TRIAGED->RESOLVED"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("history:\n%s", strings.Join(got, "\n"))
	}
	cs, _ := s.Comments(ctx, id)
	if len(cs) != 1 || cs[0].Body != "looking into it" {
		t.Errorf("comments = %+v", cs)
	}
	if got := list(t, s, alerts.Filter{Statuses: []alerts.Status{alerts.StatusOpen}}); len(got) != 1 || got[0].ID != as[1].AlertID {
		t.Errorf("open alerts = %v", got)
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s, c := open(t, nil)
	for i := 0; i < 25; i++ {
		c.now = c.now.Add(time.Second)
		m := match(fmt.Sprintf("Rule.%d", i%4), fmt.Sprintf("d%d", i), t0.Add(time.Duration(i)*time.Minute))
		m.Severity = []string{"LOW", "MEDIUM", "HIGH", "CRITICAL", "INFO"}[i%5]
		if i%6 == 0 {
			m.LogType = "Okta.SystemLog"
		}
		record(t, s, m)
	}
	all := list(t, s, alerts.Filter{})
	if len(all) != 25 || !all[0].CreatedAt.After(all[24].CreatedAt) {
		t.Fatalf("list: %d, not newest first", len(all))
	}
	if n := len(list(t, s, alerts.Filter{Severities: []string{"high", "critical"}})); n != 10 {
		t.Errorf("severity filter: %d", n)
	}
	if n := len(list(t, s, alerts.Filter{DetectionID: "Rule.1"})); n != 6 {
		t.Errorf("detection filter: %d", n)
	}
	if n := len(list(t, s, alerts.Filter{LogType: "Okta.SystemLog"})); n != 5 {
		t.Errorf("log type filter: %d", n)
	}
	if n := len(list(t, s, alerts.Filter{Text: "TITLE D1 "})); n != 1 {
		t.Errorf("text filter: %d", n)
	}
	from := all[9].CreatedAt
	if n := len(list(t, s, alerts.Filter{From: from})); n != 10 {
		t.Errorf("time filter: %d", n)
	}
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		p, err := s.List(context.Background(), alerts.Filter{Limit: 7, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Alerts {
			seen = append(seen, a.ID)
		}
		if p.Next == "" {
			if pages != 3 {
				t.Errorf("%d pages", pages+1)
			}
			break
		}
		cursor = p.Next
	}
	if len(seen) != 25 {
		t.Errorf("paged through %d alerts", len(seen))
	}
}
