package auth

import (
	"context"
	"crypto/rand"
	"testing"
)

// The checks every API request makes: a token, or a session with its CSRF token. They read
// the state database each time (no cache, so revocations apply at once); these say what that
// costs.

func BenchmarkAuthenticateToken(b *testing.B) {
	e := newEnv(b)
	_, secret, err := e.svc.CreateToken(ctx(), NewToken{Name: "bench", Role: RoleAnalyst})
	if err != nil {
		b.Fatal(err)
	}
	c := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.AuthenticateToken(c, secret); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateSession(b *testing.B) {
	e := newEnv(b)
	e.addUser("ada@example.com", RoleAnalyst, "Ada-Lovelace-1815")
	sess, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "", "")
	if err != nil {
		b.Fatal(err)
	}
	c := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.svc.AuthenticateSession(c, sess.Cookie, sess.CSRFToken, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPasswordHash is the cost of one sign-in's password check at the default argon2id
// setting: what the concurrency bound and the back-off protect.
func BenchmarkPasswordHash(b *testing.B) {
	h, err := hashPassword("Ada-Lovelace-1815", DefaultArgon2, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if ok, _ := verifyPassword("Ada-Lovelace-1815", h, DefaultArgon2); !ok {
			b.Fatal("no match")
		}
	}
}

func BenchmarkAudit(b *testing.B) {
	e := newEnv(b)
	c := ctx()
	entry := AuditEntry{Action: "alerts.update_status", TargetType: "alert", TargetID: "a1", Summary: "OPEN -> TRIAGED"}
	for b.Loop() {
		if err := e.svc.Audit(c, entry); err != nil {
			b.Fatal(err)
		}
	}
}
