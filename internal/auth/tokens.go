package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/big"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// An API token is "pat_", 43 base62 characters of 32 random bytes, and 6 base62 characters
// of their CRC-32: the prefix lets secret scanners find leaked tokens, the checksum lets them
// (and us, before any database lookup) tell a token from a look-alike string. The database
// keeps its SHA-256 only.
const (
	TokenPrefix  = "pat_"
	tokenBodyLen = 43
	tokenSumLen  = 6
	tokenLen     = len(TokenPrefix) + tokenBodyLen + tokenSumLen
)

// usedEvery bounds how often a token's last-used time is written.
const usedEvery = time.Minute

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// encode62 writes v in base62, left-padded with zeros to width.
func encode62(v *big.Int, width int) string {
	out := make([]byte, width)
	n := new(big.Int).Set(v)
	r := new(big.Int)
	b := big.NewInt(62)
	for i := width - 1; i >= 0; i-- {
		n.QuoRem(n, b, r)
		out[i] = base62[r.Int64()]
	}
	return string(out)
}

func tokenChecksum(body string) string {
	return encode62(new(big.Int).SetUint64(uint64(crc32.ChecksumIEEE([]byte(body)))), tokenSumLen)
}

func newAPIToken(rnd io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", fmt.Errorf("auth: random token: %w", err)
	}
	body := encode62(new(big.Int).SetBytes(b), tokenBodyLen)
	return TokenPrefix + body + tokenChecksum(body), nil
}

// LooksLikeToken reports whether s has the form of an API token with a valid checksum.
func LooksLikeToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	rest := s[len(TokenPrefix):]
	for i := 0; i < len(rest); i++ {
		if strings.IndexByte(base62, rest[i]) < 0 {
			return false
		}
	}
	return tokenChecksum(rest[:tokenBodyLen]) == rest[tokenBodyLen:]
}

const tokenColumns = `id, name, role, prefix, created_by, created_at, expires_at, last_used_at, revoked_at`

const tokenLookupSQL = `SELECT ` + tokenColumns + ` FROM auth_tokens WHERE secret_hash = ?`

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var role string
	var created int64
	var expires, used, revoked sql.NullInt64
	if err := sc.Scan(&t.ID, &t.Name, &role, &t.Prefix, &t.CreatedBy, &created, &expires, &used, &revoked); err != nil {
		return Token{}, err
	}
	t.Role, t.CreatedAt = Role(role), fromMicros(created)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromNullMicros(expires), fromNullMicros(used), fromNullMicros(revoked)
	return t, nil
}

func checkTokenName(name string) error {
	switch {
	case name == "":
		return errors.New("required")
	case len(name) > 100:
		return errors.New("longer than 100 characters")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("has control characters")
	}
	return nil
}

