package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignInFailureIsAudited(t *testing.T) {
	e := newEnv(t)
	u := e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	c := WithRequest(context.Background(), RequestInfo{RemoteAddr: "203.0.113.7:4444", UserAgent: "curl/8.5"})
	if _, err := e.svc.SignIn(c, "ada@example.com", "wrong-Password-1", "", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(c, "ghost@example.com", "wrong-Password-1", "", "198.51.100.1:1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(c, "ada@example.com", "Ada-Lovelace-1815", "", ""); err != nil {
		t.Fatal(err)
	}
	page, err := e.svc.AuditLog(ctx(), AuditFilter{Action: "auth.sign_in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 3 {
		t.Fatalf("entries = %+v", page.Entries)
	}
	ok, ghost, wrong := page.Entries[0], page.Entries[1], page.Entries[2]
	if wrong.Result != ResultFailure || wrong.ActorType != "anonymous" || wrong.ActorName != "ada@example.com" ||
		wrong.ActorID != u.ID || wrong.Summary != "wrong password" || wrong.RemoteAddr != "203.0.113.7:4444" ||
		wrong.UserAgent != "curl/8.5" || !wrong.Time.Equal(e.clock.Now()) {
		t.Errorf("wrong-password entry = %+v", wrong)
	}
	if ghost.Result != ResultFailure || ghost.ActorName != "ghost@example.com" || ghost.ActorID != "" ||
		ghost.RemoteAddr != "198.51.100.1:1" || ghost.Summary != "no user has this e-mail" {
		t.Errorf("unknown-user entry = %+v", ghost)
	}
	if ok.Result != ResultSuccess || ok.ActorType != ViaSession || ok.ActorID != u.ID || ok.TargetType != "session" || ok.TargetID == "" {
		t.Errorf("success entry = %+v", ok)
	}
	fails, _ := e.svc.AuditLog(ctx(), AuditFilter{Result: ResultFailure})
	if len(fails.Entries) != 2 {
		t.Errorf("failures = %d entries", len(fails.Entries))
	}
}

func TestAuditLogQuery(t *testing.T) {
	e := newEnv(t)
	tokCtx := WithPrincipal(context.Background(), Principal{Name: "ci", TokenID: "tok-1", Role: RoleAdmin, Via: ViaToken})
	for i := range 25 {
		e.clock.Advance(time.Minute)
		if err := e.svc.Audit(tokCtx, AuditEntry{Action: "alerts.update_status", TargetType: "alert",
			TargetID: string(rune('a' + i)), Summary: "status OPEN -> TRIAGED"}); err != nil {
			t.Fatal(err)
		}
	}
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815") // users.create by "cli tester"

	page, err := e.svc.AuditLog(ctx(), AuditFilter{Actor: "ci", Limit: 10})
	if err != nil || len(page.Entries) != 10 || page.Next == "" {
		t.Fatalf("first page = %d entries, next %q, %v", len(page.Entries), page.Next, err)
	}
	first := page.Entries[0]
	if first.ActorType != ViaToken || first.ActorID != "tok-1" || first.ActorName != "ci" || first.TargetID != "y" {
		t.Errorf("newest token entry = %+v", first)
	}
	var all []AuditEntry
	f := AuditFilter{Actor: "tok-1", Limit: 10}
	for {
		p, err := e.svc.AuditLog(ctx(), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			break
		}
		f.Cursor = p.Next
	}
	if len(all) != 25 {
		t.Fatalf("paged through %d entries, want 25", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatal("entries are not newest first")
		}
	}
	start := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	byTime, _ := e.svc.AuditLog(ctx(), AuditFilter{From: start.Add(5 * time.Minute), To: start.Add(10 * time.Minute)})
	if len(byTime.Entries) != 5 {
		t.Errorf("entries in [5m, 10m) = %d, want 5", len(byTime.Entries))
	}
	users, _ := e.svc.AuditLog(ctx(), AuditFilter{Action: "users."})
	if len(users.Entries) != 1 || users.Entries[0].ActorName != "tester" || users.Entries[0].ActorType != ViaCLI {
		t.Errorf("users.* entries = %+v", users.Entries)
	}
	if none, _ := e.svc.AuditLog(ctx(), AuditFilter{Action: "users"}); len(none.Entries) != 0 {
		t.Errorf("action %q (no dot) matched %d entries", "users", len(none.Entries))
	}
	one, _ := e.svc.AuditLog(ctx(), AuditFilter{TargetType: "alert", TargetID: "c"})
	if len(one.Entries) != 1 {
		t.Errorf("target alert c: %d entries", len(one.Entries))
	}
	var ve *ValidationError
	if _, err := e.svc.AuditLog(ctx(), AuditFilter{Cursor: "abc"}); !errors.As(err, &ve) {
		t.Errorf("a bad cursor = %v", err)
	}
	var n int
	var last int64
	if err := e.svc.ScanAudit(ctx(), 20, func(e AuditEntry) error {
		if e.ID <= last {
			t.Error("ScanAudit is not oldest first")
		}
		last = e.ID
		n++
		return nil
	}); err != nil || n != 6 {
		t.Errorf("ScanAudit after id 20: %d entries, %v", n, err)
	}
}

func TestAuditCleansText(t *testing.T) {
	e := newEnv(t)
	if err := e.svc.Audit(ctx(), AuditEntry{Action: "rules.update", Summary: "line one\nFAKE ENTRY\x1b[31m" + strings.Repeat("é", 2000)}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Audit(ctx(), AuditEntry{}); err == nil {
		t.Error("an entry without an action was accepted")
	}
	page, _ := e.svc.AuditLog(ctx(), AuditFilter{Action: "rules.update"})
	s := page.Entries[0].Summary
	if strings.ContainsAny(s, "\n\x1b") || len(s) > maxSummary || !strings.HasPrefix(s, "line one FAKE ENTRY") || !strings.HasSuffix(s, "é") {
		t.Errorf("summary = %q (%d bytes)", s[:40], len(s))
	}
}

func TestAuditSQLRow(t *testing.T) {
	e := AuditEntry{ID: 7, Time: time.Unix(1, 0), ActorType: "session", ActorID: "u1", ActorName: "a@b.c", Action: "x.y",
		TargetType: "alert", TargetID: "a1", Summary: "s", Result: ResultSuccess, RemoteAddr: "r", UserAgent: "ua"}
	row := e.SQLRow()
	if len(row) != len(AuditSQLColumns) {
		t.Fatalf("%d values for %d columns", len(row), len(AuditSQLColumns))
	}
	for i, c := range AuditSQLColumns {
		if c.Name == "time" {
			if _, ok := row[i].(time.Time); !ok {
				t.Errorf("column time holds %T", row[i])
			}
		}
		if c.Name == "action" && row[i] != "x.y" || c.Name == "id" && row[i] != int64(7) || c.Name == "user_agent" && row[i] != "ua" {
			t.Errorf("column %s holds %v", c.Name, row[i])
		}
	}
}
