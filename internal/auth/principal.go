package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// How a principal was authenticated (Principal.Via).
const (
	ViaSession = "session" // a console session cookie
	ViaToken   = "token"   // an API token (X-API-Key)
	ViaCLI     = "cli"     // a panther command run on the data dir
	ViaSystem  = "system"  // the server itself (bootstrap, housekeeping)
)

// Principal is who makes a call: a signed-in user, an API token, or a local command.
type Principal struct {
	// UserID is the user's id; empty for a token and for the CLI.
	UserID string `json:"userId,omitempty"`
	// Email is the user's e-mail; empty for a token.
	Email string `json:"email,omitempty"`
	// Name is the user's full name, the token's name, or the CLI's operating-system user.
	Name string `json:"name,omitempty"`
	// Role decides what the principal may do (Role.Can).
	Role Role `json:"role"`
	// TokenID is the API token's id when Via is ViaToken.
	TokenID string `json:"tokenId,omitempty"`
	// SessionID is the public id of the console session when Via is ViaSession (not its
	// secret: the session is revoked by this id).
	SessionID string `json:"sessionId,omitempty"`
	// Via says how the principal was authenticated: ViaSession, ViaToken, ViaCLI or ViaSystem.
	Via string `json:"via"`
}

// Can reports whether the principal's role has permission p.
func (p Principal) Can(perm Permission) bool { return p.Role.Can(perm) }

// Require returns nil when the principal's role has permission perm, else an error wrapping
// ErrForbidden that names the role and the permission.
func (p Principal) Require(perm Permission) error {
	if p.Role.Can(perm) {
		return nil
	}
	role := string(p.Role)
	if role == "" {
		role = "no role"
	}
	return fmt.Errorf("%w: %s (%s) lacks %s", ErrForbidden, p.Actor(), role, perm)
}

// Actor names the principal in the audit log and in messages: the user's e-mail, "token
// NAME", "cli USER" or "system".
func (p Principal) Actor() string {
	switch p.Via {
	case ViaToken:
		return "token " + p.Name
	case ViaCLI:
		if p.Name == "" {
			return "cli"
		}
		return "cli " + p.Name
	case ViaSystem:
		return "system"
	}
	if p.Email != "" {
		return p.Email
	}
	return p.UserID
}

// CLI is the principal of a panther command run on a data dir: whoever can read the data dir
// is its administrator. osUser names them in the audit log.
func CLI(osUser string) Principal { return Principal{Name: osUser, Role: RoleAdmin, Via: ViaCLI} }

// System is the principal of the server's own changes (the first admin at bootstrap).
func System() Principal { return Principal{Name: "system", Role: RoleAdmin, Via: ViaSystem} }

type principalKey struct{}

// WithPrincipal returns ctx carrying p. The API's authentication layer sets it once per
// request; the service's audit entries take their actor from it.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// RequestInfo says where a call comes from, for the audit log and the per-IP sign-in limit.
type RequestInfo struct {
	// RemoteAddr is the client's address, "host:port" or a bare host.
	RemoteAddr string
	// UserAgent is the client's User-Agent header.
	UserAgent string
}

type requestKey struct{}

// WithRequest returns ctx carrying where the call comes from.
func WithRequest(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, ri)
}

// RequestFrom returns the request information ctx carries (zero when none).
func RequestFrom(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestKey{}).(RequestInfo)
	return ri
}

// Errors. The API maps ErrUnauthenticated and ErrInvalidCredentials to 401, ErrCSRF and
// ErrForbidden to 403, ErrRateLimited to 429 (with RateLimitError.RetryAfter), ErrNotFound to
// 404, ErrConflict to 409, and *PolicyError, ErrLastAdmin and *ValidationError to 400.
var (
	// ErrUnauthenticated: no credentials, or credentials that are unknown, expired or revoked.
	// The wrapping error says which, in words safe to show to the caller.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrCSRF: a mutating console request without the session's CSRF token.
	ErrCSRF = errors.New("missing or invalid CSRF token (send the X-CSRF-Token header the session gave)")
	// ErrForbidden: authenticated, but the role lacks the permission.
	ErrForbidden = errors.New("permission denied")
	// ErrInvalidCredentials: a sign-in with a wrong e-mail, password or MFA code. It never says
	// which part was wrong, nor whether the account exists.
	ErrInvalidCredentials = errors.New("incorrect e-mail, password or code")
	// ErrRateLimited: too many failed sign-ins for the account or the address; see
	// RateLimitError.
	ErrRateLimited = errors.New("too many failed sign-in attempts")
	// ErrPasswordChangeRequired: the password was right but is a one-time password; sign in
	// again with ChangePasswordAtSignIn.
	ErrPasswordChangeRequired = errors.New("the password must be changed: sign in with a new password")
	// ErrMFARequired: the password was right; the account has MFA: send the TOTP code.
	ErrMFARequired = errors.New("enter the code from your authenticator app")
	// ErrMFAEnrollmentRequired: MFA is required and the account has none yet: enroll with
	// EnrollMFAAtSignIn, then sign in with a code.
	ErrMFAEnrollmentRequired = errors.New("multi-factor authentication is required: set up an authenticator app")
	// ErrNotFound: no user, token or session with that id.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a user with that e-mail, or an active token with that name, exists.
	ErrConflict = errors.New("already exists")
	// ErrLastAdmin: the change would leave no enabled Admin user.
	ErrLastAdmin = errors.New("this would leave no enabled Admin user")
)

// RateLimitError is the error of a refused sign-in attempt while the account or the address
// is backing off. Its message is the same whether or not the account exists.
type RateLimitError struct {
	// RetryAfter is how long until the next attempt is accepted (the Retry-After header).
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v: try again in %s", ErrRateLimited, e.RetryAfter.Round(time.Second))
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// ValidationError says which field of a request is wrong and why.
type ValidationError struct {
	Field string
	Msg   string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Msg }
