package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"
)

// A session cookie is "ps_" and 32 random bytes (base64url); the database keeps its SHA-256.
const sessionPrefix = "ps_"

// touchEvery bounds how often a session's last-seen time is written: idle expiry is exact to
// this much, and a busy console costs one write a minute, not one a request.
const touchEvery = time.Minute

var b64url = base64.RawURLEncoding

func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CSRFToken is the CSRF token of a session cookie: an HMAC of a fixed label under the cookie,
// so it is bound to the session, needs no storage and cannot be made without the cookie
// (which scripts cannot read: it is HTTP-only).
func CSRFToken(cookie string) string {
	m := hmac.New(sha256.New, []byte(cookie))
	m.Write([]byte("panther csrf v1"))
	return b64url.EncodeToString(m.Sum(nil))
}

func randomSecret(rnd io.Reader, prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return "", fmt.Errorf("auth: random secret: %w", err)
	}
	return prefix + b64url.EncodeToString(b), nil
}

// openSession stores a new session of u and records the sign-in time.
func (s *Service) openSession(ctx context.Context, u User) (Session, error) {
	cookie, err := randomSecret(s.rand, sessionPrefix)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	ri := RequestFrom(ctx)
	sess := Session{ID: uuid.NewString(), Cookie: cookie, CSRFToken: CSRFToken(cookie),
		ExpiresAt: fromMicros(micros(now.Add(s.opts.SessionMax))), User: u}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Session{}, fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	// Sessions past their expiry are dropped as new ones open.
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		micros(now), micros(now.Add(-s.opts.SessionIdle))); err != nil {
		return Session{}, fmt.Errorf("auth: sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (id, secret_hash, user_id, created_at, last_seen_at,
		expires_at, remote_addr, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.ID, secretHash(cookie), u.ID,
		micros(now), micros(now), micros(sess.ExpiresAt), ri.RemoteAddr, clean(ri.UserAgent, 512)); err != nil {
		return Session{}, fmt.Errorf("auth: opening a session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE auth_users SET last_sign_in_at = ? WHERE id = ?`, micros(now), u.ID); err != nil {
		return Session{}, fmt.Errorf("auth: %w", err)
	}
	if err := commit(tx); err != nil {
		return Session{}, err
	}
	t := fromMicros(micros(now))
	sess.User.LastSignInAt = &t
	return sess, nil
}

// AuthenticateSession returns the user of a console session cookie. For a mutating request
// (anything but GET, HEAD and OPTIONS) csrfHeader must be the session's CSRF token
// (X-CSRF-Token), compared in constant time; a missing or wrong one is ErrCSRF. Expired,
// signed-out and unknown sessions, and sessions of disabled users, are ErrUnauthenticated.
// Nothing is cached: a revoked session or a changed role applies at the next request.
func (s *Service) AuthenticateSession(ctx context.Context, cookieValue, csrfHeader string, mutating bool) (Principal, error) {
	if !strings.HasPrefix(cookieValue, sessionPrefix) {
		return Principal{}, fmt.Errorf("%w: no session (sign in)", ErrUnauthenticated)
	}
	var id string
	var seen, expires int64
	row := s.sessionLookup.QueryRowContext(ctx, secretHash(cookieValue))
	var u User
	var role string
	var mustChange, enabled, mfa bool
	var created, updated int64
	var last sql.NullInt64
	err := row.Scan(&id, &seen, &expires, &u.ID, &u.Email, &u.GivenName, &u.FamilyName, &role, &mustChange, &enabled,
		&mfa, &created, &updated, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, fmt.Errorf("%w: the session ended (signed out, expired or revoked): sign in again", ErrUnauthenticated)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("auth: session: %w", err)
	}
	now := s.now()
	if micros(now) >= expires || now.Sub(fromMicros(seen)) >= s.opts.SessionIdle {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_sessions WHERE id = ?`, id); err != nil {
			return Principal{}, fmt.Errorf("auth: session: %w", err)
		}
		return Principal{}, fmt.Errorf("%w: the session expired: sign in again", ErrUnauthenticated)
	}
	if !enabled {
		return Principal{}, fmt.Errorf("%w: the user is disabled", ErrUnauthenticated)
	}
	if mutating && !hmac.Equal([]byte(csrfHeader), []byte(CSRFToken(cookieValue))) {
		return Principal{}, ErrCSRF
	}
	if now.Sub(fromMicros(seen)) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE auth_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`,
			micros(now), id, micros(now)); err != nil {
			return Principal{}, fmt.Errorf("auth: session: %w", err)
		}
	}
	u.Role = Role(role)
	return Principal{UserID: u.ID, Email: u.Email, Name: u.Name(), Role: u.Role, SessionID: id, Via: ViaSession}, nil
}

