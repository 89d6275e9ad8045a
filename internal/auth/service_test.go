package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

// clock is a fake clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer is a log sink shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a service on a fresh data dir, with a fake clock and its logs captured.
type env struct {
	t     testing.TB
	dir   string
	svc   *Service
	clock *clock
	logs  *syncBuffer
	opts  Options
}

func newEnv(t testing.TB, mod ...func(*Options)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: &clock{t: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	e.opts = Options{Now: e.clock.Now, Argon2: cheap,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, m := range mod {
		m(&e.opts)
	}
	e.svc = e.open()
	return e
}

// open opens another service on the same data dir: another process, such as a panther
// command next to the server.
func (e *env) open() *Service {
	e.t.Helper()
	db, err := state.Open(state.Path(e.dir))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	box, err := secretbox.OpenDir(e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	s, err := New(context.Background(), db, box, e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// addUser creates a confirmed user with a known password.
func (e *env) addUser(email string, role Role, password string) User {
	e.t.Helper()
	u, otp, err := e.svc.CreateUser(ctx(), NewUser{Email: email, GivenName: "Test", FamilyName: "User", Role: role, Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	if otp != "" {
		e.t.Fatalf("a one-time password %q came with a chosen password", otp)
	}
	return u
}

func (e *env) signIn(email, password string) Session {
	e.t.Helper()
	s, err := e.svc.SignIn(ctx(), email, password, "", "192.0.2.10:5000")
	if err != nil {
		e.t.Fatalf("sign in %s: %v", email, err)
	}
	return s
}

func ctx() context.Context {
	return WithRequest(WithPrincipal(context.Background(), CLI("tester")),
		RequestInfo{RemoteAddr: "192.0.2.10:5000", UserAgent: "test-agent/1.0"})
}

func TestBootstrapGeneratesAOneTimePassword(t *testing.T) {
	e := newEnv(t)
	email, otp, created, err := e.svc.Bootstrap(context.Background())
	if err != nil || !created || email != DefaultAdminEmail {
		t.Fatalf("Bootstrap = %q, created %v, %v", email, created, err)
	}
	if err := CheckPassword(otp, ""); err != nil {
		t.Fatalf("one-time password %q: %v", otp, err)
	}
	u, err := e.svc.GetUserByEmail(ctx(), "ADMIN@panther.local")
	if err != nil || u.Role != RoleAdmin || u.Status != StatusForceChangePassword || !u.Enabled {
		t.Fatalf("admin = %+v, %v", u, err)
	}
	// The one-time password must be changed before a session opens.
	if _, err := e.svc.SignIn(ctx(), email, otp, "", ""); !errors.Is(err, ErrPasswordChangeRequired) {
		t.Fatalf("sign-in with the one-time password = %v, want ErrPasswordChangeRequired", err)
	}
	if _, err := e.svc.ChangePasswordAtSignIn(ctx(), email, otp, "short", "", ""); !isPolicy(err) {
		t.Fatalf("a weak new password = %v, want a PolicyError", err)
	}
	if _, err := e.svc.ChangePasswordAtSignIn(ctx(), email, otp, otp, "", ""); !isPolicy(err) {
		t.Fatalf("the same password again = %v, want a PolicyError", err)
	}
	sess, err := e.svc.ChangePasswordAtSignIn(ctx(), email, otp, "New-Admin-Pass-1", "", "")
	if err != nil || sess.User.Status != StatusConfirmed {
		t.Fatalf("change at sign-in = %+v, %v", sess, err)
	}
	if _, err := e.svc.SignIn(ctx(), email, otp, "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the old one-time password = %v, want ErrInvalidCredentials", err)
	}
	e.signIn(email, "New-Admin-Pass-1")

	// A second start finds the admin and creates nothing.
	if email, otp, created, err := e.svc.Bootstrap(context.Background()); err != nil || created || email != "" || otp != "" {
		t.Fatalf("second Bootstrap = %q %q %v %v", email, otp, created, err)
	}
}

func isPolicy(err error) bool {
	var pe *PolicyError
	return errors.As(err, &pe)
}

func TestBootstrapFromEnvironment(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AdminEmail, o.AdminPassword = "sec@example.com", "Given-Admin-Pass-7" })
	email, otp, created, err := e.svc.Bootstrap(context.Background())
	if err != nil || !created || email != "sec@example.com" || otp != "" {
		t.Fatalf("Bootstrap = %q %q %v %v", email, otp, created, err)
	}
	e.signIn("sec@example.com", "Given-Admin-Pass-7")

	weak := newEnv(t, func(o *Options) { o.AdminPassword = "password" })
	if _, _, _, err := weak.svc.Bootstrap(context.Background()); err == nil || !isPolicy(err) {
		t.Fatalf("Bootstrap with a weak PANTHER_ADMIN_PASSWORD = %v", err)
	}
}

func TestConcurrentBootstrapCreatesOneAdmin(t *testing.T) {
	e := newEnv(t)
	other := e.open()
	var wg sync.WaitGroup
	created := make([]bool, 2)
	errs := make([]error, 2)
	for i, s := range []*Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, created[i], errs[i] = s.Bootstrap(context.Background())
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || created[0] == created[1] {
		t.Fatalf("created %v, errors %v", created, errs)
	}
	users, err := e.svc.ListUsers(ctx(), UserFilter{})
	if err != nil || len(users) != 1 {
		t.Fatalf("users = %v, %v", users, err)
	}
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	admin := e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	u, otp, err := e.svc.CreateUser(ctx(), NewUser{Email: "Grace@Example.com", GivenName: "Grace", FamilyName: "Hopper", Role: RoleAnalyst})
	if err != nil || otp == "" || u.Status != StatusForceChangePassword || u.Name() != "Grace Hopper" {
		t.Fatalf("CreateUser = %+v, %q, %v", u, otp, err)
	}
	if _, _, err := e.svc.CreateUser(ctx(), NewUser{Email: "grace@EXAMPLE.com", Role: RoleReadOnly}); !errors.Is(err, ErrConflict) {
		t.Fatalf("the same e-mail in other case = %v, want ErrConflict", err)
	}
	var ve *ValidationError
	for _, bad := range []NewUser{{Email: "nobody", Role: RoleAdmin}, {Email: "a@b.c", Role: "Root"}, {Email: "a b@c.d", Role: RoleAdmin}} {
		if _, _, err := e.svc.CreateUser(ctx(), bad); !errors.As(err, &ve) {
			t.Errorf("CreateUser(%+v) = %v, want a ValidationError", bad, err)
		}
	}
	if _, _, err := e.svc.CreateUser(ctx(), NewUser{Email: "x@example.com", Role: RoleAdmin, Password: "weak"}); !isPolicy(err) {
		t.Errorf("a weak chosen password = %v", err)
	}

	list, err := e.svc.ListUsers(ctx(), UserFilter{Contains: "hop"})
	if err != nil || len(list) != 1 || list[0].ID != u.ID {
		t.Fatalf("ListUsers(hop) = %v, %v", list, err)
	}
	if list, _ := e.svc.ListUsers(ctx(), UserFilter{Contains: "%"}); len(list) != 0 {
		t.Errorf("a %% in Contains matched %d users; it must match literally", len(list))
	}
	list, _ = e.svc.ListUsers(ctx(), UserFilter{Status: StatusForceChangePassword})
	if len(list) != 1 || list[0].ID != u.ID {
		t.Errorf("ListUsers(FORCE_CHANGE_PASSWORD) = %v", list)
	}
	list, _ = e.svc.ListUsers(ctx(), UserFilter{Role: RoleAdmin})
	if len(list) != 1 || list[0].ID != admin.ID {
		t.Errorf("ListUsers(Admin) = %v", list)
	}
	if found, err := e.svc.FindUser(ctx(), "GRACE@example.com"); err != nil || found.ID != u.ID {
		t.Errorf("FindUser by e-mail = %v, %v", found, err)
	}
	if found, err := e.svc.FindUser(ctx(), u.ID); err != nil || found.ID != u.ID {
		t.Errorf("FindUser by id = %v, %v", found, err)
	}
	if _, err := e.svc.FindUser(ctx(), "nobody@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindUser(unknown) = %v", err)
	}

	role, name := RoleReadOnly, "Amazing Grace"
	up, err := e.svc.UpdateUser(ctx(), u.ID, UserUpdate{Role: &role, GivenName: &name})
	if err != nil || up.Role != RoleReadOnly || up.GivenName != "Amazing Grace" {
		t.Fatalf("UpdateUser = %+v, %v", up, err)
	}
	taken := "ADA@example.com"
	if _, err := e.svc.UpdateUser(ctx(), u.ID, UserUpdate{Email: &taken}); !errors.Is(err, ErrConflict) {
		t.Errorf("changing the e-mail to a taken one = %v", err)
	}
	if err := e.svc.DeleteUser(ctx(), u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.GetUser(ctx(), u.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a removed user = %v", err)
	}
	if err := e.svc.DeleteUser(ctx(), u.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice = %v", err)
	}
}

func TestLastAdminIsKept(t *testing.T) {
	e := newEnv(t)
	a := e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	analyst, off := RoleAnalyst, false
	if _, err := e.svc.UpdateUser(ctx(), a.ID, UserUpdate{Role: &analyst}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demoting the last admin = %v", err)
	}
	if _, err := e.svc.UpdateUser(ctx(), a.ID, UserUpdate{Enabled: &off}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("disabling the last admin = %v", err)
	}
	if err := e.svc.DeleteUser(ctx(), a.ID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the last admin = %v", err)
	}
	b := e.addUser("bob@example.com", RoleAdmin, "Bob-The-Builder-9")
	if _, err := e.svc.UpdateUser(ctx(), a.ID, UserUpdate{Role: &analyst}); err != nil {
		t.Errorf("demoting one of two admins = %v", err)
	}
	if err := e.svc.DeleteUser(ctx(), b.ID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the remaining admin = %v", err)
	}
}

func TestUserChangesEndSessions(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	u := e.addUser("grace@example.com", RoleAnalyst, "Grace-Hopper-1906")
	sess := e.signIn("grace@example.com", "Grace-Hopper-1906")
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); err != nil {
		t.Fatal(err)
	}
	ro := RoleReadOnly
	if _, err := e.svc.UpdateUser(ctx(), u.ID, UserUpdate{Role: &ro}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a session after a role change = %v, want ErrUnauthenticated", err)
	}
	sess = e.signIn("grace@example.com", "Grace-Hopper-1906")
	off := false
	if _, err := e.svc.UpdateUser(ctx(), u.ID, UserUpdate{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a session of a disabled user = %v", err)
	}
	if _, err := e.svc.SignIn(ctx(), "grace@example.com", "Grace-Hopper-1906", "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("a disabled user's sign-in = %v, want ErrInvalidCredentials", err)
	}
	on := true
	if _, err := e.svc.UpdateUser(ctx(), u.ID, UserUpdate{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	sess = e.signIn("grace@example.com", "Grace-Hopper-1906")
	otp, err := e.svc.ResetPassword(ctx(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a session after a password reset = %v", err)
	}
	if _, err := e.svc.SignIn(ctx(), "grace@example.com", otp, "", ""); !errors.Is(err, ErrPasswordChangeRequired) {
		t.Errorf("sign-in with the reset password = %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	s1 := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	s2 := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	p, err := e.svc.AuthenticateSession(ctx(), s1.Cookie, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ChangePassword(ctx(), p, "wrong-Password-1", "Analytical-Engine-2"); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("change with a wrong current password = %v", err)
	}
	if err := e.svc.ChangePassword(ctx(), p, "Ada-Lovelace-1815", "analytical"); !isPolicy(err) {
		t.Errorf("change to a weak password = %v", err)
	}
	if err := e.svc.ChangePassword(ctx(), p, "Ada-Lovelace-1815", "Analytical-Engine-2"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), s1.Cookie, "", false); err != nil {
		t.Errorf("the session that changed the password ended: %v", err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), s2.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("another session survived a password change: %v", err)
	}
	e.signIn("ada@example.com", "Analytical-Engine-2")
	if err := e.svc.ChangePassword(ctx(), CLI("root"), "x", "y"); !errors.Is(err, ErrForbidden) {
		t.Errorf("ChangePassword without a user = %v", err)
	}
}

func TestSettings(t *testing.T) {
	e := newEnv(t)
	st, err := e.svc.Settings(ctx())
	if err != nil || st.RequireMFA {
		t.Fatalf("default settings = %+v, %v", st, err)
	}
	if err := e.svc.UpdateSettings(ctx(), Settings{RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	// Another process sees the change at once.
	if st, err := e.open().Settings(ctx()); err != nil || !st.RequireMFA {
		t.Fatalf("settings after update = %+v, %v", st, err)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := New(context.Background(), db, nil, Options{}); err == nil {
		t.Error("New without a secretbox succeeded")
	}
	box, _ := secretbox.New(make([]byte, 32))
	if _, err := New(context.Background(), db, box, Options{SessionIdle: 48 * time.Hour, SessionMax: time.Hour}); err == nil {
		t.Error("New with an idle timeout longer than the session succeeded")
	}
}
