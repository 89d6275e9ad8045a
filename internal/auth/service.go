package auth

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pantherlabs/panther/internal/secretbox"
)

// Options are the service's settings and injectable dependencies; zero values get defaults.
type Options struct {
	// Now is the clock (default time.Now). Every expiry and back-off decision uses it.
	Now func() time.Time
	// Rand is the source of secrets (default crypto/rand).
	Rand io.Reader
	// Logger receives sign-in failures and changes; never secrets (default: discard).
	Logger *slog.Logger
	// Argon2 is the cost of new password hashes (default DefaultArgon2).
	Argon2 Argon2Params
	// SessionIdle ends a session not used for this long (default 12 h).
	SessionIdle time.Duration
	// SessionMax ends every session this long after sign-in (default 7 days).
	SessionMax time.Duration
	// SecureCookies says the console is reached over HTTPS (a TLS-terminating proxy in front
	// of the server), so the session cookie is marked Secure even on plain HTTP requests.
	SecureCookies bool
	// Limits are the sign-in back-off rules (defaults: DefaultLimits).
	Limits Limits
	// Issuer names the service in authenticator apps (default "Panther").
	Issuer string
	// AdminEmail and AdminPassword seed the first admin at Bootstrap (PANTHER_ADMIN_EMAIL and
	// PANTHER_ADMIN_PASSWORD). Without AdminPassword a one-time password is generated.
	AdminEmail    string
	AdminPassword string
}

// SecureCookies reports whether session cookies are always marked Secure
// (Options.SecureCookies).
func (s *Service) SecureCookies() bool { return s.opts.SecureCookies }

// DefaultAdminEmail is the first admin's e-mail when Options.AdminEmail is empty.
const DefaultAdminEmail = "admin@panther.local"

// Service is users, sessions, tokens, sign-in and the audit log over one state database.
// It is safe for concurrent use, also by several processes on one database: it keeps no
// state in memory beyond its options.
type Service struct {
	db     *sql.DB
	box    *secretbox.Box
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	opts   Options
	hashes chan struct{} // bounds concurrent argon2 hashes (each holds Argon2.Memory)
	dummy  string        // a hash to verify against for unknown users, so timing matches

	// The lookups of every request, prepared once (parsing them cost more than running them).
	sessionLookup, tokenLookup *sql.Stmt
}

const schema = `
CREATE TABLE IF NOT EXISTS auth_users (
	id              TEXT PRIMARY KEY,
	email           TEXT NOT NULL,
	email_key       TEXT NOT NULL UNIQUE,
	given_name      TEXT NOT NULL DEFAULT '',
	family_name     TEXT NOT NULL DEFAULT '',
	role            TEXT NOT NULL,
	password_hash   TEXT NOT NULL,
	must_change     INTEGER NOT NULL DEFAULT 0,
	enabled         INTEGER NOT NULL DEFAULT 1,
	totp_secret     TEXT NOT NULL DEFAULT '',
	totp_pending    TEXT NOT NULL DEFAULT '',
	totp_last_step  INTEGER NOT NULL DEFAULT 0,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	last_sign_in_at INTEGER
);
CREATE TABLE IF NOT EXISTS auth_sessions (
	id           TEXT PRIMARY KEY,
	secret_hash  TEXT NOT NULL UNIQUE,
	user_id      TEXT NOT NULL REFERENCES auth_users(id) ON DELETE CASCADE,
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	remote_addr  TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS auth_sessions_by_user ON auth_sessions(user_id);
CREATE TABLE IF NOT EXISTS auth_tokens (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL,
	secret_hash  TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS auth_tokens_active_name ON auth_tokens(name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS auth_throttle (
	key           TEXT PRIMARY KEY,
	failures      INTEGER NOT NULL,
	last_failure  INTEGER NOT NULL,
	blocked_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS auth_settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_log (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	time        INTEGER NOT NULL,
	actor_type  TEXT NOT NULL,
	actor_id    TEXT NOT NULL DEFAULT '',
	actor_name  TEXT NOT NULL DEFAULT '',
	action      TEXT NOT NULL,
	target_type TEXT NOT NULL DEFAULT '',
	target_id   TEXT NOT NULL DEFAULT '',
	summary     TEXT NOT NULL DEFAULT '',
	result      TEXT NOT NULL,
	remote_addr TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_by_time ON audit_log(time);
`

