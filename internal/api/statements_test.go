package api_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/api"
	"github.com/pantherlabs/panther/internal/api/access"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/state"
)

// countingConnector opens connections of the sqlite driver that count the statements they run
// (queries, execs and prepared statements' runs) in n.
type countingConnector struct {
	base driver.Driver
	dsn  string
	n    *atomic.Int64
}

func (c countingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.base.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, n: c.n}, nil
}

func (c countingConnector) Driver() driver.Driver { return c.base }

// countingConn forwards to the sqlite connection, counting statements.
type countingConn struct {
	driver.Conn
	n *atomic.Int64
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.n.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.n.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: st, n: c.n}, nil
}

func (c *countingConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *countingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

type countingStmt struct {
	driver.Stmt
	n *atomic.Int64
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.n.Add(1)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// openCounting opens the state database of dir as state.Open does, counting statements in n.
func openCounting(t *testing.T, dir string, n *atomic.Int64) *sql.DB {
	plain, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	base := plain.Driver()
	plain.Close()
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	return sql.OpenDB(countingConnector{base: base, dsn: "file:" + state.Path(dir) + "?" + q.Encode(), n: n})
}

// TestAlertPageStatementsDoNotGrowWithThePage reads a page of 5 and a page of 50 alerts, each
// with comments, history, deliveries with attempts and an assignee, through GraphQL and REST:
// both pages cost the same number of SQL statements.
func TestAlertPageStatementsDoNotGrowWithThePage(t *testing.T) {
	var n atomic.Int64
	dir := t.TempDir()
	db := openCounting(t, dir, &n)
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	var disp *delivery.Dispatcher
	s := newServerDB(t, db, dir, func(d *api.Deps, _ string) {
		disp = wireDelivery(t, d, db)
	})
	s.admin(`mutation($url: String!) { addDestination(input: {displayName: "hook", outputType: "customwebhook", defaultForSeverity: [HIGH], outputConfig: {webhookURL: $url}}) { outputId } }`,
		map[string]any{"url": hook.URL}, nil)

	ctx := auth.WithPrincipal(context.Background(), auth.System())
	var users []auth.User
	for i := range 3 {
		u, _, err := s.deps.Auth.CreateUser(ctx, auth.NewUser{Email: fmt.Sprintf("analyst%d@example.com", i), GivenName: "A", FamilyName: "B", Role: auth.RoleAnalyst})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	tokens, err := s.deps.Auth.ListTokens(ctx, false)
	if err != nil || len(tokens) == 0 {
		t.Fatalf("tokens: %v %v", tokens, err)
	}
	const total = 60
	now := time.Now().UTC()
	var matches []alerts.Match
	for i := range total {
		matches = append(matches, alerts.Match{Type: alerts.TypeRule, DetectionID: "AWS.Console.RootLogin", EventTime: now.Add(-time.Duration(i) * time.Minute),
			LogType: "AWS.CloudTrail", Title: fmt.Sprintf("Root logged in (%d)", i), Dedup: fmt.Sprintf("dedup-%d", i), Severity: "HIGH", EventKey: fmt.Sprint(i)})
	}
	_, raised, err := s.deps.Alerts.Record(ctx, matches)
	if err != nil || len(raised) != total {
		t.Fatalf("recording alerts: %v (%d raised)", err, len(raised))
	}
	if sent, err := disp.RunOnce(ctx); err != nil || sent != total {
		t.Fatalf("delivering: %d sent, %v", sent, err)
	}
	for i, a := range raised {
		u := users[i%len(users)]
		byUser := access.RefUser + ":" + u.ID
		byToken := access.RefToken + ":" + tokens[i%len(tokens)].ID
		if err := s.deps.Alerts.Assign(ctx, []string{a.ID}, u.ID, byToken); err != nil {
			t.Fatal(err)
		}
		if err := s.deps.Alerts.SetStatus(ctx, []string{a.ID}, alerts.StatusTriaged, byUser); err != nil {
			t.Fatal(err)
		}
		if _, err := s.deps.Alerts.AddComment(ctx, a.ID, byUser, "looking"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.deps.Alerts.AddComment(ctx, a.ID, byToken, "a bot agrees"); err != nil {
			t.Fatal(err)
		}
	}

	key := s.tokens[auth.RoleAnalyst]
	const q = `query Alerts($input: AlertsInput!) { alerts(input: $input) {
  edges { node { id title status assignee { id email } updatedBy { ... on User { id } ... on APIToken { id } }
    origin { ... on Detection { id name } ... on DeletedDetection { id } }
    deliveries { outputId label success statusCode attempt }
    comments { id body createdBy { ... on User { email } ... on APIToken { name } } }
    history { at actor action oldValue newValue } } }
  pageInfo { hasNextPage endCursor } } }`
	gql := func(size int) int64 {
		n.Store(0)
		r := s.gql(key, q, map[string]any{"input": map[string]any{"pageSize": size}})
		got := n.Load()
		var data struct {
			Alerts struct {
				Edges []struct {
					Node struct {
						Assignee   *struct{ Email string }
						UpdatedBy  *struct{ ID string }
						Deliveries []struct{ Success bool }
						Comments   []struct {
							CreatedBy *struct{ Email, Name string }
						}
						History []struct{ Actor string }
					}
				}
			}
		}
		if len(r.Errors) > 0 {
			t.Fatalf("page of %d: %s", size, r.messages())
		}
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatal(err)
		}
		if len(data.Alerts.Edges) != size {
			t.Fatalf("page of %d has %d alerts", size, len(data.Alerts.Edges))
		}
		for i, e := range data.Alerts.Edges {
			a := e.Node
			if a.Assignee == nil || a.UpdatedBy == nil || len(a.Deliveries) != 1 || !a.Deliveries[0].Success || len(a.Comments) != 2 || len(a.History) < 4 {
				t.Fatalf("page of %d, alert %d: %+v", size, i, a)
			}
			for _, c := range a.Comments {
				if c.CreatedBy == nil || c.CreatedBy.Email == "" && c.CreatedBy.Name == "" {
					t.Fatalf("page of %d, alert %d: a comment without its author: %+v", size, i, a.Comments)
				}
			}
			for _, h := range a.History {
				if h.Actor == "" || h.Actor[:5] == "user:" || h.Actor[:6] == "token:" {
					t.Fatalf("page of %d, alert %d: an actor not resolved: %+v", size, i, a.History)
				}
			}
		}
		return got
	}
	rest := func(size int) int64 {
		n.Store(0)
		status, _, out := s.rest(key, http.MethodGet, "/alerts", url.Values{"limit": {fmt.Sprint(size)}}, nil)
		got := n.Load()
		res, _ := out["results"].([]any)
		if status != http.StatusOK || len(res) != size {
			t.Fatalf("REST page of %d: %d, %d results", size, status, len(res))
		}
		for i, x := range res {
			a := x.(map[string]any)
			if a["assignee"] == nil || a["updatedBy"] == nil || len(a["deliveries"].([]any)) != 1 {
				t.Fatalf("REST page of %d, alert %d: %v", size, i, a)
			}
		}
		return got
	}
	gql(5) // warm the caches (content snapshot, prepared statements) before counting
	g5, g50 := gql(5), gql(50)
	r5, r50 := rest(5), rest(50)
	t.Logf("SQL statements: GraphQL page of 5: %d, of 50: %d; REST page of 5: %d, of 50: %d", g5, g50, r5, r50)
	if g5 != g50 {
		t.Errorf("GraphQL: a page of 5 alerts runs %d statements, a page of 50 runs %d", g5, g50)
	}
	if r5 != r50 {
		t.Errorf("REST: a page of 5 alerts runs %d statements, a page of 50 runs %d", r5, r50)
	}
}
