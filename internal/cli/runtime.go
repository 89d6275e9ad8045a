package cli

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/pantherlabs/panther/internal/alerts"
	"github.com/pantherlabs/panther/internal/delivery"
	"github.com/pantherlabs/panther/internal/detect"
	"github.com/pantherlabs/panther/internal/lake"
	"github.com/pantherlabs/panther/internal/notify"
	"github.com/pantherlabs/panther/internal/notify/destinations"
	"github.com/pantherlabs/panther/internal/notify/store"
	"github.com/pantherlabs/panther/internal/secretbox"
	"github.com/pantherlabs/panther/internal/state"
)

// stateDB is the state database of a data dir with the stores built on it.
type stateDB struct {
	db     *sql.DB
	alerts *alerts.Store
	dests  *store.Store // the configured destinations
	disp   *delivery.Dispatcher
}

// openState opens the data dir's state database, the alert store and the dispatcher.
func openState(ctx context.Context, dataDir string) (*stateDB, error) {
	db, err := state.Open(state.Path(dataDir))
	if err != nil {
		return nil, err
	}
	s := &stateDB{db: db}
	dir, err := openDirectory(ctx, db, dataDir)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.dests = dir.st
	if err := delivery.EnsureSchema(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s.alerts, err = alerts.Open(ctx, db, alerts.Options{OnRaise: delivery.Enqueue(dir, time.Now)})
	if err != nil {
		db.Close()
		return nil, err
	}
	s.disp, err = delivery.New(ctx, db, s.alerts, dir, delivery.Options{LinkBase: os.Getenv("PANTHER_URL")})
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *stateDB) Close() error { return s.db.Close() }

// detectionConfig selects the detections of a run.
type detectionConfig struct {
	dir         string // content to load; empty: the data dir's uploaded content
	off         bool   // no detections
	python      string
	ruleTimeout time.Duration
	workers     int
	stats       int // print the N slowest rules: measure the time of each
	noCompile   bool
}

// detectionRun is the detection side of an ingest.
type detectionRun struct {
	engine *detect.Engine
	sink   *detect.Sink
	// loadAlerts are the RULE_ERROR alerts of detections that cannot run.
	loadAlerts []*alerts.Alert
}

// startDetections loads the content and starts the engine; nil when there are no rules.
func startDetections(ctx context.Context, dataDir string, c detectionConfig, st *stateDB, w *lake.Writer, log io.Writer) (*detectionRun, error) {
	if c.off {
		return nil, nil
	}
	col, err := loadDetections(ctx, dataDir, c.dir, log)
	if err != nil || col == nil {
		return nil, err
	}
	eng, err := detect.New(ctx, col, detect.Options{
		Python: c.python, CallTimeout: c.ruleTimeout, Workers: c.workers,
		KVPath: filepath.Join(dataDir, "kv.db"), Stderr: log, Profile: c.stats > 0, NoCompile: c.noCompile,
	})
	if err != nil {
		return nil, err
	}
	// Detections that cannot run are said once here, with their fix, and raise one RULE_ERROR
	// alert each; they are not run on events.
	loadAlerts, err := detect.ReportLoadErrors(ctx, eng.LoadErrors, st.alerts, time.Now(), log)
	if err != nil {
		eng.Close()
		return nil, err
	}
	reportUnloadedDataModels(eng, log)
	if len(eng.Rules()) == 0 && len(loadAlerts) == 0 {
		eng.Close()
		return nil, nil
	}
	return &detectionRun{engine: eng, sink: &detect.Sink{Engine: eng, Alerts: st.alerts, Lake: w, Ctx: ctx}, loadAlerts: loadAlerts}, nil
}

// reportUnloadedDataModels says which data models failed to load (their rules' udm() calls
// then fall back to the raw event).
func reportUnloadedDataModels(eng *detect.Engine, log io.Writer) {
	loadErr := map[string]bool{}
	for _, le := range eng.LoadErrors {
		loadErr[le.ID] = true
	}
	for id, why := range eng.Skipped {
		if !loadErr[id] {
			fmt.Fprintf(log, "panther: data model %s cannot load: %s\n", id, why)
		}
	}
}

func (r *detectionRun) Close() error {
	if r == nil {
		return nil
	}
	return r.engine.Close()
}

// deliverDue sends the deliveries due now, once; retries stay queued for `panther alerts
// deliver` or the server.
func deliverDue(ctx context.Context, st *stateDB, w io.Writer) {
	n, err := st.disp.RunOnce(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(w, "panther: delivering alerts: %v\n", err)
		return
	}
	if n > 0 {
		fmt.Fprintf(w, "%d alert deliveries attempted\n", n)
	}
	if next, ok, err := st.disp.NextDue(ctx); err == nil && ok {
		fmt.Fprintf(w, "deliveries pending retry from %s: run `panther alerts deliver` or the server to send them\n", next.UTC().Format(time.RFC3339))
	}
}

// storeDirectory gives the delivery pipeline the destinations configured in the data dir.
type storeDirectory struct {
	st  *store.Store
	reg *notify.Registry
}

func openDirectory(ctx context.Context, db *sql.DB, dataDir string) (*storeDirectory, error) {
	box, err := secretbox.OpenDir(dataDir)
	if err != nil {
		return nil, err
	}
	reg := destinations.NewRegistry(notify.Options{})
	st, err := store.New(ctx, db, box, reg, store.Options{})
	if err != nil {
		return nil, err
	}
	return &storeDirectory{st: st, reg: reg}, nil
}

func (d *storeDirectory) Destinations(ctx context.Context) ([]delivery.Destination, error) {
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

func (d *storeDirectory) Notifier(ctx context.Context, id string) (notify.Notifier, error) {
	x, err := d.st.Reveal(ctx, id)
	if err != nil {
		return nil, err
	}
	return d.reg.Build(x.Type, x.Config)
}
