package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// TOTP (RFC 6238) as authenticator apps speak it: HMAC-SHA1, 6 digits, 30-second steps, a
// 160-bit secret. A code is accepted one step early or late (clock drift), and only once: a
// code of a step at or before the last one used is refused, so a code seen over a shoulder
// cannot be replayed.
const (
	totpPeriod  = 30
	totpDigits  = 6
	totpSkew    = 1
	totpSecretN = 20
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// totpCode is the code of a time step (RFC 4226 dynamic truncation).
func totpCode(secret []byte, step int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// totpStep is the time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// checkTOTP finds the step, after lastStep and within the skew of now, whose code is code.
func checkTOTP(secret []byte, code string, now time.Time, lastStep int64) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits {
		return 0, false
	}
	cur := totpStep(now)
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		if step <= lastStep {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(totpCode(secret, step, totpDigits)), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func newTOTPSecret(rnd io.Reader) ([]byte, error) {
	b := make([]byte, totpSecretN)
	if _, err := io.ReadFull(rnd, b); err != nil {
		return nil, fmt.Errorf("auth: TOTP secret: %w", err)
	}
	return b, nil
}

// enrollment is what a person types or scans into an authenticator app.
func (s *Service) enrollment(email string, secret []byte) MFAEnrollment {
	enc := b32.EncodeToString(secret)
	label := url.PathEscape(s.opts.Issuer + ":" + email)
	q := url.Values{"secret": {enc}, "issuer": {s.opts.Issuer}, "algorithm": {"SHA1"},
		"digits": {fmt.Sprint(totpDigits)}, "period": {fmt.Sprint(totpPeriod)}}
	return MFAEnrollment{Secret: enc, URL: "otpauth://totp/" + label + "?" + q.Encode()}
}

// totpContext binds a sealed TOTP secret to its user.
func totpContext(userID string) []byte { return []byte("auth totp " + userID) }

func (s *Service) openTOTP(userID, sealed string) ([]byte, error) {
	b, err := s.box.OpenFor(sealed, totpContext(userID))
	if err != nil {
		return nil, fmt.Errorf("auth: the TOTP secret of user %s does not open: %w", userID, err)
	}
	return b, nil
}

// startEnrollment stores a new pending TOTP secret for the user and returns it.
func (s *Service) startEnrollment(ctx context.Context, row userRow, actor Principal) (MFAEnrollment, error) {
	secret, err := newTOTPSecret(s.rand)
	if err != nil {
		return MFAEnrollment{}, err
	}
	sealed := s.box.SealFor(secret, totpContext(row.ID))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return MFAEnrollment{}, fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE auth_users SET totp_pending = ? WHERE id = ?`, sealed, row.ID); err != nil {
		return MFAEnrollment{}, fmt.Errorf("auth: MFA enrollment: %w", err)
	}
	if err := s.audit(ctx, tx, actor, AuditEntry{Action: "users.mfa_enroll", TargetType: "user", TargetID: row.ID,
		Summary: row.Email + " started setting up an authenticator app"}); err != nil {
		return MFAEnrollment{}, err
	}
	if err := commit(tx); err != nil {
		return MFAEnrollment{}, err
	}
	return s.enrollment(row.Email, secret), nil
}

// BeginMFA starts setting up TOTP for the signed-in user p: the secret is returned once and
// becomes active when ConfirmMFA verifies a code made from it. An active secret stays in use
// until then.
func (s *Service) BeginMFA(ctx context.Context, p Principal) (MFAEnrollment, error) {
	if p.UserID == "" {
		return MFAEnrollment{}, fmt.Errorf("%w: only a signed-in user sets up MFA", ErrForbidden)
	}
	row, err := s.loadUserRow(ctx, s.db, `id = ?`, p.UserID)
	if err != nil {
		return MFAEnrollment{}, err
	}
	return s.startEnrollment(ctx, row, p)
}

// ConfirmMFA activates the pending TOTP secret of p with a code made from it.
func (s *Service) ConfirmMFA(ctx context.Context, p Principal, code string) error {
	if p.UserID == "" {
		return fmt.Errorf("%w: only a signed-in user sets up MFA", ErrForbidden)
	}
	row, err := s.loadUserRow(ctx, s.db, `id = ?`, p.UserID)
	if err != nil {
		return err
	}
	if row.totpPending == "" {
		return &ValidationError{Field: "code", Msg: "no authenticator set-up is in progress (start one first)"}
	}
	secret, err := s.openTOTP(row.ID, row.totpPending)
	if err != nil {
		return err
	}
	step, ok := checkTOTP(secret, code, s.now(), 0)
	if !ok {
		s.auditBestEffort(ctx, p, AuditEntry{Action: "users.mfa_confirm", TargetType: "user", TargetID: row.ID,
			Result: ResultFailure, Summary: "wrong code"})
		return fmt.Errorf("%w: the code does not match the new authenticator (check the device's clock)", ErrInvalidCredentials)
	}
	return s.activateTOTP(ctx, row, step, p)
}

// activateTOTP makes the pending secret the active one.
func (s *Service) activateTOTP(ctx context.Context, row userRow, step int64, actor Principal) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE auth_users SET totp_secret = totp_pending, totp_pending = '',
		totp_last_step = ?, updated_at = ? WHERE id = ? AND totp_pending = ?`, step, micros(s.now()), row.ID, row.totpPending)
	if err != nil {
		return fmt.Errorf("auth: MFA: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: the authenticator set-up changed meanwhile; start again", ErrConflict)
	}
	if err := s.audit(ctx, tx, actor, AuditEntry{Action: "users.mfa_confirm", TargetType: "user", TargetID: row.ID,
		Summary: row.Email + " set up an authenticator app"}); err != nil {
		return err
	}
	return commit(tx)
}

// ResetMFA removes a user's authenticator (an admin's action when a device is lost). With
// RequireMFA the user sets up a new one at the next sign-in.
func (s *Service) ResetMFA(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	var email string
	err = tx.QueryRowContext(ctx, `UPDATE auth_users SET totp_secret = '', totp_pending = '', totp_last_step = 0,
		updated_at = ? WHERE id = ? RETURNING email`, micros(s.now()), id).Scan(&email)
	if err != nil {
		return notFound(err, "user", id)
	}
	if err := s.audit(ctx, tx, actorFrom(ctx), AuditEntry{Action: "users.mfa_reset", TargetType: "user", TargetID: id,
		Summary: "authenticator removed from " + email}); err != nil {
		return err
	}
	return commit(tx)
}

// TOTPCode is the code an authenticator app shows at time at for a base32 secret (as
// MFAEnrollment.Secret gives it); "" for a secret that is not base32. For tests and tools
// that play the user's device.
func TOTPCode(secret string, at time.Time) string {
	raw, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return ""
	}
	return totpCode(raw, totpStep(at), totpDigits)
}

// DisableMFA removes the authenticator of the signed-in user p, who proves they hold it with
// a current code. It is refused while the settings require MFA.
func (s *Service) DisableMFA(ctx context.Context, p Principal, code string) error {
	if p.UserID == "" {
		return fmt.Errorf("%w: only a signed-in user removes their authenticator", ErrForbidden)
	}
	st, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	if st.RequireMFA {
		return fmt.Errorf("%w: multi-factor authentication is required for every user (an admin can reset an authenticator)", ErrForbidden)
	}
	row, err := s.loadUserRow(ctx, s.db, `id = ?`, p.UserID)
	if err != nil {
		return err
	}
	if row.totpSecret == "" {
		return nil
	}
	secret, err := s.openTOTP(row.ID, row.totpSecret)
	if err != nil {
		return err
	}
	if _, ok := checkTOTP(secret, code, s.now(), row.totpStep); !ok {
		s.auditBestEffort(ctx, p, AuditEntry{Action: "users.mfa_disable", TargetType: "user", TargetID: row.ID,
			Result: ResultFailure, Summary: "wrong or reused code"})
		return fmt.Errorf("%w: the code does not match the authenticator", ErrInvalidCredentials)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE auth_users SET totp_secret = '', totp_pending = '', totp_last_step = 0,
		updated_at = ? WHERE id = ?`, micros(s.now()), row.ID); err != nil {
		return fmt.Errorf("auth: MFA: %w", err)
	}
	if err := s.audit(ctx, tx, p, AuditEntry{Action: "users.mfa_disable", TargetType: "user", TargetID: row.ID,
		Summary: row.Email + " removed their authenticator app"}); err != nil {
		return err
	}
	return commit(tx)
}
