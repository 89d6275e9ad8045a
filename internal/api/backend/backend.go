// Package backend declares the domain services the API calls. The API depends on these
// small interfaces (and on the concrete stores that already exist); the runtime, which owns
// the wiring, fills Deps with the real services.
package backend

import (
	"context"
	"log/slog"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/settings"
	"github.com/pantherlabs/panther/internal/sources"
)

// Deps holds what the API serves. A nil service makes its operations answer NOT_AVAILABLE
// with a message saying what is missing; Auth is required.
type Deps struct {
	// Logger receives server-side errors; never a secret or a request body.
	Logger *slog.Logger
	// Auth authenticates calls, manages users, tokens, sessions and settings, and keeps the
	// audit log.
	Auth Auth
	// Alerts is the alert store; Delivery the dispatcher (attempts, re-send, test alerts).
	Alerts   *alerts.Store
	Delivery *delivery.Dispatcher
	// Destinations is the destination store.
	Destinations *store.Store
	// Content is the detection content store.
	Content *content.Store
	// Schemas is the custom log schema store.
	Schemas *content.Schemas
	// Sources is the log source store; HTTPBaseURL prefixes /http/{id} in answers.
	Sources *sources.Store
	// Lake runs data-lake queries; AlertEvents reads an alert's events.
	Lake Lake
	// Metrics answers the ingest metrics of charts.
	Metrics Metrics
	// Tests runs detection unit tests; nil means tests cannot run here.
	Tests *content.Tester
	// Settings are the general settings.
	Settings *settings.Store
	// Registry returns the log types events can be parsed as (managed and custom); nil
	// means the managed ones only.
	Registry func() (*logtypes.Registry, error)
	// Version is the server's version (generalSettings.pantherVersion).
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Auth is what the API needs of internal/auth (*auth.Service implements it).
type Auth interface {
	AuthenticateToken(ctx context.Context, apiKey string) (auth.Principal, error)
	AuthenticateSession(ctx context.Context, cookieValue, csrfHeader string, mutating bool) (auth.Principal, error)
	Audit(ctx context.Context, e auth.AuditEntry) error
	AuditLog(ctx context.Context, f auth.AuditFilter) (auth.AuditPage, error)

	SignIn(ctx context.Context, email, password, totp, remoteAddr string) (auth.Session, error)
	ChangePasswordAtSignIn(ctx context.Context, email, password, newPassword, totp, remoteAddr string) (auth.Session, error)
	EnrollMFAAtSignIn(ctx context.Context, email, password, remoteAddr string) (auth.MFAEnrollment, error)
	SignOut(ctx context.Context, cookieValue string) error
	BeginMFA(ctx context.Context, p auth.Principal) (auth.MFAEnrollment, error)
	ConfirmMFA(ctx context.Context, p auth.Principal, code string) error

	GetUser(ctx context.Context, id string) (auth.User, error)
	GetUserByEmail(ctx context.Context, email string) (auth.User, error)
	FindUser(ctx context.Context, key string) (auth.User, error)
	ListUsers(ctx context.Context, f auth.UserFilter) ([]auth.User, error)
	CreateUser(ctx context.Context, nu auth.NewUser) (auth.User, string, error)
	UpdateUser(ctx context.Context, id string, up auth.UserUpdate) (auth.User, error)
	DeleteUser(ctx context.Context, id string) error
	ResetPassword(ctx context.Context, id string) (string, error)
	ChangePassword(ctx context.Context, p auth.Principal, current, newPassword string) error

	CreateToken(ctx context.Context, nt auth.NewToken) (auth.Token, string, error)
	GetToken(ctx context.Context, id string) (auth.Token, error)
	ListTokens(ctx context.Context, includeRevoked bool) ([]auth.Token, error)
	RevokeToken(ctx context.Context, id string) error

	Settings(ctx context.Context) (auth.Settings, error)
	UpdateSettings(ctx context.Context, st auth.Settings) error
}

// Lake is the data-lake query service (internal/lakequery).
type Lake interface{}

// Metrics is the ingest metrics service.
type Metrics interface{}
