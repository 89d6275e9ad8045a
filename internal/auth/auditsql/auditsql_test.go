package auditsql_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/auth/auditsql"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/sqlengine"
	"github.com/pantherlabs/panther/internal/state"
)

func TestAuditTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(ctx, db, box, auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: t.TempDir(), Threads: 1,
		SystemTables: []sqlengine.SystemTable{auditsql.Table(svc)}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	count := func(where string) int64 {
		t.Helper()
		_, rows, err := eng.QueryAll(ctx, "SELECT count(*) FROM panther_system.audit WHERE "+where)
		if err != nil {
			t.Fatal(err)
		}
		return rows[0][0].(int64)
	}
	if n := count("true"); n != 0 {
		t.Fatalf("an empty log: %d rows", n)
	}
	c := auth.WithRequest(ctx, auth.RequestInfo{RemoteAddr: "203.0.113.9:1", UserAgent: "ua"})
	if _, err := svc.SignIn(c, "nobody@example.com", "Wrong-Password-1", "", ""); err == nil {
		t.Fatal("signed in as nobody")
	}
	if _, _, err := svc.CreateUser(c, auth.NewUser{Email: "ada@example.com", Role: auth.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if n := count("action = 'auth.sign_in' AND result = 'failure' AND actor_name = 'nobody@example.com' AND remote_addr = '203.0.113.9:1'"); n != 1 {
		t.Fatalf("the failed sign-in in SQL: %d rows", n)
	}
	// Later entries are appended, none twice.
	if _, err := svc.ResetPassword(c, mustUser(t, svc, "ada@example.com")); err != nil {
		t.Fatal(err)
	}
	if n, all := count("action = 'users.reset_password'"), count("true"); n != 1 || all != 3 {
		t.Fatalf("after a third entry: %d resets, %d rows", n, all)
	}
	_, rows, err := eng.QueryAll(ctx, "SELECT typeof(time), typeof(id) FROM panther_system.audit LIMIT 1")
	if err != nil || rows[0][0] != "TIMESTAMP WITH TIME ZONE" || rows[0][1] != "BIGINT" {
		t.Fatalf("column types = %v, %v", rows, err)
	}
}

func mustUser(t *testing.T, svc *auth.Service, email string) string {
	u, err := svc.GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestAuditThroughTheAPI: the API's SQL (lakequery over a sandboxed engine) shows the audit
// log to a principal with audit:read (Admin) and refuses it to the others, saying why.
func TestAuditThroughTheAPI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(ctx, db, box, auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateUser(ctx, auth.NewUser{Email: "ada@example.com", Role: auth.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	eng, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: filepath.Join(dir, "lake"), Threads: 1, Sandbox: true,
		SystemTables: []sqlengine.SystemTable{auditsql.Table(svc)}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	lq, err := lakequery.New(ctx, lakequery.Options{Engine: eng, DB: db, ResultsDir: filepath.Join(dir, "query-results")})
	if err != nil {
		t.Fatal(err)
	}
	defer lq.Close()
	run := func(role auth.Role) *lakequery.Query {
		t.Helper()
		p := auth.Principal{UserID: "u-" + string(role), Email: string(role) + "@example.com", Role: role, Via: auth.ViaSession}
		c := auth.WithPrincipal(ctx, p)
		id, err := lq.Execute(c, lakequery.ExecuteRequest{SQL: "SELECT count(*) AS n FROM panther_system.audit WHERE action = 'users.create'",
			IssuedBy: lakequery.ActorOf(p)})
		if err != nil {
			t.Fatal(err)
		}
		q, err := lq.Wait(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	for _, role := range []auth.Role{auth.RoleAnalyst, auth.RoleReadOnly} {
		if q := run(role); q.Status != lakequery.StatusFailed || !strings.Contains(q.Message, "panther_system.audit needs the audit:read permission") {
			t.Errorf("%s: %s %q, want a refusal naming audit:read", role, q.Status, q.Message)
		}
	}
	q := run(auth.RoleAdmin)
	if q.Status != lakequery.StatusSucceeded {
		t.Fatalf("admin: %s %s", q.Status, q.Message)
	}
	page, err := lq.Results(ctx, q.ID, lakequery.ResultsInput{})
	if err != nil || len(page.Rows) != 1 || string(page.Rows[0]) != `{"n":1}` {
		t.Fatalf("admin: %v %v", page, err)
	}
}
