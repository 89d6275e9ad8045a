package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// execer is what both *sql.DB and *sql.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const userColumns = `id, email, given_name, family_name, role, must_change, enabled, totp_secret != '',
	created_at, updated_at, last_sign_in_at`

// userRow is a user with its stored secrets, for sign-in.
type userRow struct {
	User
	hash        string
	totpSecret  string // sealed
	totpPending string // sealed
	totpStep    int64
}

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var role string
	var mustChange, enabled, mfa bool
	var created, updated int64
	var last sql.NullInt64
	if err := sc.Scan(&u.ID, &u.Email, &u.GivenName, &u.FamilyName, &role, &mustChange, &enabled, &mfa,
		&created, &updated, &last); err != nil {
		return User{}, err
	}
	u.Role, u.Enabled, u.MFAEnabled = Role(role), enabled, mfa
	u.Status = StatusConfirmed
	if mustChange {
		u.Status = StatusForceChangePassword
	}
	u.CreatedAt, u.UpdatedAt, u.LastSignInAt = fromMicros(created), fromMicros(updated), fromNullMicros(last)
	return u, nil
}

func insertUser(ctx context.Context, db execer, u User, hash string, mustChange bool) error {
	_, err := db.ExecContext(ctx, `INSERT INTO auth_users (id, email, email_key, given_name, family_name, role,
		password_hash, must_change, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, emailKey(u.Email), u.GivenName, u.FamilyName, string(u.Role), hash, mustChange, u.Enabled,
		micros(u.CreatedAt), micros(u.UpdatedAt))
	if err != nil && isUniqueViolation(err) {
		return fmt.Errorf("a user with e-mail %s: %w", u.Email, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("auth: adding user %s: %w", u.Email, err)
	}
	return nil
}

// isUniqueViolation reports a UNIQUE constraint failure (SQLite's message; PostgreSQL's
// "duplicate key" later).
func isUniqueViolation(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UNIQUE constraint failed") || strings.Contains(msg, "duplicate key")
}

// GetUser returns the user with id.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM auth_users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user %s: %w", id, err)
	}
	return u, nil
}

