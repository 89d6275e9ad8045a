package lakequery_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/decode"
	"github.com/pantherlabs/panther/internal/event"
	"github.com/pantherlabs/panther/internal/indicators"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/logschema"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/sqlengine"
	"github.com/pantherlabs/panther/internal/state"
)

const netSchema = `version: 0
schema: Custom.Net
description: Connections of the test network
fields:
  - {name: t, type: timestamp, timeFormat: rfc3339, isEventTime: true, description: When it happened}
  - {name: n, type: bigint, description: The sequence number}
  - {name: src, type: string, indicators: [ip], description: The client address}
  - {name: user, type: string, indicators: [email, username]}
  - {name: host, type: string, indicators: [domain]}
  - {name: hash, type: string, indicators: [sha256]}
`

var alice = lakequery.Actor{Type: lakequery.ActorUser, ID: "u-alice", Email: "alice@example.com", Name: "Alice"}

type fixture struct {
	svc  *lakequery.Service
	eng  *sqlengine.Engine
	db   *sql.DB
	dir  string
	now  time.Time
	opts lakequery.Options
}

// newFixture writes 48 events of Custom.Net, one every 30 minutes from 2024-03-01 00:00,
// and opens a service over them.
func newFixture(t *testing.T, o lakequery.Options) *fixture {
	t.Helper()
	s, err := logschema.Parse("net.yml", []byte(netSchema))
	if err != nil {
		t.Fatal(err)
	}
	reg := logtypes.NewRegistry()
	lt, err := reg.Add(s, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	w := lake.NewWriter(lake.Options{Dir: lakeDir})
	dec := &decode.Decoder{Arena: &event.Arena{}}
	var evs []*event.Event
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 48; i++ {
		rec := fmt.Sprintf(`{"t":%q,"n":%d,"src":"10.0.%d.%d","user":"user%d@example.com","host":"h%d.example.org","hash":"%064x"}`,
			base.Add(time.Duration(i)*30*time.Minute).Format(time.RFC3339), i, i%4, i, i%3, i%5, i)
		v, err := dec.JSON(lt.Root, []byte(rec))
		if err != nil {
			t.Fatal(err)
		}
		ev := &event.Event{LogType: lt.LogType, Root: v, RowID: fmt.Sprintf("row%02d", i), ParseTime: base.UnixNano()}
		ev.EventTime, _ = decode.EventTime(lt.LogType, &ev.Root)
		for k := range indicators.Kinds {
			ev.Indicators[k] = append([]string(nil), dec.Indicators.Values(indicators.Kinds[k])...)
		}
		dec.Indicators.Reset()
		evs = append(evs, ev)
	}
	if err := w.WriteEvents(lake.Logs, evs, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(context.Background(), sqlengine.Options{LakeDir: lakeDir, Types: reg, Threads: 1, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	db, err := state.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{eng: eng, db: db, dir: dir, now: time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)}
	o.Engine, o.DB, o.ResultsDir = eng, db, filepath.Join(dir, "query-results")
	if o.Now == nil {
		o.Now = func() time.Time { return f.now }
	}
	f.opts = o
	f.svc, err = lakequery.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.svc.Close() })
	return f
}

func (f *fixture) run(t *testing.T, req lakequery.ExecuteRequest) *lakequery.Query {
	t.Helper()
	if req.IssuedBy == (lakequery.Actor{}) {
		req.IssuedBy = alice
	}
	id, err := f.svc.Execute(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", req.SQL, err)
	}
	q, err := f.svc.Wait(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func rowsOf(t *testing.T, page *lakequery.ResultPage) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range page.Rows {
		var m map[string]any
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatalf("row %s: %v", r, err)
		}
		out = append(out, m)
	}
	return out
}

const slowSQL = "SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3"

func TestExecuteAndResults(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	q := f.run(t, lakequery.ExecuteRequest{SQL: "SELECT n, src, t, hash IS NOT NULL AS h FROM custom_net WHERE p_event_time >= '2024-03-01 02:00:00Z' ORDER BY n", Database: "panther_logs.public"})
	if q.Status != lakequery.StatusSucceeded || q.Message != "" {
		t.Fatalf("%s: %s", q.Status, q.Message)
	}
	if q.Stats.RowCount != 44 || q.Database != "panther_logs" || q.IssuedBy != alice || q.CompletedAt.IsZero() || q.Kind != lakequery.KindSQL {
		t.Errorf("query: %+v", q)
	}
	if q.Stats.BytesScanned <= 0 {
		t.Errorf("bytes scanned: %d", q.Stats.BytesScanned)
	}
	wantCols := []lakequery.Column{{"n", "BIGINT"}, {"src", "VARCHAR"}, {"t", "TIMESTAMPTZ"}, {"h", "BOOLEAN"}}
	if fmt.Sprint(q.Columns) != fmt.Sprint(wantCols) {
		t.Errorf("columns %v, want %v", q.Columns, wantCols)
	}
	var all []map[string]any
	cursor := ""
	for pages := 0; ; pages++ {
		page, err := f.svc.Results(context.Background(), q.ID, lakequery.ResultsInput{Cursor: cursor, PageSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		if page.HasPrevious != (cursor != "") || page.StartCursor != cursor {
			t.Errorf("page %d: previous %v start %q", pages, page.HasPrevious, page.StartCursor)
		}
		all = append(all, rowsOf(t, page)...)
		if !page.HasNextPage {
			if page.EndCursor != "" || pages != 4 {
				t.Errorf("last page %d: end cursor %q", pages, page.EndCursor)
			}
			break
		}
		cursor = page.EndCursor
	}
	if len(all) != 44 {
		t.Fatalf("%d rows over the pages", len(all))
	}
	if all[0]["n"] != 4.0 || all[0]["src"] != "10.0.0.4" || all[0]["t"] != "2024-03-01T02:00:00Z" || all[0]["h"] != true || all[43]["n"] != 47.0 {
		t.Errorf("rows: %v ... %v", all[0], all[43])
	}
	// Keys keep the column order.
	page, _ := f.svc.Results(context.Background(), q.ID, lakequery.ResultsInput{PageSize: 1})
	if got := string(page.Rows[0]); !strings.HasPrefix(got, `{"n":4,"src":"10.0.0.4","t":"2024-03-01T02:00:00Z","h":true}`) {
		t.Errorf("row %s", got)
	}
	if _, err := f.svc.Results(context.Background(), q.ID, lakequery.ResultsInput{Cursor: "zz"}); !isInput(err) {
		t.Errorf("bad cursor: %v", err)
	}
	if _, err := f.svc.Results(context.Background(), "nope", lakequery.ResultsInput{}); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	// Duplicate column names get suffixes, so every row object has distinct keys.
	q = f.run(t, lakequery.ExecuteRequest{SQL: "SELECT 1 AS x, 2 AS x, [1, 2] AS l, {'a': 1} AS s, MAP {'k': 'v'} AS m"})
	page, err := f.svc.Results(context.Background(), q.ID, lakequery.ResultsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(page.Rows[0]); got != `{"x":1,"x_2":2,"l":[1,2],"s":{"a":1},"m":{"k":"v"}}` {
		t.Errorf("row %s, columns %v", got, q.Columns)
	}
}

func isInput(err error) bool {
	var ie *lakequery.InputError
	return errors.As(err, &ie)
}

func TestFailures(t *testing.T) {
	f := newFixture(t, lakequery.Options{MaxRows: 1000, DefaultMaxRows: 20, MaxTimeout: time.Minute, DefaultTimeout: time.Minute})
	for _, tt := range []struct{ sql, msg string }{
		{"COPY (SELECT 1) TO 'x.csv'", "COPY is not allowed: queries through the API are read-only"},
		{"SELECT * FROM read_csv('/etc/passwd')", "the table function read_csv is not allowed"},
		{"SELEC 1", "syntax error"},
		{"SELECT nope FROM custom_net", `"nope" not found`},
	} {
		q := f.run(t, lakequery.ExecuteRequest{SQL: tt.sql})
		if q.Status != lakequery.StatusFailed || !strings.Contains(q.Message, tt.msg) {
			t.Errorf("%s: %s %q", tt.sql, q.Status, q.Message)
		}
		if _, err := f.svc.Results(context.Background(), q.ID, lakequery.ResultsInput{}); !errors.Is(err, lakequery.ErrNoResults) {
			t.Errorf("%s: results of a failed query: %v", tt.sql, err)
		}
	}
	for _, req := range []lakequery.ExecuteRequest{
		{SQL: " "},
		{SQL: "SELECT 1", Database: "nope"},
		{SQL: "SELECT 1", Limits: lakequery.Limits{MaxRows: 5000}},
		{SQL: "SELECT 1", Limits: lakequery.Limits{Timeout: time.Hour}},
	} {
		if _, err := f.svc.Execute(context.Background(), req); !isInput(err) {
			t.Errorf("%+v: %v", req, err)
		}
	}
	// The row limit: the results stop there and say so.
	q := f.run(t, lakequery.ExecuteRequest{SQL: "SELECT * FROM custom_net"})
	if q.Status != lakequery.StatusSucceeded || !q.Truncated || q.Stats.RowCount != 20 || !strings.Contains(q.Message, "stop at 20 rows") {
		t.Errorf("row limit: %+v", q)
	}
	q = f.run(t, lakequery.ExecuteRequest{SQL: "SELECT * FROM custom_net", Limits: lakequery.Limits{MaxRows: 48}})
	if q.Truncated || q.Stats.RowCount != 48 {
		t.Errorf("at the limit exactly: %+v", q)
	}
	// The time limit.
	q = f.run(t, lakequery.ExecuteRequest{SQL: slowSQL, Limits: lakequery.Limits{Timeout: 100 * time.Millisecond}})
	if q.Status != lakequery.StatusFailed || !strings.Contains(q.Message, "longer than its time limit of 100ms") {
		t.Errorf("time limit: %s %q", q.Status, q.Message)
	}
}

func TestCancel(t *testing.T) {
	f := newFixture(t, lakequery.Options{MaxConcurrent: 1})
	slow, err := f.svc.Execute(context.Background(), lakequery.ExecuteRequest{SQL: slowSQL, IssuedBy: alice})
	if err != nil {
		t.Fatal(err)
	}
	// With one slot taken, a quick query waits for it.
	quick, err := f.svc.Execute(context.Background(), lakequery.ExecuteRequest{SQL: "SELECT 1", IssuedBy: alice})
	if err != nil {
		t.Fatal(err)
	}
	if q, _ := f.svc.Get(context.Background(), quick); q.Status != lakequery.StatusRunning {
		t.Fatalf("quick query: %s", q.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	_, err = f.svc.Wait(ctx, quick)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the second query ran beside the first: %v", err)
	}
	if q, _ := f.svc.Get(context.Background(), slow); q.Status != lakequery.StatusRunning {
		t.Fatalf("slow query: %s", q.Status)
	}
	if q, _ := f.svc.Get(context.Background(), quick); !strings.Contains(q.Message, "waiting for a free slot") {
		t.Errorf("the waiting query says %q", q.Message)
	}
	bob := lakequery.Actor{Type: lakequery.ActorToken, ID: "tok-1", Name: "ci token"}
	if err := f.svc.Cancel(context.Background(), slow, bob); err != nil {
		t.Fatal(err)
	}
	q, _ := f.svc.Get(context.Background(), slow)
	if q.Status != lakequery.StatusCancelled || q.Message != "cancelled by ci token" {
		t.Errorf("after cancel: %s %q", q.Status, q.Message)
	}
	if err := f.svc.Cancel(context.Background(), slow, bob); !errors.Is(err, lakequery.ErrNotRunning) {
		t.Errorf("second cancel: %v", err)
	}
	if err := f.svc.Cancel(context.Background(), "nope", bob); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("cancel of an unknown query: %v", err)
	}
	if q, err := f.svc.Wait(context.Background(), quick); err != nil || q.Status != lakequery.StatusSucceeded {
		t.Errorf("the waiting query: %v %v", q, err)
	}
	// Close cancels what runs.
	id, _ := f.svc.Execute(context.Background(), lakequery.ExecuteRequest{SQL: slowSQL, IssuedBy: alice})
	f.svc.Close()
	if q, _ := f.svc.Get(context.Background(), id); q.Status != lakequery.StatusCancelled || !strings.Contains(q.Message, "shut down") {
		t.Errorf("after Close: %s %q", q.Status, q.Message)
	}
	if _, err := f.svc.Execute(context.Background(), lakequery.ExecuteRequest{SQL: "SELECT 1"}); !errors.Is(err, lakequery.ErrClosed) {
		t.Errorf("Execute after Close: %v", err)
	}
}

func TestHistory(t *testing.T) {
	f := newFixture(t, lakequery.Options{})
	bob := lakequery.Actor{Type: lakequery.ActorUser, ID: "u-bob", Email: "bob@example.com"}
	var ids []string
	for i := 0; i < 7; i++ {
		by := alice
		if i%2 == 1 {
			by = bob
		}
		sql := fmt.Sprintf("SELECT %d AS i", i)
		if i == 3 {
			sql = "SELEC broken"
		}
		q := f.run(t, lakequery.ExecuteRequest{SQL: sql, IssuedBy: by, Name: map[bool]string{true: "Weekly report"}[i == 5]})
		ids = append(ids, q.ID)
		f.now = f.now.Add(time.Minute)
	}
	page, err := f.svc.List(context.Background(), lakequery.ListInput{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for p := page; ; {
		for _, q := range p.Queries {
			got = append(got, q.ID)
		}
		if !p.HasNextPage {
			break
		}
		if p, err = f.svc.List(context.Background(), lakequery.ListInput{PageSize: 3, Cursor: p.EndCursor}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 7 || got[0] != ids[6] || got[6] != ids[0] {
		t.Errorf("newest first over pages: %v", got)
	}
	check := func(in lakequery.ListInput, want ...string) {
		t.Helper()
		p, err := f.svc.List(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, q := range p.Queries {
			got = append(got, q.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v: got %v, want %v", in, got, want)
		}
	}
	check(lakequery.ListInput{Status: []lakequery.Status{lakequery.StatusFailed}}, ids[3])
	check(lakequery.ListInput{IssuedBy: []string{"u-bob"}, Ascending: true}, ids[1], ids[3], ids[5])
	check(lakequery.ListInput{Contains: "weekly"}, ids[5])
	check(lakequery.ListInput{Contains: "4 AS"}, ids[4])
	check(lakequery.ListInput{StartedAfter: f.now.Add(-2 * time.Minute)}, ids[6], ids[5])
	if _, err := f.svc.List(context.Background(), lakequery.ListInput{Cursor: "bad"}); !isInput(err) {
		t.Errorf("bad cursor: %v", err)
	}
	// A query left running by a process that died is failed at the next start.
	if _, err := f.db.Exec(`UPDATE lake_queries SET status = 'running', completed_at = NULL WHERE id = ?`, ids[0]); err != nil {
		t.Fatal(err)
	}
	svc2, err := lakequery.New(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer svc2.Close()
	if q, _ := svc2.Get(context.Background(), ids[0]); q.Status != lakequery.StatusFailed || !strings.Contains(q.Message, "server stopped") {
		t.Errorf("after a restart: %s %q", q.Status, q.Message)
	}
}

func TestResultRetention(t *testing.T) {
	f := newFixture(t, lakequery.Options{ResultTTL: time.Hour, HistoryTTL: 48 * time.Hour})
	big := f.run(t, lakequery.ExecuteRequest{SQL: "SELECT * FROM custom_net"})
	f.now = f.now.Add(time.Minute)
	small := f.run(t, lakequery.ExecuteRequest{SQL: "SELECT n FROM custom_net"})
	f.now = f.now.Add(time.Minute)
	third := f.run(t, lakequery.ExecuteRequest{SQL: "SELECT src FROM custom_net"})
	size := func(id string) int64 {
		var n int64
		if err := f.db.QueryRow(`SELECT result_bytes FROM lake_queries WHERE id = ?`, id).Scan(&n); err != nil || n <= 0 {
			t.Fatalf("result bytes of %s: %d %v", id, n, err)
		}
		return n
	}
	// A cap that holds the two newest results but not the oldest as well.
	opts := f.opts
	opts.ResultBytes = size(small.ID) + size(third.ID) + size(big.ID)/2
	svc, err := lakequery.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if _, err := svc.Results(context.Background(), big.ID, lakequery.ResultsInput{}); !errors.Is(err, lakequery.ErrResultsExpired) {
		t.Errorf("over the size cap: %v", err)
	}
	if q, _ := svc.Get(context.Background(), big.ID); !q.ResultsExpired {
		t.Error("not marked expired")
	}
	for _, id := range []string{small.ID, third.ID} {
		if _, err := svc.Results(context.Background(), id, lakequery.ResultsInput{}); err != nil {
			t.Errorf("within the cap: %v", err)
		}
	}
	f.now = f.now.Add(2 * time.Hour)
	if err := svc.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Results(context.Background(), small.ID, lakequery.ResultsInput{}); !errors.Is(err, lakequery.ErrResultsExpired) {
		t.Errorf("past the TTL: %v", err)
	}
	f.now = f.now.Add(3 * 24 * time.Hour)
	if err := svc.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(context.Background(), small.ID); !errors.Is(err, lakequery.ErrNotFound) {
		t.Errorf("past the history TTL: %v", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(f.dir, "query-results", "*")); len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
}
