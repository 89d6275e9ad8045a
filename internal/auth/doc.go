// Package auth is who may do what: local users (argon2id passwords, optional TOTP MFA),
// console sessions (hashed cookies with idle and absolute expiry, a CSRF token bound to each),
// API tokens (role-scoped, stored hashed, revocable at once), the role -> permission table the
// API enforces in one place, per-account and per-address sign-in back-off, and the audit log.
//
// Everything lives in the state database (SQLite in WAL mode by default) and nothing is
// cached in memory, so a change made by a panther command on the data dir (a revoked token, a
// disabled user) applies to a running server at its next request.
//
// Secrets never reach a log line or an error: passwords, one-time passwords, TOTP secrets and
// codes, session cookies, CSRF tokens and API tokens are only returned to the caller that
// made them, and stored hashed (or, for TOTP secrets, sealed with secretbox).
package auth
