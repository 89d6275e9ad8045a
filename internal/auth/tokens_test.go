package auth

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTokenFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := newAPIToken(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 53 || !strings.HasPrefix(tok, "pat_") || !LooksLikeToken(tok) || seen[tok] {
			t.Fatalf("token %q", tok)
		}
		seen[tok] = true
		// One changed character breaks the checksum.
		b := []byte(tok)
		i := 4 + int(b[10])%40
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		if LooksLikeToken(string(b)) {
			t.Fatalf("%q with one character changed still looks like a token", b)
		}
	}
	for _, bad := range []string{"", "pat_", "pat_" + strings.Repeat("0", 49), "tok_" + strings.Repeat("0", 49), strings.Repeat("x", 53)} {
		if LooksLikeToken(bad) {
			t.Errorf("LooksLikeToken(%q) = true", bad)
		}
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	tok, secret, err := e.svc.CreateToken(ctx(), NewToken{Name: "ci", Role: RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Name != "ci" || tok.Role != RoleAnalyst || tok.CreatedBy != "cli tester" || !strings.HasPrefix(secret, tok.Prefix) || len(tok.Prefix) != 8 {
		t.Fatalf("token = %+v (secret %d chars)", tok, len(secret))
	}
	p, err := e.svc.AuthenticateToken(ctx(), secret)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Principal{Name: "ci", Role: RoleAnalyst, TokenID: tok.ID, Via: ViaToken}); p != want {
		t.Fatalf("principal = %+v, want %+v", p, want)
	}
	if _, _, err := e.svc.CreateToken(ctx(), NewToken{Name: "ci", Role: RoleReadOnly}); !errors.Is(err, ErrConflict) {
		t.Errorf("a second active token named ci = %v", err)
	}
	var ve *ValidationError
	past := e.clock.Now().Add(-time.Second)
	for _, bad := range []NewToken{{Name: "", Role: RoleAdmin}, {Name: "x", Role: "Root"}, {Name: "a\nb", Role: RoleAdmin},
		{Name: "old", Role: RoleAdmin, ExpiresAt: &past}} {
		if _, _, err := e.svc.CreateToken(ctx(), bad); !errors.As(err, &ve) {
			t.Errorf("CreateToken(%+v) = %v, want a ValidationError", bad, err)
		}
	}
	for _, bad := range []string{"", "hello", "pat_" + strings.Repeat("0", 49)} {
		if _, err := e.svc.AuthenticateToken(ctx(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("AuthenticateToken(%q) = %v", bad, err)
		}
	}
	unknown, _ := newAPIToken(rand.Reader)
	if _, err := e.svc.AuthenticateToken(ctx(), unknown); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "unknown") {
		t.Errorf("an unknown well-formed token = %v", err)
	}
	if found, err := e.svc.FindToken(ctx(), "ci"); err != nil || found.ID != tok.ID {
		t.Errorf("FindToken(ci) = %+v, %v", found, err)
	}
	list, err := e.svc.ListTokens(ctx(), false)
	if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
		t.Fatalf("tokens = %+v, %v", list, err)
	}
}

// TestRevokedTokenRefusedAtOnce revokes from another process (a panther command next to the
// server): the server's very next check refuses the token.
func TestRevokedTokenRefusedAtOnce(t *testing.T) {
	e := newEnv(t)
	tok, secret, err := e.svc.CreateToken(ctx(), NewToken{Name: "ci", Role: RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := e.svc.AuthenticateToken(ctx(), secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.open().RevokeToken(ctx(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AuthenticateToken(ctx(), secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("a revoked token = %v", err)
	}
	if err := e.svc.RevokeToken(ctx(), tok.ID); err != nil {
		t.Errorf("revoking twice = %v", err)
	}
	if err := e.svc.RevokeToken(ctx(), "no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking an unknown token = %v", err)
	}
	// The name is free again; the revoked token is listed only when asked.
	if _, _, err := e.svc.CreateToken(ctx(), NewToken{Name: "ci", Role: RoleAdmin}); err != nil {
		t.Errorf("reusing a revoked token's name = %v", err)
	}
	active, _ := e.svc.ListTokens(ctx(), false)
	all, _ := e.svc.ListTokens(ctx(), true)
	if len(active) != 1 || len(all) != 2 {
		t.Errorf("active %d, all %d tokens", len(active), len(all))
	}
}

func TestTokenExpiryAndLastUsed(t *testing.T) {
	e := newEnv(t)
	exp := e.clock.Now().Add(time.Hour)
	tok, secret, err := e.svc.CreateToken(ctx(), NewToken{Name: "short", Role: RoleReadOnly, ExpiresAt: &exp})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() *time.Time {
		got, err := e.svc.GetToken(ctx(), tok.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.LastUsedAt
	}
	if lastUsed() != nil {
		t.Fatal("a new token has a last-used time")
	}
	e.svc.AuthenticateToken(ctx(), secret)
	first := *lastUsed()
	e.clock.Advance(40 * time.Second)
	e.svc.AuthenticateToken(ctx(), secret)
	if !lastUsed().Equal(first) {
		t.Error("last-used written twice within a minute")
	}
	e.clock.Advance(30 * time.Second)
	e.svc.AuthenticateToken(ctx(), secret)
	if got := *lastUsed(); !got.Equal(e.clock.Now()) {
		t.Errorf("last-used = %s, want %s", got, e.clock.Now())
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.AuthenticateToken(ctx(), secret); !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token = %v", err)
	}
}
