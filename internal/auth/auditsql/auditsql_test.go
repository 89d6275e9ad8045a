package auditsql_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/auth/auditsql"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/sqlengine"
	"github.com/pantherlabs/panther/internal/state"
)

func TestAuditTable(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
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

// TestAuditTableThroughTheSandbox: SQL from the API reads the audit log only as a principal
// with audit:read.
func TestAuditTableThroughTheSandbox(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	if _, err := svc.SignIn(ctx, "nobody@example.com", "Wrong-Password-1", "", "198.51.100.4:9"); err == nil {
		t.Fatal("signed in as nobody")
	}
	eng, err := sqlengine.Open(ctx, sqlengine.Options{LakeDir: t.TempDir(), Threads: 1, Sandbox: true,
		SystemTables: []sqlengine.SystemTable{auditsql.Table(svc)}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	read := func(ctx context.Context) (int, error) {
		rows, err := eng.QueryUntrusted(ctx, "SELECT actor_name FROM panther_system.audit WHERE action = 'auth.sign_in'", sqlengine.QueryOptions{})
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		all, err := rows.ReadAll(ctx)
		return len(all), err
	}
	admin := auth.Principal{UserID: "u1", Email: "ada@example.com", Role: auth.RoleAdmin, Via: auth.ViaSession}
	if n, err := read(auth.WithPrincipal(ctx, admin)); err != nil || n != 1 {
		t.Fatalf("an admin: %d rows, %v", n, err)
	}
	for _, p := range []auth.Principal{
		{TokenID: "t1", Name: "ci", Role: auth.RoleAnalyst, Via: auth.ViaToken},
		{UserID: "u2", Email: "ro@example.com", Role: auth.RoleReadOnly, Via: auth.ViaSession},
	} {
		_, err := read(auth.WithPrincipal(ctx, p))
		var refused *sqlengine.RefusedError
		if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "audit:read") || !strings.Contains(refused.Reason, string(p.Role)) {
			t.Errorf("%s: %v, want refused naming audit:read and the role", p.Role, err)
		}
	}
	if _, err := read(ctx); err == nil {
		t.Error("no principal: read the audit log")
	}
}

func mustUser(t *testing.T, svc *auth.Service, email string) string {
	u, err := svc.GetUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// openService opens the auth service on a new data dir, with cheap password hashing.
func openService(t *testing.T) *auth.Service {
	t.Helper()
	dir := t.TempDir()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(context.Background(), db, box, auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
