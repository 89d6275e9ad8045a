// Package authhttp is the HTTP side of internal/auth: the console's sign-in endpoints under
// /auth/, the session cookie, and one function (Authenticate, or the Middleware around it)
// that turns a request's credentials into a principal: an API token in X-API-Key, or the
// session cookie plus, on mutating requests, the session's CSRF token in X-CSRF-Token.
//
// The cookie is HTTP-only (scripts cannot read it), SameSite=Strict (no other site's page or
// link sends it), Secure when the server speaks TLS, and lives until the session's absolute
// expiry; the server enforces the idle timeout. Because a link from elsewhere (a Slack alert)
// arrives without the cookie, the console's pages must load without it and ask GET
// /auth/session, whose fetch is same-site and carries it.
package authhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/pantherlabs/panther/internal/auth"
)

// Header and cookie names.
const (
	CookieName   = "panther_session"
	CSRFHeader   = "X-CSRF-Token"
	APIKeyHeader = "X-API-Key"
)

// maxBody bounds a sign-in request body.
const maxBody = 64 << 10

// Allow says which credentials an endpoint accepts.
type Allow int

const (
	// AllowToken accepts an API token in X-API-Key.
	AllowToken Allow = 1 << iota
	// AllowSession accepts the console's session cookie (and checks CSRF on mutating requests).
	AllowSession
)

// Options configure the handler.
type Options struct {
	// Secure sets the cookie's Secure attribute on every response (behind a TLS-terminating
	// proxy), as auth.Options.SecureCookies does; without either the attribute is set when
	// the request itself came over TLS.
	Secure bool
	// Logger receives server-side errors (never credentials).
	Logger *slog.Logger
	// Now is the clock of the cookie's Max-Age (default time.Now; the service's clock).
	Now func() time.Time
}

// Handler serves the sign-in endpoints. Mount it at /auth/ (it matches full paths):
//
//	POST /auth/sign-in          {"email","password","code"}                -> 200 session, cookie set
//	POST /auth/change-password  {"email","password","newPassword","code"}  -> 200 session, cookie set
//	POST /auth/mfa/enroll       {"email","password"}                       -> 200 {"secret","url"}
//	POST /auth/sign-out         (X-CSRF-Token)                             -> 204, cookie cleared
//	GET  /auth/session                                                     -> 200 session | 401
//
// A session answer is {"user": {...}, "permissions": [...], "csrfToken": "...", "expiresAt": "..."}.
// Errors are {"error": CODE, "message": TEXT} with the codes of ErrorCode.
func Handler(svc *auth.Service, o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &handler{svc: svc, opts: o}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/sign-in", h.signIn)
	mux.HandleFunc("POST /auth/change-password", h.changePassword)
	mux.HandleFunc("POST /auth/mfa/enroll", h.enroll)
	mux.HandleFunc("POST /auth/sign-out", h.signOut)
	mux.HandleFunc("GET /auth/session", h.session)
	return noStore(mux)
}

// noStore keeps credentials' answers out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type handler struct {
	svc  *auth.Service
	opts Options
}

type credentials struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	NewPassword string `json:"newPassword"`
	Code        string `json:"code"`
}

// SessionJSON is the answer of a sign-in and of GET /auth/session.
type SessionJSON struct {
	User        auth.User         `json:"user"`
	Permissions []auth.Permission `json:"permissions"`
	CSRFToken   string            `json:"csrfToken"`
	ExpiresAt   *time.Time        `json:"expiresAt,omitempty"`
}

// readCredentials decodes a JSON body. Requiring application/json also keeps other sites'
// plain HTML forms from posting here (they cannot send that type without a CORS preflight).
func readCredentials(w http.ResponseWriter, r *http.Request) (credentials, error) {
	var c credentials
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return c, badRequest("send the body as JSON with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, badRequest(fmt.Sprintf("the body is not the expected JSON object: %v", err))
	}
	return c, nil
}

