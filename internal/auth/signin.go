package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// What a credential check is for.
type purpose int

const (
	forSignIn         purpose = iota // a session: one-time passwords refused
	forPasswordChange                // a session with a new password: one-time passwords accepted
	forEnrollment                    // a TOTP secret to set up: the password alone
)

// SignIn checks an e-mail, a password and, when the account has MFA, a TOTP code, and opens a
// console session. remoteAddr is the client's address ("" takes the context's RequestInfo).
//
// Every attempt is in the audit log. The errors: *RateLimitError while the account or the
// address backs off; ErrInvalidCredentials for a wrong e-mail, password or code, or a
// disabled user (one answer for all, so it tells nobody which accounts exist);
// ErrPasswordChangeRequired for a right one-time password (then ChangePasswordAtSignIn);
// ErrMFARequired when the code is missing; ErrMFAEnrollmentRequired when MFA is required and
// the account has none (then EnrollMFAAtSignIn, and SignIn with a code of the new secret).
func (s *Service) SignIn(ctx context.Context, email, password, totp, remoteAddr string) (Session, error) {
	ctx = withRemote(ctx, remoteAddr)
	row, err := s.checkCredentials(ctx, email, password, totp, forSignIn)
	if err != nil {
		return Session{}, err
	}
	return s.completeSignIn(ctx, row, "signed in")
}

// ChangePasswordAtSignIn is SignIn for a user who must (or wants to) choose a new password:
// it checks the current (or one-time) password and the TOTP code like SignIn, stores the new
// password, ends the user's other sessions and opens a new one.
func (s *Service) ChangePasswordAtSignIn(ctx context.Context, email, password, newPassword, totp, remoteAddr string) (Session, error) {
	ctx = withRemote(ctx, remoteAddr)
	// The policy first: a refused new password must not use up the TOTP code.
	if err := CheckPassword(newPassword, strings.TrimSpace(email)); err != nil {
		return Session{}, err
	}
	row, err := s.checkCredentials(ctx, email, password, totp, forPasswordChange)
	if err != nil {
		return Session{}, err
	}
	if err := s.setPassword(ctx, row, newPassword, row.Principal(), ""); err != nil {
		return Session{}, err
	}
	row.Status = StatusConfirmed
	return s.completeSignIn(ctx, row, "signed in with a new password")
}

// EnrollMFAAtSignIn starts setting up an authenticator for a user who cannot sign in without
// one (ErrMFAEnrollmentRequired), or wants one before signing in: it checks the password and
// returns a new TOTP secret, which becomes active at a SignIn (or ChangePasswordAtSignIn) with
// a code made from it. It refuses when the account already has an authenticator.
func (s *Service) EnrollMFAAtSignIn(ctx context.Context, email, password, remoteAddr string) (MFAEnrollment, error) {
	ctx = withRemote(ctx, remoteAddr)
	row, err := s.checkCredentials(ctx, email, password, "", forEnrollment)
	if err != nil {
		return MFAEnrollment{}, err
	}
	if row.totpSecret != "" {
		return MFAEnrollment{}, fmt.Errorf("an authenticator app is already set up for this account: sign in with its code, or ask an admin to reset it: %w", ErrConflict)
	}
	p := row.Principal()
	return s.startEnrollment(ctx, row, p)
}

// withRemote sets the request's remote address when given.
func withRemote(ctx context.Context, remote string) context.Context {
	if remote == "" {
		return ctx
	}
	ri := RequestFrom(ctx)
	ri.RemoteAddr = remote
	return WithRequest(ctx, ri)
}

