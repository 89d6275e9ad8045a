package auth

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	cases := []struct {
		pw, email string
		problems  []string // empty: accepted
	}{
		{"Correct-Horse-9", "", nil},
		{"ünïcödé Pässwörd 1", "", nil}, // a space is a symbol; letters beyond ASCII count
		{"Sh0rt!", "", []string{"must be at least 12 characters (has 6)"}},
		{"alllowercase1!", "", []string{"needs an upper-case letter"}},
		{"ALLUPPERCASE1!", "", []string{"needs a lower-case letter"}},
		{"NoNumbersHere!", "", []string{"needs a number"}},
		{"NoSymbolsHere1", "", []string{"needs a symbol"}},
		{"aaaaaaaaaaaa", "", []string{"needs an upper-case letter", "needs a number", "needs a symbol"}},
		{"Mallory@Example.com-1", "mallory@example.com", []string{"must not contain the e-mail address"}},
		{"Mallory-Is-Here-1", "mallory@example.com", nil},
		{strings.Repeat("Aa1!", 65), "", []string{"must be at most 256 characters"}},
	}
	for _, c := range cases {
		err := CheckPassword(c.pw, c.email)
		if len(c.problems) == 0 {
			if err != nil {
				t.Errorf("CheckPassword(%q) = %v, want nil", c.pw, err)
			}
			continue
		}
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Fatalf("CheckPassword(%q) = %v, want a PolicyError", c.pw, err)
		}
		if strings.Join(pe.Problems, "|") != strings.Join(c.problems, "|") {
			t.Errorf("CheckPassword(%q) problems = %q, want %q", c.pw, pe.Problems, c.problems)
		}
		if strings.Contains(err.Error(), c.pw) {
			t.Errorf("the error %q contains the password", err)
		}
	}
}

// cheap keeps hashing fast in tests; the format and the checks are the same.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h, err := hashPassword("Correct-Horse-9", cheap, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "Correct") {
		t.Fatalf("hash = %q", h)
	}
	h2, _ := hashPassword("Correct-Horse-9", cheap, rand.Reader)
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if ok, rehash := verifyPassword("Correct-Horse-9", h, cheap); !ok || rehash {
		t.Errorf("verify right password = %v, rehash %v", ok, rehash)
	}
	if ok, _ := verifyPassword("Correct-Horse-8", h, cheap); ok {
		t.Error("a wrong password verified")
	}
	// New parameters: the old hash still verifies and asks to be renewed.
	if ok, rehash := verifyPassword("Correct-Horse-9", h, DefaultArgon2); !ok || !rehash {
		t.Errorf("verify under new params = %v, rehash %v; want true, true", ok, rehash)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=64,t=1,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=0,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5", "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$"} {
		if ok, _ := verifyPassword("x", bad, cheap); ok {
			t.Errorf("verify against %q succeeded", bad)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	if len(otpAlphabet) != 64 {
		t.Fatalf("the alphabet has %d characters; 64 keeps the choice uniform", len(otpAlphabet))
	}
	seen := map[string]bool{}
	for range 200 {
		pw, err := generatePassword(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckPassword(pw, ""); err != nil {
			t.Fatalf("generated %q breaks the policy: %v", pw, err)
		}
		if seen[pw] {
			t.Fatalf("generated %q twice", pw)
		}
		seen[pw] = true
	}
}
