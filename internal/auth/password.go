package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password policy (Panther's: at least 12 characters with a lower-case letter, an upper-case
// letter, a number and a symbol). The upper bound keeps hashing cheap to refuse.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 256
)

// PolicyError lists every rule of the password policy a password breaks.
type PolicyError struct {
	Problems []string
}

func (e *PolicyError) Error() string {
	return "password " + strings.Join(e.Problems, ", ")
}

// CheckPassword checks a password against the policy. email, when set, must not be part of
// the password. The error never includes the password.
func CheckPassword(password, email string) error {
	var probs []string
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLength {
		probs = append(probs, fmt.Sprintf("must be at least %d characters (has %d)", MinPasswordLength, n))
	}
	if n > MaxPasswordLength {
		probs = append(probs, fmt.Sprintf("must be at most %d characters", MaxPasswordLength))
	}
	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || r == ' ':
			symbol = true
		}
	}
	if !lower {
		probs = append(probs, "needs a lower-case letter")
	}
	if !upper {
		probs = append(probs, "needs an upper-case letter")
	}
	if !digit {
		probs = append(probs, "needs a number")
	}
	if !symbol {
		probs = append(probs, "needs a symbol")
	}
	if email != "" {
		if strings.Contains(strings.ToLower(password), strings.ToLower(email)) {
			probs = append(probs, "must not contain the e-mail address")
		}
	}
	if len(probs) > 0 {
		return &PolicyError{Problems: probs}
	}
	return nil
}

// Argon2Params are the argon2id cost parameters of new password hashes. Existing hashes keep
// the parameters they were made with (they are part of the encoded hash) and are re-hashed
// with the current ones at the next successful sign-in.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 is OWASP's first recommended argon2id setting (46 MiB, 1 pass, 1 thread):
// about 50-100 ms of one core per hash here.
var DefaultArgon2 = Argon2Params{Memory: 46 * 1024, Time: 1, Threads: 1}

const (
	saltLen = 16
	// minSaltLen and minKeyLen are the least a stored hash may have to be verified.
	minSaltLen = 8
	minKeyLen  = 16
	keyLen     = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns the PHC-format argon2id hash of password:
// $argon2id$v=19$m=M,t=T,p=P$SALT$HASH.
func hashPassword(password string, p Argon2Params, rnd io.Reader) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognized password hash")

// parseHash splits an encoded hash into its parameters, salt and key.
func parseHash(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return p, nil, nil, errBadHash
	}
	// A short salt or key is not one we write, and a key of a few bytes would match other
	// passwords by chance: refuse them rather than verify against them.
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen {
		return p, nil, nil, errBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// verifyPassword reports whether password matches the encoded hash (in constant time), and
// whether the hash should be renewed because its parameters differ from want.
func verifyPassword(password, encoded string, want Argon2Params) (ok, rehash bool) {
	p, salt, key, err := parseHash(encoded)
	if err != nil {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, ok && p != want
}

// One-time passwords: 20 characters from an alphabet without look-alikes (0/O, 1/l/I), with
// every class of the policy.
const otpAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+=?@"

// generatePassword returns a random one-time password that meets the policy.
func generatePassword(rnd io.Reader) (string, error) {
	buf := make([]byte, 20)
	for {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", fmt.Errorf("one-time password: %w", err)
		}
		out := make([]byte, len(buf))
		for i, b := range buf {
			// 256 is a multiple of len(otpAlphabet) (64), so the choice is uniform.
			out[i] = otpAlphabet[int(b)%len(otpAlphabet)]
		}
		if CheckPassword(string(out), "") == nil {
			return string(out), nil
		}
	}
}
