package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

// openServerAuth opens the auth service of a data dir the way a running server holds it.
func openServerAuth(t *testing.T, dir string) *auth.Service {
	t.Helper()
	db, err := state.Open(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(context.Background(), db, box, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestUsersCommands(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "", "users", "add", "--data-dir", dir, "--email", "ada@example.com", "--name", "Ada King Lovelace", "--role", "admin")
	if !strings.Contains(out, "added user ada@example.com") || !strings.Contains(out, "one-time password: ") {
		t.Fatalf("users add:\n%s", out)
	}
	otp := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "one-time password: ", 2)[1], "\n", 2)[0])
	srv := openServerAuth(t, dir)
	if _, err := srv.SignIn(context.Background(), "ada@example.com", otp, "", ""); !errors.Is(err, auth.ErrPasswordChangeRequired) {
		t.Fatalf("sign-in with the printed one-time password = %v", err)
	}

	out = mustRun(t, "Grace-Hopper-1906\n", "users", "add", "--data-dir", dir, "--email", "grace@example.com", "--role", "Analyst",
		"--password-stdin", "--format", "json")
	var added struct {
		ID, Email, GivenName, Role, Status, OneTimePassword string
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Role != "Analyst" || added.Status != "CONFIRMED" || added.OneTimePassword != "" {
		t.Fatalf("users add --format json: %v\n%s", err, out)
	}
	if _, err := srv.SignIn(context.Background(), "grace@example.com", "Grace-Hopper-1906", "", ""); err != nil {
		t.Fatalf("sign-in with the password given on stdin = %v", err)
	}

	_, errs, code := run(t, "", "users", "add", "--data-dir", dir, "--email", "GRACE@example.com", "--role", "ReadOnly")
	if code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("a duplicate e-mail: exit %d, %q", code, errs)
	}
	_, errs, code = run(t, "", "users", "add", "--data-dir", dir, "--email", "x@example.com", "--role", "root")
	if code != 1 || !strings.Contains(errs, `unknown role "root"`) {
		t.Errorf("a bad role: exit %d, %q", code, errs)
	}
	_, errs, code = run(t, "weak\n", "users", "add", "--data-dir", dir, "--email", "x@example.com", "--role", "Admin", "--password-stdin")
	if code != 1 || !strings.Contains(errs, "at least 12 characters") || strings.Contains(errs, "weak\n") {
		t.Errorf("a weak password: exit %d, %q", code, errs)
	}
	if _, _, code := run(t, "", "users", "add", "--data-dir", dir, "--role", "Admin"); code != 2 {
		t.Errorf("users add without --email: exit %d, want 2", code)
	}

	out = mustRun(t, "", "users", "list", "--data-dir", dir)
	if !strings.Contains(out, "Ada King Lovelace") || !strings.Contains(out, "FORCE_CHANGE_PASSWORD") || !strings.Contains(out, "grace@example.com") {
		t.Errorf("users list:\n%s", out)
	}
	var list []auth.User
	if err := json.Unmarshal([]byte(mustRun(t, "", "users", "list", "--data-dir", dir, "--format", "json", "--role", "analyst")), &list); err != nil ||
		len(list) != 1 || list[0].Email != "grace@example.com" {
		t.Errorf("users list --role analyst: %v %+v", err, list)
	}

	mustRun(t, "", "users", "update", "--data-dir", dir, "grace@example.com", "--role", "ReadOnly", "--enabled=false")
	if u, _ := srv.GetUserByEmail(context.Background(), "grace@example.com"); u.Role != auth.RoleReadOnly || u.Enabled {
		t.Errorf("after users update: %+v", u)
	}
	mustRun(t, "", "users", "update", "--data-dir", dir, "grace@example.com", "--enabled=true")

	out = mustRun(t, "", "users", "reset-password", "--data-dir", dir, "grace@example.com")
	newOTP := strings.TrimSpace(strings.SplitN(strings.SplitN(out, ": ", 2)[1], "\n", 2)[0])
	if _, err := srv.SignIn(context.Background(), "grace@example.com", newOTP, "", ""); !errors.Is(err, auth.ErrPasswordChangeRequired) {
		t.Errorf("sign-in with the reset password = %v\n%s", err, out)
	}
	mustRun(t, "", "users", "reset-mfa", "--data-dir", dir, "grace@example.com")
	mustRun(t, "", "users", "remove", "--data-dir", dir, "grace@example.com")
	if _, err := srv.GetUserByEmail(context.Background(), "grace@example.com"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("after users remove: %v", err)
	}
	_, errs, code = run(t, "", "users", "remove", "--data-dir", dir, "ada@example.com")
	if code != 1 || !strings.Contains(errs, "no enabled Admin") {
		t.Errorf("removing the last admin: exit %d, %q", code, errs)
	}

	// Every change is in the audit log, by the CLI's user.
	out = mustRun(t, "", "audit", "--data-dir", dir, "--action", "users.", "--format", "json")
	var page auth.AuditPage
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range page.Entries {
		if e.ActorType != auth.ViaCLI {
			t.Errorf("entry by %s, want cli: %+v", e.ActorType, e)
		}
		actions[e.Action]++
	}
	for _, a := range []string{"users.create", "users.update", "users.reset_password", "users.mfa_reset", "users.delete"} {
		if actions[a] == 0 {
			t.Errorf("no %s entry in %v", a, actions)
		}
	}
	// And in SQL, as panther_system.audit.
	out = mustRun(t, "", "query", "--data-dir", dir, "--format", "csv",
		"SELECT action, actor_type, result FROM panther_system.audit WHERE action LIKE 'users.%' ORDER BY id")
	if !strings.HasPrefix(out, "action,actor_type,result\nusers.create,cli,success\n") || !strings.Contains(out, "users.delete,cli,success") {
		t.Errorf("panther_system.audit:\n%s", out)
	}
	if out := mustRun(t, "", "audit", "--data-dir", dir); !strings.Contains(out, "users.delete") || strings.Contains(out, otp) || strings.Contains(out, newOTP) {
		t.Errorf("audit table:\n%s", out)
	}
}