// CreateToken makes an API token. The secret is returned here only; the token is stored
// hashed. Names are unique among the tokens not revoked.
func (s *Service) CreateToken(ctx context.Context, nt NewToken) (t Token, secret string, err error) {
	nt.Name = strings.TrimSpace(nt.Name)
	if err := checkTokenName(nt.Name); err != nil {
		return Token{}, "", &ValidationError{Field: "name", Msg: err.Error()}
	}
	if !nt.Role.Valid() {
		return Token{}, "", &ValidationError{Field: "role", Msg: fmt.Sprintf("unknown role %q (expected Admin, Analyst or ReadOnly)", nt.Role)}
	}
	now := s.now()
	if nt.ExpiresAt != nil && !nt.ExpiresAt.After(now) {
		return Token{}, "", &ValidationError{Field: "expiresAt", Msg: "must be in the future"}
	}
	if secret, err = newAPIToken(s.rand); err != nil {
		return Token{}, "", err
	}
	actor := actorFrom(ctx)
	t = Token{ID: uuid.NewString(), Name: nt.Name, Role: nt.Role, Prefix: secret[:len(TokenPrefix)+4],
		CreatedBy: actor.Actor(), CreatedAt: fromMicros(micros(now))}
	if nt.ExpiresAt != nil {
		e := fromMicros(micros(*nt.ExpiresAt))
		t.ExpiresAt = &e
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Token{}, "", fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO auth_tokens (id, name, role, secret_hash, prefix, created_by, created_at,
		expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ID, t.Name, string(t.Role), secretHash(secret), t.Prefix,
		t.CreatedBy, micros(now), nullMicros(t.ExpiresAt))
	if err != nil && isUniqueViolation(err) {
		return Token{}, "", fmt.Errorf("an API token named %q: %w", t.Name, ErrConflict)
	}
	if err != nil {
		return Token{}, "", fmt.Errorf("auth: creating token %q: %w", t.Name, err)
	}
	summary := fmt.Sprintf("created API token %q (%s) with role %s", t.Name, t.Prefix, t.Role)
	if t.ExpiresAt != nil {
		summary += ", expires " + t.ExpiresAt.Format(time.RFC3339)
	}
	if err := s.audit(ctx, tx, actor, AuditEntry{Action: "tokens.create", TargetType: "token", TargetID: t.ID,
		Summary: summary}); err != nil {
		return Token{}, "", err
	}
	if err := commit(tx); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// AuthenticateToken returns the principal of an API token (the X-API-Key header) and records
// when it was last used (at most once a minute). Unknown, malformed, revoked and expired
// tokens are ErrUnauthenticated; nothing is cached, so a revoked token is refused at once.
func (s *Service) AuthenticateToken(ctx context.Context, apiKey string) (Principal, error) {
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		return Principal{}, fmt.Errorf("%w: no API key (send it in the X-API-Key header)", ErrUnauthenticated)
	}
	if !LooksLikeToken(apiKey) {
		return Principal{}, fmt.Errorf("%w: not a Panther API key (expected %s followed by 49 letters and digits)", ErrUnauthenticated, TokenPrefix)
	}
	t, err := scanToken(s.tokenLookup.QueryRowContext(ctx, secretHash(apiKey)))
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, fmt.Errorf("%w: unknown API key", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: API key: %w", err)
	}
	now := s.now()
	if t.RevokedAt != nil {
		return Principal{}, fmt.Errorf("%w: API key %q was revoked", ErrUnauthenticated, t.Name)
	}
	if t.ExpiresAt != nil && !now.Before(*t.ExpiresAt) {
		return Principal{}, fmt.Errorf("%w: API key %q expired at %s", ErrUnauthenticated, t.Name, t.ExpiresAt.Format(time.RFC3339))
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= usedEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE auth_tokens SET last_used_at = ? WHERE id = ?
			AND (last_used_at IS NULL OR last_used_at < ?)`, micros(now), t.ID, micros(now)); err != nil {
			return Principal{}, fmt.Errorf("auth: API key: %w", err)
		}
	}
	return Principal{Name: t.Name, Role: t.Role, TokenID: t.ID, Via: ViaToken}, nil
}

// GetToken returns the token with id (revoked ones too).
func (s *Service) GetToken(ctx context.Context, id string) (Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE id = ?`, id))
	if err != nil {
		return Token{}, notFound(err, "API token", id)
	}
	return t, nil
}

// FindToken returns the token whose id is key, or the token not revoked whose name is key.
func (s *Service) FindToken(ctx context.Context, key string) (Token, error) {
	if t, err := s.GetToken(ctx, key); !errors.Is(err, ErrNotFound) {
		return t, err
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM auth_tokens WHERE name = ? AND revoked_at IS NULL`, key))
	if err != nil {
		return Token{}, notFound(err, "API token", key)
	}
	return t, nil
}

// ListTokens returns the tokens, newest first; revoked ones only when asked.
func (s *Service) ListTokens(ctx context.Context, includeRevoked bool) ([]Token, error) {
	q := `SELECT ` + tokenColumns + ` FROM auth_tokens`
	if !includeRevoked {
		q += ` WHERE revoked_at IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("auth: listing tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: listing tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes a token: the next request that uses it is refused.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	var name, prefix string
	err = tx.QueryRowContext(ctx, `UPDATE auth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL
		RETURNING name, prefix`, micros(s.now()), id).Scan(&name, &prefix)
	if errors.Is(err, sql.ErrNoRows) {
		if _, gerr := s.GetToken(ctx, id); gerr != nil {
			return gerr
		}
		return nil // already revoked
	}
	if err != nil {
		return fmt.Errorf("auth: revoking token %s: %w", id, err)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "tokens.revoke", TargetType: "token", TargetID: id,
		Summary: fmt.Sprintf("revoked API token %q (%s)", name, prefix)}); err != nil {
		return err
	}
	return commit(tx)
}
