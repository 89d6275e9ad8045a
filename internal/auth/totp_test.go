package auth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTOTPVectors checks the generator against the SHA-1 test vectors of RFC 6238 appendix B
// (8 digits, 30-second steps, the ASCII secret "12345678901234567890").
func TestTOTPVectors(t *testing.T) {
	secret := []byte("12345678901234567890")
	for unix, want := range map[int64]string{59: "94287082", 1111111109: "07081804", 1111111111: "14050471",
		1234567890: "89005924", 2000000000: "69279037", 20000000000: "65353130"} {
		if got := totpCode(secret, totpStep(time.Unix(unix, 0)), 8); got != want {
			t.Errorf("T=%d: code %s, want %s", unix, got, want)
		}
	}
	// Six digits are the last six of the same number.
	if got := totpCode(secret, totpStep(time.Unix(59, 0)), 6); got != "287082" {
		t.Errorf("6-digit code at T=59 = %s", got)
	}
}

func TestCheckTOTPWindowAndReplay(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := totpStep(now)
	code := func(s int64) string { return totpCode(secret, s, 6) }
	for _, d := range []int64{-1, 0, 1} {
		if got, ok := checkTOTP(secret, code(step+d), now, 0); !ok || got != step+d {
			t.Errorf("code of step %+d: %d, %v", d, got, ok)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := checkTOTP(secret, code(step+d), now, 0); ok {
			t.Errorf("code of step %+d accepted", d)
		}
	}
	if _, ok := checkTOTP(secret, code(step), now, step); ok {
		t.Error("a code of the last used step accepted again")
	}
	if _, ok := checkTOTP(secret, " "+code(step)[:3]+" "+code(step)[3:]+" ", now, 0); !ok {
		t.Error("a code typed with spaces refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := checkTOTP(secret, bad, now, 0); ok {
			t.Errorf("code %q accepted", bad)
		}
	}
}

// codeAt makes the code an authenticator app shows for a base32 secret.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	raw, err := b32.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return totpCode(raw, totpStep(at), 6)
}

func TestMFASignIn(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	p, err := e.svc.AuthenticateSession(ctx(), sess.Cookie, sess.CSRFToken, true)
	if err != nil {
		t.Fatal(err)
	}
	enr, err := e.svc.BeginMFA(ctx(), p)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(enr.URL)
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != enr.Secret || u.Query().Get("issuer") != "Panther" ||
		!strings.Contains(enr.URL, "Panther:ada@example.com") || len(enr.Secret) != 32 {
		t.Fatalf("enrollment = %+v", enr)
	}
	// Not active until confirmed: signing in needs no code yet.
	e.signIn("ada@example.com", "Ada-Lovelace-1815")
	if err := e.svc.ConfirmMFA(ctx(), p, "000000"); !errors.Is(err, ErrInvalidCredentials) && codeAt(t, enr.Secret, e.clock.Now()) != "000000" {
		t.Fatalf("confirm with a wrong code = %v", err)
	}
	if err := e.svc.ConfirmMFA(ctx(), p, codeAt(t, enr.Secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.GetUser(ctx(), p.UserID); !got.MFAEnabled {
		t.Fatal("MFA not enabled after confirmation")
	}

	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "", ""); !errors.Is(err, ErrMFARequired) {
		t.Fatalf("sign-in without a code = %v, want ErrMFARequired", err)
	}
	// The code of the confirmation step was used: it is refused until the next step.
	used := codeAt(t, enr.Secret, e.clock.Now())
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", used, ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("a replayed code = %v", err)
	}
	e.clock.Advance(30 * time.Second)
	code := codeAt(t, enr.Secret, e.clock.Now())
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "wrong-Password-1", code, ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("wrong password with a right code = %v", err)
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", code, ""); err != nil {
		t.Fatalf("sign-in with the code = %v", err)
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", code, ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("the same code twice = %v", err)
	}
	// A code one step late (clock drift) still works.
	e.clock.Advance(30 * time.Second)
	late := codeAt(t, enr.Secret, e.clock.Now().Add(-30*time.Second))
	if late == code {
		t.Skip("two consecutive codes are equal")
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", late, ""); err == nil {
		t.Fatal("a code of the step already used was accepted")
	}
	e.clock.Advance(30 * time.Second)
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", codeAt(t, enr.Secret, e.clock.Now().Add(-30*time.Second)), ""); err != nil {
		t.Fatalf("a code one step late = %v", err)
	}

	// An admin removes the authenticator: the password alone works again.
	if err := e.svc.ResetMFA(ctx(), p.UserID); err != nil {
		t.Fatal(err)
	}
	e.signIn("ada@example.com", "Ada-Lovelace-1815")
}

