package runtime

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/logtypes"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/sources"
	"github.com/pantherlabs/panther/internal/state"
)

// State is the state database of a data dir with the stores built on it. The CLI opens it
// for one command; the server keeps it open.
type State struct {
	DB           *sql.DB
	Box          *secretbox.Box
	Sources      *sources.Store
	Destinations *store.Store
	Directory    *Directory
	Alerts       *alerts.Store
	Dispatcher   *delivery.Dispatcher
}

// StateOptions configure OpenState.
type StateOptions struct {
	// LinkBase is the server URL used in alert links.
	LinkBase string
	// OnRaise runs in the transaction that raises an alert, after its deliveries are queued.
	OnRaise func(ctx context.Context, tx *sql.Tx, a *alerts.Alert) error
	// Notify configures the destinations (HTTP client, logger).
	Notify notify.Options
	Now    func() time.Time
	// NoDispatcher skips the delivery dispatcher (whose start returns deliveries a stopped
	// process left mid-request to the queue): for commands that only read or edit sources.
	NoDispatcher bool
}

// OpenState opens the state database of dataDir and the stores on it.
func OpenState(ctx context.Context, dataDir string, o StateOptions) (*State, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	db, err := state.Open(state.Path(dataDir))
	if err != nil {
		return nil, err
	}
	s := &State{DB: db}
	fail := func(err error) (*State, error) {
		db.Close()
		return nil, err
	}
	if s.Box, err = secretbox.OpenDir(dataDir); err != nil {
		return fail(err)
	}
	types, err := logtypes.Managed()
	if err != nil {
		return fail(err)
	}
	// Custom schemas may be added later: a source may name a type the registry does not know
	// yet only if a custom schema of that name exists when the source is added.
	_ = types.LoadCustom(schemasDir(dataDir))
	if s.Sources, err = sources.OpenStore(ctx, db, s.Box, sources.StoreOptions{Now: o.Now, LogType: func(name string) (string, error) {
		t, err := types.Lookup(name)
		if err != nil {
			return "", err
		}
		return t.Name, nil
	}}); err != nil {
		return fail(err)
	}
	reg := destinations.NewRegistry(o.Notify)
	if s.Destinations, err = store.New(ctx, db, s.Box, reg, store.Options{Now: o.Now}); err != nil {
		return fail(err)
	}
	s.Directory = &Directory{st: s.Destinations, reg: reg}
	if err := delivery.EnsureSchema(ctx, db); err != nil {
		return fail(err)
	}
	enqueue := delivery.Enqueue(s.Directory, o.Now)
	onRaise := enqueue
	if o.OnRaise != nil {
		onRaise = func(ctx context.Context, tx *sql.Tx, a *alerts.Alert) error {
			if err := enqueue(ctx, tx, a); err != nil {
				return err
			}
			return o.OnRaise(ctx, tx, a)
		}
	}
	if s.Alerts, err = alerts.Open(ctx, db, alerts.Options{Now: o.Now, OnRaise: onRaise}); err != nil {
		return fail(err)
	}
	if !o.NoDispatcher {
		if s.Dispatcher, err = delivery.New(ctx, db, s.Alerts, s.Directory, delivery.Options{Now: o.Now, LinkBase: o.LinkBase}); err != nil {
			return fail(err)
		}
	}
	return s, nil
}

// Close closes the database.
func (s *State) Close() error { return s.DB.Close() }

// Directory gives the delivery pipeline the destinations configured in the state database;
// it reads them at each use, so a destination added or changed applies to the next alert.
type Directory struct {
	st  *store.Store
	reg *notify.Registry
}

var _ delivery.Directory = (*Directory)(nil)

// Destinations lists the configured destinations.
func (d *Directory) Destinations(ctx context.Context) ([]delivery.Destination, error) {
	list, err := d.st.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]delivery.Destination, len(list))
	for i, x := range list {
		out[i] = delivery.Destination{ID: x.ID, Name: x.DisplayName, Type: x.Type,
			DefaultForSeverity: x.DefaultForSeverity, AlertTypes: x.AlertTypes}
	}
	return out, nil
}

// Notifier builds the sender of destination id, with its secrets.
func (d *Directory) Notifier(ctx context.Context, id string) (notify.Notifier, error) {
	x, err := d.st.Reveal(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", id, err)
	}
	return d.reg.Build(x.Type, x.Config)
}
