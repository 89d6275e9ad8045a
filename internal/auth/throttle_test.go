package auth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestBackoffDelays(t *testing.T) {
	l := DefaultLimits
	for n, want := range map[int]time.Duration{1: 0, 5: 0, 6: 2 * time.Second, 7: 4 * time.Second, 8: 8 * time.Second,
		14: 512 * time.Second, 15: 15 * time.Minute, 100: 15 * time.Minute} {
		if got := l.delay(n, 5); got != want {
			t.Errorf("delay after %d failures = %s, want %s", n, got, want)
		}
	}
}

func TestAddressKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1:5000":             "addr:192.0.2.1",
		"192.0.2.1":                  "addr:192.0.2.1",
		"[2001:db8:1:2:3::4]:443":    "addr:2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::9]:443": "addr:2001:db8:1:2::/64",
		"[::ffff:192.0.2.1]:80":      "addr:192.0.2.1",
		"":                           "",
		"@":                          "addr:@",
	} {
		if got := addressKey(in); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// attempt signs in from an address and returns the error.
func (e *env) attempt(email, password, remote string) error {
	_, err := e.svc.SignIn(ctx(), email, password, "", remote)
	return err
}

func retryAfter(err error) time.Duration {
	var rl *RateLimitError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	return -1
}

func TestAccountBackoff(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	for i := range 5 {
		if err := e.attempt("ada@example.com", "wrong-Password-1", fmt.Sprintf("198.51.100.%d:1", i)); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d = %v", i+1, err)
		}
	}
	// The 6th failure blocks the account for 2 s, from every address, even with the right password.
	if err := e.attempt("ada@example.com", "wrong-Password-1", "198.51.100.9:1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("failure 6 = %v", err)
	}
	err := e.attempt("ada@example.com", "Ada-Lovelace-1815", "203.0.113.5:1")
	if !errors.Is(err, ErrRateLimited) || retryAfter(err) != 2*time.Second {
		t.Fatalf("the right password while blocked = %v (retry after %s)", err, retryAfter(err))
	}
	if err.Error() != "too many failed sign-in attempts: try again in 2s" {
		t.Errorf("message = %q", err)
	}
	e.clock.Advance(time.Second)
	if got := retryAfter(e.attempt("ada@example.com", "Ada-Lovelace-1815", "")); got != time.Second {
		t.Fatalf("a second later, retry after %s", got)
	}
	// Blocked attempts are not failures: the block does not grow while it lasts.
	e.clock.Advance(time.Second)
	if err := e.attempt("ada@example.com", "wrong-Password-1", ""); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("after the block = %v", err)
	}
	if got := retryAfter(e.attempt("ada@example.com", "Ada-Lovelace-1815", "")); got != 4*time.Second {
		t.Fatalf("after the 7th failure, retry after %s, want 4s", got)
	}
	e.clock.Advance(4 * time.Second)
	if err := e.attempt("ada@example.com", "Ada-Lovelace-1815", ""); err != nil {
		t.Fatalf("the right password after the block = %v", err)
	}
	// Success clears the count: five more failures are free again.
	for i := range 5 {
		if err := e.attempt("ada@example.com", "wrong-Password-1", ""); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d after success = %v", i+1, err)
		}
	}
	// Counts are forgotten after an hour without failure.
	e.clock.Advance(61 * time.Minute)
	for i := range 5 {
		if err := e.attempt("ada@example.com", "wrong-Password-1", ""); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d an hour later = %v", i+1, err)
		}
	}
}

// TestBackoffDoesNotRevealAccounts: an account nobody has backs off exactly like a real one.
func TestBackoffDoesNotRevealAccounts(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	var real, ghost []string
	for range 8 {
		real = append(real, fmt.Sprint(e.attempt("ada@example.com", "wrong-Password-1", "")))
		ghost = append(ghost, fmt.Sprint(e.attempt("nobody@example.com", "wrong-Password-1", "")))
		e.clock.Advance(10 * time.Second)
	}
	for i := range real {
		if real[i] != ghost[i] {
			t.Errorf("attempt %d: existing account %q, unknown account %q", i+1, real[i], ghost[i])
		}
	}
}

func TestAddressBackoff(t *testing.T) {
	e := newEnv(t)
	e.addUser("ada@example.com", RoleAdmin, "Ada-Lovelace-1815")
	// 20 failures from one address over 20 accounts (each below its own limit)...
	for i := range 20 {
		if err := e.attempt(fmt.Sprintf("user%d@example.com", i), "wrong-Password-1", "[2001:db8::1]:1"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("failure %d = %v", i+1, err)
		}
	}
	// ...the 21st blocks the address (its whole /64), even for a right password of another account.
	if err := e.attempt("user20@example.com", "wrong-Password-1", "[2001:db8::2]:1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if err := e.attempt("ada@example.com", "Ada-Lovelace-1815", "[2001:db8::3]:1"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("from the blocked /64 = %v", err)
	}
	if err := e.attempt("ada@example.com", "Ada-Lovelace-1815", "[2001:db8:0:1::3]:1"); err != nil {
		t.Fatalf("from another /64 = %v", err)
	}
	// A success from the address does not lift the address's block.
	e.clock.Advance(2 * time.Second)
	if err := e.attempt("ada@example.com", "Ada-Lovelace-1815", "[2001:db8::3]:1"); err != nil {
		t.Fatal(err)
	}
	if err := e.attempt("user21@example.com", "wrong-Password-1", "[2001:db8::3]:1"); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if got := retryAfter(e.attempt("ada@example.com", "Ada-Lovelace-1815", "[2001:db8::3]:1")); got != 4*time.Second {
		t.Fatalf("after the 22nd failure, retry after %s, want 4s", got)
	}
}

func TestResetPasswordLiftsBackoff(t *testing.T) {
	e := newEnv(t)
	e.addUser("root@example.com", RoleAdmin, "Root-Account-Pass-1")
	u := e.addUser("ada@example.com", RoleAnalyst, "Ada-Lovelace-1815")
	for range 6 {
		e.attempt("ada@example.com", "wrong-Password-1", "")
	}
	if err := e.attempt("ada@example.com", "Ada-Lovelace-1815", ""); !errors.Is(err, ErrRateLimited) {
		t.Fatal(err)
	}
	otp, err := e.svc.ResetPassword(ctx(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ChangePasswordAtSignIn(ctx(), "ada@example.com", otp, "Fresh-Password-22", "", ""); err != nil {
		t.Fatalf("after an admin reset = %v", err)
	}
}