func TestRequiredMFAEnrollsAtSignIn(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	if err := e.svc.UpdateSettings(ctx(), Settings{RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "", ""); !errors.Is(err, ErrMFAEnrollmentRequired) {
		t.Fatalf("sign-in without an authenticator = %v, want ErrMFAEnrollmentRequired", err)
	}
	if _, err := e.svc.EnrollMFAAtSignIn(ctx(), "ada@example.com", "wrong-Password-1", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("enrollment with a wrong password = %v", err)
	}
	enr, err := e.svc.EnrollMFAAtSignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "", ""); !errors.Is(err, ErrMFAEnrollmentRequired) {
		t.Fatalf("sign-in without a code during enrollment = %v", err)
	}
	sess, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", codeAt(t, enr.Secret, e.clock.Now()), "")
	if err != nil || !sess.User.MFAEnabled {
		t.Fatalf("sign-in with the new authenticator's code = %+v, %v", sess.User, err)
	}
	if _, err := e.svc.EnrollMFAAtSignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", ""); !errors.Is(err, ErrConflict) {
		t.Fatalf("a second enrollment without a reset = %v, want ErrConflict", err)
	}
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", "Ada-Lovelace-1815", "", ""); !errors.Is(err, ErrMFARequired) {
		t.Fatalf("after enrollment, without a code = %v", err)
	}
}

// TestOneTimePasswordWithMFA: a reset password of a user with an authenticator is changed
// with a code, and the code is not used up by the first (refused) attempt.
func TestOneTimePasswordWithMFA(t *testing.T) {
	e := newEnv(t)
	e.addUser("root@example.com", RoleAdmin, "Root-Account-Pass-1")
	u := e.addUser("ada@example.com", RoleAnalyst, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	p, _ := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false)
	enr, _ := e.svc.BeginMFA(ctx(), p)
	if err := e.svc.ConfirmMFA(ctx(), p, codeAt(t, enr.Secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	otp, err := e.svc.ResetPassword(ctx(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	code := codeAt(t, enr.Secret, e.clock.Now())
	if _, err := e.svc.SignIn(ctx(), "ada@example.com", otp, code, ""); !errors.Is(err, ErrPasswordChangeRequired) {
		t.Fatalf("sign-in with the one-time password = %v", err)
	}
	if _, err := e.svc.ChangePasswordAtSignIn(ctx(), "ada@example.com", otp, "Fresh-Password-22", "", ""); !errors.Is(err, ErrMFARequired) {
		t.Fatalf("change without the code = %v", err)
	}
	if _, err := e.svc.ChangePasswordAtSignIn(ctx(), "ada@example.com", otp, "Fresh-Password-22", code, ""); err != nil {
		t.Fatalf("change with the code = %v", err)
	}
}

func TestDisableMFA(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	sess := e.signIn("ada@example.com", "Ada-Lovelace-1815")
	p, _ := e.svc.AuthenticateSession(ctx(), sess.Cookie, "", false)
	enr, _ := e.svc.BeginMFA(ctx(), p)
	if err := e.svc.ConfirmMFA(ctx(), p, codeAt(t, enr.Secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	if err := e.svc.DisableMFA(ctx(), p, "000000"); !errors.Is(err, ErrInvalidCredentials) && codeAt(t, enr.Secret, e.clock.Now()) != "000000" {
		t.Fatalf("disable with a wrong code = %v", err)
	}
	if err := e.svc.UpdateSettings(ctx(), Settings{RequireMFA: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DisableMFA(ctx(), p, codeAt(t, enr.Secret, e.clock.Now())); !errors.Is(err, ErrForbidden) {
		t.Fatalf("disable while MFA is required = %v", err)
	}
	if err := e.svc.UpdateSettings(ctx(), Settings{}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DisableMFA(ctx(), p, codeAt(t, enr.Secret, e.clock.Now())); err != nil {
		t.Fatal(err)
	}
	e.signIn("ada@example.com", "Ada-Lovelace-1815")
}