type badRequestError struct{ msg string }

func (e *badRequestError) Error() string { return e.msg }

func badRequest(msg string) error { return &badRequestError{msg} }

func (h *handler) signIn(w http.ResponseWriter, r *http.Request) {
	c, err := readCredentials(w, r)
	if err != nil {
		WriteError(w, err)
		return
	}
	ctx := WithRequestInfo(r.Context(), r)
	sess, err := h.svc.SignIn(ctx, c.Email, c.Password, c.Code, "")
	h.finishSignIn(w, r, sess, err)
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) {
	c, err := readCredentials(w, r)
	if err != nil {
		WriteError(w, err)
		return
	}
	ctx := WithRequestInfo(r.Context(), r)
	sess, err := h.svc.ChangePasswordAtSignIn(ctx, c.Email, c.Password, c.NewPassword, c.Code, "")
	h.finishSignIn(w, r, sess, err)
}

func (h *handler) finishSignIn(w http.ResponseWriter, r *http.Request, sess auth.Session, err error) {
	if err != nil {
		h.fail(w, err)
		return
	}
	// Max-Age, not Expires: the browser's clock may be off.
	maxAge := int(sess.ExpiresAt.Sub(h.opts.Now()) / time.Second)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: sess.Cookie, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.secure(r)})
	exp := sess.ExpiresAt
	writeJSON(w, http.StatusOK, SessionJSON{User: sess.User, Permissions: sess.User.Role.Permissions(),
		CSRFToken: sess.CSRFToken, ExpiresAt: &exp})
}

func (h *handler) enroll(w http.ResponseWriter, r *http.Request) {
	c, err := readCredentials(w, r)
	if err != nil {
		WriteError(w, err)
		return
	}
	enr, err := h.svc.EnrollMFAAtSignIn(WithRequestInfo(r.Context(), r), c.Email, c.Password, "")
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, enr)
}

func (h *handler) signOut(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(CookieName)
	if err == nil && ck.Value != "" {
		ctx := WithRequestInfo(r.Context(), r)
		if _, err := h.svc.AuthenticateSession(ctx, ck.Value, r.Header.Get(CSRFHeader), true); errors.Is(err, auth.ErrCSRF) {
			// Another site must not sign a user out.
			WriteError(w, err)
			return
		}
		if err := h.svc.SignOut(ctx, ck.Value); err != nil {
			h.fail(w, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: h.secure(r)})
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(CookieName)
	if err != nil {
		WriteError(w, fmt.Errorf("%w: no session (sign in)", auth.ErrUnauthenticated))
		return
	}
	ctx := WithRequestInfo(r.Context(), r)
	p, err := h.svc.AuthenticateSession(ctx, ck.Value, "", false)
	if err != nil {
		h.fail(w, err)
		return
	}
	u, err := h.svc.GetUser(ctx, p.UserID)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, SessionJSON{User: u, Permissions: u.Role.Permissions(), CSRFToken: auth.CSRFToken(ck.Value)})
}

// secure reports whether the session cookie is marked Secure: when the request came over TLS,
// or the handler or the service is told the console is reached over HTTPS.
func (h *handler) secure(r *http.Request) bool {
	return h.opts.Secure || h.svc.SecureCookies() || r.TLS != nil
}

// fail writes err, logging the ones that are the server's fault.
func (h *handler) fail(w http.ResponseWriter, err error) {
	if status, _ := Classify(err); status >= 500 {
		h.opts.Logger.Error("auth endpoint", "err", err)
	}
	WriteError(w, err)
}