func TestTokensCommands(t *testing.T) {
	dir := t.TempDir()
	srv := openServerAuth(t, dir) // the server, open before the tokens exist

	out := mustRun(t, "", "tokens", "create", "--data-dir", dir, "--name", "ci", "--role", "ReadOnly", "--format", "json")
	var tok struct{ ID, Name, Role, Token string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.ID == "" || tok.Name != "ci" || tok.Role != "ReadOnly" || !auth.LooksLikeToken(tok.Token) {
		t.Fatalf("tokens create --format json: %v\n%s", err, out)
	}
	p, err := srv.AuthenticateToken(context.Background(), tok.Token)
	if err != nil || p.Role != auth.RoleReadOnly || p.TokenID != tok.ID {
		t.Fatalf("the server with the new token: %+v, %v", p, err)
	}
	out = mustRun(t, "", "tokens", "create", "--data-dir", dir, "--name", "deploy", "--role", "admin", "--expires", "30d")
	if !strings.Contains(out, `created API token "deploy"`) || !strings.Contains(out, "pat_") {
		t.Errorf("tokens create:\n%s", out)
	}
	_, errs, code := run(t, "", "tokens", "create", "--data-dir", dir, "--name", "x", "--role", "Admin", "--expires", "soon")
	if code != 1 || !strings.Contains(errs, "--expires") {
		t.Errorf("a bad --expires: exit %d %q", code, errs)
	}

	out = mustRun(t, "", "tokens", "list", "--data-dir", dir)
	if !strings.Contains(out, "deploy") || !strings.Contains(out, "ci") || strings.Contains(out, tok.Token) {
		t.Errorf("tokens list:\n%s", out)
	}
	if out := mustRun(t, "", "tokens", "list", "--data-dir", dir, "--format", "json"); strings.Contains(out, tok.Token) || strings.Contains(out, `"token"`) {
		t.Errorf("tokens list --format json shows secrets:\n%s", out)
	}

	// Revoked by name with the command: the running server refuses it at its next check.
	mustRun(t, "", "tokens", "revoke", "--data-dir", dir, "ci")
	if _, err := srv.AuthenticateToken(context.Background(), tok.Token); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("the server with the revoked token = %v", err)
	}
	if out := mustRun(t, "", "tokens", "list", "--data-dir", dir, "--all"); !strings.Contains(out, "revoked") {
		t.Errorf("tokens list --all:\n%s", out)
	}
	if _, errs, code := run(t, "", "tokens", "revoke", "--data-dir", dir, "nope"); code != 1 || !strings.Contains(errs, "not found") {
		t.Errorf("revoking an unknown token: exit %d %q", code, errs)
	}
}

func TestAuditTableWithoutStateDB(t *testing.T) {
	dir := t.TempDir()
	out := mustRun(t, "", "query", "--data-dir", dir, "--format", "csv", "SELECT count(*) AS n FROM panther_system.audit")
	if out != "n\n0\n" {
		t.Errorf("panther_system.audit of a fresh data dir:\n%s", out)
	}
	if _, err := os.Stat(state.Path(dir)); err == nil {
		t.Error("a query created the state database")
	}
}
