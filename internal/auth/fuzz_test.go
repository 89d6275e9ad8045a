package auth

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseHash: a stored hash that is not ours (edited by hand, another tool's) never
// panics, never verifies with absurd parameters, and never matches a password it was not made
// from.
func FuzzParseHash(f *testing.F) {
	h, _ := hashPassword("Correct-Horse-9", cheap, strings.NewReader(strings.Repeat("s", 64)))
	f.Add(h)
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdA$a2V5")
	f.Add("")
	f.Fuzz(func(t *testing.T, encoded string) {
		p, _, key, err := parseHash(encoded)
		if err != nil {
			return
		}
		if p.Memory > 4096 || p.Time > 4 || p.Threads > 4 || len(key) > 1024 {
			t.Skip("parameters too costly to verify in a fuzz run")
		}
		if ok, _ := verifyPassword("not the password", encoded, cheap); ok && encoded != h {
			t.Errorf("%q verified a password it was not made from", encoded)
		}
	})
}

func FuzzLooksLikeToken(f *testing.F) {
	f.Add("pat_" + strings.Repeat("0", 49))
	f.Add("pat_0000000000000000000000000000000000000000000ABCDEF")
	f.Fuzz(func(t *testing.T, s string) {
		if !LooksLikeToken(s) {
			return
		}
		if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) || tokenChecksum(s[4:4+tokenBodyLen]) != s[4+tokenBodyLen:] {
			t.Errorf("LooksLikeToken(%q) = true", s)
		}
	})
}

// FuzzClean: whatever a caller puts in an audit entry is stored as valid UTF-8 without control
// characters, within its bound.
func FuzzClean(f *testing.F) {
	f.Add("line\nbreak\x1b[31m", 10)
	f.Add("ééé", 3)
	f.Add("\xff\xfe", 100)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 10000 {
			return
		}
		got := clean(s, n)
		if len(got) > n || !utf8.ValidString(got) || strings.IndexFunc(got, unicode.IsControl) >= 0 {
			t.Errorf("clean(%q, %d) = %q", s, n, got)
		}
	})
}

func FuzzAddressKey(f *testing.F) {
	for _, s := range []string{"192.0.2.1:5000", "[2001:db8::1]:443", "", "x", "[::ffff:1.2.3.4]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := addressKey(s)
		if (s == "") != (k == "") || (k != "" && !strings.HasPrefix(k, "addr:")) {
			t.Errorf("addressKey(%q) = %q", s, k)
		}
	})
}
