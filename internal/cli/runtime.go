package cli

import (
	"context"
	"os"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/runtime"
)

// stateDB is the state database of a data dir with the stores built on it (runtime.State).
type stateDB struct {
	*runtime.State
	alerts *alerts.Store
	dests  *store.Store // the configured destinations
	disp   *delivery.Dispatcher
}

// openState opens the data dir's state database, the alert store and the dispatcher.
func openState(ctx context.Context, dataDir string) (*stateDB, error) {
	s, err := runtime.OpenState(ctx, dataDir, runtime.StateOptions{LinkBase: os.Getenv("PANTHER_URL")})
	if err != nil {
		return nil, err
	}
	return &stateDB{State: s, alerts: s.Alerts, dests: s.Destinations, disp: s.Dispatcher}, nil
}
