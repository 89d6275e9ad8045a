package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSessionAndCSRF(t *testing.T) {
	e := newEnv(t)
	u := e.addUser("ada@example.com", RoleAnalyst, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	if !strings.HasPrefix(sess.Cookie, "ps_") || sess.CSRFToken == "" || sess.CSRFToken == sess.Cookie {
		t.Fatalf("session = %+v", sess)
	}
	if sess.User.ID != u.ID || sess.User.LastSignInAt == nil || !sess.ExpiresAt.Equal(e.clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("session user / expiry = %+v", sess)
	}
	p, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := Principal{UserID: u.ID, Email: "ada@example.com", Name: "Test User", Role: RoleAnalyst, SessionID: sess.ID, Via: ViaSession}
	if p != want {
		t.Fatalf("principal = %+v, want %+v", p, want)
	}
	// Mutating requests need the session's CSRF token.
	for _, bad := range []string{"", "x", CSRFToken("ps_another-session"), sess.CSRFToken[:len(sess.CSRFToken)-1]} {
		if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, bad, true); !errors.Is(err, ErrCSRF) {
			t.Errorf("mutating with CSRF %q = %v, want ErrCSRF", bad, err)
		}
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, sess.CSRFToken, true); err != nil {
		t.Errorf("mutating with the right CSRF token = %v", err)
	}
	// Another session's token does not work for this one.
	other := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, other.CSRFToken, true); !errors.Is(err, ErrCSRF) {
		t.Errorf("another session's CSRF token = %v, want ErrCSRF", err)
	}
	for _, bad := range []string{"", "nonsense", "ps_" + strings.Repeat("A", 43)} {
		if _, err := e.svc.AuthenticateSession(ctx(), bad, "", false); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("cookie %q = %v, want ErrUnauthenticated", bad, err)
		}
	}
	if err := e.svc.SignOut(ctx(), sess.Cookie); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a signed-out session = %v", err)
	}
	if err := e.svc.SignOut(ctx(), sess.Cookie); err != nil {
		t.Errorf("signing out twice = %v", err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), other.Cookie, "", false); err != nil {
		t.Errorf("signing out one session ended another: %v", err)
	}
}

func TestSessionIdleExpiry(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.SessionIdle, o.SessionMax = time.Hour, 5*time.Hour })
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	// Used every 50 minutes, the session lives on...
	for range 5 {
		e.clock.Advance(50 * time.Minute)
		if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); err != nil {
			t.Fatalf("after %s: %v", e.clock.Now().Sub(sess.ExpiresAt.Add(-5*time.Hour)), err)
		}
	}
	// ...until its absolute expiry (5 h after sign-in).
	e.clock.Advance(50 * time.Minute)
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) ||
		!strings.Contains(err.Error(), "expired") {
		t.Fatalf("past the absolute expiry = %v", err)
	}
	// Left alone for the idle timeout, a session ends.
	s2 := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	e.clock.Advance(time.Hour - time.Second)
	if _, err := e.svc.AuthenticateSession(ctx(), s2.Cookie, "", false); err != nil {
		t.Fatalf("just before the idle timeout: %v", err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.AuthenticateSession(ctx(), s2.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("idle for an hour = %v", err)
	}
}

func TestSessionTouchIsCheap(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	lastSeen := func() time.Time {
		list, err := e.svc.ListSessions(ctx(), sess.User.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("sessions = %v, %v", list, err)
		}
		return list[0].LastSeenAt
	}
	start := lastSeen()
	e.clock.Advance(30 * time.Second)
	e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false)
	if !lastSeen().Equal(start) {
		t.Error("last-seen written within a minute of the last write")
	}
	e.clock.Advance(31 * time.Second)
	e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false)
	if got := lastSeen(); !got.Equal(e.clock.Now()) {
		t.Errorf("last-seen = %s, want %s", got, e.clock.Now())
	}
}

func TestRevokeSession(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	list, err := e.svc.ListSessions(ctx(), sess.User.ID)
	if err != nil || len(list) != 1 || list[0].ID != sess.ID || list[0].RemoteAddr != "192.0.2.10:5000" || list[0].UserAgent != "test-agent/1.0" {
		t.Fatalf("sessions = %+v, %v", list, err)
	}
	// Revoked by another process (a panther command): refused at the next request.
	if err := e.open().RevokeSession(ctx(), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("a revoked session = %v", err)
	}
	if err := e.svc.RevokeSession(ctx(), sess.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice = %v", err)
	}
}

func TestRevokeSessions(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	a := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	b := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	if n, err := e.svc.RevokeSessions(ctx(), a.User.ID); err != nil || n != 2 {
		t.Fatalf("RevokeSessions = %d, %v", n, err)
	}
	for _, s := range []Session{a, b} {
		if _, err := e.svc.AuthenticateSession(ctx(), s.Cookie, "", false); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("a session after sign-out everywhere = %v", err)
		}
	}
}
