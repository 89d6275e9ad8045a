package lakequery_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/lakequery"
)

func TestSavedQueries(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	ctx := context.Background()
	sq, err := f.svc.CreateSavedQuery(ctx, lakequery.SavedQuery{Name: " Busy clients ", Description: "Who talks most",
		SQL: "SELECT src, count(*) AS n FROM custom_net GROUP BY 1 ORDER BY 2 DESC, 1", Tags: []string{"network", " ", "Triage"}}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if sq.ID == "" || sq.Name != "Busy clients" || fmt.Sprint(sq.Tags) != "[network Triage]" || sq.CreatedBy != alice || sq.CreatedAt.IsZero() {
		t.Errorf("created %+v", sq)
	}
	if _, err := f.svc.CreateSavedQuery(ctx, lakequery.SavedQuery{Name: "Busy clients", SQL: "SELECT 1"}, alice); !errors.Is(err, lakequery.ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	for _, bad := range []lakequery.SavedQuery{
		{SQL: "SELECT 1"},
		{Name: "x"},
		{Name: "x", SQL: "SELECT 1", Database: "nope"},
		{Name: "x", SQL: "SELECT 1", Schedule: &lakequery.Schedule{}},
		{Name: "x", SQL: "SELECT 1", Schedule: &lakequery.Schedule{CronExpression: "0 * * * *", RateMinutes: 5}},
	} {
		if _, err := f.svc.CreateSavedQuery(ctx, bad, alice); !isInput(err) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	sched, err := f.svc.CreateSavedQuery(ctx, lakequery.SavedQuery{Name: "Hourly errors", SQL: "SELECT 1", Database: "panther_logs.public",
		Schedule: &lakequery.Schedule{RateMinutes: 60, TimeoutMinutes: 2}}, alice)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetSavedQuery(ctx, sched.ID)
	if err != nil || got.Schedule == nil || got.Schedule.RateMinutes != 60 || got.Database != "panther_logs" {
		t.Errorf("get: %+v %v", got, err)
	}
	// Run it: the history names it.
	id, err := f.svc.RunSavedQuery(ctx, sq.ID, alice, lakequery.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	q, _ := f.svc.Wait(ctx, id)
	if q.Status != lakequery.StatusSucceeded || q.Name != "Busy clients" || q.Stats.RowCount != 48 {
		t.Errorf("run: %+v", q)
	}
	// Update, list, put by name, delete by name.
	bob := lakequery.Actor{Type: lakequery.ActorUser, ID: "u-bob"}
	sq.Description = "Top talkers"
	up, err := f.svc.UpdateSavedQuery(ctx, sq.ID, sq, bob)
	if err != nil || up.Description != "Top talkers" || up.CreatedBy != alice || up.UpdatedBy != bob {
		t.Errorf("update: %+v %v", up, err)
	}
	if _, err := f.svc.UpdateSavedQuery(ctx, sq.ID, lakequery.SavedQuery{Name: "Hourly errors", SQL: "SELECT 2"}, bob); !errors.Is(err, lakequery.ErrExists) {
		t.Errorf("rename onto another: %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := f.svc.PutSavedQuery(ctx, lakequery.SavedQuery{Name: fmt.Sprintf("Bulk %d", i), SQL: "SELECT 3", Managed: true}, bob); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := f.svc.PutSavedQuery(ctx, lakequery.SavedQuery{Name: "Bulk 1", SQL: "SELECT 4"}, bob); err != nil || p.SQL != "SELECT 4" {
		t.Errorf("put over: %+v %v", p, err)
	}
	page, err := f.svc.ListSavedQueries(ctx, lakequery.SavedQueriesInput{Limit: 2})
	if err != nil || len(page.Queries) != 2 || page.Queries[0].Name != "Bulk 0" || page.Next != "Bulk 1" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = f.svc.ListSavedQueries(ctx, lakequery.SavedQueriesInput{Limit: 2, Cursor: page.Next})
	if err != nil || len(page.Queries) != 2 || page.Queries[0].Name != "Bulk 2" || page.Queries[1].Name != "Busy clients" {
		t.Fatalf("second page: %+v %v", page, err)
	}
	for in, want := range map[lakequery.SavedQueriesInput]string{
		{Contains: "TALKERS"}: "Busy clients", {Tag: "triage"}: "Busy clients", {Contains: "hourly"}: "Hourly errors",
	} {
		p, err := f.svc.ListSavedQueries(ctx, in)
		if err != nil || len(p.Queries) != 1 || p.Queries[0].Name != want {
			t.Errorf("%+v: %+v %v", in, p.Queries, err)
		}
	}
	names, err := f.svc.DeleteSavedQueriesByName(ctx, []string{"Bulk 0", "Nope", "Bulk 2"}, true)
	if err != nil || fmt.Sprint(names) != "[Bulk 0 Bulk 2]" {
		t.Errorf("dry run: %v %v", names, err)
	}
	if _, err := f.svc.SavedQueryByName(ctx, "Bulk 0"); err != nil {
		t.Errorf("the dry run deleted: %v", err)
	}
	if names, err = f.svc.DeleteSavedQueriesByName(ctx, []string{"Bulk 0", "Bulk 2"}, false); err != nil || len(names) != 2 {
		t.Errorf("delete: %v %v", names, err)
	}
	if _, err := f.svc.SavedQueryByName(ctx, "Bulk 0"); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := f.svc.DeleteSavedQuery(ctx, sched.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteSavedQuery(ctx, sched.ID); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestBrowser(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	ctx := context.Background()
	dbs, _ := f.svc.Databases(ctx)
	if len(dbs) != 6 || dbs[0].Name != "panther_logs" || dbs[0].Description == "" {
		t.Errorf("databases: %+v", dbs)
	}
	page, err := f.svc.Tables(ctx, lakequery.TablesInput{Database: "panther_logs.public"})
	if err != nil || len(page.Tables) != 1 || page.HasNextPage {
		t.Fatalf("tables: %+v %v", page, err)
	}
	tb := page.Tables[0]
	if tb.Name != "custom_net" || tb.LogType != "Custom.Net" || tb.DisplayName != "Custom.Net" || tb.Description != "Connections of the test network" {
		t.Errorf("table: %+v", tb)
	}
	views, err := f.svc.Tables(ctx, lakequery.TablesInput{Database: "panther_views", PageSize: 2})
	if err != nil || len(views.Tables) != 2 || !views.HasNextPage || views.Tables[0].Name != "all_cloudsecurity" {
		t.Fatalf("views: %+v %v", views, err)
	}
	views, err = f.svc.Tables(ctx, lakequery.TablesInput{Database: "panther_views", PageSize: 2, Cursor: views.EndCursor})
	if err != nil || len(views.Tables) != 2 || views.HasNextPage || views.Tables[1].Name != "all_rule_matches" {
		t.Fatalf("views, second page: %+v %v", views, err)
	}
	if _, err := f.svc.Tables(ctx, lakequery.TablesInput{Database: "nope"}); !isInput(err) {
		t.Errorf("unknown database: %v", err)
	}
	tab, err := f.svc.Table(ctx, "panther_logs", "custom_net")
	if err != nil {
		t.Fatal(err)
	}
	cols := map[string]lakequery.TableColumn{}
	for _, c := range tab.Columns {
		cols[c.Name] = c
	}
	for name, want := range map[string]string{
		"t": "TIMESTAMP WITH TIME ZONE|When it happened", "n": "BIGINT|The sequence number",
		"p_event_time":       "TIMESTAMP WITH TIME ZONE|When the event happened (UTC), from the event's own time field, else when it was parsed",
		"p_any_ip_addresses": "VARCHAR[]|Indicators of the event: ip addresses",
		"hour":               "BIGINT|Partition: the UTC hour of p_event_time",
	} {
		if c := cols[name]; c.Type+"|"+c.Description != want {
			t.Errorf("column %s: %+v", name, c)
		}
	}
	if tab.Columns[0].Name != "t" {
		t.Errorf("columns out of order: %v", tab.Columns[0])
	}
	q, err := f.svc.Table(ctx, "panther_system", "quarantine")
	if err != nil || len(q.Columns) == 0 || q.Columns[0].Description == "" {
		t.Errorf("quarantine: %+v %v", q, err)
	}
	if _, err := f.svc.Table(ctx, "panther_logs", "nope"); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("unknown table: %v", err)
	}
}

func TestIndicatorSearch(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	ctx := context.Background()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	search := func(in lakequery.IndicatorSearch) *lakequery.Query {
		t.Helper()
		id, err := f.svc.ExecuteIndicatorSearch(ctx, lakequery.IndicatorSearchRequest{IndicatorSearch: in, IssuedBy: alice})
		if err != nil {
			t.Fatal(err)
		}
		q, err := f.svc.Wait(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if q.Status != lakequery.StatusSucceeded {
			t.Fatalf("%+v: %s %s\n%s", in, q.Status, q.Message, q.SQL)
		}
		return q
	}
	// Event i has src 10.0.(i%4).i, user user(i%3)@example.com, host h(i%5).example.org and
	// hash %064x of i, every 30 minutes from start.
	q := search(lakequery.IndicatorSearch{Indicators: []string{"10.0.1.5", "USER2@example.com", fmt.Sprintf("%064X", 7), "h4.example.org"},
		Start: start, End: start.Add(24 * time.Hour)})
	if q.Kind != lakequery.KindIndicatorSearch || q.Search == nil || len(q.TableMatches) != 1 {
		t.Fatalf("query: %+v", q)
	}
	// i=5 (ip), i%3==2 (16 events), i=7 (hash), i%5==4 (10 events): union 23 distinct events.
	wantIDs := map[string]bool{}
	for i := 0; i < 48; i++ {
		if i == 5 || i%3 == 2 || i == 7 || i%5 == 4 {
			wantIDs[fmt.Sprintf("row%02d", i)] = true
		}
	}
	if m := q.TableMatches[0]; m.Database != "panther_logs" || m.Table != "custom_net" || m.LogType != "Custom.Net" || m.Matches != int64(len(wantIDs)) {
		t.Errorf("matches: %+v, want %d", m, len(wantIDs))
	}
	page, err := f.svc.Results(ctx, q.ID, lakequery.ResultsInput{})
	if err != nil {
		t.Fatal(err)
	}
	rows := rowsOf(t, page)
	if len(rows) != len(wantIDs) {
		t.Fatalf("%d rows, want %d", len(rows), len(wantIDs))
	}
	for _, r := range rows {
		if !wantIDs[r["p_row_id"].(string)] || r["p_table_name"] != "custom_net" || r["p_db_name"] != "panther_logs" {
			t.Errorf("row %v", r)
		}
		ev, _ := r["event"].(map[string]any)
		if ev == nil || ev["p_row_id"] != r["p_row_id"] || ev["year"] != nil {
			t.Errorf("event %v", r["event"])
		}
	}
	if r := rows[0]; r["p_row_id"] != "row47" || fmt.Sprint(r["p_matched"]) != "[user2@example.com]" {
		t.Errorf("newest first, with the matched value: %v", r)
	}
	full := q.Stats.BytesScanned
	// The time range: [02:00, 03:00) holds events 4 and 5; only 5 matches the address.
	q = search(lakequery.IndicatorSearch{Indicators: []string{"10.0.1.5", "10.0.0.4"}, Start: start.Add(2 * time.Hour), End: start.Add(3 * time.Hour)})
	if len(q.TableMatches) != 1 || q.TableMatches[0].Matches != 2 {
		t.Errorf("in range: %+v", q.TableMatches)
	}
	if !strings.Contains(q.SQL, "BETWEEN 2024030102 AND 2024030102") {
		t.Errorf("no partition predicate:\n%s", q.SQL)
	}
	// One partition of 24 is read.
	if q.Stats.BytesScanned <= 0 || q.Stats.BytesScanned*5 > full {
		t.Errorf("bytes scanned: %d for one hour, %d for the day", q.Stats.BytesScanned, full)
	}
	// A range with no partitions reads no data.
	q = search(lakequery.IndicatorSearch{Indicators: []string{"10.0.1.5"}, Start: start.Add(48 * time.Hour), End: start.Add(49 * time.Hour)})
	if len(q.TableMatches) != 0 || q.Stats.RowCount != 0 {
		t.Errorf("empty range: %+v", q)
	}
	// An explicit column; a database filter that excludes the table.
	q = search(lakequery.IndicatorSearch{Indicators: []string{"user1@example.com"}, Type: "p_any_usernames", Start: start, End: start.Add(48 * time.Hour)})
	if len(q.TableMatches) != 1 || q.TableMatches[0].Matches != 16 {
		t.Errorf("p_any_usernames: %+v", q.TableMatches)
	}
	q = search(lakequery.IndicatorSearch{Indicators: []string{"10.0.1.5"}, Databases: []string{"panther_rule_matches"}, Start: start, End: start.Add(48 * time.Hour)})
	if len(q.TableMatches) != 0 {
		t.Errorf("other database: %+v", q.TableMatches)
	}
	for _, bad := range []lakequery.IndicatorSearch{
		{Indicators: []string{"x"}},
		{Indicators: []string{" "}, Start: start, End: start.Add(time.Hour)},
		{Indicators: []string{"x"}, Type: "p_any_nothing", Start: start, End: start.Add(time.Hour)},
		{Indicators: []string{"x"}, Start: start, End: start},
	} {
		if _, err := f.svc.ExecuteIndicatorSearch(ctx, lakequery.IndicatorSearchRequest{IndicatorSearch: bad}); !isInput(err) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
