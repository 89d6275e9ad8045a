package auth

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestNoSecretInLogsOrAudit runs every path that handles a secret, then scans what the service
// logged, wrote to the audit log, returned as errors and stored in the database files for
// each secret used: passwords (right, wrong, one-time, new), TOTP secrets and codes, session
// cookies, CSRF tokens and API tokens.
func TestNoSecretInLogsOrAudit(t *testing.T) {
	e := newEnv(t)
	var secrets, errs []string
	keep := func(s ...string) { secrets = append(secrets, s...) }
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	bg := context.Background()

	_, adminOTP, _, err := e.svc.Bootstrap(bg)
	note(err)
	keep(adminOTP)
	_, err = e.svc.SignIn(ctx(), DefaultAdminEmail, adminOTP, "", "")
	note(err)
	adminPW := "Brand-New-Admin-Pass-3"
	keep(adminPW)
	sess, err := e.svc.ChangePasswordAtSignIn(ctx(), DefaultAdminEmail, adminOTP, adminPW, "", "")
	note(err)
	keep(sess.Cookie, sess.CSRFToken)
	admin, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, sess.CSRFToken, true)
	note(err)
	actx := WithPrincipal(ctx(), admin)

	for _, wrong := range []string{"Wrong-Guess-Number-1", "Wrong-Guess-Number-2", "hunter2-Wrong!"} {
		keep(wrong)
		_, err = e.svc.SignIn(ctx(), DefaultAdminEmail, wrong, "", "")
		note(err)
		_, err = e.svc.SignIn(ctx(), "ghost@example.com", wrong, "", "")
		note(err)
	}
	_, err = e.svc.AuthenticateSession(ctx(), sess.Cookie, "forged-csrf-token-value", true)
	note(err)
	keep("forged-csrf-token-value")

	u, userOTP, err := e.svc.CreateUser(actx, NewUser{Email: "ada@example.com", GivenName: "Ada", Role: RoleAnalyst})
	note(err)
	keep(userOTP)
	resetOTP, err := e.svc.ResetPassword(actx, u.ID)
	note(err)
	keep(resetOTP)
	weak := "weakpassword"
	keep(weak)
	_, err = e.svc.ChangePasswordAtSignIn(ctx(), "ada@example.com", resetOTP, weak, "", "")
	note(err)
	userPW := "Ada-Chosen-Password-9"
	keep(userPW)
	us, err := e.svc.ChangePasswordAtSignIn(ctx(), "ada@example.com", resetOTP, userPW, "", "")
	note(err)
	keep(us.Cookie, us.CSRFToken)
	up, err := e.svc.AuthenticateSession(ctx(), us.Cookie, us.CSRFToken, true)
	note(err)
	uctx := WithPrincipal(ctx(), up)
	enr, err := e.svc.BeginMFA(uctx, up)
	note(err)
	keep(enr.Secret)
	note(e.svc.ConfirmMFA(uctx, up, "000001"))
	code := codeAt(t, enr.Secret, e.clock.Now())
	note(e.svc.ConfirmMFA(uctx, up, code))
	e.clock.Advance(30 * time.Second)
	code2 := codeAt(t, enr.Secret, e.clock.Now())
	keep(code2)
	_, err = e.svc.SignIn(ctx(), "ada@example.com", userPW, code2, "")
	note(err)
	_, err = e.svc.SignIn(ctx(), "ada@example.com", userPW, code2, "") // replay
	note(err)
	newPW := "Ada-Second-Password-10"
	keep(newPW)
	note(e.svc.ChangePassword(uctx, up, userPW, newPW))
	note(e.svc.ChangePassword(uctx, up, "Not-The-Password-1", "Whatever-Pass-77"))
	keep("Not-The-Password-1", "Whatever-Pass-77")

	tok, tokSecret, err := e.svc.CreateToken(actx, NewToken{Name: "ci", Role: RoleReadOnly})
	note(err)
	keep(tokSecret)
	_, err = e.svc.AuthenticateToken(ctx(), tokSecret)
	note(err)
	note(e.svc.RevokeToken(actx, tok.ID))
	_, err = e.svc.AuthenticateToken(ctx(), tokSecret)
	note(err)
	note(e.svc.SignOut(ctx(), sess.Cookie))

	audit, err := e.svc.AuditLog(ctx(), AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	auditJSON, _ := json.Marshal(audit)
	if len(audit.Entries) < 20 || e.logs.String() == "" {
		t.Fatalf("the scenario left %d audit entries and %d bytes of logs: too little to scan", len(audit.Entries), len(e.logs.String()))
	}
	var files []byte
	for _, name := range []string{"state.db", "state.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(e.dir, name))
		files = append(files, b...)
	}
	for _, s := range secrets {
		if len(s) < 6 {
			t.Fatalf("secret %q is too short to scan for", s)
		}
		if strings.Contains(e.logs.String(), s) {
			t.Errorf("a log line contains the secret %q", s)
		}
		if strings.Contains(string(auditJSON), s) {
			t.Errorf("the audit log contains the secret %q", s)
		}
		for _, msg := range errs {
			if strings.Contains(msg, s) {
				t.Errorf("the error %q contains the secret %q", msg, s)
			}
		}
		if strings.Contains(string(files), s) {
			t.Errorf("the database files contain the secret %q in the clear", s)
		}
	}
}
