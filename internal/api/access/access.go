// Package access is where the API authenticates and authorizes every call, in one place.
//
// Authentication is an HTTP middleware: a console session (cookie + CSRF header) or an API
// token (X-API-Key) becomes an auth.Principal in the request context, or the request is
// refused before it reaches a handler. Authorization is a table: every GraphQL field of Query
// and Mutation names its permission with the @access directive of the schema, and every REST
// route names its own; one GraphQL field middleware and one REST wrapper check it against the
// principal's role. No resolver or handler checks permissions itself. The same two places
// write an audit entry for every mutation.
package access

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/pantherlabs/panther/internal/api/apierr"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/auth/authhttp"
)

// Any is the permission of operations every signed-in caller may use (generalSettings, me).
const Any auth.Permission = "any"

// Names of the credentials a request carries.
const (
	// SessionCookie holds a console session.
	SessionCookie = authhttp.CookieName
	// CSRFHeader must carry the session's CSRF token on every console request.
	CSRFHeader = authhttp.CSRFHeader
	// APIKeyHeader carries an API token.
	APIKeyHeader = authhttp.APIKeyHeader
)

// Authenticator turns credentials into a principal; *auth.Service implements it.
type Authenticator interface {
	// AuthenticateToken checks an API token (and records its last use).
	AuthenticateToken(ctx context.Context, apiKey string) (auth.Principal, error)
	// AuthenticateSession checks a session cookie and, for mutating requests, its CSRF token.
	AuthenticateSession(ctx context.Context, cookie, csrf string, mutating bool) (auth.Principal, error)
}

// Auditor records audit entries; *auth.Service implements it.
type Auditor interface {
	Audit(ctx context.Context, e auth.AuditEntry) error
}

// Credentials says which credentials an endpoint accepts.
type Credentials int

const (
	// APIKeyOnly accepts X-API-Key only (/public/graphql, /v1/).
	APIKeyOnly Credentials = iota
	// SessionOrAPIKey accepts a console session with its CSRF header, or X-API-Key (/graphql).
	SessionOrAPIKey
)

// ErrorWriter writes an error answer in the endpoint's format (GraphQL or REST).
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err *apierr.Error)

// Authenticate returns the middleware that authenticates every request of an endpoint. A
// request it lets through carries its principal (auth.PrincipalFrom) and where it came from
// (auth.RequestFrom).
func Authenticate(a Authenticator, creds Credentials, log *slog.Logger, write ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := auth.WithRequest(r.Context(), auth.RequestInfo{RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent()})
			p, err := authenticate(ctx, a, creds, r)
			if err != nil {
				e := classify(err)
				if e.Code == apierr.Internal {
					log.Error("api: authenticating a request", "path", r.URL.Path, "err", err)
				}
				write(w, r.WithContext(ctx), e)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(ctx, p)))
		})
	}
}

func authenticate(ctx context.Context, a Authenticator, creds Credentials, r *http.Request) (auth.Principal, error) {
	if key := r.Header.Get(APIKeyHeader); key != "" {
		return a.AuthenticateToken(ctx, key)
	}
	if creds == SessionOrAPIKey {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			// Every GraphQL call is a POST, so every console call carries the CSRF token, which
			// a page on another origin cannot read.
			return a.AuthenticateSession(ctx, c.Value, r.Header.Get(CSRFHeader), authhttp.Mutating(r.Method))
		}
		return auth.Principal{}, apierr.New(apierr.Unauthenticated, "sign in to the console, or send an API token in the %s header", APIKeyHeader)
	}
	return auth.Principal{}, apierr.New(apierr.Unauthenticated, "send an API token in the %s header (create one with `panther tokens create` or in the console)", APIKeyHeader)
}

// classify maps the errors of internal/auth onto API errors, keeping their messages, which
// auth writes to be safe to show.
func classify(err error) *apierr.Error {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e
	}
	var rl *auth.RateLimitError
	switch {
	case errors.As(err, &rl):
		return apierr.Wrap(apierr.RateLimited, err, "%s", err.Error())
	case errors.Is(err, auth.ErrCSRF):
		return apierr.Wrap(apierr.Forbidden, err, "%s", err.Error())
	case errors.Is(err, auth.ErrUnauthenticated), errors.Is(err, auth.ErrInvalidCredentials):
		return apierr.Wrap(apierr.Unauthenticated, err, "%s", err.Error())
	case errors.Is(err, auth.ErrForbidden):
		return apierr.Wrap(apierr.Forbidden, err, "%s", err.Error())
	}
	return apierr.Internalf(err)
}

// Check decides whether the principal in ctx may use an operation that needs perm.
func Check(ctx context.Context, perm auth.Permission) *apierr.Error {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return apierr.New(apierr.Unauthenticated, "not signed in")
	}
	if perm == Any || p.Can(perm) {
		return nil
	}
	return apierr.New(apierr.Forbidden, "permission denied: this needs %s, which the %s role does not have", perm, p.Role)
}

// Known reports whether perm is a permission of internal/auth (or Any).
func Known(perm auth.Permission) bool {
	if perm == Any {
		return true
	}
	for _, p := range auth.Permissions() {
		if p == perm {
			return true
		}
	}
	return false
}

// Kinds of actor references (Ref).
const (
	RefUser   = "user"
	RefToken  = "token"
	RefCLI    = "cli"
	RefSystem = "system"
)

// Ref is how stores record who made a change: "user:ID", "token:ID", "cli:NAME" or "system".
// The API turns references back into users and tokens when it shows them.
func Ref(p auth.Principal) string {
	switch {
	case p.Via == auth.ViaToken && p.TokenID != "":
		return RefToken + ":" + p.TokenID
	case p.UserID != "":
		return RefUser + ":" + p.UserID
	case p.Via == auth.ViaCLI:
		return RefCLI + ":" + p.Name
	}
	return RefSystem
}