// GetUserByEmail returns the user with that e-mail, ignoring case.
func (s *Service) GetUserByEmail(ctx context.Context, email string) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM auth_users WHERE email_key = ?`, emailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user %s: %w", email, err)
	}
	return u, nil
}

// FindUser returns the user whose id or e-mail is key.
func (s *Service) FindUser(ctx context.Context, key string) (User, error) {
	if u, err := s.GetUser(ctx, key); !errors.Is(err, ErrNotFound) {
		return u, err
	}
	return s.GetUserByEmail(ctx, key)
}

// ListUsers returns the users f selects, ordered by e-mail.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, error) {
	q := `SELECT ` + userColumns + ` FROM auth_users WHERE 1=1`
	var args []any
	if f.Contains != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(f.Contains)) + "%"
		q += ` AND (email_key LIKE ? ESCAPE '\' OR lower(given_name || ' ' || family_name) LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	if f.Role != "" {
		q += ` AND role = ?`
		args = append(args, string(f.Role))
	}
	switch f.Status {
	case "":
	case StatusForceChangePassword:
		q += ` AND must_change = 1`
	case StatusConfirmed:
		q += ` AND must_change = 0`
	default:
		return nil, &ValidationError{Field: "status", Msg: fmt.Sprintf("unknown status %q (expected %s or %s)", f.Status, StatusConfirmed, StatusForceChangePassword)}
	}
	if f.Enabled != nil {
		q += ` AND enabled = ?`
		args = append(args, *f.Enabled)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY email_key`, args...)
	if err != nil {
		return nil, fmt.Errorf("auth: listing users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("auth: listing users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CreateUser adds a user. Without NewUser.Password it generates a one-time password, returned
// once, that the user changes at the first sign-in.
func (s *Service) CreateUser(ctx context.Context, nu NewUser) (u User, oneTimePassword string, err error) {
	nu.Email = strings.TrimSpace(nu.Email)
	if err := checkEmail(nu.Email); err != nil {
		return User{}, "", &ValidationError{Field: "email", Msg: err.Error()}
	}
	if !nu.Role.Valid() {
		return User{}, "", &ValidationError{Field: "role", Msg: fmt.Sprintf("unknown role %q (expected Admin, Analyst or ReadOnly)", nu.Role)}
	}
	password, mustChange := nu.Password, false
	if password == "" {
		if password, err = generatePassword(s.rand); err != nil {
			return User{}, "", err
		}
		mustChange = true
	} else if err := CheckPassword(password, nu.Email); err != nil {
		return User{}, "", err
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return User{}, "", err
	}
	now := s.now()
	u = User{ID: uuid.NewString(), Email: nu.Email, GivenName: strings.TrimSpace(nu.GivenName),
		FamilyName: strings.TrimSpace(nu.FamilyName), Role: nu.Role, Enabled: true, Status: StatusConfirmed,
		CreatedAt: now, UpdatedAt: now}
	if mustChange {
		u.Status = StatusForceChangePassword
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, "", fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	if err := insertUser(ctx, tx, u, h, mustChange); err != nil {
		return User{}, "", err
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "users.create", TargetType: "user", TargetID: u.ID,
		Summary: fmt.Sprintf("added %s (%s) as %s", u.Email, u.Name(), u.Role)}); err != nil {
		return User{}, "", err
	}
	if err := commit(tx); err != nil {
		return User{}, "", err
	}
	u.CreatedAt, u.UpdatedAt = fromMicros(micros(now)), fromMicros(micros(now))
	if !mustChange {
		return u, "", nil
	}
	return u, password, nil
}

// UpdateUser changes the fields of up that are set. Disabling a user or changing their role
// signs them out everywhere. It refuses to leave no enabled Admin (ErrLastAdmin).
func (s *Service) UpdateUser(ctx context.Context, id string, up UserUpdate) (User, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return User{}, fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	old, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM auth_users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: user %s: %w", id, err)
	}
	u := old
	var changes []string
	if up.Email != nil && strings.TrimSpace(*up.Email) != u.Email {
		e := strings.TrimSpace(*up.Email)
		if err := checkEmail(e); err != nil {
			return User{}, &ValidationError{Field: "email", Msg: err.Error()}
		}
		changes = append(changes, fmt.Sprintf("e-mail %s -> %s", u.Email, e))
		u.Email = e
	}
	if up.GivenName != nil && strings.TrimSpace(*up.GivenName) != u.GivenName {
		u.GivenName = strings.TrimSpace(*up.GivenName)
		changes = append(changes, fmt.Sprintf("given name %q", u.GivenName))
	}
	if up.FamilyName != nil && strings.TrimSpace(*up.FamilyName) != u.FamilyName {
		u.FamilyName = strings.TrimSpace(*up.FamilyName)
		changes = append(changes, fmt.Sprintf("family name %q", u.FamilyName))
	}
	if up.Role != nil && *up.Role != u.Role {
		if !up.Role.Valid() {
			return User{}, &ValidationError{Field: "role", Msg: fmt.Sprintf("unknown role %q (expected Admin, Analyst or ReadOnly)", *up.Role)}
		}
		changes = append(changes, fmt.Sprintf("role %s -> %s", u.Role, *up.Role))
		u.Role = *up.Role
	}
	if up.Enabled != nil && *up.Enabled != u.Enabled {
		u.Enabled = *up.Enabled
		changes = append(changes, map[bool]string{true: "enabled", false: "disabled"}[u.Enabled])
	}
	if len(changes) == 0 {
		return old, nil
	}
	if old.Role == RoleAdmin && old.Enabled && (u.Role != RoleAdmin || !u.Enabled) {
		if err := lastAdminCheck(ctx, tx, id); err != nil {
			return User{}, err
		}
	}
	u.UpdatedAt = s.now()
	_, err = tx.ExecContext(ctx, `UPDATE auth_users SET email = ?, email_key = ?, given_name = ?, family_name = ?,
		role = ?, enabled = ?, updated_at = ? WHERE id = ?`,
		u.Email, emailKey(u.Email), u.GivenName, u.FamilyName, string(u.Role), u.Enabled, micros(u.UpdatedAt), id)
	if err != nil && isUniqueViolation(err) {
		return User{}, fmt.Errorf("a user with e-mail %s: %w", u.Email, ErrConflict)
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: updating user %s: %w", id, err)
	}
	if u.Role != old.Role || !u.Enabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ?`, id); err != nil {
			return User{}, fmt.Errorf("auth: %w", err)
		}
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "users.update", TargetType: "user", TargetID: id,
		Summary: u.Email + ": " + strings.Join(changes, ", ")}); err != nil {
		return User{}, err
	}
	if err := commit(tx); err != nil {
		return User{}, err
	}
	u.UpdatedAt = fromMicros(micros(u.UpdatedAt))
	return u, nil
}

