package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

func newServerAuth(t *testing.T, dir string, env map[string]string) *auth.Service {
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
	svc, err := auth.New(context.Background(), db, box, serverAuthOptions(&Env{Getenv: func(k string) string { return env[k] }}))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestBootstrapAdminPrintsOnce(t *testing.T) {
	dir := t.TempDir()
	svc := newServerAuth(t, dir, nil)
	var out bytes.Buffer
	if err := bootstrapAdmin(context.Background(), svc, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(lines) < 2 || lines[0] != "Admin user: admin@panther.local" || !strings.HasPrefix(lines[1], "One-time password: ") {
		t.Fatalf("first start printed:\n%s", out.String())
	}
	otp := strings.TrimPrefix(lines[1], "One-time password: ")
	if _, err := svc.SignIn(context.Background(), "admin@panther.local", otp, "", ""); !errors.Is(err, auth.ErrPasswordChangeRequired) {
		t.Fatalf("the printed password = %v", err)
	}
	out.Reset()
	if err := bootstrapAdmin(context.Background(), newServerAuth(t, dir, nil), &out); err != nil || out.Len() != 0 {
		t.Fatalf("second start printed %q, %v", out.String(), err)
	}
}

func TestBootstrapAdminFromEnvironment(t *testing.T) {
	svc := newServerAuth(t, t.TempDir(), map[string]string{"PANTHER_ADMIN_EMAIL": "soc@example.com", "PANTHER_ADMIN_PASSWORD": "Soc-Admin-Pass-42"})
	var out bytes.Buffer
	if err := bootstrapAdmin(context.Background(), svc, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Admin user: soc@example.com (password from PANTHER_ADMIN_PASSWORD)\n" || strings.Contains(out.String(), "Soc-Admin-Pass-42") {
		t.Fatalf("printed %q", out.String())
	}
	if _, err := svc.SignIn(context.Background(), "soc@example.com", "Soc-Admin-Pass-42", "", ""); err != nil {
		t.Fatal(err)
	}
}