// checkCredentials is the one path of every password check at sign-in: back-off, password,
// account state, MFA, failure counting and the audit entries of failures.
func (s *Service) checkCredentials(ctx context.Context, email, password, code string, why purpose) (userRow, error) {
	email = strings.TrimSpace(email)
	remote := RequestFrom(ctx).RemoteAddr
	action := map[purpose]string{forSignIn: "auth.sign_in", forPasswordChange: "auth.sign_in",
		forEnrollment: "auth.mfa_enroll"}[why]
	var row userRow
	// refuse audits a refusal that is not counted as a failure.
	refuse := func(reason string, err error) (userRow, error) {
		s.auditBestEffort(ctx, signInActor(email, row.ID), AuditEntry{Action: action, TargetType: "user",
			TargetID: row.ID, Result: ResultFailure, Summary: reason})
		s.log.Info("sign-in refused", "email", email, "remote", remote, "reason", reason)
		return userRow{}, err
	}
	// fail counts a failure against the account and the address.
	fail := func(reason string) (userRow, error) {
		if err := s.recordFailure(ctx, email, remote); err != nil {
			return userRow{}, err
		}
		return refuse(reason, ErrInvalidCredentials)
	}
	if email == "" || password == "" {
		return userRow{}, fmt.Errorf("%w: e-mail and password are required", ErrInvalidCredentials)
	}
	if err := s.throttled(ctx, email, remote); err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			return refuse("refused while backing off after failed attempts", err)
		}
		return userRow{}, err
	}
	row, err := s.loadUserRow(ctx, s.db, `email_key = ?`, emailKey(email))
	if errors.Is(err, ErrNotFound) {
		// Spend the time a real check takes, so the answer's timing does not tell either.
		if _, _, err := s.verify(ctx, password, s.dummy); err != nil {
			return userRow{}, err
		}
		return fail("no user has this e-mail")
	}
	if err != nil {
		return userRow{}, err
	}
	ok, rehash, err := s.verify(ctx, password, row.hash)
	if err != nil {
		return userRow{}, err
	}
	if !ok {
		return fail("wrong password")
	}
	if !row.Enabled {
		return fail("the user is disabled")
	}
	if why == forEnrollment {
		return row, nil
	}
	if row.Status == StatusForceChangePassword && why == forSignIn {
		return refuse("password correct; a one-time password must be changed", ErrPasswordChangeRequired)
	}
	switch {
	case row.totpSecret != "":
		if strings.TrimSpace(code) == "" {
			return refuse("password correct; MFA code required", ErrMFARequired)
		}
		secret, err := s.openTOTP(row.ID, row.totpSecret)
		if err != nil {
			return userRow{}, err
		}
		step, ok := checkTOTP(secret, code, s.now(), row.totpStep)
		if !ok {
			return fail("wrong or reused MFA code")
		}
		// Record the step only if no concurrent sign-in used it first (no replay).
		res, err := s.db.ExecContext(ctx, `UPDATE auth_users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`,
			step, row.ID, step)
		if err != nil {
			return userRow{}, fmt.Errorf("auth: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fail("reused MFA code")
		}
	default:
		st, err := s.Settings(ctx)
		if err != nil {
			return userRow{}, err
		}
		if !st.RequireMFA {
			break
		}
		if row.totpPending == "" || strings.TrimSpace(code) == "" {
			return refuse("password correct; MFA required and not set up", ErrMFAEnrollmentRequired)
		}
		secret, err := s.openTOTP(row.ID, row.totpPending)
		if err != nil {
			return userRow{}, err
		}
		step, ok := checkTOTP(secret, code, s.now(), 0)
		if !ok {
			return fail("wrong MFA code for the authenticator being set up")
		}
		if err := s.activateTOTP(ctx, row, step, row.Principal()); err != nil {
			return userRow{}, err
		}
		row.MFAEnabled = true
	}
	if rehash {
		if h, err := s.hash(ctx, password); err == nil {
			_, err = s.db.ExecContext(ctx, `UPDATE auth_users SET password_hash = ? WHERE id = ? AND password_hash = ?`, h, row.ID, row.hash)
			if err != nil {
				s.log.Warn("could not renew a password hash", "user", row.ID, "err", err)
			}
		}
	}
	return row, nil
}

// signInActor is the audit actor of a sign-in attempt: nobody is authenticated yet.
func signInActor(email, userID string) Principal {
	return Principal{UserID: userID, Email: email, Via: "anonymous"}
}

// completeSignIn opens the session of a user whose credentials were checked.
func (s *Service) completeSignIn(ctx context.Context, row userRow, summary string) (Session, error) {
	if err := s.clearAccount(ctx, row.Email); err != nil {
		return Session{}, err
	}
	sess, err := s.openSession(ctx, row.User)
	if err != nil {
		return Session{}, err
	}
	p := row.Principal()
	p.SessionID = sess.ID
	s.auditBestEffort(ctx, p, AuditEntry{Action: "auth.sign_in", TargetType: "session", TargetID: sess.ID,
		Summary: summary})
	s.log.Info("signed in", "email", row.Email, "remote", RequestFrom(ctx).RemoteAddr)
	return sess, nil
}