// lastAdminCheck fails with ErrLastAdmin when id is the only enabled Admin.
func lastAdminCheck(ctx context.Context, tx execer, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM auth_users WHERE role = ? AND enabled = 1 AND id != ?`,
		string(RoleAdmin), id).Scan(&n); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// DeleteUser removes a user and their sessions. It refuses to remove the last enabled Admin.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM auth_users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("auth: user %s: %w", id, err)
	}
	if u.Role == RoleAdmin && u.Enabled {
		if err := lastAdminCheck(ctx, tx, id); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ?`, id); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_users WHERE id = ?`, id); err != nil {
		return fmt.Errorf("auth: removing user %s: %w", u.Email, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_throttle WHERE key = ?`, accountKey(u.Email)); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "users.delete", TargetType: "user", TargetID: id,
		Summary: "removed " + u.Email}); err != nil {
		return err
	}
	return commit(tx)
}

// ResetPassword gives a user a new one-time password (returned once), signs them out
// everywhere and lifts their sign-in back-off. They choose a new password at the next sign-in.
func (s *Service) ResetPassword(ctx context.Context, id string) (oneTimePassword string, err error) {
	password, err := generatePassword(s.rand)
	if err != nil {
		return "", err
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return "", err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	var email string
	err = tx.QueryRowContext(ctx, `UPDATE auth_users SET password_hash = ?, must_change = 1, updated_at = ?
		WHERE id = ? RETURNING email`, h, micros(s.now()), id).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("auth: resetting the password of %s: %w", id, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ?`, id); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_throttle WHERE key = ?`, accountKey(email)); err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "users.reset_password", TargetType: "user",
		TargetID: id, Summary: "one-time password issued to " + email + "; sessions revoked"}); err != nil {
		return "", err
	}
	if err := commit(tx); err != nil {
		return "", err
	}
	return password, nil
}

// ChangePassword changes the password of the signed-in user p, who gives the current one.
// Their other sessions are revoked; the current one (p.SessionID) stays.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, newPassword string) error {
	if p.UserID == "" {
		return fmt.Errorf("%w: only a signed-in user changes their password", ErrForbidden)
	}
	row, err := s.loadUserRow(ctx, s.db, `id = ?`, p.UserID)
	if err != nil {
		return err
	}
	ri := RequestFrom(ctx)
	if err := s.throttled(ctx, row.Email, ri.RemoteAddr); err != nil {
		return err
	}
	ok, _, err := s.verify(ctx, current, row.hash)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.recordFailure(ctx, row.Email, ri.RemoteAddr); err != nil {
			return err
		}
		s.auditBestEffort(ctx, p, AuditEntry{Action: "users.change_password", TargetType: "user", TargetID: p.UserID,
			Result: ResultFailure, Summary: "wrong current password"})
		return ErrInvalidCredentials
	}
	return s.setPassword(ctx, row, newPassword, p, p.SessionID)
}

// setPassword checks and stores a new password chosen by the user, revoking their sessions
// but keepSession.
func (s *Service) setPassword(ctx context.Context, row userRow, newPassword string, actor Principal, keepSession string) error {
	if err := CheckPassword(newPassword, row.Email); err != nil {
		return err
	}
	same, _, err := s.verify(ctx, newPassword, row.hash)
	if err != nil {
		return err
	}
	if same {
		return &PolicyError{Problems: []string{"must differ from the current password"}}
	}
	h, err := s.hash(ctx, newPassword)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE auth_users SET password_hash = ?, must_change = 0, updated_at = ? WHERE id = ?`,
		h, micros(s.now()), row.ID); err != nil {
		return fmt.Errorf("auth: changing the password of %s: %w", row.Email, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = ? AND id != ?`, row.ID, keepSession); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := s.audit(ctx, tx, actor, AuditEntry{Action: "users.change_password", TargetType: "user", TargetID: row.ID,
		Summary: row.Email + " chose a new password"}); err != nil {
		return err
	}
	return commit(tx)
}

// loadUserRow reads one user with its secrets.
func (s *Service) loadUserRow(ctx context.Context, db execer, where string, arg any) (userRow, error) {
	var r userRow
	var role string
	var mustChange, enabled bool
	var created, updated int64
	var last sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT id, email, given_name, family_name, role, must_change, enabled,
		created_at, updated_at, last_sign_in_at, password_hash, totp_secret, totp_pending, totp_last_step
		FROM auth_users WHERE `+where, arg).Scan(&r.ID, &r.Email, &r.GivenName, &r.FamilyName, &role, &mustChange,
		&enabled, &created, &updated, &last, &r.hash, &r.totpSecret, &r.totpPending, &r.totpStep)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("user: %w", ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("auth: reading user: %w", err)
	}
	r.Role, r.Enabled, r.MFAEnabled = Role(role), enabled, r.totpSecret != ""
	r.Status = StatusConfirmed
	if mustChange {
		r.Status = StatusForceChangePassword
	}
	r.CreatedAt, r.UpdatedAt, r.LastSignInAt = fromMicros(created), fromMicros(updated), fromNullMicros(last)
	return r, nil
}
