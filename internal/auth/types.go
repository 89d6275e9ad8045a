package auth

import (
	"strings"
	"time"
)

// UserStatus is the state of a user's password, with Panther's (Cognito's) names.
type UserStatus string

const (
	// StatusForceChangePassword: the user holds a one-time password (invited, or reset by an
	// admin) and must choose a new one at the next sign-in.
	StatusForceChangePassword UserStatus = "FORCE_CHANGE_PASSWORD"
	// StatusConfirmed: the user chose their password.
	StatusConfirmed UserStatus = "CONFIRMED"
)

// User is a local user. The e-mail is the sign-in name, unique ignoring case.
type User struct {
	ID         string     `json:"id"`
	Email      string     `json:"email"`
	GivenName  string     `json:"givenName"`
	FamilyName string     `json:"familyName"`
	Role       Role       `json:"role"`
	Status     UserStatus `json:"status"`
	// Enabled is false for a disabled user: no sign-in, sessions revoked.
	Enabled bool `json:"enabled"`
	// MFAEnabled: the user signs in with a TOTP code.
	MFAEnabled   bool       `json:"mfaEnabled"`
	CreatedAt    time.Time  `json:"createdAt"`
	UpdatedAt    time.Time  `json:"updatedAt"`
	LastSignInAt *time.Time `json:"lastSignInAt,omitempty"`
}

// Name is the user's full name ("Given Family"), or the e-mail when both are empty.
func (u User) Name() string {
	if n := strings.TrimSpace(u.GivenName + " " + u.FamilyName); n != "" {
		return n
	}
	return u.Email
}

// Principal is the user as a console principal.
func (u User) Principal() Principal {
	return Principal{UserID: u.ID, Email: u.Email, Name: u.Name(), Role: u.Role, Via: ViaSession}
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email      string
	GivenName  string
	FamilyName string
	Role       Role
	// Password, when set, is the user's password (it must meet the policy) and the user is
	// CONFIRMED; when empty, CreateUser generates a one-time password.
	Password string
}

// UserUpdate changes the fields that are set.
type UserUpdate struct {
	Email      *string
	GivenName  *string
	FamilyName *string
	Role       *Role
	Enabled    *bool
}

// UserFilter selects users for ListUsers; the zero filter selects all.
type UserFilter struct {
	// Contains matches the e-mail or the name, ignoring case.
	Contains string
	Role     Role
	Status   UserStatus
	// Enabled, when set, selects enabled (true) or disabled (false) users.
	Enabled *bool
}

// Token is an API token as stored: never its secret.
type Token struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Prefix is the start of the token ("pat_AbC1"), so a person can tell tokens apart.
	Prefix string `json:"prefix"`
	// CreatedBy is the actor that created it (an e-mail, "cli USER").
	CreatedBy  string     `json:"createdBy"`
	CreatedAt  time.Time  `json:"createdAt"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	LastUsedAt *time.Time `json:"lastUsedAt,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// Active reports whether the token is accepted at time now.
func (t Token) Active(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// NewToken is what CreateToken needs.
type NewToken struct {
	Name string
	Role Role
	// ExpiresAt, when set, is when the token stops working.
	ExpiresAt *time.Time
}

// Session is a console session as SignIn returns it: the only time its secrets exist outside
// the client.
type Session struct {
	// ID is the session's public id (Principal.SessionID).
	ID string `json:"id"`
	// Cookie is the secret value of the session cookie (stored hashed).
	Cookie string `json:"-"`
	// CSRFToken must be sent in the X-CSRF-Token header of mutating requests; it is derived
	// from the cookie, so it needs no storage and dies with the session.
	CSRFToken string `json:"csrfToken"`
	// ExpiresAt is the absolute expiry; the session also ends after the idle timeout.
	ExpiresAt time.Time `json:"expiresAt"`
	// User is who signed in.
	User User `json:"user"`
}

// SessionInfo is a stored session, for lists of a user's sessions.
type SessionInfo struct {
	ID         string    `json:"id"`
	UserID     string    `json:"userId"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeenAt time.Time `json:"lastSeenAt"`
	ExpiresAt  time.Time `json:"expiresAt"`
	RemoteAddr string    `json:"remoteAddr"`
	UserAgent  string    `json:"userAgent"`
}

// MFAEnrollment is a TOTP secret being set up: shown once, as text and as an otpauth:// URL
// for a QR code. It becomes active when a code made from it is verified.
type MFAEnrollment struct {
	Secret string `json:"secret"` // base32, no padding
	URL    string `json:"url"`    // otpauth://totp/...
}

// Settings are the access settings an Admin changes.
type Settings struct {
	// RequireMFA makes every user sign in with a TOTP code (users without one enroll at their
	// next sign-in).
	RequireMFA bool `json:"requireMfa"`
}

// Audit results.
const (
	ResultSuccess = "success"
	ResultFailure = "failure"
)

// AuditEntry is one line of the audit log: who did what, when, from where, and how it went.
// Summaries never carry secrets (passwords, tokens, codes, destination credentials).
type AuditEntry struct {
	// ID orders entries (later entries have larger ids); set by the log.
	ID int64 `json:"id"`
	// Time is set by the log when zero.
	Time time.Time `json:"time"`
	// Actor: ActorType is a Principal.Via value ("session", "token", "cli", "system") or
	// "anonymous" for a failed sign-in; ActorID is the user or token id; ActorName the
	// e-mail, token name or OS user (for a failed sign-in: the e-mail that was tried).
	ActorType string `json:"actorType"`
	ActorID   string `json:"actorId,omitempty"`
	ActorName string `json:"actorName,omitempty"`
	// Action is "area.verb": "auth.sign_in", "users.create", "alerts.update_status", ...
	Action string `json:"action"`
	// Target is what was acted on: its type ("user", "token", "alert", "rule", ...) and id.
	TargetType string `json:"targetType,omitempty"`
	TargetID   string `json:"targetId,omitempty"`
	// Summary says what changed, in words, without secrets.
	Summary string `json:"summary,omitempty"`
	// Result is ResultSuccess or ResultFailure (set to success when empty).
	Result string `json:"result"`
	// From where: filled from the context's RequestInfo when empty.
	RemoteAddr string `json:"remoteAddr,omitempty"`
	UserAgent  string `json:"userAgent,omitempty"`
}

// AuditFilter selects audit entries; the zero filter selects all, newest first.
type AuditFilter struct {
	// From and To bound the time (From inclusive, To exclusive); zero: unbounded.
	From, To time.Time
	// Actor matches the actor's id or name exactly.
	Actor string
	// Action matches the action exactly, or every action of an area when it ends in "."
	// ("users.").
	Action     string
	TargetType string
	TargetID   string
	Result     string
	// Cursor continues a previous page (AuditPage.Next).
	Cursor string
	// Limit is the page size (default 100, at most 1000).
	Limit int
}

// AuditPage is one page of audit entries, newest first.
type AuditPage struct {
	Entries []AuditEntry `json:"entries"`
	// Next is the cursor of the next page; empty on the last page.
	Next string `json:"next,omitempty"`
}