// Authenticate returns the principal of a request's credentials, among those allow accepts:
// X-API-Key first, else the session cookie, with the CSRF header checked when the method is
// not GET, HEAD or OPTIONS. Errors wrap auth.ErrUnauthenticated or auth.ErrCSRF.
func Authenticate(ctx context.Context, svc *auth.Service, r *http.Request, allow Allow) (auth.Principal, error) {
	if key := r.Header.Get(APIKeyHeader); key != "" {
		if allow&AllowToken == 0 {
			return auth.Principal{}, fmt.Errorf("%w: this endpoint takes the console's session, not an API key (use /public/graphql)", auth.ErrUnauthenticated)
		}
		return svc.AuthenticateToken(ctx, key)
	}
	if allow&AllowSession != 0 {
		if ck, err := r.Cookie(CookieName); err == nil {
			return svc.AuthenticateSession(ctx, ck.Value, r.Header.Get(CSRFHeader), Mutating(r.Method))
		}
	}
	if allow&AllowSession == 0 {
		return auth.Principal{}, fmt.Errorf("%w: send an API key in the %s header", auth.ErrUnauthenticated, APIKeyHeader)
	}
	return auth.Principal{}, fmt.Errorf("%w: sign in, or send an API key in the %s header", auth.ErrUnauthenticated, APIKeyHeader)
}

// Mutating reports whether a method may change state (and so needs the CSRF token).
func Mutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Middleware authenticates every request with Authenticate and puts the principal and the
// request information in its context (auth.PrincipalFrom, auth.RequestFrom); it answers 401
// or 403 itself. Authorization (which permission an operation needs) stays with the caller.
func Middleware(svc *auth.Service, allow Allow) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := WithRequestInfo(r.Context(), r)
			p, err := Authenticate(ctx, svc, r, allow)
			if err != nil {
				WriteError(w, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(ctx, p)))
		})
	}
}

// WithRequestInfo returns ctx carrying the request's remote address and user agent. The
// address is the TCP peer's: a proxy's X-Forwarded-For is not trusted.
func WithRequestInfo(ctx context.Context, r *http.Request) context.Context {
	return auth.WithRequest(ctx, auth.RequestInfo{RemoteAddr: r.RemoteAddr, UserAgent: r.UserAgent()})
}

// Classify maps an auth error to an HTTP status and a stable error code.
func Classify(err error) (status int, code string) {
	var pe *auth.PolicyError
	var ve *auth.ValidationError
	var br *badRequestError
	switch {
	case errors.Is(err, auth.ErrRateLimited):
		return http.StatusTooManyRequests, "rate_limited"
	case errors.Is(err, auth.ErrPasswordChangeRequired):
		return http.StatusUnauthorized, "password_change_required"
	case errors.Is(err, auth.ErrMFARequired):
		return http.StatusUnauthorized, "mfa_required"
	case errors.Is(err, auth.ErrMFAEnrollmentRequired):
		return http.StatusUnauthorized, "mfa_enrollment_required"
	case errors.Is(err, auth.ErrInvalidCredentials):
		return http.StatusUnauthorized, "invalid_credentials"
	case errors.Is(err, auth.ErrUnauthenticated):
		return http.StatusUnauthorized, "unauthenticated"
	case errors.Is(err, auth.ErrCSRF):
		return http.StatusForbidden, "csrf"
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, auth.ErrNotFound):
		return http.StatusNotFound, "not_found"
	case errors.Is(err, auth.ErrConflict):
		return http.StatusConflict, "conflict"
	case errors.As(err, &pe):
		return http.StatusBadRequest, "password_policy"
	case errors.Is(err, auth.ErrLastAdmin), errors.As(err, &ve), errors.As(err, &br):
		return http.StatusBadRequest, "bad_request"
	}
	return http.StatusInternalServerError, "internal"
}

// WriteError writes err as {"error": code, "message": text} with its status (and Retry-After
// for a rate limit). Server errors get a generic message: their detail is for the log.
func WriteError(w http.ResponseWriter, err error) {
	status, code := Classify(err)
	msg := err.Error()
	if status >= 500 {
		msg = "internal error; see the server log"
	}
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
	}
	writeJSON(w, status, map[string]string{"error": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
