// Package backend declares the domain services the API calls. The API depends on these
// small interfaces (and on the concrete stores that already exist); the runtime, which owns
// the wiring, fills Deps with the real services.
package backend

import (
	"log/slog"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/auth"
	"github.com/pantherlabs/panther/internal/content"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/ingestmetrics"
	"github.com/pantherlabs/panther/internal/lakequery"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/settings"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/sqlengine"
)

// Deps holds what the API serves. A nil service makes its operations answer NOT_AVAILABLE
// with a message saying what is missing; Auth is required.
type Deps struct {
	// Logger receives server-side errors; never a secret or a request body.
	Logger *slog.Logger
	// Auth authenticates calls, manages users, tokens, sessions and settings, and keeps the
	// audit log.
	Auth *auth.Service
	// Alerts is the alert store; Delivery the dispatcher (attempts, re-send, test alerts).
	Alerts   *alerts.Store
	Delivery *delivery.Dispatcher
	// Destinations is the destination store; Notifiers builds their senders (for test alerts).
	Destinations *store.Store
	Notifiers    *notify.Registry
	// Content is the detection content store.
	Content *content.Store
	// Schemas is the custom log schema store.
	Schemas *content.Schemas
	// Sources is the log source store; HTTPBaseURL prefixes /http/{id} in answers.
	Sources *sources.Store
	// Lake runs the API's data-lake queries (sandboxed); Engine reads alerts' events
	// (trusted, parameterized queries of the API's own).
	Lake   *lakequery.Service
	Engine *sqlengine.Engine
	// Series answers the ingestion metrics of charts (events and bytes per minute, source
	// and log type).
	Series *ingestmetrics.Store
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