var sessionLookupSQL = `SELECT s.id, s.last_seen_at, s.expires_at, ` + prefixed("u.", userColumns) + `
	FROM auth_sessions s JOIN auth_users u ON u.id = s.user_id WHERE s.secret_hash = ?`

// prefixed qualifies each column of a list.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// SignOut ends the session of a cookie. Signing out of an ended session is not an error.
func (s *Service) SignOut(ctx context.Context, cookieValue string) error {
	var id, userID, email string
	err := s.db.QueryRowContext(ctx, `DELETE FROM auth_sessions WHERE secret_hash = ? RETURNING id, user_id`,
		secretHash(cookieValue)).Scan(&id, &userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth: signing out: %w", err)
	}
	_ = s.db.QueryRowContext(ctx, `SELECT email FROM auth_users WHERE id = ?`, userID).Scan(&email)
	s.auditBestEffort(ctx, Principal{UserID: userID, Email: email, SessionID: id, Via: ViaSession},
		AuditEntry{Action: "auth.sign_out", TargetType: "session", TargetID: id})
	return nil
}

// ListSessions returns the open sessions of a user, newest first.
func (s *Service) ListSessions(ctx context.Context, userID string) ([]SessionInfo, error) {
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT id, user_id, created_at, last_seen_at, expires_at, remote_addr, user_agent
		FROM auth_sessions WHERE user_id = ? AND expires_at > ? AND last_seen_at > ? ORDER BY created_at DESC`,
		userID, micros(now), micros(now.Add(-s.opts.SessionIdle)))
	if err != nil {
		return nil, fmt.Errorf("auth: sessions: %w", err)
	}
	defer rows.Close()
	var out []SessionInfo
	for rows.Next() {
		var si SessionInfo
		var c, l, e int64
		if err := rows.Scan(&si.ID, &si.UserID, &c, &l, &e, &si.RemoteAddr, &si.UserAgent); err != nil {
			return nil, fmt.Errorf("auth: sessions: %w", err)
		}
		si.CreatedAt, si.LastSeenAt, si.ExpiresAt = fromMicros(c), fromMicros(l), fromMicros(e)
		out = append(out, si)
	}
	return out, rows.Err()
}

// RevokeSession ends a session by its public id.
func (s *Service) RevokeSession(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	var userID string
	if err := tx.QueryRowContext(ctx, `DELETE FROM auth_sessions WHERE id = ? RETURNING user_id`, id).Scan(&userID); err != nil {
		return notFound(err, "session", id)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "auth.revoke_session", TargetType: "session",
		TargetID: id, Summary: "session of user " + userID + " revoked"}); err != nil {
		return err
	}
	return commit(tx)
}

// RevokeSessions ends every session of a user ("sign out everywhere") and returns how many.
func (s *Service) RevokeSessions(ctx context.Context, userID string) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("auth: sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "auth.revoke_sessions", TargetType: "user",
		TargetID: userID, Summary: fmt.Sprintf("%d sessions revoked", n)}); err != nil {
		return 0, err
	}
	return int(n), commit(tx)
}