// New creates the service's tables in db if needed. box seals TOTP secrets.
func New(ctx context.Context, db *sql.DB, box *secretbox.Box, opts Options) (*Service, error) {
	if box == nil {
		return nil, errors.New("auth: a secretbox is required (TOTP secrets are sealed)")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Argon2 == (Argon2Params{}) {
		opts.Argon2 = DefaultArgon2
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 12 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 7 * 24 * time.Hour
	}
	if opts.SessionIdle > opts.SessionMax {
		return nil, fmt.Errorf("auth: session idle timeout %s is longer than the maximum session length %s", opts.SessionIdle, opts.SessionMax)
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.Issuer == "" {
		opts.Issuer = "Panther"
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("auth: creating tables: %w", err)
	}
	s := &Service{db: db, box: box, now: opts.Now, rand: opts.Rand, log: opts.Logger, opts: opts,
		hashes: make(chan struct{}, 4)}
	var err error
	if s.sessionLookup, err = db.PrepareContext(ctx, sessionLookupSQL); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if s.tokenLookup, err = db.PrepareContext(ctx, tokenLookupSQL); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if s.dummy, err = hashPassword("not a password of anyone", opts.Argon2, opts.Rand); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

// hash hashes a password under the concurrency bound.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashes }()
	return hashPassword(password, s.opts.Argon2, s.rand)
}

// verify checks a password under the concurrency bound.
func (s *Service) verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer func() { <-s.hashes }()
	ok, rehash = verifyPassword(password, encoded, s.opts.Argon2)
	return ok, rehash, nil
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashes <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Bootstrap creates the first admin when the database has no user. The e-mail is
// Options.AdminEmail (default admin@panther.local); the password is Options.AdminPassword, or
// else a generated one-time password, returned so the server can print it once, that must be
// changed at the first sign-in. created is false (and nothing else is returned) when users
// exist. Concurrent calls create one admin.
func (s *Service) Bootstrap(ctx context.Context) (email, oneTimePassword string, created bool, err error) {
	email = s.opts.AdminEmail
	if email == "" {
		email = DefaultAdminEmail
	}
	password, mustChange := s.opts.AdminPassword, false
	if password == "" {
		if password, err = generatePassword(s.rand); err != nil {
			return "", "", false, err
		}
		mustChange = true
	}
	if err := checkEmail(email); err != nil {
		return "", "", false, fmt.Errorf("auth: admin e-mail (PANTHER_ADMIN_EMAIL): %w", err)
	}
	if err := CheckPassword(password, email); err != nil {
		return "", "", false, fmt.Errorf("auth: admin password (PANTHER_ADMIN_PASSWORD): %w", err)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM auth_users`).Scan(&n); err != nil {
		return "", "", false, fmt.Errorf("auth: %w", err)
	}
	if n > 0 {
		return "", "", false, nil
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return "", "", false, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", "", false, fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	// Count again inside the write transaction: another process may have won.
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM auth_users`).Scan(&n); err != nil {
		return "", "", false, fmt.Errorf("auth: %w", err)
	}
	if n > 0 {
		return "", "", false, nil
	}
	u := User{ID: uuid.NewString(), Email: email, GivenName: "Admin", Role: RoleAdmin, Enabled: true, Status: StatusConfirmed}
	if mustChange {
		u.Status = StatusForceChangePassword
	}
	now := s.now()
	u.CreatedAt, u.UpdatedAt = now, now
	if err := insertUser(ctx, tx, u, h, mustChange); err != nil {
		return "", "", false, err
	}
	if err := s.audit(ctx, tx, System(), AuditEntry{Action: "users.create", TargetType: "user", TargetID: u.ID,
		Summary: "first admin " + email + " created at bootstrap"}); err != nil {
		return "", "", false, err
	}
	if err := tx.Commit(); err != nil {
		return "", "", false, fmt.Errorf("auth: %w", err)
	}
	s.log.Info("created the first admin", "email", email, "one_time_password", mustChange)
	if !mustChange {
		return email, "", true, nil
	}
	return email, password, true, nil
}

// Settings returns the access settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	var st Settings
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM auth_settings WHERE key = 'require_mfa'`).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("auth: settings: %w", err)
	}
	st.RequireMFA = v == "true"
	return st, nil
}

// UpdateSettings replaces the access settings.
func (s *Service) UpdateSettings(ctx context.Context, st Settings) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_settings (key, value) VALUES ('require_mfa', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fmt.Sprint(st.RequireMFA)); err != nil {
		return fmt.Errorf("auth: settings: %w", err)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "settings.update", TargetType: "settings",
		TargetID: "access", Summary: fmt.Sprintf("require MFA: %v", st.RequireMFA)}); err != nil {
		return err
	}
	return commit(tx)
}

// actorFrom is the principal of ctx, or System when the context carries none.
func actorFrom(ctx context.Context) Principal {
	if p, ok := PrincipalFrom(ctx); ok {
		return p
	}
	return System()
}

func commit(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

// Times are stored as Unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

// emailKey is the e-mail's unique form: e-mails are unique ignoring case.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail accepts one address of the form local@domain, without spaces or angle brackets.
func checkEmail(email string) error {
	local, domain, ok := strings.Cut(email, "@")
	switch {
	case email == "":
		return errors.New("required")
	case len(email) > 254:
		return errors.New("longer than 254 characters")
	case !ok || local == "" || domain == "" || strings.Contains(domain, "@"):
		return fmt.Errorf("%q is not an e-mail address (expected name@domain)", email)
	case strings.ContainsAny(email, " \t\r\n<>,;\"'\\"):
		return fmt.Errorf("%q is not an e-mail address (it has spaces or punctuation that addresses do not)", email)
	}
	return nil
}

// notFound wraps a lookup error: sql.ErrNoRows becomes ErrNotFound naming what was missing.
func notFound(err error, kind, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %s: %w", kind, id, ErrNotFound)
	}
	return fmt.Errorf("auth: %s %s: %w", kind, id, err)
}
